"""The approval policy is decided inside the workflow: auto-approve and auto-reject
answer at once (so a seeded run gives the same book every time), `wait` stops the
market clock until a human answers, and a human may approve fewer shares."""

from __future__ import annotations

import uuid

import pytest
from temporalio.api.enums.v1 import EventType

from engine.broker_contracts import OrderStatus
from engine.client import RequestRejected
from engine.contracts import ApprovalPolicy, ApprovalStatus, Phase
from engine.models import RiskLimits, Verdict
from tests.engine.conftest import agent_config, orders_for, wait_for_state

EVERYTHING_NEEDS_APPROVAL = RiskLimits(approval_notional=1.0)


def _id(name: str) -> str:
    return f"test-policy-{name}-{uuid.uuid4().hex[:6]}"


def _is_market_read(event) -> bool:
    """A fetch_tick_context local-activity marker (patch markers carry no data)."""
    if event.event_type != EventType.EVENT_TYPE_MARKER_RECORDED:
        return False
    data = event.marker_recorded_event_attributes.details.get("data")
    return data is not None and any(b"fetch_tick_context" in p.data for p in data.payloads)


async def _all_decisions(harness, workflow_id):
    return (await harness.decisions(workflow_id, limit=500)).decisions


@pytest.mark.parametrize(
    ("policy", "status"),
    [(ApprovalPolicy.AUTO_APPROVE, ApprovalStatus.APPROVED),
     (ApprovalPolicy.AUTO_REJECT, ApprovalStatus.REJECTED)],
)
async def test_auto_policies_decide_every_approval_at_once(harness, broker, policy, status):
    config = agent_config(max_ticks=15, limits=EVERYTHING_NEEDS_APPROVAL, approval_policy=policy)
    workflow_id = await harness.start_agent(config, _id(policy.value))
    summary = await harness.result(workflow_id)

    needing = [d for d in await _all_decisions(harness, workflow_id)
               if d.check.verdict == Verdict.NEEDS_APPROVAL]
    assert needing, "the scenario must produce trades that need approval"
    assert all(d.approval == status for d in needing)
    assert all(d.approval_note == f"{status.value} by policy {policy.value}" for d in needing)
    assert summary.approvals == {status.value: len(needing)}
    placed = {o["client_order_id"] for o in orders_for(broker, workflow_id)}
    expected = {f"{workflow_id}-{d.trade_id}" for d in needing} if status == "approved" else set()
    assert placed == expected
    if status == ApprovalStatus.APPROVED:
        assert all(d.order.status == OrderStatus.FILLED for d in needing)
        assert summary.orders == len(needing)


async def test_wait_policy_stops_the_clock_until_the_human_answers(harness, broker):
    config = agent_config(
        max_ticks=150, limits=EVERYTHING_NEEDS_APPROVAL, approval_policy=ApprovalPolicy.WAIT
    )
    workflow_id = await harness.start_agent(config, _id("wait"))
    answered = []
    for approve in (True, False, True):
        state = await wait_for_state(
            harness, workflow_id,
            lambda s: s.pending and s.phase == Phase.AWAITING_APPROVAL, timeout=90,
        )
        # The loop is parked on its condition: the pending trade is from the current tick.
        assert state.tick == state.pending[0].tick and len(state.pending) == 1
        trade_id = state.pending[0].trade_id
        assert trade_id not in answered
        await harness.review(workflow_id, trade_id, approve=approve)
        answered.append(trade_id)
    await harness.stop(workflow_id)
    summary = await harness.result(workflow_id)

    # The one the agent may have opened after the last answer is cancelled by the stop.
    assert summary.approvals.pop("cancelled", 0) <= 1
    assert summary.approvals == {"approved": 2, "rejected": 1}  # none superseded or expired
    placed = sorted(o["client_order_id"] for o in orders_for(broker, workflow_id))
    assert placed == sorted(f"{workflow_id}-{t}" for t in (answered[0], answered[2]))
    # In the history, no tick's market read happens between an approval opening and its
    # answer: the last read before each answer is the read of the tick that proposed it.
    # Positions in all runs' events in order (event ids restart at each continue-as-new).
    events = [e for h in await harness.run_histories(workflow_id) for e in h.events]
    reads = [i for i, e in enumerate(events) if _is_market_read(e)]
    answers = [
        i for i, e in enumerate(events)
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
        and e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        == "review_trade"
    ]
    ticks_answered = [sum(r < answer for r in reads) for answer in answers]
    proposed_at = {d.trade_id: d.tick for d in await _all_decisions(harness, workflow_id)}
    assert ticks_answered == [proposed_at[t] for t in answered]


async def test_a_human_may_approve_fewer_shares_never_more(harness, broker):
    config = agent_config(
        max_ticks=150, limits=EVERYTHING_NEEDS_APPROVAL, approval_policy=ApprovalPolicy.WAIT
    )
    workflow_id = await harness.start_agent(config, _id("smaller"))
    state = await wait_for_state(
        harness, workflow_id, lambda s: s.phase == Phase.AWAITING_APPROVAL, timeout=90
    )
    pending = state.pending[0]
    proposed = pending.intent.quantity
    assert proposed >= 2
    before = len((await harness.history(workflow_id)).events)
    for bad in (proposed + 1, 0, -5):
        with pytest.raises(RequestRejected, match=f"approve 1..{proposed}"):
            await harness.review(workflow_id, pending.trade_id, approve=True, quantity=bad)
    assert len((await harness.history(workflow_id)).events) == before  # refused: no event

    smaller = proposed // 2
    result = await harness.review(workflow_id, pending.trade_id, approve=True, quantity=smaller)
    assert result.status == ApprovalStatus.APPROVED
    assert result.order.status == OrderStatus.FILLED
    assert result.order.filled_quantity == smaller
    [order] = orders_for(broker, workflow_id)
    assert int(order["qty"]) == smaller
    state = await wait_for_state(harness, workflow_id, lambda s: s.tick > pending.tick)
    decision = next(d for d in state.last_decisions if d.trade_id == pending.trade_id)
    assert decision.approval_note.startswith(f"approved {smaller} of {proposed} shares")
    await harness.stop(workflow_id)
    await harness.result(workflow_id)


async def test_the_same_seed_and_config_give_the_same_book(harness, broker):
    """Run twice from an identical broker account: same decisions, orders and book."""
    config = agent_config(
        symbols=["AAPL", "MSFT"], max_ticks=40, seed=7,
        limits=RiskLimits(approval_notional=8_000.0),
        approval_policy=ApprovalPolicy.AUTO_APPROVE,
    )
    runs = []
    for n in range(2):
        broker.post("/__harness/reset", json={"cash": 1e12}).raise_for_status()
        workflow_id = await harness.start_agent(config, _id(f"seed{n}"))
        summary = await harness.result(workflow_id)
        decisions = [
            d.model_dump(mode="json", exclude={"order": {"client_order_id", "broker_order_id"}})
            for d in await _all_decisions(harness, workflow_id)
        ]
        orders = [(o["symbol"], o["side"], o["qty"], o["filled_avg_price"])
                  for o in orders_for(broker, workflow_id)]
        runs.append((summary.model_dump(exclude={"workflow_id"}), decisions, orders))
    assert runs[0][1] and any(d["approval"] == "approved" for d in runs[0][1])
    assert runs[0] == runs[1]
