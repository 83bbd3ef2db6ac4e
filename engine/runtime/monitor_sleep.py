"""Where the supervisor's monitor thread sleeps: until a child exits (its pidfd turns
readable), a restart falls due, or another thread, or a signal handler, wakes it."""

from __future__ import annotations

import os
import select
import time
from collections.abc import Iterable

from engine.runtime.services import Service

EXIT_POLL_S = 0.05  # for a child without a pidfd: poll it this often
IDLE_WAIT_S = 1.0  # with pidfds the monitor wakes on an exit, a restart due, or wake()


class MonitorSleep:
    def __init__(self) -> None:
        # Never closed: a signal handler may still write after the runtime stopped, and a
        # closed descriptor's number may by then belong to another file.
        self._read, self._write = os.pipe()

    def wake(self) -> None:
        """Safe from a signal handler: one write, no lock."""
        try:
            os.write(self._write, b"x")
        except OSError:
            pass

    def until_exit(self, services: Iterable[Service]) -> bool:
        """Sleep until a child exits, a restart is due, or wake() is called; True when a
        child's exit woke it."""
        services = list(services)
        fds = [s.child.exit_fd for s in services if s.status in ("starting", "ready")]
        due = [s.restart_at for s in services if s.status == "restarting" and s.restart_at]
        timeout = IDLE_WAIT_S
        if due:
            timeout = max(0.0, min(due) - time.monotonic())
        if any(fd is None for fd in fds):
            timeout = min(timeout, EXIT_POLL_S)  # some child cannot be waited on: poll
        readable, _, _ = select.select([self._read, *(fd for fd in fds if fd is not None)],
                                       [], [], timeout)
        if self._read in readable:
            os.read(self._read, 1024)
        return any(fd != self._read for fd in readable)
