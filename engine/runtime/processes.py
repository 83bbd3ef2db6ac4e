"""One child process: argv, environment, an appended log file, its own process group.

Modelled on qutebrowser's `GUIProcess`: the object outlives a single run of the process,
so the supervisor can `start()` it again after a crash and the log keeps the history of
every run, separated by a banner.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from engine.runtime.log_trim import previous_log
from engine.runtime.parent_death import die_with_parent_preexec

DEFAULT_GRACE_S = 5.0


class ChildProcess:
    """A restartable child in its own session; stopping it signals the whole group."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = Path(log_path)
        self.extra_env = dict(env or {})
        self.cwd = cwd
        self._popen: subprocess.Popen[bytes] | None = None
        self._pidfd: int | None = None
        self.started_at: float | None = None  # wall clock, for runtime.json

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> int:
        """Spawn the process (must be called from a long-lived thread: see parent_death)."""
        if self.running:
            raise RuntimeError(f"{self.name} is already running (pid {self.pid})")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        return self._spawn({**os.environ, **self.extra_env})

    def _spawn(self, env: dict[str, str], banner: bool = True) -> int:
        with open(self.log_path, "ab") as log:
            if banner:
                log.write(self._banner().encode())
                log.flush()
            # The child gets its own dup of the log fd; ours closes when the block ends.
            self._popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.cwd,
                # Own process group: a Ctrl-C in the terminal reaches only the supervisor,
                # which then stops children in order, and a stop signals grandchildren too.
                start_new_session=True,
                preexec_fn=die_with_parent_preexec(),
            )
        self.started_at = time.time()
        self._close_pidfd()
        try:  # readable the moment the process exits: the supervisor waits on it
            self._pidfd = os.pidfd_open(self._popen.pid)
        except (AttributeError, OSError):  # not Linux >= 5.3: the supervisor polls instead
            self._pidfd = None
        return self._popen.pid

    def stop(self, grace: float = DEFAULT_GRACE_S) -> int | None:
        """SIGTERM the group, SIGKILL it after `grace` seconds; return the exit code."""
        if self._popen is None:
            return None
        if self._popen.poll() is None:
            self.signal_group(signal.SIGTERM)
            try:
                self._popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.signal_group(signal.SIGKILL)
                self._popen.wait()
        # Anything the child left behind in its group (a grandchild) goes too.
        self.signal_group(signal.SIGKILL)
        return self._popen.returncode

    def kill(self) -> None:
        """SIGKILL the whole group now (chaos); the monitor notices and restarts."""
        self.signal_group(signal.SIGKILL)

    def signal_group(self, sig: int) -> None:
        if self._popen is None:
            return
        try:
            os.killpg(self._popen.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass  # the group is already gone

    # -- state -----------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen else None

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    @property
    def exit_fd(self) -> int | None:
        """A pidfd of the running child (readable once it exits), or None."""
        return self._pidfd

    def poll(self) -> int | None:
        """Reap the child if it exited; its exit code, or None while it runs."""
        code = self._popen.poll() if self._popen else None
        if code is not None:
            self._close_pidfd()
        return code

    def _close_pidfd(self) -> None:
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the log: what an error message shows when a child dies
        (reaching into the previous log when the live one was just trimmed)."""
        text = ""
        for path in (self.log_path, previous_log(self.log_path)):
            text = _tail_bytes(path, 16_384) + text
            if text.count("\n") > lines:
                break
        return "\n".join(text.splitlines()[-lines:])

    def _banner(self) -> str:
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        return f"\n===== {now} starting {self.name}: {shlex.join(self.argv)}\n"

    def __repr__(self) -> str:
        return f"ChildProcess({self.name!r}, pid={self.pid}, running={self.running})"


def stop_all(children: Sequence[ChildProcess], grace: float = DEFAULT_GRACE_S) -> None:
    """Stop several children concurrently: SIGTERM all, one shared grace period, SIGKILL."""
    live = [c for c in children if c.running]
    for child in live:
        child.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in live:
        child.stop(grace=max(0.0, deadline - time.monotonic()))


def _tail_bytes(path: Path, size: int) -> str:
    try:
        with open(path, "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - size))
            return log.read().decode(errors="replace")
    except OSError:
        return ""
