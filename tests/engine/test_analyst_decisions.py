"""The offline analyst's decisions: over synthetic and real price paths through
``Runner.run``, and ``decide``'s properties over random situations."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.agent.brief import TickBrief
from engine.agent.offline_analyst import decide
from engine.agent.reports import HoldingReport, NewsReport, PortfolioReport, QuoteReport
from engine.models import Side
from tests.engine.analyst_market import LIMITS, load_real_market, synthetic_market

# ---- a price path --------------------------------------------------------------------------------


async def test_over_a_price_path_it_buys_sells_holds_and_sometimes_needs_approval():
    market = synthetic_market()
    intents = await market.run(170)
    sides = Counter(i.side for i in intents)
    assert sides[Side.BUY] >= 3 and sides[Side.SELL] >= 3 and sides[Side.HOLD] >= 10, sides
    big = [i for i in intents if i.side is Side.BUY and i.quantity * i.limit_price >= 10_000]
    assert big, "no approval-sized order on the path"
    assert all(i.confidence >= 0.75 for i in big)  # only high conviction goes to a human
    for i in intents:
        if i.side is not Side.HOLD:
            assert i.quantity >= 1 and i.limit_price == round(i.limit_price, 2)
            assert i.quantity * i.limit_price <= LIMITS["max_order_notional"] + 1e-6


@pytest.mark.parametrize("start", ["2004-08-19", "2008-01-02"])  # a rally; the crash
async def test_real_closes_over_three_hundred_ticks(start):
    market = load_real_market(["AAPL", "MSFT", "IBM", "GOOG"], start)
    intents = await market.run(300)
    sides = Counter(i.side for i in intents)
    assert min(sides[Side.BUY], sides[Side.SELL], sides[Side.HOLD]) >= 10, sides
    assert any(i.side is Side.BUY and i.quantity * i.limit_price >= 10_000 for i in intents)


async def test_same_seed_same_run_and_other_seeds_differ():
    async def run(seed: int) -> list[str]:
        market = synthetic_market()
        return [i.model_dump_json() for i in await market.run(120, seed)]

    first = await run(7)
    assert first == await run(7)
    assert first != await run(8) or first != await run(0)


# ---- properties of the decision ------------------------------------------------------------------

prices = st.floats(min_value=0.5, max_value=2_000, allow_nan=False)


@st.composite
def situations(draw):
    symbols = draw(st.lists(st.sampled_from(["AAPL", "MSFT", "IBM", "GOOG"]), min_size=1,
                            max_size=4, unique=True))
    quotes, news, positions = {}, {}, {}
    for s in symbols:
        lo, hi = sorted([draw(prices), draw(prices)])
        last = draw(st.floats(min_value=lo, max_value=hi))
        quotes[s] = QuoteReport(
            symbol=s, date="d", last=last, bid=last, ask=last,
            change_pct=draw(st.floats(-30, 30)), sma_fast=draw(prices), sma_slow=draw(prices),
            high_20=hi, low_20=lo, bars=draw(st.integers(0, 20)),
        )
        news[s] = NewsReport(symbol=s, date="d", mean_sentiment=draw(st.floats(-1, 1)))
        qty = draw(st.integers(0, 5_000))
        if qty:
            positions[s] = HoldingReport(quantity=qty, avg_cost=draw(prices),
                                         market_value=qty * last)
    cash = draw(st.floats(0, 500_000))
    portfolio = PortfolioReport(
        cash=cash, equity=cash + sum(p.market_value for p in positions.values()),
        positions=positions, max_order_notional=draw(st.floats(100, 50_000)),
        max_position_pct=draw(st.floats(0.05, 1.0)), approval_notional=draw(st.floats(0, 20_000)),
    )
    brief = TickBrief(tick=1, date="d", symbols=symbols, seed=draw(st.integers(0, 2**31)))
    return brief, quotes, news, portfolio


@settings(max_examples=300, deadline=None)
@given(situations())
def test_decisions_always_respect_cash_holdings_and_limits(situation):
    brief, quotes, news, portfolio = situation
    intent = decide(brief, quotes, news, portfolio)
    assert intent == decide(brief, quotes, news, portfolio)  # deterministic
    assert intent.symbol in brief.symbols and 0 <= intent.confidence <= 1
    if intent.side is Side.HOLD:
        assert intent.quantity == 0
        return
    last = quotes[intent.symbol].last
    notional = intent.quantity * intent.limit_price
    assert intent.quantity >= 1
    assert notional <= portfolio.max_order_notional + 1e-6
    if notional >= portfolio.approval_notional > 0:
        assert intent.confidence >= 0.75
    if intent.side is Side.BUY:
        assert intent.limit_price >= last
        assert notional <= portfolio.cash + 1e-6
    else:
        assert intent.quantity <= portfolio.positions[intent.symbol].quantity
        assert intent.limit_price <= last
