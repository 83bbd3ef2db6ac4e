"""Ending a bubblewrap sandbox for certain: kill its pid namespace's init.

When the init of a pid namespace dies, the kernel kills every other process in it, and
nothing inside can stop that. Killing the bwrap process we started is not enough: its
child, the sandbox's pid 1, only follows it through a parent-death signal, and a job that
could reach pid 1 (ptrace, now refused by the seccomp filter) cleared that signal and
lived on, holding its output pipes long after its limit.

bwrap reports the host pid of that init on its --info-fd as soon as it exists. We open a
pidfd on it at once (a pid can be reused; a pidfd cannot point at another process) and
check it is bwrap's child, then SIGKILL it through the pidfd at the limit, on
cancellation, and once bwrap has exited (so nothing outlives the sandbox either way).
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


class SandboxInit:
    """The pid-namespace init of one bwrap sandbox, learned from bwrap's info pipe."""

    def __init__(self, info_fd: int) -> None:
        self._info_fd = info_fd  # our read end; bwrap holds the write end
        self._buffer = b""
        self._pidfd: int | None = None
        self.pid: int | None = None

    def read_info(self, bwrap_pid: int) -> bool:
        """Read what bwrap wrote so far; True once the init is known (or never will be:
        bwrap closed the pipe without it). Non-blocking: call it when the fd is readable."""
        if self._info_fd < 0:
            return True
        try:
            chunk = os.read(self._info_fd, 4096)
        except BlockingIOError:
            return False
        self._buffer += chunk
        try:
            pid = int(json.loads(self._buffer)["child-pid"])
        except (ValueError, KeyError, TypeError):
            if chunk:
                return False  # not all of it yet
            self._close_info()  # EOF without a pid: bwrap failed before starting it
            return True
        self._close_info()
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:
            return True  # already gone, and with it its namespace
        if _parent_of(pid) != bwrap_pid:  # gone and its pid reused: not ours to kill
            os.close(pidfd)
            return True
        self._pidfd, self.pid = pidfd, pid
        return True

    def kill(self) -> None:
        """SIGKILL the init, and so everything in its namespace. Idempotent, never raises."""
        if self._pidfd is None:
            return
        try:
            signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
        except OSError:
            pass  # already dead

    def close(self) -> None:
        self._close_info()
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None

    @property
    def info_fd(self) -> int:
        return self._info_fd

    def _close_info(self) -> None:
        if self._info_fd >= 0:
            os.close(self._info_fd)
            self._info_fd = -1
