"""Errors raised while preparing or supervising the runtime's child processes."""

from __future__ import annotations


class MissingDependencyError(RuntimeError):
    """A binary or package the runtime needs is absent; the message says what to install."""


class RuntimeNotRunning(RuntimeError):
    """No runtime runs in this home, and the command does not start one."""
