"""A broker that charges fees still matches the book to the cent: reconciliation reads the
account's FEE activities (Alpaca's `/account/activities/FEE`) since the last one it booked
and books them, once each."""

from __future__ import annotations

import uuid

from engine.contracts import Phase
from engine.models import RiskLimits
from engine.workflows.accounts import account_key
from tests.engine.conftest import agent_config, assert_book_is_broker, wait_for_state

NO_APPROVALS = RiskLimits(approval_notional=1e9)


async def test_fees_the_broker_charges_are_booked_once_and_the_book_agrees(harness, broker):
    config = agent_config(max_ticks=400, reconcile_every=2, tick_interval_s=0.1,
                          limits=NO_APPROVALS)
    workflow_id = await harness.start_agent(config, f"test-fees-{uuid.uuid4().hex[:6]}")
    await wait_for_state(harness, workflow_id, lambda s: s.tick >= 2 and s.account_id)
    fees = f"/__harness/accounts/{account_key(workflow_id)}/fees"
    for amount in (0.37, 1.25):
        charged = broker.post(fees, json={"amount": amount, "description": "regulatory fee"})
        assert charged.status_code == 200, charged.text
    state = await wait_for_state(
        harness, workflow_id,
        lambda s: s.phase == Phase.PAUSED or any("fee" in a for n in s.reconciliations
                                                 for a in n.adopted))
    assert state.phase != Phase.PAUSED, state.pause_reason
    # Two more checks after the fees were booked: none books them again.
    booked_at = state.tick
    state = await wait_for_state(harness, workflow_id, lambda s: s.phase == Phase.PAUSED or len(
        [n for n in s.reconciliations if n.tick > booked_at]) >= 2)
    assert state.phase != Phase.PAUSED, state.pause_reason
    await harness.stop(workflow_id)
    summary = await harness.result(workflow_id)
    adopted = [a for n in state.reconciliations for a in n.adopted if "fee" in a]
    assert adopted, state.reconciliations
    assert_book_is_broker(summary, broker, workflow_id)
    assert summary.book_vs_broker == "agrees"
