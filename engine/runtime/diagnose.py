"""Why no runtime can be found in a home, in one line: no file, a corrupt runtime.json, a
stale one (its supervisor died, or its pid now names another process), a lock held by a
supervisor that never wrote the file, a lock file left by a dead one, the last runtime
stopping by itself. `harness status` prints it; a starting supervisor logs what it
replaces."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from engine.runtime.lock import LOCK_FILE
from engine.runtime.pids import pid_alive, process_start_ticks
from engine.runtime.state import read_last_stop, runtime_file

log = logging.getLogger(__name__)


def why_no_runtime(home: Path) -> str:
    """One line: why `read_runtime(home)` found nothing to attach to."""
    home = Path(home)
    holder = lock_holder(home)
    problem = runtime_file_problem(home)
    if holder is not None:
        what = problem or f"{runtime_file(home)} is missing"
        return (f"supervisor pid {holder} holds {home / LOCK_FILE}, but {what}: it is "
                "starting, stopping or hung")
    if problem:
        return f"no runtime is running in {home}: {problem}; `harness up` replaces it"
    line = f"no runtime is running in {home} (start one with `harness up`)"
    stale_lock = stale_lock_pid(home)
    if stale_lock is not None:
        line += f"; runtime.lock was left by pid {stale_lock}, which is gone (harmless)"
    last = read_last_stop(home)
    if last:
        line += f"; the last one stopped by itself: {last}"
    return line


def runtime_file_problem(home: Path) -> str:
    """'' if runtime.json is absent or names a live supervisor; else what is wrong with it."""
    path = runtime_file(home)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except OSError as exc:
        return f"{path} cannot be read ({exc.strerror})"
    try:
        data = json.loads(text)
        pid = data["supervisor_pid"]
        started = data.get("supervisor_start")
        if not isinstance(pid, int) or not isinstance(started, int | None):
            raise TypeError("supervisor_pid is not a number")
    except (ValueError, KeyError, TypeError) as exc:
        return f"{path} is corrupt ({_short(exc)})"
    if not pid_alive(pid):
        return f"{path} is stale: its supervisor pid {pid} is gone"
    now = process_start_ticks(pid)
    if started is not None and now is not None and now != started:
        return (f"{path} is stale: its supervisor pid {pid} now belongs to another "
                f"process ({_comm(pid)}) that started later")
    return ""


def lock_holder(home: Path) -> int | None:
    """The pid holding runtime.lock, or None. Read from /proc/locks rather than by trying
    the lock: a probe that took the lock even for a moment could make a supervisor
    starting at that moment believe the home is taken."""
    try:
        st = os.stat(Path(home) / LOCK_FILE)
        table = Path("/proc/locks").read_text(encoding="ascii")
    except OSError:
        return None
    wanted = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in table.splitlines():
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 1234 00:2a:5678 0 EOF" ("->" marks a waiter)
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == wanted:
            try:
                return int(fields[4])
            except ValueError:
                return None
    return None


def stale_lock_pid(home: Path) -> int | None:
    """The pid a dead supervisor left in an unheld runtime.lock (flock died with it)."""
    pid = _pid_in(Path(home) / LOCK_FILE)
    return pid if pid is not None and not pid_alive(pid) else None


def _pid_in(path: Path) -> int | None:
    try:
        return int(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]


def log_leftovers(home: Path, lock_path: Path, stale_lock: int | None) -> None:
    """Name, in one log line each, what a dead runtime left here and is now replaced."""
    problem = runtime_file_problem(home)
    if problem:
        log.warning("replacing it: %s", problem)
    if stale_lock is not None and stale_lock != os.getpid():
        log.warning("taking over %s left by pid %s, which is gone", lock_path, stale_lock)
