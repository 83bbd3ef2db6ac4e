"""One supervisor per home: an exclusive `flock` on `$HARNESS_HOME/runtime.lock`.

flock rather than a pid file: the kernel drops the lock when the holder dies, however it
dies, so a crashed supervisor never blocks the next one. The fd is close-on-exec (Python's
default), so children never inherit, and never keep, the lock.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from engine.runtime.state import RuntimeInfo, load_runtime_file

LOCK_FILE = "runtime.lock"


class RuntimeAlreadyRunning(RuntimeError):
    """Another supervisor owns this home. `info` describes it (None while it is still
    writing runtime.json), so the caller can attach instead of starting."""

    def __init__(self, home: Path, info: RuntimeInfo | None) -> None:
        self.home = home
        self.info = info
        if info is not None:
            owner = f"supervisor pid {info.supervisor_pid}"
        else:  # it has not written runtime.json (yet): name it from the kernel's lock table
            from engine.runtime.diagnose import lock_holder

            pid = lock_holder(home)
            owner = f"supervisor pid {pid}, still starting" if pid else "another supervisor"
        super().__init__(f"a harness runtime is already running in {home} ({owner})")


class RuntimeLock:
    def __init__(self, home: Path) -> None:
        self.path = Path(home) / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise RuntimeAlreadyRunning at once (never waits)."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:  # a directory in its place, no permission, a full disk
            from engine.runtime.errors import ServiceStartError

            raise ServiceStartError("runtime", f"cannot open its lock {self.path}: "
                                               f"{exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RuntimeAlreadyRunning(self.path.parent,
                                        load_runtime_file(self.path.parent)) from None
        # For humans poking at the home dir; the lock itself is what counts.
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None
