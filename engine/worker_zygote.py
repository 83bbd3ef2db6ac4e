"""The worker zygote: an imported, idle fork of the supervised worker-1 that forks the
runtime's later workers (why: engine/runtime/worker_forks.py, which also has the protocol).

The fork happens right after the imports, before the worker starts a thread, an event loop
or a connection, so a forked worker is as sound as a fresh process: it then runs exactly
what a spawned worker runs after its imports. (OpenBLAS, which numpy loads, keeps a thread
pool; it stops it around fork() itself, with pthread_atfork.) The zygote first takes every
imported object out of the collector's sight (gc.freeze), so that collections in the forks
do not write to, and so copy, the pages they share with it.

The zygote lives in its own session, so a chaos kill of worker-1's process group spares
it, and exits when the supervisor does (a pidfd on it). Its workers do not die with it:
each watches the supervisor itself, and dies with it, as a spawned worker does
(PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import select
import signal
import socket
import struct
import sys
import threading
import traceback
from collections.abc import Callable

from engine.runtime.worker_forks import (
    SUPERVISOR_PID_ENV,
    ZYGOTE_ENV,
    ZYGOTE_LOG_ENV,
    read_line,
)

EXIT_CODES_KEPT = 256  # of workers nobody asked about yet (a supervisor that died, ...)


def leave_zygote_behind(run_worker: Callable[[], None]) -> None:
    """Fork the zygote when the supervisor asked for one (worker-1, spawned); return in the
    worker. The zygote never returns: it serves forks until its supervisor exits, and each
    fork runs `run_worker`, what a worker does once imported."""
    name = os.environ.pop(ZYGOTE_ENV, "")
    log_path = os.environ.pop(ZYGOTE_LOG_ENV, "")
    supervisor = os.environ.get(SUPERVISOR_PID_ENV, "")
    if not (name and supervisor.isdigit() and hasattr(os, "fork")):
        return
    if threading.active_count() > 1:  # an import started a thread: a fork would lose it
        print(f"worker zygote: not started, {threading.active_count()} threads", flush=True)
        return
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        # Bound before the fork: it accepts as soon as this worker polls, never later.
        listener.bind("\0" + name)
        listener.listen(16)
    except OSError as exc:  # one already serves this runtime (two workers spawned at once)
        listener.close()
        print(f"worker zygote: not started ({exc})", flush=True)
        return
    sys.stdout.flush()
    sys.stderr.flush()
    if os.fork():
        listener.close()
        return
    code = 1
    try:
        os.setsid()
        _redirect_output(log_path)
        gc.freeze()
        print(f"worker zygote pid {os.getpid()} serving {name}", flush=True)
        code = _serve(listener, int(supervisor), run_worker)
    except BaseException:  # noqa: BLE001 - the zygote's last words go to its log
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _serve(listener: socket.socket, supervisor_pid: int,
           run_worker: Callable[[], None]) -> int:
    try:
        supervisor = os.pidfd_open(supervisor_pid)
    except ProcessLookupError:
        return 0
    exit_codes: dict[int, int] = {}
    while True:
        readable, _, _ = select.select([listener, supervisor], [], [], 1.0)
        _reap(exit_codes)
        if supervisor in readable:
            print("worker zygote: the supervisor exited", flush=True)
            return 0
        if listener not in readable:
            continue
        conn, _ = listener.accept()
        with conn:
            try:
                conn.settimeout(2.0)
                request = _request(conn)
                if request.get("op") == "spawn":
                    if not (isinstance(request.get("env"), dict)
                            and isinstance(request.get("log"), str)):
                        raise ValueError("spawn takes env (an object) and log (a path)")
                    pid = os.fork()
                    if pid == 0:
                        listener.close()
                        _become_worker(conn, request, run_worker, supervisor)
                    reply: dict = {"pid": pid}
                    print(f"worker zygote: forked {request.get('name')} pid {pid}", flush=True)
                elif request.get("op") == "wait":
                    reply = {"code": _exit_code(int(request["pid"]), exit_codes)}
                elif request.get("op") == "ping":
                    reply = {"pid": os.getpid()}
                elif request.get("op") == "exit":
                    conn.sendall(b"{}\n")
                    print("worker zygote: asked to exit", flush=True)
                    return 0
                else:
                    reply = {"error": f"unknown op {request.get('op')!r}"}
            except (OSError, ValueError, KeyError, TypeError) as exc:
                reply = {"error": str(exc)}
            try:
                conn.sendall(json.dumps(reply).encode() + b"\n")
            except OSError:
                pass  # the asker gave up; a forked worker still runs and is reaped later


def _request(conn: socket.socket) -> dict:
    uid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                              struct.calcsize("3i")))[1]
    if uid != os.getuid():
        raise ValueError(f"uid {uid} may not ask this zygote")
    request = json.loads(read_line(conn))
    if not isinstance(request, dict):
        raise ValueError("a request is a JSON object")
    return request


def _become_worker(conn: socket.socket, request: dict, run_worker: Callable[[], None],
                   supervisor: int) -> None:
    """In the fork: the worker the request describes. Never returns."""
    code = 1
    try:
        conn.close()
        os.setsid()  # its own process group, as a spawned worker: a kill takes it whole
        _die_with_supervisor(supervisor)
        log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in request["env"].items()})
        if request.get("cwd"):
            os.chdir(request["cwd"])
        run_worker()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - a worker's crash goes to its log, as spawned
        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()  # what the interpreter's exit would have run
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)


def _die_with_supervisor(supervisor: int) -> None:
    """SIGKILL this worker's process group the moment the supervisor exits, as
    PR_SET_PDEATHSIG does for a spawned worker. Not tied to the zygote, its parent: a
    worker dies only of its own causes or with its runtime."""

    def watch() -> None:
        select.select([supervisor], [], [])
        os.killpg(0, signal.SIGKILL)

    threading.Thread(target=watch, name="die-with-supervisor", daemon=True).start()


def _redirect_output(log_path: str) -> None:
    if not log_path:
        return
    os.makedirs(os.path.dirname(log_path) or ".", exist_ok=True)
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)


def _reap(exit_codes: dict[int, int]) -> None:
    """Collect every forked worker that exited (no zombies), keeping its code for "wait"."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        exit_codes[pid] = os.waitstatus_to_exitcode(status)
        while len(exit_codes) > EXIT_CODES_KEPT:
            exit_codes.pop(next(iter(exit_codes)))


def _exit_code(pid: int, exit_codes: dict[int, int]) -> int | None:
    _reap(exit_codes)
    return exit_codes.pop(pid, None)
