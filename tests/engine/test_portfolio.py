"""Accounting on the agent's book: fills, cost basis, P&L, equity, exact cents."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.models import Portfolio, Position, Side
from engine.portfolio import (
    apply_fill,
    cash_after_fill,
    equity,
    fill_notional,
    fill_problem,
    market_value,
    to_cents,
    unrealized_pnl,
)


def book(cash: float = 10_000.0, **positions: tuple[int, float]) -> Portfolio:
    return Portfolio(
        cash=cash,
        positions={
            s: Position(symbol=s, quantity=q, avg_cost=c) for s, (q, c) in positions.items()
        },
    )


def test_buy_takes_cash_and_opens_a_position_at_the_fill_price():
    after = apply_fill(book(10_000.0), "AAPL", Side.BUY, 10, 123.45)
    assert after.cash == 8_765.50
    assert after.positions["AAPL"] == Position(symbol="AAPL", quantity=10, avg_cost=123.45)
    assert after.realized_pnl == 0.0


def test_second_buy_averages_the_cost():
    after = apply_fill(book(10_000.0, AAPL=(10, 100.0)), "AAPL", "buy", 30, 120.0)
    assert after.positions["AAPL"].quantity == 40
    assert after.positions["AAPL"].avg_cost == 115.0
    assert after.cash == 6_400.0


def test_sell_adds_cash_and_realises_pnl_against_average_cost():
    after = apply_fill(book(1_000.0, AAPL=(10, 100.0)), "AAPL", Side.SELL, 4, 110.25)
    assert after.cash == 1_441.0
    assert after.realized_pnl == 41.0
    assert after.positions["AAPL"] == Position(symbol="AAPL", quantity=6, avg_cost=100.0)


def test_selling_the_whole_position_removes_it():
    after = apply_fill(book(0.0, AAPL=(10, 100.0), IBM=(1, 50.0)), "AAPL", Side.SELL, 10, 90.0)
    assert "AAPL" not in after.positions
    assert after.realized_pnl == -100.0
    assert after.cash == 900.0
    assert after.positions["IBM"].quantity == 1


def test_apply_fill_does_not_mutate_its_input():
    before = book(5_000.0, AAPL=(10, 100.0))
    snapshot = before.model_dump()
    after = apply_fill(before, "AAPL", Side.BUY, 5, 100.0)
    after.positions["AAPL"].quantity = 999  # even mutating the result leaves the input alone
    assert before.model_dump() == snapshot


def test_selling_more_than_held_is_refused_and_leaves_the_book_unchanged():
    before = book(0.0, AAPL=(5, 100.0))
    assert fill_problem(before, "AAPL", Side.SELL, 6, 100.0) == "cannot sell 6 AAPL: only 5 held"
    assert apply_fill(before, "AAPL", Side.SELL, 6, 100.0) == before


def test_nonsense_fills_are_refused_not_raised():
    before = book(1_000.0, AAPL=(5, 100.0))
    nonsense = [
        ("AAPL", Side.BUY, 0, 10.0),
        ("AAPL", Side.BUY, -3, 10.0),
        ("AAPL", Side.BUY, 2.5, 10.0),
        ("AAPL", Side.BUY, True, 10.0),
        ("AAPL", Side.BUY, 1, math.nan),
        ("AAPL", Side.BUY, 1, math.inf),
        ("AAPL", Side.BUY, 1, 0.0),
        ("AAPL", Side.BUY, 1, -1.0),
        ("AAPL", Side.HOLD, 1, 10.0),
        ("AAPL", "short", 1, 10.0),
        (None, Side.BUY, 1, 10.0),
        ("AAPL", Side.BUY, 10**400, 10.0),
        ("AAPL", Side.BUY, 10**15, 10.0),
    ]
    for symbol, side, quantity, price in nonsense:
        assert fill_problem(before, symbol, side, quantity, price) is not None
        assert apply_fill(before, symbol, side, quantity, price) == before


def test_a_buy_that_overdraws_is_booked_because_the_broker_filled_it():
    after = apply_fill(book(100.0), "AAPL", Side.BUY, 2, 60.0)
    assert after.cash == -20.0


def test_money_is_settled_in_whole_cents():
    # 0.1 is not exact in binary; a thousand fills of 3 x $0.10 must still net to cents.
    portfolio = book(1_000.0)
    for _ in range(1_000):
        portfolio = apply_fill(portfolio, "AAPL", Side.BUY, 3, 0.1)
    assert portfolio.cash == 700.0
    assert fill_notional(3, 0.1) == 0.3
    assert fill_notional(1, 100.005) in (100.0, 100.01)
    assert cash_after_fill(100.0, Side.SELL, 2, 0.015) == to_cents(100.03) / 100


def test_valuation_uses_current_prices_and_falls_back_to_average_cost():
    portfolio = book(1_000.0, AAPL=(10, 100.0), IBM=(2, 50.0))
    prices = {"AAPL": 110.0, "IBM": math.nan}  # IBM has no usable price: valued at cost
    assert market_value(portfolio, prices) == 1_100.0 + 100.0
    assert equity(portfolio, prices) == 2_200.0
    assert unrealized_pnl(portfolio, prices) == 100.0
    assert equity(portfolio, {}) == 2_100.0
    assert unrealized_pnl(portfolio, {}) == 0.0


SYMBOLS = ["AAPL", "IBM"]
fills = st.lists(
    st.tuples(
        st.sampled_from(SYMBOLS),
        st.sampled_from([Side.BUY, Side.SELL]),
        st.integers(1, 500),
        st.floats(0.01, 2_000.0),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(cash=st.integers(0, 10_000_000).map(lambda c: c / 100), fills=fills)
def test_cash_is_conserved_exactly_in_cents(cash, fills):
    """Cash moves by exactly the fills' notionals; checked buys never overdraw."""
    portfolio = book(cash)
    expected = to_cents(cash)
    for symbol, side, quantity, price in fills:
        if side == Side.BUY and cash_after_fill(portfolio.cash, side, quantity, price) < 0:
            continue  # what the guardrail's cash check refuses
        if side == Side.SELL:
            quantity = min(quantity, portfolio.quantity(symbol))
            if quantity == 0:
                continue
        portfolio = apply_fill(portfolio, symbol, side, quantity, price)
        change = to_cents(fill_notional(quantity, price))
        expected += -change if side == Side.BUY else change
        assert portfolio.cash >= 0
        assert to_cents(portfolio.cash) == expected
        assert portfolio.cash == expected / 100
        assert all(p.quantity > 0 for p in portfolio.positions.values())


junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
)


@settings(max_examples=200, deadline=None)
@given(
    symbol=st.one_of(st.sampled_from(SYMBOLS), junk),
    side=st.one_of(st.sampled_from(list(Side)), junk),
    quantity=junk,
    price=junk,
    cash=st.floats(allow_nan=True, allow_infinity=True),
)
def test_apply_fill_never_raises(symbol, side, quantity, price, cash):
    before = Portfolio(
        cash=cash, positions={"AAPL": Position(symbol="AAPL", quantity=5, avg_cost=10.0)}
    )
    after = apply_fill(before, symbol, side, quantity, price)
    if fill_problem(before, symbol, side, quantity, price) is not None:
        assert after == before
    else:
        assert all(p.quantity > 0 for p in after.positions.values())
