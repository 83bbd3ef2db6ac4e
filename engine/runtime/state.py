"""`$HARNESS_HOME/runtime.json`: how other processes find (and attach to) a running runtime.

The supervisor rewrites it atomically on every change (a child restarted, became ready,
...), and deletes it on a clean stop. A file left by a supervisor that was killed is
*stale*: `read_runtime` recognises it by the dead supervisor pid, or by a live pid whose
process started at another time (the pid was reused), and returns None.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from engine.runtime.pids import pid_alive, process_start_ticks

RUNTIME_FILE = "runtime.json"


class ServiceRecord(TypedDict, total=False):
    """One child as runtime.json describes it (plain JSON, so other tools can read it)."""

    pid: int | None
    port: int | None
    started_at: float | None
    restarts: int
    crash_streak: int  # unexpected exits in a row (deliberate kills excluded): the back-off
    status: str  # planned | starting | ready | exited | restarting | failed | stopped
    log: str  # path of the service's log file
    ready_file: str  # workers only
    error: str  # why its last (re)start failed (a port taken, ...), while it is down


@dataclass
class RuntimeInfo:
    home: Path
    temporal_address: str
    namespace: str
    ui_url: str | None
    mockoon_url: str
    supervisor_pid: int
    services: dict[str, ServiceRecord] = field(default_factory=dict)
    started_at: float = field(default_factory=time.time)
    remote_temporal: bool = False  # True: the server is not ours to start or stop
    # The supervisor's process start time: tells it from a later process given the same pid.
    supervisor_start: int | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["home"] = str(self.home)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RuntimeInfo:
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}  # tolerate newer writers
        values["home"] = Path(values["home"])
        values["services"] = {k: dict(v) for k, v in values.get("services", {}).items()}
        return cls(**values)

    def workers(self) -> list[str]:
        return sorted(name for name in self.services if name.startswith("worker-"))


def runtime_file(home: Path) -> Path:
    return Path(home) / RUNTIME_FILE


def write_runtime(info: RuntimeInfo) -> None:
    """Atomic: readers see the old file or the new one, never half of one."""
    target = runtime_file(info.home)
    fd, tmp = tempfile.mkstemp(prefix=".runtime.", suffix=".json", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(info.to_json(), out, indent=2)  # plan order: server, mockoon, workers
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_runtime(home: Path) -> None:
    runtime_file(home).unlink(missing_ok=True)


def load_runtime_file(home: Path) -> RuntimeInfo | None:
    """The file's content, stale or not; None when absent or unreadable."""
    try:
        data = json.loads(runtime_file(home).read_text(encoding="utf-8"))
        return RuntimeInfo.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_runtime(home: Path) -> RuntimeInfo | None:
    """The running runtime's info, or None if there is none (absent or stale file)."""
    info = load_runtime_file(home)
    if info is None or not pid_alive(info.supervisor_pid):
        return None
    if info.supervisor_start is not None:
        now = process_start_ticks(info.supervisor_pid)
        if now is not None and now != info.supervisor_start:
            return None  # the pid was reused by another process: the file is stale
    return info


def attach(home: Path, timeout: float = 2.0) -> RuntimeInfo | None:
    """The running runtime, if its supervisor is alive and its Temporal server answers.

    Neither Mockoon nor the workers are required: either may be mid-restart or down for a
    while (the agent then waits, saying why), and a caller that attaches (the app, `harness
    state`, `harness run`) talks to the server. Starting a second runtime instead would
    fail on the lock anyway; `harness status` names the service that is down.
    """
    info = read_runtime(home)
    if info is None:
        return None
    from engine.runtime.health import check_runtime  # health imports this module

    report = check_runtime(info, timeout=timeout)
    essentials = [name for name in ("temporal",) if name in report]
    return info if all(report[name].healthy for name in essentials) else None


LAST_STOP_FILE = "last-stop.json"


def write_last_stop(home: Path, reason: str) -> None:
    """Why the last runtime stopped by itself (the disk filled up, ...): `harness status`
    says so once nothing runs. Tiny, and written while some space is still left."""
    try:
        (Path(home) / LAST_STOP_FILE).write_text(
            json.dumps({"reason": reason, "at": time.time()}), encoding="utf-8")
    except OSError:
        pass  # the log line the supervisor wrote first is the fallback


def read_last_stop(home: Path) -> str:
    try:
        return str(json.loads((Path(home) / LAST_STOP_FILE).read_text("utf-8"))["reason"])
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def clear_last_stop(home: Path) -> None:
    (Path(home) / LAST_STOP_FILE).unlink(missing_ok=True)
