"""One run's event history, decoded and cut into ticks (pure: works on exported files too).

A tick opens with the local-activity marker of `fetch_tick_context` that has a result (a
failed read is retried later and opens nothing: the workflow's own rule, see _tick). The
run's first tick is the tick its input carries plus one, so tick numbers hold across
continue-as-new although event ids restart at 1 in each run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.eventtree.payloads import decode_all

TICK_ACTIVITY = "fetch_tick_context"
LOCAL_ACTIVITY_MARKER = "core_local_activity"


def attrs(event: dict) -> dict:
    return next((v for k, v in event.items() if k.endswith("EventAttributes")), {})


def kind(event: dict) -> str:
    return event.get("eventType", "").removeprefix("EVENT_TYPE_")


def event_id(event: dict) -> int:
    return int(event.get("eventId", 0))


def local_activity(event: dict) -> tuple[str, dict] | None:
    """(activity type, marker details) of a local activity's marker, else None."""
    if kind(event) != "MARKER_RECORDED":
        return None
    marker = attrs(event)
    if marker.get("markerName") != LOCAL_ACTIVITY_MARKER:
        return None
    details = marker.get("details", {})
    data = details.get("data", {})
    return (data.get("activity_type", "") if isinstance(data, dict) else ""), details


@dataclass
class RunView:
    workflow_id: str
    run_id: str
    start_tick: int  # the tick the run's input carried (0 for the first run)
    events: list[dict]
    tick_starts: list[int] = field(default_factory=list)  # index of each tick's opening marker

    @property
    def first_tick(self) -> int:
        return self.start_tick + 1

    @property
    def last_tick(self) -> int:
        return self.start_tick + len(self.tick_starts)

    def has_tick(self, tick: int) -> bool:
        return self.first_tick <= tick <= self.last_tick

    def tick_span(self, tick: int) -> list[dict]:
        """The events from the tick's opening marker up to the next tick's (or the end)."""
        i = tick - self.first_tick
        end = self.tick_starts[i + 1] if i + 1 < len(self.tick_starts) else len(self.events)
        return self.events[self.tick_starts[i]:end]


def run_view(history: dict, workflow_id: str = "") -> RunView:
    """A history in the JSON shape `temporal workflow show -o json` writes."""
    events = [decode_all(e) for e in history.get("events", [])]
    if not events or kind(events[0]) != "WORKFLOW_EXECUTION_STARTED":
        raise ValueError("a run's history must begin with WorkflowExecutionStarted")
    started = attrs(events[0])
    params = _first(started.get("input"))
    carry = params.get("carry") if isinstance(params, dict) else None
    view = RunView(
        workflow_id=started.get("workflowId") or workflow_id,
        run_id=started.get("originalExecutionRunId") or started.get("firstExecutionRunId", ""),
        start_tick=int(carry.get("tick", 0)) if isinstance(carry, dict) else 0,
        events=events,
    )
    for i, event in enumerate(events):
        local = local_activity(event)
        if local and local[0] == TICK_ACTIVITY and local[1].get("result") is not None:
            view.tick_starts.append(i)
    return view


def _first(decoded: Any) -> Any:
    """A decoded `{"payloads": [...]}`: decode_all gives the value itself for one payload."""
    return decoded[0] if isinstance(decoded, list) and decoded else decoded
