"""An order the last lookup finds still open is not booked dead: it is cancelled and looked
up again; and while an order of ours may still fill, the guardrail counts it against cash
and the position."""

from __future__ import annotations

import uuid

from engine import portfolio as book
from engine.broker_contracts import OrderResult, OrderStatus
from engine.contracts import AgentConfig
from engine.models import RiskLimits, Side, Verdict
from engine.workflows import memory as mem
from tests.engine.broker_sabotage import sabotaged  # noqa: F401 - the fixture
from tests.engine.conftest import agent_config, assert_book_is_broker, orders_for
from tests.engine.guardrail_cases import intent
from tests.engine.test_daily_limits import CALENDAR
from tests.engine.test_order_outcomes import first_order

NO_APPROVALS = RiskLimits(approval_notional=1e9)
OPEN = ("new", "accepted", "partially_filled")


async def test_a_live_order_found_by_the_last_lookup_is_cancelled_not_booked_dead(
    sabotaged, broker  # noqa: F811
):
    # The first order lands and stays open (accepted, nothing filled); its first status poll
    # fails for good (a 4xx), so the order call fails and the last lookup finds it open.
    broker.put("/__harness/faults", json={"mode": "accepted", "count": 1}).raise_for_status()
    async with sabotaged(poll=["404"]) as harness:
        config = agent_config(max_ticks=8, limits=NO_APPROVALS, fill_deadline_s=1.0,
                              reconcile_every=2)
        workflow_id = await harness.start_agent(config, f"test-live-{uuid.uuid4().hex[:6]}")
        summary = await harness.result(workflow_id)
        order = await first_order(harness, workflow_id)

    at_broker = {o["client_order_id"]: o for o in orders_for(broker, workflow_id)}
    first = at_broker[order.client_order_id]
    assert first["status"] == "canceled", f"left open at the broker: {first['status']}"
    assert order.status == OrderStatus.REJECTED and order.filled_quantity == 0
    assert "cancelled" in order.reason, order.reason
    assert not [o for o in at_broker.values() if o["status"] in OPEN]
    assert_book_is_broker(summary, broker, workflow_id)
    assert summary.book_vs_broker == "agrees"


def _book_with_open_buy(status: str = "accepted"):
    """$1,000 of cash; a 60-share buy at $10 that the broker still holds open."""
    memory = mem.fresh(AgentConfig(starting_cash=1_000.0, symbols=["AAPL"]), CALENDAR)
    mem.start_day_if_new(memory, "d1")
    memory.prices = {"AAPL": 10.0}
    mem.book_order(memory, intent(quantity=60, limit_price=10.0), OrderResult(
        client_order_id="wf-t1-AAPL", status=OrderStatus.REJECTED, requested_quantity=60,
        broker_status=status, reason="the cancel did not take"), limit_price=10.0)
    return memory


def test_the_guardrail_counts_an_open_buy_against_cash():
    memory = _book_with_open_buy()
    limits = RiskLimits(approval_notional=1e9, max_position_pct=1.0)
    memory.limits = limits
    check = mem.check(memory, intent(quantity=50, limit_price=10.0), open_orders=True)
    assert check.verdict == Verdict.BLOCK, check
    assert any("available cash $400.00" in r for r in check.reasons), check.reasons
    assert mem.check(memory, intent(quantity=40, limit_price=10.0),
                     open_orders=True).verdict == Verdict.ALLOW


def test_the_guardrail_counts_an_open_sell_against_the_position():
    memory = _book_with_open_buy(status="canceled")  # settled: counts for nothing
    memory.limits = RiskLimits(approval_notional=1e9, max_position_pct=1.0)
    assert mem.check(memory, intent(quantity=100, limit_price=10.0),
                     open_orders=True).verdict == Verdict.ALLOW
    memory.portfolio = book.apply_fill(memory.portfolio, "AAPL", Side.BUY, 20, 10.0)
    mem.book_order(memory, intent(side=Side.SELL, quantity=15, limit_price=10.0), OrderResult(
        client_order_id="wf-t2-AAPL", status=OrderStatus.FAILED, requested_quantity=15,
        broker_status="new", reason="lost"), limit_price=10.0)
    check = mem.check(memory, intent(side=Side.SELL, quantity=10, limit_price=10.0),
                      open_orders=True)
    assert check.verdict == Verdict.BLOCK and "5 AAPL shares" in " ".join(check.reasons)
