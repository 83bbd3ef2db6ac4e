"""The tick loop end to end: real server, real Mockoon, the offline analyst."""

from __future__ import annotations

import uuid

from engine.broker_contracts import OrderStatus
from engine.contracts import Phase
from engine.models import Side, Verdict
from tests.engine.conftest import agent_config, orders_for


def _id(name: str) -> str:
    return f"test-{name}-{uuid.uuid4().hex[:6]}"


async def test_a_run_buys_sells_and_holds_with_one_broker_order_per_fill(harness, broker):
    config = agent_config(
        symbols=["AAPL", "MSFT"], max_ticks=150, start_date="2003-03-03", approval_expiry_s=1.0
    )
    workflow_id = await harness.start_agent(config, _id("loop"))
    summary = await harness.result(workflow_id)

    assert summary.phase == Phase.FINISHED
    assert summary.ticks == 150
    counters = summary.counters
    assert counters.buys > 0 and counters.sells > 0 and counters.holds > 0, counters
    assert counters.orders_filled > 0
    # Some orders were big enough to need a human; nobody answered, so none was placed.
    assert sum(summary.approvals.values()) > 0, summary.approvals
    assert set(summary.approvals) <= {"superseded", "expired"}

    placed = orders_for(broker, workflow_id)
    ids = [o["client_order_id"] for o in placed]
    assert len(ids) == len(set(ids)), "the broker holds two orders for one intent"
    assert len(placed) == counters.orders_filled

    page = await harness.decisions(workflow_id, offset=0, limit=500)
    assert page.total == 150
    filled = [d for d in page.decisions if d.order and d.order.status == OrderStatus.FILLED]
    for decision in filled:
        assert decision.check.verdict in (Verdict.ALLOW, Verdict.NEEDS_APPROVAL)
        # Filled at the limit or better (the broker fills at the bar's close when better).
        better = 1 if decision.intent.side == Side.BUY else -1
        assert better * decision.order.filled_price <= better * decision.check.price
    asked = [d for d in page.decisions if d.check.verdict == Verdict.NEEDS_APPROVAL]
    assert asked and all(d.order is None and d.approval is not None for d in asked)
    holds = [d for d in page.decisions if d.intent.side == Side.HOLD]
    assert all(d.intent.rationale for d in holds)


async def test_state_query_shows_portfolio_model_and_counters(harness):
    workflow_id = await harness.start_agent(agent_config(max_ticks=15), _id("state"))
    await harness.result(workflow_id)
    state = await harness.state(workflow_id)
    assert state.tick == 15
    assert state.model == "offline-analyst"
    assert "Offline analyst" in state.model_label
    assert state.date.startswith("2004-01")
    assert state.equity == round(state.cash + sum(h.market_value for h in state.holdings), 2)
    assert len(state.equity_series) == 15
    assert state.history_length > 0
    assert state.decisions_total == 15
