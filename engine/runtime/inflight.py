"""What a worker is doing right now, in a small file its supervisor reads when it dies.

The worker (engine/inflight_recorder.py) rewrites `$HARNESS_HOME/run/<worker>.inflight`
in place whenever one of its activities starts or ends: the task tokens of the regular
activities it is running, and the workflow executions it served last (it is their
sticky worker). No fsync: a killed process loses nothing the page cache holds, and the
file only matters once its writer is dead. Plain JSON, read without temporalio.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from engine.runtime.home import run_dir

MAX_WORKFLOWS = 64  # the executions a worker remembers serving, newest last


@dataclass
class Inflight:
    # "type:workflow id/activity id" -> task token
    activities: dict[str, bytes] = field(default_factory=dict)
    workflows: list[tuple[str, str]] = field(default_factory=list)  # (workflow id, run id)

    def to_bytes(self) -> bytes:
        return json.dumps({
            "activities": {k: base64.b64encode(t).decode() for k, t in self.activities.items()},
            "workflows": self.workflows,
        }).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Inflight:
        data = json.loads(raw or b"{}")
        return cls(
            activities={k: base64.b64decode(t) for k, t in data.get("activities", {}).items()},
            workflows=[(str(w), str(r)) for w, r in data.get("workflows", [])],
        )


def inflight_path(home: Path, worker: str) -> Path:
    return run_dir(home) / f"{worker}.inflight"


class InflightFile:
    """The writer's side: one open descriptor, rewritten in place."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)

    def write(self, state: Inflight) -> None:
        raw = state.to_bytes()
        os.pwrite(self._fd, raw, 0)
        os.ftruncate(self._fd, len(raw))

    def close(self) -> None:
        os.close(self._fd)


def read_inflight(path: Path) -> Inflight:
    """What a dead worker left behind (empty if it left nothing readable)."""
    try:
        return Inflight.from_bytes(path.read_bytes())
    except (OSError, ValueError):
        return Inflight()


def take_leftovers(home: Path) -> dict[str, Inflight]:
    """The records of workers that died with a previous runtime in this home (its app was
    killed), read and removed: taken before this runtime's workers start, so they never
    read as our own workers' files of the same names. The failover, started once the
    children are spawning, hands them over (engine/runtime/failover.py)."""
    leftovers = {}
    for path in sorted(run_dir(home).glob("worker-*.inflight")):
        leftovers[path.stem] = read_inflight(path)
        path.unlink(missing_ok=True)
    return leftovers
