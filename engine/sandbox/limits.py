"""What a sandbox may use, what it reports, and the one error for "cannot sandbox here"."""

from __future__ import annotations

from dataclasses import dataclass

# Why a sandboxed run ended. "exit": the job exited non-zero on its own (a fork bomb that
# hit the pids limit ends so); "killed": a signal we did not send for a limit.
REASONS = ("ok", "exit", "timeout", "memory", "killed", "error")


@dataclass(frozen=True)
class SandboxLimits:
    memory_mb: int = 512
    cpus: float = 1.0
    pids: int = 64
    timeout_s: float = 120.0
    tmpfs_mb: int = 64
    file_size_mb: int = 16

    def __post_init__(self) -> None:
        # Bad limits are refused here, before any process starts, with the field named.
        for name in ("memory_mb", "pids", "tmpfs_mb", "file_size_mb"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"SandboxLimits.{name} must be a positive integer, not {value!r}")
        for name in ("cpus", "timeout_s"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"SandboxLimits.{name} must be a positive number, not {value!r}")


@dataclass(frozen=True)
class SandboxResult:
    backend: str
    exit_code: int | None
    stdout: str
    stderr: str
    reason: str  # one of REASONS
    duration_s: float

    @property
    def ok(self) -> bool:
        return self.reason == "ok"


class SandboxUnavailable(Exception):
    """This backend cannot run here; the message says which one and why, in one line."""
