"""Daily limits the way the workflow keeps them: a day opens before its prices move.

Driven through the memory functions the workflow itself calls each tick (`observe`,
`book_order`, `check`), with a scripted fall, so the daily loss limit is seen to fire.
"""

from __future__ import annotations

from engine.broker_contracts import OrderResult, OrderStatus
from engine.contracts import AgentConfig, CalendarInfo, TickContext
from engine.models import Quote, Side, Verdict
from engine.workflows import memory as mem
from tests.engine.guardrail_cases import assert_reason, intent

CALENDAR = CalendarInfo(start_index=0, bar_count=100, first_date="d0", last_date="d99")


def context(index: int, date: str, price: float) -> TickContext:
    quote = Quote(symbol="AAPL", index=index, date=date, last=price, bid=price, ask=price)
    return TickContext(index=index, date=date, quotes={"AAPL": quote})


def tick(memory, date: str, price: float, **flags) -> None:
    clock = memory.clock.model_copy(update={"tick": memory.tick})
    mem.observe(memory, clock, context(memory.tick, date, price), **flags)


def holding_200_shares_at_100(**flags):
    memory = mem.fresh(AgentConfig(starting_cash=100_000.0), CALENDAR)
    tick(memory, "d1", 100.0, **flags)
    buy = intent(quantity=200)
    verdict = mem.check(memory, buy)
    assert verdict.verdict == Verdict.NEEDS_APPROVAL, verdict.reasons  # $20,000: a human's
    mem.book_order(memory, buy, OrderResult(client_order_id="x-t1-AAPL", status=OrderStatus.FILLED,
                                            filled_quantity=200, filled_price=100.0,
                                            requested_quantity=200))
    return memory


def test_a_scripted_fall_trips_the_daily_loss_limit():
    memory = holding_200_shares_at_100()
    tick(memory, "d2", 60.0)  # a 40% fall overnight: equity 100,000 -> 92,000 (-8%)
    assert memory.day.date == "d2" and memory.day.start_equity == 100_000.0
    verdict = mem.check(memory, intent(quantity=10))
    assert verdict.verdict == Verdict.BLOCK
    assert_reason(verdict, "beyond the 3.0% daily loss limit")
    # Selling reduces risk: it still passes.
    assert mem.check(memory, intent(side=Side.SELL, quantity=10)).verdict == Verdict.ALLOW
    # The next day opens at the fallen prices: buying is allowed again.
    tick(memory, "d3", 60.0)
    assert memory.day.start_equity == 92_000.0
    assert mem.check(memory, intent(quantity=10)).verdict == Verdict.ALLOW


def test_the_old_order_kept_for_old_histories_never_fires():
    memory = holding_200_shares_at_100(day_opens_first=False)
    tick(memory, "d2", 60.0, day_opens_first=False)
    assert memory.day.start_equity == 92_000.0, "the day opened after the fall"
    assert mem.check(memory, intent(quantity=10)).verdict == Verdict.ALLOW


async def test_the_workflow_trips_the_daily_loss_limit_in_a_falling_market(harness, broker):
    """Autumn 2008 through the real workflow: on a day the book falls more than 1%, the
    agent's buys are blocked by the daily loss limit (before the fix, never)."""
    import uuid

    from engine.models import RiskLimits

    config = AgentConfig(symbols=["AAPL", "MSFT"], start_date="2008-10-01", max_ticks=60,
                         limits=RiskLimits(approval_notional=1e9, daily_loss_limit_pct=0.01))
    workflow_id = await harness.start_agent(config, f"test-dayloss-{uuid.uuid4().hex[:6]}")
    await harness.result(workflow_id)
    page = await harness.decisions(workflow_id, limit=500)
    tripped = [d for d in page.decisions
               if any("daily loss limit" in r for r in d.check.reasons)]
    assert tripped, "no buy met the daily loss limit in a falling market"
    assert all(d.check.verdict == Verdict.BLOCK and d.intent.side == Side.BUY for d in tripped)
    assert all(d.order is None for d in tripped)
