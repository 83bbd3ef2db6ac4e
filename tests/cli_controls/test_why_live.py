"""`harness why` on live agents of the session's runtime: a tick in a later run of a chain
that continued as new, and a trade a person approved from the command line."""

from __future__ import annotations

import json

from engine.audit import Auditor
from engine.audit.events import attrs, event_id, kind
from engine.cli.exit_codes import EXIT_UNKNOWN_AGENT
from engine.contracts import ApprovalPolicy
from engine.models import RiskLimits
from tests.cli_controls.conftest import agent_config, cli, cli_json, wait_for_state


def _events(history) -> dict[int, dict]:
    return {event_id(e): e for e in json.loads(history.to_json())["events"]}


async def test_why_agrees_with_the_agents_journal_on_every_tick_across_runs(runtime, client):
    workflow_id = await client.start_agent(agent_config(
        symbols=["AAPL", "MSFT"], max_ticks=10, continue_as_new_every=4,
        approval_policy=ApprovalPolicy.AUTO_APPROVE,
        limits=RiskLimits(approval_notional=8_000.0)))
    assert (await client.result(workflow_id)).ticks == 10
    journal = {d.tick: d for d in (await client.decisions(workflow_id, limit=50)).decisions}
    histories = await client.run_histories(workflow_id)
    assert len(histories) == 3

    # The trail, from the history alone, says what the agent's own journal (its live
    # memory, read by query) says, tick by tick, in the run that played the tick.
    audits = Auditor(histories)
    for tick, decision in sorted(journal.items()):
        audit = await audits.tick(tick)
        assert audit.run_number == (tick - 1) // 4 + 1, tick
        assert audit.intent == decision.intent.model_dump(mode="json"), tick
        assert audit.guardrail.verdict == decision.check.verdict.value
        assert audit.guardrail.reasons == decision.check.reasons
        assert (audit.approval.status if audit.approval else None) == (
            decision.approval.value if decision.approval else None)
        assert (audit.order.status if audit.order else None) == (
            decision.order.status.value if decision.order else None), tick

    traded = [t for t, d in sorted(journal.items()) if d.order is not None and t > 4]
    assert traded, "the agent placed no order after its first run"
    tick = traded[0]
    trail = cli_json(runtime, "why", workflow_id, str(tick))
    run = histories[trail["run_number"] - 1]
    assert trail["run_id"] == run.events[0].workflow_execution_started_event_attributes.\
        original_execution_run_id
    events = _events(run)
    placed = events[trail["order"]["where"]["event_ids"][0]]
    assert attrs(placed)["activityType"]["name"] == "place_order"
    text = cli(runtime, "why", workflow_id, str(tick))
    assert text.returncode == 0, text.stderr
    assert f"run {trail['run_number']} of 3: {trail['run_id']}" in text.stdout
    assert f"order {workflow_id}-t{tick}-" in text.stdout

    past = cli(runtime, "why", workflow_id, "11")
    assert past.returncode == EXIT_UNKNOWN_AGENT
    assert f"agent {workflow_id} has played ticks 1..10: no tick 11" in past.stderr
    nobody = cli(runtime, "why", "agent-nobody-started", "3")
    assert nobody.returncode == EXIT_UNKNOWN_AGENT and "Traceback" not in nobody.stderr


async def test_why_names_the_person_who_approved_and_when(runtime, client):
    workflow_id = await client.start_agent(agent_config(
        max_ticks=30, approval_policy=ApprovalPolicy.WAIT,
        limits=RiskLimits(approval_notional=1.0)))
    state = await wait_for_state(client, workflow_id, lambda s: bool(s.pending),
                                 "a trade waiting for approval")
    pending = state.pending[0]
    answer = cli(runtime, "approve", workflow_id, pending.trade_id, "--reviewer", "alice",
                 "--reason", "fits the plan")
    assert answer.returncode == 0, answer.stderr

    # The agent still runs: its current run's history is read as far as it goes.
    trail = cli_json(runtime, "why", workflow_id, str(pending.tick))
    approval = trail["approval"]
    assert (approval["status"], approval["reviewer"], approval["reason"]) == (
        "approved", "alice", "fits the plan")
    assert approval["note"] == "approved by alice: fits the plan"
    events = _events(await client.history(workflow_id, approval["where"]["run_id"]))
    accepted, completed = (events[i] for i in approval["where"]["event_ids"])
    assert kind(accepted) == "WORKFLOW_EXECUTION_UPDATE_ACCEPTED"
    assert kind(completed) == "WORKFLOW_EXECUTION_UPDATE_COMPLETED"
    assert approval["answered_at"] == accepted["eventTime"]
    assert trail["order"]["status"] == "filled"
    assert trail["order"]["quantity"] == pending.intent.quantity
    assert cli(runtime, "stop", workflow_id).returncode == 0


async def test_an_approval_answered_after_continue_as_new_is_found_in_the_later_run(
    runtime, client
):
    """The trade is proposed in one run and approved in the next (pending approvals are
    carried over): the trail names the later run for the answer and the order."""
    workflow_id = await client.start_agent(agent_config(
        continue_as_new_every=2, tick_interval_s=3.0, limits=RiskLimits(approval_notional=1.0)))
    state = await wait_for_state(client, workflow_id, lambda s: bool(s.pending),
                                 "a trade waiting for approval", timeout=120)
    # A note with "hold" makes the analyst hold: no newer intent supersedes the open one.
    await client.steer(workflow_id, "hold from now on")
    pending, first_run = state.pending[0], state.run_id
    later = await wait_for_state(client, workflow_id, lambda s: s.run_id != first_run,
                                 "the agent to continue as new", timeout=120)
    assert [p.trade_id for p in later.pending] == [pending.trade_id]
    answer = cli(runtime, "approve", workflow_id, pending.trade_id, "--reviewer", "bob")
    assert answer.returncode == 0, answer.stderr

    trail = cli_json(runtime, "why", workflow_id, str(pending.tick))
    assert trail["run_id"] == first_run
    assert trail["guardrail"]["verdict"] == "NEEDS_APPROVAL"
    approval = trail["approval"]
    assert (approval["status"], approval["reviewer"]) == ("approved", "bob")
    # A later run: `later` or, on a loaded machine, one after it (a run is 6 s long here).
    runs = [r["run_id"] for r in cli_json(runtime, "runs", workflow_id)]
    assert runs.index(approval["where"]["run_id"]) >= runs.index(later.run_id) > 0
    if trail["order"] is not None:  # the re-check at the newer price may block it instead
        assert runs.index(trail["order"]["where"]["run_id"]) >= runs.index(later.run_id)
    else:
        assert "blocked at the latest price" in approval["note"], approval
    assert cli(runtime, "stop", workflow_id).returncode == 0
