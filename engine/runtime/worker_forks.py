"""Workers forked from an imported one: the supervisor's side of the worker zygote.

A worker spends 1.7 s of CPU importing the Agents SDK, the plugin and pydantic's schemas
before it can poll. On 2 cores that import competed with whatever else was starting: the
hot standby's with worker-1's start or the agent's first discovery, a restarted worker's
with the standby replaying the agent after a kill. So the supervised worker-1, once
imported and before it starts a thread or a connection, leaves an idle fork of itself
behind (engine/worker_zygote.py), and every later worker of this runtime, the standby and
each restart, is forked from it in milliseconds (Android's zygote, gunicorn's preload).

The protocol: one JSON line each way per connection, on an abstract Unix socket (Linux:
no file to go stale, and out of reach of a sandbox, which has its own network namespace);
the zygote answers only its own user.
    {"op": "spawn", "name", "env", "log", "cwd"} -> {"pid": N}
    {"op": "wait", "pid": N} -> {"code": C}   a forked worker's exit code, once it exited
    {"op": "ping"} -> {"pid": N}               the zygote's own pid
    {"op": "exit"} -> {}
A forked worker is not the supervisor's child: its exit is seen on a pidfd and its code is
asked of the zygote, its parent. When no zygote answers (worker-1 not imported yet, or a
zygote that died), the worker is spawned as before, and that worker leaves a new zygote.
"""

from __future__ import annotations

import hashlib
import json
import os
import select
import signal
import socket
import subprocess
import time
from pathlib import Path

from engine.runtime.processes import ChildProcess

ZYGOTE_ENV = "HARNESS_WORKER_ZYGOTE"  # the socket's abstract name, without the leading NUL
ZYGOTE_LOG_ENV = "HARNESS_WORKER_ZYGOTE_LOG"
SUPERVISOR_PID_ENV = "HARNESS_SUPERVISOR_PID"  # the zygote exits when this process does

ASK_TIMEOUT_S = 2.0  # a fork of the imported worker takes 5-20 ms
UNKNOWN_EXIT = -1  # a forked worker whose parent, the zygote, died before telling its code


class ZygoteError(OSError):
    """The zygote did not answer, or refused."""


def ask(name: str, request: dict, timeout: float = ASK_TIMEOUT_S) -> dict:
    """One request to the zygote named `name`; ZygoteError when none answers."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect("\0" + name)
            conn.sendall(json.dumps(request).encode() + b"\n")
            reply = json.loads(read_line(conn))
    except (OSError, ValueError) as exc:
        raise ZygoteError(f"worker zygote {name!r}: {exc}") from None
    if not isinstance(reply, dict) or "error" in reply:
        raise ZygoteError(f"worker zygote {name!r} refused {request.get('op')!r}: "
                          f"{reply.get('error') if isinstance(reply, dict) else reply!r}")
    return reply


def read_line(conn: socket.socket, limit: int = 1 << 20) -> bytes:
    """One newline-terminated message (an environment is a few KB; refuse a flood)."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            raise ValueError("connection closed mid-message")
        data += chunk
        if len(data) > limit:
            raise ValueError("message too long")
    return data


