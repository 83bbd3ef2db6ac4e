"""`harness why` on the golden histories: offline, from exported files alone (no runtime),
across workflow versions (v1 tools were regular activities, v2+ local ones) and runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.audit import Auditor
from engine.audit.agent_steps import BATCHED_READS, BATCHED_SOURCE
from engine.audit.events import attrs, event_id, kind, local_activity
from engine.cli.exit_codes import EXIT_INVALID_CONFIG, EXIT_UNKNOWN_AGENT
from engine.replay import load_history_file
from tests.runtime.helpers import harness

GOLDEN = Path(__file__).resolve().parents[1] / "histories"
CHAINS = sorted({(p.parent.name, p.name.split(".")[0]) for p in GOLDEN.glob("v*/*.json")})


def chain(version: str, scenario: str) -> list[Path]:
    return sorted((GOLDEN / version).glob(f"{scenario}.run*.json"))


def auditor(version: str, scenario: str) -> Auditor:
    return Auditor([load_history_file(p) for p in chain(version, scenario)])


async def test_a_human_approval_names_who_answered_when_and_the_order_it_placed():
    audit = await auditor("v3", "human_in_the_loop").tick(4)
    assert (audit.tick, audit.date, audit.run_number, audit.runs) == (4, "2004-01-07", 1, 1)
    assert audit.brief.startswith("Tick 4, market date 2004-01-07. Symbols: AAPL.")
    assert "Note from your human supervisor: stay disciplined" in audit.brief
    assert [c.tool_calls for c in audit.model_calls][0] == [
        "get_portfolio({})", 'get_quote({"symbol": "AAPL"})', 'get_news({"symbol": "AAPL"})']
    quote = next(t for t in audit.tool_calls if t.name == "get_quote")
    assert quote.arguments == {"symbol": "AAPL"} and quote.result["last"] == 1.4516
    assert (quote.source, quote.where.event_ids) == ("local activity", [108])
    portfolio = audit.tool_calls[0]
    assert portfolio.where is None and portfolio.result["cash"] == 100000.0
    assert audit.intent["side"] == "buy" and audit.intent["quantity"] == 6893
    assert audit.guardrail.verdict == "NEEDS_APPROVAL"
    assert audit.guardrail.reasons == [
        "order notional $10,063.78 reaches the $1.00 approval threshold"]
    approval = audit.approval
    assert (approval.status, approval.reviewer, approval.approve) == ("approved", "golden", True)
    assert approval.where.event_ids == [121, 129] and approval.answered_at.startswith("2026-")
    order = audit.order
    assert order.client_order_id == "golden-human_in_the_loop-1d352f-t4-AAPL"
    assert (order.status, order.filled_quantity, order.filled_price) == ("filled", 6893, 1.46)
    assert order.where.event_ids == [122, 124, 125] and not audit.notes


async def test_a_smaller_approval_a_rejection_and_a_supersede_each_tell_their_story():
    waiting = auditor("v3", "waiting_human")
    halved = await waiting.tick(4)
    assert halved.approval.note == "approved 3446 of 6893 shares by golden"
    assert halved.approval.quantity == 3446 and halved.order.quantity == 3446
    assert halved.order.status == "filled"
    rejected = await waiting.tick(5)
    assert (rejected.approval.status, rejected.approval.reviewer) == ("rejected", "golden")
    assert rejected.order is None
    superseded = await auditor("v3", "tick_loop").tick(4)
    assert superseded.approval.status == "superseded"
    assert superseded.approval.note == "superseded by t5-AAPL" and superseded.order is None
    policy = await auditor("v3", "auto_approve").tick(4)
    assert policy.approval.reviewer == "policy auto-approve"
    assert policy.approval.where == policy.guardrail.where and policy.order.status == "filled"


async def test_a_tick_after_continue_as_new_is_found_in_its_own_run():
    v1 = auditor("v1", "tick_loop")
    audit = await v1.tick(14)
    second = json.loads(chain("v1", "tick_loop")[1].read_text())
    assert audit.run_number == 2 and audit.runs == 3
    assert audit.run_id == attrs(second["events"][0])["originalExecutionRunId"]
    tools = [(t.name, t.arguments, t.source) for t in audit.tool_calls]
    assert tools[1:] == [("get_quote", {"symbol": "AAPL"}, "activity"),
                         ("get_news", {"symbol": "AAPL"}, "activity"),
                         ("get_quote", {"symbol": "MSFT"}, "activity"),
                         ("get_news", {"symbol": "MSFT"}, "activity")]
    # Event ids restart in each run: tick 14's events are that run's, not the first's.
    by_id = {int(e["eventId"]): e for e in second["events"]}
    for tool in audit.tool_calls[1:]:
        scheduled = by_id[tool.where.event_ids[0]]
        assert scheduled["activityTaskScheduledEventAttributes"]["activityType"]["name"] == (
            tool.name)


async def test_a_turns_batched_reads_are_traced_to_their_one_local_activity():
    audit = await auditor("v5", "tick_loop").tick(3)
    reads = [t for t in audit.tool_calls if t.name in ("get_quote", "get_news")]
    assert [(t.name, t.arguments["symbol"]) for t in reads] == [
        ("get_quote", "AAPL"), ("get_news", "AAPL"), ("get_quote", "MSFT"), ("get_news", "MSFT")]
    assert {t.source for t in reads} == {BATCHED_SOURCE}
    assert len({tuple(t.where.event_ids) for t in reads}) == 1  # one marker for the turn
    assert all(t.result and t.failure == "" for t in reads)
    assert reads[0].result["symbol"] == "AAPL" and reads[3].result["symbol"] == "MSFT"


@pytest.mark.parametrize(("version", "scenario"), CHAINS)
async def test_every_tick_of_every_golden_history_matches_its_own_events(version, scenario):
    """Two routes to the same facts: the replayed journal (intent, order) must agree with the
    raw events (the model's answer, the place_order input), and every event id named must
    be an event of the kind the trail says, in the run it names."""
    audits = auditor(version, scenario)
    runs = {r.run_id: {event_id(e): e for e in r.events} for r in audits.runs}
    last = audits.runs[-1].last_tick
    assert last >= 5
    for tick in range(1, last + 1):
        audit = await audits.tick(tick)
        events = runs[audit.run_id]
        assert not audit.notes, (tick, audit.notes)
        opening = local_activity(events[audit.events.event_ids[0]])
        assert opening and opening[0] == "fetch_tick_context"
        if not audit.model_calls:  # the day's model budget was spent: a HOLD, no model asked
            assert audit.intent["side"] == "hold", (tick, audit.intent)
            assert audit.intent["rationale"].startswith("model budget reached"), tick
        elif not audit.model_error:
            assert json.loads(audit.model_calls[-1].answer) == audit.intent, tick
        assert kind(events[audit.guardrail.where.event_ids[0]]) == "WORKFLOW_TASK_COMPLETED"
        for tool in audit.tool_calls:
            if tool.where is not None and tool.source == BATCHED_SOURCE:  # v5 on
                assert tool.result is not None, (tick, tool)
                assert local_activity(events[tool.where.event_ids[0]])[0] == BATCHED_READS
            elif tool.where is not None:
                assert tool.result is not None and tool.name in json.dumps(
                    events[tool.where.event_ids[0]]), (tick, tool)
        if audit.order is not None:
            placed = runs[audit.order.where.run_id][audit.order.where.event_ids[0]]
            assert attrs(placed)["input"]["client_order_id"] == audit.order.client_order_id
            assert audit.order.client_order_id.endswith(f"-t{tick}-{audit.intent['symbol']}")


def test_why_reads_exported_files_without_a_runtime(tmp_path):
    files = [a for p in chain("v3", "human_in_the_loop") for a in ("--file", str(p))]
    text = harness(tmp_path, "why", *files, "4")
    assert text.returncode == 0, text.stderr
    assert "approval: approved by golden at 2026-" in text.stdout
    assert "[events 121, 129]" in text.stdout and "-> filled, filled 6893 @ 1.46" in text.stdout
    as_json = harness(tmp_path, "why", *files, "4", "--json")
    assert json.loads(as_json.stdout)["order"]["where"]["event_ids"] == [122, 124, 125]

    past = harness(tmp_path, "why", *files, "99")
    assert past.returncode == EXIT_UNKNOWN_AGENT
    assert past.stderr.strip() == (
        "harness: agent golden-human_in_the_loop-1d352f has played ticks 1..5: no tick 99")
    # Runs in any order are put in order; runs of two agents are refused.
    shuffled = [a for p in reversed(chain("v3", "tick_loop")) for a in ("--file", str(p))]
    late = json.loads(harness(tmp_path, "why", *shuffled, "26", "--json").stdout)
    assert (late["run_number"], late["runs"]) == (3, 3)
    mixed = harness(tmp_path, "why", *files, *shuffled, "2")
    assert mixed.returncode == EXIT_INVALID_CONFIG
    assert "these histories are of 2 agents" in mixed.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    bad = harness(tmp_path, "why", "--file", str(broken), "4")
    assert bad.returncode == EXIT_INVALID_CONFIG and len(bad.stderr.splitlines()) == 1
    assert "is not a JSON history" in bad.stderr
