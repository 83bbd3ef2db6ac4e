"""Errors raised while preparing or supervising the runtime's child processes.

Each message is one line a user can act on (the CLI prints it as is, after `harness: `);
a child's log tail, when there is one, follows on later lines.
"""

from __future__ import annotations

from pathlib import Path


class MissingDependencyError(RuntimeError):
    """A binary or package the runtime needs is absent; the message says what to install."""


class RuntimeNotRunning(RuntimeError):
    """No runtime runs in this home, and the command does not start one."""


class ServiceStartError(RuntimeError):
    """A service could not start: a child died or never became ready during start-up, or
    the start was refused before any child ran (the subclasses below). The message carries
    the service's log tail when there is one, because 'exited with code 1' alone helps
    nobody."""

    def __init__(self, name: str, reason: str, log_path: Path | None = None,
                 log_tail: str = "") -> None:
        self.name = name
        self.reason = reason
        self.log_path = log_path
        message = f"{name} {reason}"
        if log_path is not None:
            message += f" (log: {log_path})"
        if log_tail.strip():
            message += "\n--- last lines of the log ---\n" + log_tail
        super().__init__(message)


class TemporalUnreachable(ServiceStartError):
    """The remote Temporal address given does not answer: blame the address, not a worker
    that could not connect to it."""

    def __init__(self, address: str, why: str) -> None:
        self.address = address
        super().__init__("temporal", f"cluster at {address} does not answer ({why}); "
                                     "check --temporal-address")


class PortTaken(ServiceStartError):
    """Another program listens on a port a service must bind (its fixed port, or the port
    it had before a restart, which its clients still use)."""

    def __init__(self, name: str, port: int, holder: str) -> None:
        self.port = port
        self.holder = holder
        super().__init__(name, f"cannot listen on 127.0.0.1:{port}: the port is taken by "
                               f"{holder}")


class DiskSpaceLow(ServiceStartError):
    """The file system holding $HARNESS_HOME has (almost) no space left: the runtime refuses
    to start, or stops before SQLite fails a write half-way."""

    def __init__(self, path: Path, free_bytes: int, needed_bytes: int, starting: bool) -> None:
        self.name, self.reason, self.log_path = "runtime", "no space", None
        self.path = path
        self.free_bytes = free_bytes
        self.needed_bytes = needed_bytes
        where = f"only {_mb(free_bytes)} free on the file system of {path}"
        if starting:
            message = f"{where}; the runtime needs {_mb(needed_bytes)} to start"
        else:
            message = (f"stopped the runtime: {where} (it stops below {_mb(needed_bytes)}, "
                       "before the Temporal database fails a write)")
        RuntimeError.__init__(self, message + "; free space there and start again")


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


class StartAborted(Exception):
    """Supervisor.start() gave up because abort_start() was called (a signal, say)."""
