"""A run whose history passes AgentConfig.continue_as_new_bytes (real prompts make a tick's
history large: issue 19) or continue_as_new_events continues as new, whatever
continue_as_new_every says."""

from __future__ import annotations

import uuid

from tests.engine.conftest import agent_config

BUDGET = 64 * 1024  # the smallest allowed
EVENTS = 60  # a tick of one symbol writes about 10-14 events


async def _run_unbounded_in_ticks(harness, ticks: int, **budget):
    """An agent whose runs end on a history budget only, run to its end: (summary, the
    history of each of its runs)."""
    workflow_id = f"test-budget-{uuid.uuid4().hex[:6]}"
    await harness.start_agent(agent_config(max_ticks=ticks, continue_as_new_every=1000,
                                           **budget), workflow_id)
    summary = await harness.result(workflow_id)
    assert summary.ticks == ticks
    return summary, await harness.run_histories(workflow_id)


async def test_a_run_continues_as_new_when_its_history_passes_the_byte_budget(harness):
    summary, histories = await _run_unbounded_in_ticks(harness, 40, continue_as_new_bytes=BUDGET)
    assert len(histories) > 1, "one run: the byte budget never continued it as new"
    sizes = [len(h.to_json()) for h in histories]
    tick_bytes = sum(sizes) / 40
    # Each run ends at the first tick boundary past the budget (its JSON is a bit larger
    # than the server's byte count): no run grows far beyond it.
    assert all(size < BUDGET * 1.5 + 4 * tick_bytes for size in sizes[:-1]), sizes
    assert summary.counters.runs == len(histories)


async def test_a_run_continues_as_new_when_its_history_passes_the_event_budget(harness):
    """What a take-over replays follows the events, not the ticks (engine/workflows/
    run_length.py): a run ends at the first tick boundary past the event budget, and its
    history holds the marker of the patch the budget is behind."""
    from engine.workflows.run_length import HISTORY_EVENT_BUDGET

    summary, histories = await _run_unbounded_in_ticks(harness, 30,
                                                       continue_as_new_events=EVENTS)
    lengths = [len(h.events) for h in histories]
    assert len(histories) >= 3 and summary.counters.runs == len(histories), lengths
    for history in histories[:-1]:
        # Past the budget by at most the tick that crossed it and the run's closing events.
        assert EVENTS <= len(history.events) < 2 * EVENTS, lengths
        assert HISTORY_EVENT_BUDGET in _patch_ids(history)
    assert summary.decisions == 30 and summary.counters.ticks == 30  # nothing lost between runs


def _patch_ids(history) -> set[str]:
    """The ids of a run's `workflow.patched` markers."""
    import json

    return {json.loads(e.marker_recorded_event_attributes.details["patch-data"]
                       .payloads[0].data)["id"]
            for e in history.events if e.HasField("marker_recorded_event_attributes")
            and e.marker_recorded_event_attributes.marker_name == "core_patch"}
