"""A strategy cannot choose its own score: faked scorecards, a replaced scorer, bad
exposure series and deeply nested output, sent through a real discovery (child
workflows, the run_backtest activity, real sandboxes) on both backends."""

from __future__ import annotations

import uuid

from temporalio.api.enums.v1 import EventType

from engine.client import HarnessClient
from engine.discovery.candidates import written_candidate
from engine.discovery.contracts import DiscoveryRequest
from engine.workflows.discovery import child_id
from tests.security import hostile

# Honest Sharpes on these bars are far below this; a faked one is 99.
IMPOSSIBLE_SHARPE = 10.0


async def _discover(harness: HarnessClient, backend: str, written: dict[str, str]):
    specs = [written_candidate(name, source) for name, source in written.items()]
    request = DiscoveryRequest(symbol="AAPL", start_date="2004-01-02", candidates=2,
                               sandbox=backend, timeout_s=20, written=specs)
    parent = f"security-{backend}-{uuid.uuid4().hex[:6]}"
    await harness.start_discovery(request, parent)
    result = await harness.discovery_result(parent)
    return parent, specs, result, {o.name: o for o in result.ranked}


async def test_faked_scores_never_win(discovery, backend):
    parent, _, result, by_name = await _discover(discovery, backend, {
        "prints_card": hostile.PRINTS_A_SCORECARD,
        "replaces_scorer": hostile.REPLACES_THE_SCORER,
        "patches_json": hostile.PATCHES_JSON,
        "out_of_range": hostile.OUT_OF_RANGE,
        "short_line": hostile.SHORT_SIGNAL_LINE,
        "nan_line": hostile.NAN_SIGNAL_LINE,
        "peeks": hostile.PEEKS_AHEAD,
    })
    assert result.winner is not None and not result.winner.startswith("written-"), (
        result.winner, result.winner_outcome())
    for outcome in result.ranked:
        assert abs(outcome.oos_sharpe) < IMPOSSIBLE_SHARPE, outcome
    assert not by_name["written-prints_card"].ok
    assert not by_name["written-patches_json"].ok  # its own output, spoiled: no score
    # Its flat signal, scored by the worker: no trade, no return, whatever it patched.
    flat = by_name["written-replaces_scorer"]
    assert flat.ok, flat.error
    assert (flat.out_of_sample["sharpe"], flat.out_of_sample["trades"],
            flat.full["total_return"]) == (0.0, 0, 0.0)
    for name, words in (("out_of_range", "outside 0..1"), ("short_line", "3 values"),
                        ("nan_line", "not finite"), ("peeks", "looks ahead")):
        outcome = by_name[f"written-{name}"]
        assert (outcome.ok, outcome.reason) == (False, "error"), outcome
        assert words in outcome.error, outcome.error


async def _attempts(harness: HarnessClient, workflow_id: str) -> list[int]:
    history = await harness.temporal.get_workflow_handle(workflow_id).fetch_history()
    return [e.activity_task_started_event_attributes.attempt for e in history.events
            if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED]


async def test_nested_json_is_a_scored_failure_at_once(discovery, backend):
    parent, specs, result, by_name = await _discover(discovery, backend, {
        "nested_out": hostile.NESTED_STDOUT, "nested_err": hostile.NESTED_STDERR})
    for spec in specs:
        outcome = by_name[spec.name]
        assert not outcome.ok and outcome.reason in ("error", "exit"), outcome
        assert "RecursionError" not in outcome.error, outcome.error
        assert await _attempts(discovery, child_id(parent, spec)) == [1], spec.name


async def test_a_memory_hog_is_reported_as_memory(discovery, backend):
    _, _, _, by_name = await _discover(discovery, backend, {"hog": hostile.MEMORY_HOG})
    hog = by_name["written-hog"]
    assert (hog.ok, hog.reason) == (False, "memory"), (hog.reason, hog.error)
