"""Errors raised while preparing or supervising the runtime's child processes."""

from __future__ import annotations


class MissingDependencyError(RuntimeError):
    """A binary or package the runtime needs is absent; the message says what to install."""
