"""What bench/long_haul.py samples while the agent runs: sizes read off the live run's
history, the task proxy's tokens, the journal on disk, and each process's RSS; and the
per-window summary with each figure's flatness."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from temporalio.api.history.v1 import HistoryEvent

from engine.client import HarnessClient
from engine.runtime.broker_journal import journal_path
from engine.runtime.home import logs_dir
from engine.runtime.supervisor import Supervisor

SNAPSHOT_ACTIVITY = "broker_snapshot"
SIZES = ("max_carry_bytes", "max_snapshot_bytes", "max_proxy_tokens", "journal_bytes",
         "rss_kib_temporal", "rss_kib_worker", "rss_kib_supervisor", "max_events_per_run")
# Reported, not held to flatness: a trimmed log saws between 0 and its cap, and Temporal's
# store keeps closed runs for the namespace's retention (24 hours of wall clock: a run
# compressed into an hour keeps all of them).
FILES = ("max_log_file_bytes", "logs_bytes", "temporal_db_bytes")


def _payload_bytes(payloads) -> int:
    return sum(len(p.data) + sum(len(k) + len(v) for k, v in p.metadata.items())
               for p in payloads.payloads)


def history_sizes(events: list[HistoryEvent]) -> tuple[int, int, str]:
    """(the run's input: the carry it started with, the largest broker snapshot the run
    read, the run it continued from)."""
    if not events:
        return 0, 0, ""
    started = events[0].workflow_execution_started_event_attributes
    carry = _payload_bytes(started.input)
    scheduled = {e.event_id: e.activity_task_scheduled_event_attributes.activity_type.name
                 for e in events if e.HasField("activity_task_scheduled_event_attributes")}
    snapshot = max((_payload_bytes(e.activity_task_completed_event_attributes.result)
                    for e in events if e.HasField("activity_task_completed_event_attributes")
                    and scheduled.get(e.activity_task_completed_event_attributes
                                      .scheduled_event_id) == SNAPSHOT_ACTIVITY), default=0)
    return carry, snapshot, started.continued_execution_run_id


def rss_kib(pid: int | None) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, TypeError):
        pass
    return 0


@dataclass
class Window:
    index: int
    started_at: float
    first_tick: int
    figures: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SIZES + FILES, 0))
    samples: int = 0

    def note(self, name: str, value: float) -> None:
        self.figures[name] = max(self.figures[name], value)

    def close(self, at: float, last_tick: int) -> dict[str, Any]:
        ticks = max(1, last_tick - self.first_tick)
        return {"window": self.index, "ticks": [self.first_tick, last_tick],
                "ms_per_tick": round((at - self.started_at) * 1000 / ticks, 2),
                "samples": self.samples, **self.figures}


async def sample(window: Window, harness: HarnessClient, supervisor: Supervisor,
                 workflow_id: str) -> None:
    """One sample of every size into the window (what is unreachable now, a server being
    restarted say, is skipped)."""
    window.samples += 1
    failover = supervisor.failover
    if failover is not None:
        window.note("max_proxy_tokens", failover.tokens_held())
    path = journal_path(supervisor.home)
    window.note("journal_bytes", path.stat().st_size if path.exists() else 0)
    logs = [f.stat().st_size for f in logs_dir(supervisor.home).iterdir() if f.is_file()]
    window.note("max_log_file_bytes", max(logs, default=0))
    window.note("logs_bytes", sum(logs))
    window.note("temporal_db_bytes", sum(f.stat().st_size for f in
                                         supervisor.home.glob("temporal.db*")))
    services = supervisor.info.services
    window.note("rss_kib_temporal", rss_kib(services.get("temporal", {}).get("pid")))
    window.note("rss_kib_worker", rss_kib(services.get("worker-1", {}).get("pid")))
    window.note("rss_kib_supervisor", rss_kib(os.getpid()))
    try:
        history = await harness.history(workflow_id)
        carry, snapshot, previous = history_sizes(list(history.events))
        window.note("max_carry_bytes", carry)
        window.note("max_snapshot_bytes", snapshot)
        window.note("max_events_per_run", len(history.events))
        if previous:
            described = await harness.temporal.get_workflow_handle(
                workflow_id, run_id=previous).describe()
            window.note("max_events_per_run", described.history_length)
    except Exception:  # noqa: BLE001 - the server may be down for a chaos kill
        pass


def flatness(windows: list[dict[str, Any]]) -> dict[str, float | None]:
    """Each figure's last full window over its second (the first one warms up)."""
    size = windows[0]["ticks"][1] - windows[0]["ticks"][0] if windows else 0
    full = [w for w in windows[1:] if w["ticks"][1] - w["ticks"][0] >= size * 0.9]
    if len(full) < 2:
        return {}
    second, last = full[0], full[-1]
    out: dict[str, float | None] = {}
    for name in (*SIZES, "ms_per_tick"):
        a, b = second[name], last[name]
        out[name] = round(b / a, 3) if a else (1.0 if not b else math.inf)
    return out
