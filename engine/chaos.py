"""Chaos for demonstrations: crash the worker on purpose, and narrate the recovery.

- "Crash during the next model call / order placement": the app drops a marker file
  `$HARNESS_HOME/run/crash-next-<activity type>`; every worker checks for it at the
  start of each activity (one stat, a few microseconds) and SIGKILLs its own process
  when it finds it, after deleting it (so the restarted worker does not crash again).
  SIGKILL, not an exception: the point is a process that vanishes mid-work. The hook
  lives in engine/chaos_hook.py, so this module (used by the window) stays free of
  temporalio, whose import costs the window 0.6 s.
- CrashWatch: given the kill time and tick, it reads history events as they stream
  and says when, and how fast, the agent resumed.
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.runtime.home import run_dir

MODEL_ACTIVITY = "invoke_model_activity"
ORDER_ACTIVITY = "place_order"
# Events only a live worker produces: the first one after a kill is the resumption.
_PROGRESS = ("WorkflowTaskCompleted", "ActivityTaskCompleted", "MarkerRecorded")


def marker_path(home: Path, activity_type: str) -> Path:
    return run_dir(home) / f"crash-next-{activity_type}"


def crash_record_path(home: Path, activity_type: str) -> Path:
    """Written by the worker that took an armed crash, just before it died: the epoch."""
    return run_dir(home) / f"crashed-at-{activity_type}"


def arm_crash(home: Path, activity_type: str) -> Path:
    """Make the next worker to start an activity of this type kill itself."""
    path = marker_path(home, activity_type)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(os.getpid()))
    return path


class CrashWatch:
    """Narrates one recovery: killed at tick T -> resumed at tick T', X ms after the kill."""

    def __init__(self, killed_at: float, tick: int) -> None:
        self.killed_at = killed_at
        self.tick = tick
        self.resumed_after_ms: float | None = None

    def observe(self, event_name: str, event_epoch: float, latest_tick: int | None) -> str | None:
        """The narration line once the first worker-made event after the kill arrives."""
        if self.resumed_after_ms is not None or event_epoch <= self.killed_at:
            return None
        if event_name not in _PROGRESS:
            return None
        self.resumed_after_ms = (event_epoch - self.killed_at) * 1000
        tick = latest_tick if latest_tick is not None else self.tick
        return f"resumed at tick {tick}, {self.resumed_after_ms:,.0f} ms after the kill"
