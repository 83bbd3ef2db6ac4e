"""A fill the broker reports that the book cannot book as it stands (here: the answer has no
price) is not counted and forgotten: reconciliation books it from the broker's own order."""

from __future__ import annotations

import uuid

from engine.contracts import Phase
from engine.models import RiskLimits
from tests.engine.conftest import agent_config, assert_book_is_broker
from tests.engine.test_order_outcomes import first_order

NO_APPROVALS = RiskLimits(approval_notional=1e9)


async def test_a_filled_answer_without_a_price_is_booked_by_reconciliation(harness, broker):
    broker.put("/__harness/faults", json={"mode": "unpriced", "count": 1}).raise_for_status()
    config = agent_config(max_ticks=6, limits=NO_APPROVALS, reconcile_every=100)
    workflow_id = await harness.start_agent(config, f"test-unpriced-{uuid.uuid4().hex[:6]}")
    summary = await harness.result(workflow_id)

    order = await first_order(harness, workflow_id)
    assert order.filled_price == 0.0, "the answer had no price"
    state = await harness.state(workflow_id)
    first_check = next(n for n in state.reconciliations if n.trigger != "start")
    placed_at = int(order.client_order_id.rsplit("-t", 1)[1].split("-")[0])
    assert first_check.tick == placed_at, "checked right after the unbookable fill"
    assert first_check.adopted and first_check.agrees, first_check
    assert summary.phase == Phase.FINISHED
    assert_book_is_broker(summary, broker, workflow_id)
    assert summary.book_vs_broker == "agrees"
