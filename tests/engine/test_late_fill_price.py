"""A late fill is booked at the price of the shares it adds, not at the order's new average:
the broker's `filled_avg_price` covers every fill of the order, the book has booked some."""

from __future__ import annotations

import uuid

from engine.contracts import Phase
from engine.models import RiskLimits
from engine.workflows.accounts import account_key
from tests.engine.broker_sabotage import sabotaged  # noqa: F401 - the fixture
from tests.engine.conftest import (
    agent_config,
    assert_book_is_broker,
    orders_for,
    wait_for_state,
)

NO_APPROVALS = RiskLimits(approval_notional=1e9)


async def test_the_rest_of_a_partial_fill_filling_later_at_another_price_is_booked_at_its_own(
    sabotaged, broker  # noqa: F811
):
    # The first order half fills and stays open: its status poll fails for good, and the
    # cancel after the last lookup does not take (the broker keeps the order open).
    broker.put("/__harness/faults", json={"mode": "partial", "count": 1}).raise_for_status()
    async with sabotaged(poll=["404"], cancel=["404"]) as harness:
        config = agent_config(max_ticks=400, limits=NO_APPROVALS, fill_deadline_s=1.0,
                              reconcile_every=2, tick_interval_s=0.1)
        workflow_id = await harness.start_agent(config, f"test-latep-{uuid.uuid4().hex[:6]}")
        await wait_for_state(harness, workflow_id,
                             lambda s: s.counters.orders_filled >= 1)
        open_order = next(o for o in orders_for(broker, workflow_id)
                          if o["status"] == "partially_filled")
        # The other half fills now, 37 cents above the limit the first half filled at.
        price = round(float(open_order["limit_price"]) + 0.37, 2)
        late = broker.post(f"/__harness/accounts/{account_key(workflow_id)}/orders/"
                           f"{open_order['id']}/fill", json={"price": price})
        assert late.status_code == 200, late.text
        state = await wait_for_state(
            harness, workflow_id,
            lambda s: s.counters.late_fills == 1 or s.phase == Phase.PAUSED, timeout=90)
        await harness.stop(workflow_id)
        summary = await harness.result(workflow_id)

    assert state.phase != Phase.PAUSED, "\n".join(map(repr, state.reconciliations))
    adopted = [a for n in state.reconciliations for a in n.adopted]
    assert any(f"at ${price:,.2f}" in a for a in adopted), adopted
    assert_book_is_broker(summary, broker, workflow_id)
    assert summary.book_vs_broker == "agrees"
