"""Replay verification: does a recorded history still replay against today's code?

An agent started on an earlier version of the workflow keeps running after an upgrade
only if its history replays. `verify` replays each history with the same plugin the
worker uses; for one that fails it finds the first event the code no longer agrees with (a
binary search over prefixes of the history), so the report names an event id,
which the SDK's nondeterminism message does not.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from engine.plugin import agents_plugin
from engine.workflows.trading_agent import TradingAgentWorkflow

STARTED = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED


class HistoryFileError(ValueError):
    """A history file that cannot be read as a Temporal history (with why)."""


@dataclass(frozen=True)
class ReplayOutcome:
    workflow_id: str
    run_id: str
    events: int
    ok: bool
    event_id: int | None = None  # the first event the replay disagrees with
    event_type: str = ""
    error: str = ""

    def to_json(self) -> dict:
        return asdict(self)


def load_history_file(path: Path | str) -> WorkflowHistory:
    """A history as `temporal workflow show -o json` writes it, gzipped or not."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        text = gzip.decompress(raw).decode() if raw[:2] == b"\x1f\x8b" else raw.decode()
        data = json.loads(text)
    except (ValueError, EOFError, gzip.BadGzipFile) as exc:  # bad gzip, UTF-8 or JSON
        raise HistoryFileError(f"{path} is not a JSON history: {exc}") from exc
    except OSError as exc:
        raise HistoryFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("events"), list) or not data[
        "events"
    ]:
        raise HistoryFileError(f"{path} has no 'events' list: not a Temporal history")
    try:
        history = WorkflowHistory.from_json(workflow_id_of(data, path.name.split(".")[0]), data)
    except Exception as exc:  # noqa: BLE001 - protobuf's parse errors have no common base
        raise HistoryFileError(f"{path} is not a Temporal history: {exc}") from exc
    # The parser drops what it does not know (an unknown event type) instead of failing.
    if len(history.events) != len(data["events"]) or history.events[0].event_type != STARTED:
        raise HistoryFileError(
            f"{path} is not a Temporal history: it must start with WorkflowExecutionStarted "
            "and hold only known event types"
        )
    return history


def workflow_id_of(data: dict, fallback: str) -> str:
    """The agent's workflow id, which an exported history does not name: the ids of its
    discovery children derive from it (`<id>-discovery-<SYMBOL>`) and a replay must issue
    the same ids. Histories without children replay under any id: `fallback`."""
    for event in data.get("events", []):
        attrs = event.get("startChildWorkflowExecutionInitiatedEventAttributes") if isinstance(
            event, dict) else None
        child = (attrs or {}).get("workflowId", "")
        if "-discovery-" in child:
            return child.rpartition("-discovery-")[0]
    return fallback


def _replayer() -> Replayer:
    return Replayer(workflows=[TradingAgentWorkflow], plugins=[agents_plugin()])


async def verify(histories: Sequence[WorkflowHistory]) -> list[ReplayOutcome]:
    """Replay each history; for each failure, locate its first diverging event."""
    replayer = _replayer()
    outcomes = []
    async with replayer.workflow_replay_iterator(_iterate(histories)) as results:
        async for result in results:
            history = result.history
            run_id = _run_id(history)
            if result.replay_failure is None:
                outcomes.append(
                    ReplayOutcome(history.workflow_id, run_id, len(history.events), ok=True)
                )
                continue
            event_id, event_type = await _first_divergence(replayer, history)
            outcomes.append(ReplayOutcome(
                history.workflow_id, run_id, len(history.events), ok=False,
                event_id=event_id, event_type=event_type, error=str(result.replay_failure),
            ))
    return outcomes


async def _first_divergence(replayer: Replayer, history: WorkflowHistory) -> tuple[int, str]:
    """The event at which the replay first disagrees: the shortest failing prefix's last.

    A prefix replays like a workflow that is still running (commands past its end are
    simply not checked yet), so prefixes fail from the first diverging event on."""
    events = list(history.events)
    low, high = 1, len(events)  # events[:high] fails (the whole history does)
    while low < high:
        mid = (low + high) // 2
        prefix = WorkflowHistory(history.workflow_id, events[:mid])
        result = await replayer.replay_workflow(prefix, raise_on_replay_failure=False)
        if result.replay_failure is None:
            low = mid + 1
        else:
            high = mid
    event = events[high - 1]
    return event.event_id, EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")


def _run_id(history: WorkflowHistory) -> str:
    first = history.events[0] if history.events else None
    if first is None or not first.HasField("workflow_execution_started_event_attributes"):
        return ""
    attrs = first.workflow_execution_started_event_attributes
    return attrs.original_execution_run_id or attrs.first_execution_run_id


async def _iterate(histories: Sequence[WorkflowHistory]) -> AsyncIterator[WorkflowHistory]:
    for history in histories:
        yield history