class WorkerZygote:
    """Where this supervisor's workers are forked from, and how to stop it."""

    def __init__(self, home: Path, log_path: Path) -> None:
        digest = hashlib.sha256(str(Path(home).resolve()).encode()).hexdigest()[:16]
        # The supervisor's pid in the name: a zygote of an earlier runtime is never asked.
        self.name = f"durable-agentic-harness/{digest}/{os.getpid()}/worker-zygote"
        self.log_path = Path(log_path)

    def env(self) -> dict[str, str]:
        """What a worker spawned the slow way is told: leave a zygote behind, there."""
        return {ZYGOTE_ENV: self.name, ZYGOTE_LOG_ENV: str(self.log_path),
                SUPERVISOR_PID_ENV: str(os.getpid())}

    def spawn(self, name: str, env: dict[str, str], log_path: Path,
              cwd: Path | None) -> int | None:
        """A forked worker's pid, or None when no zygote answers (spawn it the slow way)."""
        try:
            reply = ask(self.name, {"op": "spawn", "name": name, "env": env,
                                    "log": str(log_path), "cwd": str(cwd) if cwd else None})
        except ZygoteError:
            return None
        return int(reply["pid"])

    def exit_code(self, pid: int) -> int:
        try:
            code = ask(self.name, {"op": "wait", "pid": pid}).get("code")
        except ZygoteError:
            return UNKNOWN_EXIT
        return int(code) if code is not None else UNKNOWN_EXIT

    def pid(self) -> int | None:
        try:
            return int(ask(self.name, {"op": "ping"}, timeout=0.5)["pid"])
        except (ZygoteError, KeyError, ValueError):
            return None

    def stop(self, timeout: float = 2.0) -> None:
        """Ask it to exit and wait until it has (SIGKILL after `timeout`); a no-op when no
        zygote runs. After the workers: a worker forked from it dies with it."""
        pid = self.pid()
        if pid is None:
            return
        try:
            exited = _pidfd(pid)
        except ProcessLookupError:
            return
        try:
            try:
                ask(self.name, {"op": "exit"}, timeout=0.5)
            except ZygoteError:
                pass
            if not _readable(exited, timeout):
                os.kill(pid, signal.SIGKILL)
                _readable(exited, 1.0)
        except ProcessLookupError:
            pass
        finally:
            os.close(exited)


class ForkedProcess:
    """What ChildProcess needs of a Popen (pid, poll, wait, returncode), for a worker the
    zygote forked."""

    def __init__(self, pid: int, zygote: WorkerZygote) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._zygote = zygote
        try:
            self._exit_fd: int | None = _pidfd(pid)
        except ProcessLookupError:  # gone already (and reaped by the zygote)
            self._exit_fd = None

    def poll(self) -> int | None:
        if self.returncode is None and self._exited(0.0):
            self._collect()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not self._exited(timeout):
                raise subprocess.TimeoutExpired(f"worker pid {self.pid}", timeout or 0.0)
            self._collect()
        return self.returncode  # type: ignore[return-value] - set by _collect

    def _exited(self, timeout: float | None) -> bool:
        return self._exit_fd is None or _readable(self._exit_fd, timeout)

    def _collect(self) -> None:
        self.returncode = self._zygote.exit_code(self.pid)
        if self._exit_fd is not None:
            os.close(self._exit_fd)
            self._exit_fd = None


class ForkedWorkerProcess(ChildProcess):
    """A worker service's process: forked from the zygote when one answers, else spawned
    (and told to leave a zygote behind). Everything else is ChildProcess's: the log, the
    process group, the pidfd the supervisor sleeps on, stop()'s SIGTERM then SIGKILL."""

    def __init__(self, name: str, argv: list[str], log_path: Path, env: dict[str, str],
                 cwd: Path | None, zygote: WorkerZygote) -> None:
        super().__init__(name, argv, log_path, env={**env, **zygote.env()}, cwd=cwd)
        self.zygote = zygote
        self.forked = False  # how the current run started (tests and benches read it)

    def start(self) -> int:
        if self.running:
            raise RuntimeError(f"{self.name} is already running (pid {self.pid})")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            log.write(self._banner().encode())
        env = {**os.environ, **self.extra_env}
        pid = self.zygote.spawn(self.name, env, self.log_path, self.cwd)
        if pid is None:
            self.forked = False
            return self._spawn(env, banner=False)
        self.forked = True
        self._popen = ForkedProcess(pid, self.zygote)  # type: ignore[assignment]
        self.started_at = time.time()
        self._close_pidfd()
        try:
            self._pidfd = _pidfd(pid)
        except ProcessLookupError:  # died at once: poll() finds its code
            self._pidfd = None
        return pid


def _pidfd(pid: int) -> int:
    return os.pidfd_open(pid)


def _readable(fd: int, timeout: float | None) -> bool:
    readable, _, _ = select.select([fd], [], [], timeout)
    return bool(readable)
