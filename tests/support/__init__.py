"""Shared test helpers and test doubles (each says so in its docstring)."""
