"""Reading event histories: one readable line per event (the CLI, and later the tree view)."""

from __future__ import annotations

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent


def event_name(event: HistoryEvent) -> str:
    """EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> ActivityTaskScheduled."""
    raw = EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")
    return "".join(part.capitalize() for part in raw.split("_"))


def event_subject(event: HistoryEvent) -> str:
    """What the event is about: the activity, update, signal or timer it names."""
    kind = event.WhichOneof("attributes")
    attrs = getattr(event, kind) if kind else None
    if attrs is None:
        return ""
    for path in ("activity_type.name", "workflow_type.name", "signal_name", "timer_id",
                 "marker_name", "accepted_request.input.name"):
        value = attrs
        for part in path.split("."):
            value = getattr(value, part, None)
            if value is None:
                break
        if value:
            return str(value)
    return ""


def describe_event(event: HistoryEvent) -> str:
    when = event.event_time.ToDatetime().strftime("%H:%M:%S.%f")[:-3]
    subject = event_subject(event)
    return f"{event.event_id:>6}  {when}  {event_name(event)}" + (f"  {subject}" if subject else "")
