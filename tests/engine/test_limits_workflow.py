"""set_limits takes effect everywhere, through the real workflow: raising max_quantity past
the start-time limit lets the agent's orders through; lowering it stops them again."""

from __future__ import annotations

import uuid

from engine.models import RiskLimits
from tests.engine.conftest import agent_config, assert_book_is_broker, wait_for_state

# The offline analyst buys thousands of early-2004 AAPL shares (about $1.40 each).
SMALL = RiskLimits(max_quantity=10, approval_notional=1e9, max_order_notional=1e9)
LARGE = SMALL.model_copy(update={"max_quantity": 100_000})


def absurd(decision) -> bool:
    return "absurd quantity" in decision.model_error


async def test_set_limits_raises_and_lowers_max_quantity_in_flight(harness, broker):
    config = agent_config(max_ticks=300, tick_interval_s=0.1, limits=SMALL)
    workflow_id = await harness.start_agent(config, f"test-maxqty-{uuid.uuid4().hex[:6]}")
    state = await wait_for_state(
        harness, workflow_id, lambda s: any(absurd(d) for d in s.last_decisions))
    assert "(allowed 1..10)" in next(d for d in state.last_decisions if absurd(d)).model_error

    await harness.set_limits(workflow_id, LARGE)
    raised_at = (await harness.state(workflow_id)).tick
    state = await wait_for_state(harness, workflow_id, lambda s: any(
        d.order is not None and d.order.filled_quantity > 10 for d in s.last_decisions
        if d.tick > raised_at))
    assert state.limits.max_quantity == 100_000

    await harness.set_limits(workflow_id, SMALL)
    lowered_at = (await harness.state(workflow_id)).tick
    await wait_for_state(harness, workflow_id, lambda s: any(
        d.tick > lowered_at and (absurd(d) or "10-share limit" in "; ".join(d.check.reasons))
        for d in s.last_decisions))
    await harness.stop(workflow_id)
    summary = await harness.result(workflow_id)
    assert_book_is_broker(summary, broker, workflow_id)
