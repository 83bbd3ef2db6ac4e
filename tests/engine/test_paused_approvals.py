"""An agent that paused itself because its book and the broker disagree places no order,
not even one a human approves: the approval is refused with the reason (a refused update
leaves no event), and rejecting still works."""

from __future__ import annotations

import uuid

import pytest

from engine.client import RequestRejected
from engine.contracts import Phase
from engine.models import RiskLimits
from tests.engine.conftest import account_path, agent_config, orders_for, wait_for_state
from tests.mockoon.test_broker import order


async def test_an_approval_while_the_book_disagrees_with_the_broker_is_refused(harness, broker):
    config = agent_config(max_ticks=400, reconcile_every=2, tick_interval_s=0.1,
                          approval_expiry_s=600, limits=RiskLimits(approval_notional=1.0))
    workflow_id = await harness.start_agent(config, f"test-pausedok-{uuid.uuid4().hex[:6]}")
    await wait_for_state(harness, workflow_id, lambda s: s.pending and s.account_id)
    sneaked = broker.post(f"{account_path(workflow_id)}/orders",
                          json=order("someone-else-2", symbol="IBM", qty=1, limit_price=80))
    assert sneaked.status_code == 200, sneaked.text
    state = await wait_for_state(harness, workflow_id,
                                 lambda s: s.phase == Phase.PAUSED and s.pending)
    assert state.pause_reason.startswith("book and broker disagree: ")
    trade_id = state.pending[-1].trade_id

    with pytest.raises(RequestRejected, match="book and broker disagree"):
        await harness.review(workflow_id, trade_id, approve=True)
    assert orders_for(broker, workflow_id) == [], "an order went out while paused"
    rejected = await harness.review(workflow_id, trade_id, approve=False)
    assert rejected.status.value == "rejected"
    await harness.stop(workflow_id)
    await harness.result(workflow_id)
