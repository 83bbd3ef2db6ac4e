"""One history event as the tree shows it: name, subject, status, time.

Works on the JSON shape of an event (camelCase keys, enum names as strings), so an
exported file and a live stream read the same. Only what a row shows is computed
here; the detail pane decodes the whole event on demand (see EventRecord.detail).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from engine.eventtree.payloads import decode_all, first_payload

TICK_ACTIVITY = "fetch_tick_context"  # its local-activity marker opens a tick
OK, RETRY, FAILED, TIMEOUT, NOTE = "ok", "retry", "failed", "timeout", "note"


@lru_cache(maxsize=128)
def event_name(event_type: str) -> str:
    """EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> ActivityTaskScheduled."""
    raw = event_type.removeprefix("EVENT_TYPE_")
    return "".join(part.capitalize() for part in raw.split("_"))


def epoch_of(stamp: str) -> float:
    """RFC 3339 with nanoseconds (which fromisoformat refuses) -> epoch seconds."""
    if not stamp:
        return 0.0
    base = datetime.fromisoformat(stamp[:19]).replace(tzinfo=UTC).timestamp()
    dot = stamp.find(".", 19)
    if dot < 0:
        return base
    return base + float("0." + stamp[dot + 1:].rstrip("Z"))


@dataclass(slots=True)
class EventRecord:
    event_id: int
    name: str
    time: str  # HH:MM:SS.mmm (UTC), as the row shows it
    epoch: float
    subject: str = ""
    status: str = OK
    raw: dict | None = None  # the event itself, JSON-shaped; None for an annotation
    opens_tick: str | None = None  # a market date: this marker starts a new tick
    _text: str | None = field(default=None, repr=False)

    def detail(self) -> Any:
        """The event with every payload decoded: what the detail pane prints."""
        return decode_all(self.raw) if self.raw is not None else {"note": self.subject}

    def search_text(self) -> str:
        """Lower-case text a search matches, decoded payloads included (cached)."""
        if self._text is None:
            self._text = " ".join((self.name, self.subject, json.dumps(
                self.detail(), default=str))).lower()
        return self._text


@dataclass
class RunContext:
    """What later events of one run refer back to: scheduled activities by event id."""

    activities: dict[int, tuple[str, float]] = field(default_factory=dict)
    attempts: dict[int, int] = field(default_factory=dict)
    updates: dict[str, str] = field(default_factory=dict)  # update id -> update name
    start_tick: int = 0
    ticks: int = 0  # ticks opened so far in this run


def summarize(event: dict, ctx: RunContext) -> EventRecord:
    event_type = event.get("eventType", "")
    stamp = event.get("eventTime", "")
    record = EventRecord(int(event.get("eventId", 0)), event_name(event_type), stamp[11:23],
                         epoch_of(stamp), raw=event)
    attrs = next((v for k, v in event.items() if k.endswith("EventAttributes")), {})
    handler = _HANDLERS.get(record.name)
    if handler is not None:
        handler(record, attrs, ctx)
    elif record.name.endswith(("Failed", "Terminated")):
        record.status = FAILED
    elif record.name.endswith("TimedOut"):
        record.status = TIMEOUT
    return record


def _scheduled(record: EventRecord, attrs: dict, ctx: RunContext) -> None:
    name = attrs.get("activityType", {}).get("name", "")
    ctx.activities[record.event_id] = (name, record.epoch)
    record.subject = name
    if name == "place_order":  # the proof that it ran once: the order's id, in the tree
        order = first_payload(attrs.get("input")) or {}
        if isinstance(order, dict) and order.get("client_order_id"):
            record.subject = f"place_order  client_order_id={order['client_order_id']}"


def _activity_of(attrs: dict, ctx: RunContext) -> tuple[int, str, float]:
    scheduled = int(attrs.get("scheduledEventId", 0))
    name, at = ctx.activities.get(scheduled, ("activity", 0.0))
    return scheduled, name, at


def _started(record: EventRecord, attrs: dict, ctx: RunContext) -> None:
    scheduled, name, _ = _activity_of(attrs, ctx)
    attempt = int(attrs.get("attempt", 1))
    ctx.attempts[scheduled] = attempt
    record.subject = f"{name}  attempt {attempt}"
    if attempt > 1 or attrs.get("lastFailure"):
        record.status = RETRY
        message = attrs.get("lastFailure", {}).get("message", "")
        record.subject += f"  (last failure: {message})" if message else ""


def _closed(record: EventRecord, attrs: dict, ctx: RunContext) -> None:
    scheduled, name, at = _activity_of(attrs, ctx)
    attempt = ctx.attempts.get(scheduled, 1)
    took = f"{(record.epoch - at) * 1000:.0f} ms" if at else ""
    record.subject = f"{name}  attempt {attempt}  {took}".rstrip()
    if record.name == "ActivityTaskFailed":
        record.status = FAILED
        record.subject += "  " + attrs.get("failure", {}).get("message", "")
    elif record.name == "ActivityTaskTimedOut":
        record.status = TIMEOUT


def _marker(record: EventRecord, attrs: dict, ctx: RunContext) -> None:
    details = attrs.get("details", {})
    data = first_payload(details.get("data")) or {}
    kind = data.get("activity_type", "") if isinstance(data, dict) else ""
    record.subject = f"local activity {kind}" if kind else attrs.get("markerName", "")
    if attrs.get("failure"):
        record.status = FAILED
        record.subject += "  " + attrs["failure"].get("message", "")
    elif kind == TICK_ACTIVITY:
        result = first_payload(details.get("result")) or {}
        record.opens_tick = result.get("date", "") if isinstance(result, dict) else ""


def _timer(record: EventRecord, attrs: dict, ctx: RunContext) -> None:
    timeout = attrs.get("startToFireTimeout", "")
    record.subject = f"timer {attrs.get('timerId', '')}" + (f"  {timeout}" if timeout else "")


def _update(record: EventRecord, attrs: dict, ctx: RunContext) -> None:
    request = attrs.get("acceptedRequest", {}) or attrs.get("request", {})
    update_id = attrs.get("protocolInstanceId") or attrs.get("meta", {}).get("updateId", "")
    name = request.get("input", {}).get("name", "")
    if name:
        ctx.updates[update_id] = name
    record.subject = name or ctx.updates.get(update_id, "update")
    if attrs.get("outcome", {}).get("failure"):
        record.status = FAILED


def _signal(record: EventRecord, attrs: dict, ctx: RunContext) -> None:
    record.subject = attrs.get("signalName", "")


def _started_run(record: EventRecord, attrs: dict, ctx: RunContext) -> None:
    record.subject = attrs.get("workflowType", {}).get("name", "")
    params = first_payload(attrs.get("input")) or {}
    carry = params.get("carry") if isinstance(params, dict) else None
    ctx.start_tick = int(carry.get("tick", 0)) if isinstance(carry, dict) else 0


def _continued(record: EventRecord, attrs: dict, ctx: RunContext) -> None:
    record.subject = f"next run {attrs.get('newExecutionRunId', '')}"


def _workflow_task(record: EventRecord, attrs: dict, ctx: RunContext) -> None:
    if record.name == "WorkflowTaskFailed":
        record.status = FAILED
        record.subject = attrs.get("cause", "") + " " + attrs.get("failure", {}).get("message", "")
    elif record.name == "WorkflowTaskTimedOut":
        record.status = TIMEOUT
        record.subject = attrs.get("timeoutType", "")
    elif int(attrs.get("attempt", 1)) > 1:
        record.status = RETRY
        record.subject = f"attempt {attrs['attempt']}"


_HANDLERS = {
    "ActivityTaskScheduled": _scheduled,
    "ActivityTaskStarted": _started,
    "ActivityTaskCompleted": _closed,
    "ActivityTaskFailed": _closed,
    "ActivityTaskTimedOut": _closed,
    "MarkerRecorded": _marker,
    "TimerStarted": _timer,
    "TimerFired": _timer,
    "TimerCanceled": _timer,
    "WorkflowExecutionUpdateAccepted": _update,
    "WorkflowExecutionUpdateCompleted": _update,
    "WorkflowExecutionUpdateAdmitted": _update,
    "WorkflowExecutionSignaled": _signal,
    "WorkflowExecutionStarted": _started_run,
    "WorkflowExecutionContinuedAsNew": _continued,
    "WorkflowTaskScheduled": _workflow_task,
    "WorkflowTaskFailed": _workflow_task,
    "WorkflowTaskTimedOut": _workflow_task,
}
