"""Figures read off event histories: events per tick, tick gaps, activity and task latency."""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

FETCH = "fetch_tick_context"


def _name(event: HistoryEvent) -> str:
    return EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")


def _seconds(event: HistoryEvent) -> float:
    return event.event_time.seconds + event.event_time.nanos / 1e9


def _marker_type(event: HistoryEvent) -> str:
    payloads = event.marker_recorded_event_attributes.details.get("data")
    if payloads is None or not payloads.payloads:
        return ""
    try:
        return json.loads(payloads.payloads[0].data).get("activity_type", "")
    except ValueError:
        return ""


def history_figures(runs: list[list[HistoryEvent]], ticks: int) -> dict[str, Any]:
    events = [e for run in runs for e in run]
    types = Counter(_name(e) for e in events)
    markers = Counter(_marker_type(e) for e in events if _name(e) == "MARKER_RECORDED")
    tick_times = [_seconds(e) for e in events
                  if _name(e) == "MARKER_RECORDED" and _marker_type(e) == FETCH]
    gaps = [b - a for a, b in zip(tick_times, tick_times[1:], strict=False)]
    activities = types.get("ACTIVITY_TASK_SCHEDULED", 0)
    local_activities = sum(n for kind, n in markers.items() if kind)  # not patch markers
    return {
        "events": len(events),
        "events_per_tick": len(events) / ticks,
        # A durable step: one activity or local activity, each saved in the history.
        "durable_steps_per_tick": (activities + local_activities) / ticks,
        "activities_per_tick": activities / ticks,
        "local_activity_steps_per_tick": local_activities / ticks,
        "workflow_tasks_per_tick": types.get("WORKFLOW_TASK_COMPLETED", 0) / ticks,
        "runs_per_workflow": len(runs),
        "max_events_per_run": max(len(run) for run in runs),
        "event_types_per_tick": {k: round(v / ticks, 2) for k, v in types.most_common()},
        "local_activities_per_tick": {k: round(v / ticks, 2) for k, v in markers.items()},
        "activity_latency_ms": activity_latencies(events),
        "workflow_task_ms": workflow_task_latency(events),
        "flatness": flatness(gaps),
        "tick_gap_ms_median": round(statistics.median(gaps) * 1000, 2) if gaps else None,
    }


def flatness(gaps: list[float]) -> float | None:
    tenth = len(gaps) // 10
    if tenth < 1:
        return None
    first, last = statistics.fmean(gaps[:tenth]), statistics.fmean(gaps[-tenth:])
    return round(last / first, 3) if first > 0 else None


def activity_latencies(events: list[HistoryEvent]) -> dict[str, dict[str, float]]:
    """Per activity type: mean schedule-to-start and start-to-close, in ms."""
    scheduled: dict[int, tuple[str, float]] = {}
    started: dict[int, float] = {}
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for e in events:
        kind = e.event_type
        if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            attrs = e.activity_task_scheduled_event_attributes
            scheduled[e.event_id] = (attrs.activity_type.name, _seconds(e))
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            started[e.activity_task_started_event_attributes.scheduled_event_id] = _seconds(e)
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            sid = e.activity_task_completed_event_attributes.scheduled_event_id
            if sid in scheduled and sid in started:
                name, at = scheduled[sid]
                spans[name].append((started[sid] - at, _seconds(e) - started[sid]))
    return {
        name: {
            "count": len(s),
            "schedule_to_start_ms": round(statistics.fmean(a for a, _ in s) * 1000, 2),
            "start_to_close_ms": round(statistics.fmean(b for _, b in s) * 1000, 2),
        }
        for name, s in spans.items()
    }


def workflow_task_latency(events: list[HistoryEvent]) -> dict[str, float]:
    """Workflow tasks: mean scheduled-to-started and started-to-completed, in ms."""
    scheduled: dict[int, float] = {}
    started: dict[int, float] = {}
    waits, runs = [], []
    for e in events:
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
            scheduled[e.event_id] = _seconds(e)
        elif e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
            sid = e.workflow_task_started_event_attributes.scheduled_event_id
            started[e.event_id] = _seconds(e)
            if sid in scheduled:
                waits.append(_seconds(e) - scheduled[sid])
        elif e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            sid = e.workflow_task_completed_event_attributes.started_event_id
            if sid in started:
                runs.append(_seconds(e) - started[sid])
    if not runs:
        return {}
    return {"count": len(runs),
            "schedule_to_start_ms": round(statistics.fmean(waits) * 1000, 2) if waits else 0.0,
            "start_to_close_ms": round(statistics.fmean(runs) * 1000, 2)}


# ------------------------------------------------------------------ same decisions?


# ------------------------------------------------------------------ real models (issue 19)

MODEL_ACTIVITY = "invoke_model_activity"


def model_call_seconds(events: list[HistoryEvent]) -> list[float]:
    """Each model call's start-to-close (the last attempt's), in seconds."""
    scheduled: set[int] = set()
    started: dict[int, float] = {}
    spans = []
    for e in events:
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            if e.activity_task_scheduled_event_attributes.activity_type.name == MODEL_ACTIVITY:
                scheduled.add(e.event_id)
        elif e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            sid = e.activity_task_started_event_attributes.scheduled_event_id
            if sid in scheduled:
                started[sid] = _seconds(e)
        elif e.event_type in (EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
                              EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED):
            attrs = (e.activity_task_completed_event_attributes
                     if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
                     else e.activity_task_failed_event_attributes)
            if attrs.scheduled_event_id in started:
                spans.append(_seconds(e) - started[attrs.scheduled_event_id])
    return spans


def real_model_figures(runs: list[list[HistoryEvent]], ticks: int) -> dict[str, Any]:
    """Seconds per model call, history bytes per tick and per run, and the share of a tick
    that is not the model call (an upper bound of the durable overhead: it also holds the
    market reads and the broker's HTTP)."""
    events = [e for run in runs for e in run]
    calls = model_call_seconds(events)
    run_bytes = [sum(e.ByteSize() for e in run) for run in runs]
    ticks_at = [_seconds(e) for e in events
                if _name(e) == "MARKER_RECORDED" and _marker_type(e) == FETCH]
    span = (ticks_at[-1] - ticks_at[0]) if len(ticks_at) > 1 else 0.0
    model_in_span = sum(calls) * (len(ticks_at) - 1) / max(1, len(ticks_at))
    return {
        "model_calls": len(calls),
        "model_call_s_median": round(statistics.median(calls), 2) if calls else None,
        "model_call_s_max": round(max(calls), 2) if calls else None,
        "model_calls_per_tick": round(len(calls) / ticks, 2),
        "ticks_per_minute": round(60 * (len(ticks_at) - 1) / span, 2) if span else None,
        "history_bytes_per_tick": round(sum(run_bytes) / ticks),
        "history_bytes_per_run": run_bytes,
        "not_model_share_of_tick": round(1 - model_in_span / span, 4) if span else None,
    }
