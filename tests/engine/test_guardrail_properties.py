"""The risk guardrail's properties over random intents, price paths and junk input."""

from __future__ import annotations

import math
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.guardrail import evaluate
from engine.models import (
    DayStats,
    GuardrailResult,
    Portfolio,
    Position,
    RiskLimits,
    Side,
    TradeIntent,
    Verdict,
)
from engine.portfolio import apply_fill, fill_notional, fill_problem
from engine.workflows.memory import open_day
from tests.engine.guardrail_cases import FALLBACK, LIMITS, intent, news

SYMBOLS = ["AAPL", "MSFT", "IBM", "GOOG", "FB", "ZZZZ"]  # FB has prices but is not allowed
MISSING = object()
BAD_QUOTES = [math.nan, math.inf, -math.inf, 0.0, -1.0, MISSING]


def mostly(good, bad):
    """`good` four times in five, `bad` otherwise: enough sane orders to fill the book."""
    return st.integers(0, 4).flatmap(lambda k: bad if k == 0 else good)


# A price path: a start per symbol, then per tick a move per symbol and maybe a bad quote.
price_levels = st.one_of(st.floats(0.5, 5.0), st.floats(5.0, 400.0))
starts = st.fixed_dictionaries({s: price_levels for s in SYMBOLS})
moves = st.fixed_dictionaries({s: st.floats(-0.05, 0.05) for s in SYMBOLS})
glitches = mostly(st.none(), st.tuples(st.sampled_from(SYMBOLS), st.sampled_from(BAD_QUOTES)))
# A quantity may be a share of what is held or of what cash buys ("held"/"cash", fraction),
# or all of it plus k shares ("held+"/"cash+", k): orders on either side of those boundaries.
quantities = mostly(
    st.one_of(
        st.integers(1, 60),
        st.tuples(st.sampled_from(["held", "cash"]), st.floats(0.1, 1.0)),
        st.tuples(st.sampled_from(["held+", "cash+"]), st.integers(0, 2)),
    ),
    st.one_of(
        st.integers(-5, 0),
        st.integers(10**5, 10**30),
        st.just(10**400),
        st.sampled_from([2.5, math.nan, None, True]),
    ),
)
# A limit as a factor of the last price (in or out of the ±3% band), or an absurd value.
limit_specs = mostly(
    st.one_of(st.none(), st.floats(0.98, 1.02).map(lambda f: ("factor", f))),
    st.one_of(
        st.floats(0.5, 1.5).map(lambda f: ("factor", f)),
        st.sampled_from([math.nan, math.inf, 0.0, -10.0, 1e300]).map(lambda v: ("value", v)),
    ),
)
TEXTS = ["Quiet day", "Shares rally", "Guidance raised", "Exchange announces TRADING HALT"]
intents = st.tuples(
    mostly(st.sampled_from(SYMBOLS[:4]), st.sampled_from(SYMBOLS[4:])),
    st.sampled_from([Side.BUY, Side.BUY, Side.SELL, Side.SELL, Side.HOLD]),
    quantities,
    limit_specs,
    st.floats(0.0, 1.0),
)


def build(spec, prices, portfolio):
    symbol, side, quantity, limit_spec, confidence = spec
    if isinstance(quantity, tuple):
        base, x = quantity
        last = prices.get(symbol)
        if base.startswith("held"):
            held = portfolio.quantity(symbol)
            quantity = held + x if base == "held+" else math.ceil(held * x)
        elif isinstance(last, float) and math.isfinite(last) and last > 0:
            affordable = portfolio.cash / last
            quantity = math.floor(affordable) + x if base == "cash+" else math.ceil(affordable * x)
        else:
            quantity = 1
        quantity = max(1, quantity)
    limit = None
    if limit_spec is not None:
        kind, value = limit_spec
        last = prices.get(symbol)
        limit = value if kind == "value" else (last * value if last is not None else 100.0)
    return intent(side, quantity, symbol, limit, confidence)


OUTCOMES: Counter = Counter()  # (side, verdict) -> count, to prove the property is not vacuous


@settings(max_examples=200, deadline=None)
@given(
    cash=st.one_of(st.floats(100.0, 20_000.0), st.floats(5_000.0, 200_000.0)),
    approval=st.one_of(st.floats(0.0, 3_000.0), st.floats(0.0, 30_000.0)),
    min_confidence=st.floats(0.0, 0.3),
    weight=st.one_of(st.just(1.0), st.floats(0.1, 1.0)),
    start=starts,
    holdings=st.fixed_dictionaries({s: st.integers(0, 80) for s in SYMBOLS[:4]}),
    steps=st.lists(
        st.tuples(moves, glitches, intents, st.sampled_from(TEXTS), st.booleans()), max_size=15
    ),
)
def fill_every_allowed_order(cash, approval, min_confidence, weight, start, holdings, steps):
    """Fill every ALLOW and NEEDS_APPROVAL at the guardrail's price: the book stays sound."""
    limits = RiskLimits(
        approval_notional=approval, approval_min_confidence=min_confidence, max_position_pct=weight
    )
    portfolio = Portfolio(cash=cash)
    for symbol, quantity in holdings.items():
        portfolio = apply_fill(portfolio, symbol, Side.BUY, quantity, start[symbol])
    portfolio = portfolio.model_copy(update={"cash": cash})
    path = dict(start)
    prices = dict(path)
    day = open_day("d0", portfolio, prices)
    for number, (move, glitch, spec, text, new_day) in enumerate(steps):
        if new_day:  # as the workflow does: the day opens at the prices it opens with...
            day = open_day(f"d{number + 1}", portfolio, prices)
        path = {s: p * (1 + move[s]) for s, p in path.items()}  # ...then they move
        prices = dict(path)
        if glitch is not None:
            symbol, quote = glitch
            prices.pop(symbol) if quote is MISSING else prices.update({symbol: quote})
        trade = build(spec, prices, portfolio)
        headlines = {trade.symbol: news(trade.symbol, text)}
        result = evaluate(
            trade, portfolio=portfolio, prices=prices, headlines=headlines, limits=limits, day=day
        )
        OUTCOMES[(trade.side, result.verdict)] += 1
        assert result.verdict in Verdict
        if result.verdict != Verdict.ALLOW:
            assert result.reasons, "every BLOCK and NEEDS_APPROVAL says why"
        assert not any(FALLBACK in r for r in result.reasons)
        if result.verdict == Verdict.BLOCK or trade.side == Side.HOLD:
            continue
        assert trade.symbol in limits.allowed_symbols
        assert 0 < trade.quantity <= limits.max_quantity
        assert math.isfinite(result.price) and result.price > 0
        assert result.notional == fill_notional(trade.quantity, result.price)
        assert result.notional <= limits.max_order_notional
        problem = fill_problem(portfolio, trade.symbol, trade.side, trade.quantity, result.price)
        assert problem is None
        portfolio = apply_fill(portfolio, trade.symbol, trade.side, trade.quantity, result.price)
        day = day.model_copy(update={"notional_traded": day.notional_traded + result.notional})
        assert portfolio.cash >= 0
        assert all(p.quantity > 0 for p in portfolio.positions.values())


def test_allowed_orders_never_overdraw_cash_or_go_short():
    OUTCOMES.clear()
    fill_every_allowed_order()
    # Guard against a generator that only ever produces BLOCKs (a vacuous property).
    for side in (Side.BUY, Side.SELL):
        filled = OUTCOMES[(side, Verdict.ALLOW)] + OUTCOMES[(side, Verdict.NEEDS_APPROVAL)]
        assert filled >= 10, OUTCOMES


price_ticks = st.dictionaries(
    st.sampled_from(SYMBOLS),
    st.one_of(st.floats(0.5, 1_500.0), st.sampled_from(BAD_QUOTES[:-1])),
    max_size=len(SYMBOLS),
)
headline_lists = st.lists(st.sampled_from([*TEXTS, "SEC probe opened"]), max_size=2)
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=4),
    st.just(10**400),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=250, deadline=None)
@given(
    symbol=st.one_of(st.sampled_from(SYMBOLS), junk),
    side=st.one_of(st.sampled_from([*Side, "buy", "sell", "hold"]), junk),
    quantity=st.one_of(quantities, junk),
    limit_price=junk,
    confidence=junk,
    prices=st.one_of(
        price_ticks, st.dictionaries(st.sampled_from(SYMBOLS), junk), st.none(), st.just([])
    ),
    headlines=st.one_of(
        st.none(),
        st.just({"AAPL": None}),
        st.just({"AAPL": ["fraud", None]}),
        st.builds(lambda t: {"AAPL": news("AAPL", *t)}, headline_lists),
    ),
    held=st.integers(0, 1_000),
    cash=st.floats(allow_nan=True, allow_infinity=True),
    traded=st.floats(allow_nan=True, allow_infinity=True),
)
def test_evaluate_never_raises_and_every_block_says_why(
    symbol, side, quantity, limit_price, confidence, prices, headlines, held, cash, traded
):
    trade = TradeIntent.model_construct(
        symbol=symbol,
        side=side,
        quantity=quantity,
        limit_price=limit_price,
        confidence=confidence,
        rationale=None,
    )
    positions = {"AAPL": Position(symbol="AAPL", quantity=held, avg_cost=100.0)} if held else {}
    portfolio = Portfolio(cash=cash, positions=positions)
    day = DayStats(date="d", start_equity=100_000.0, notional_traded=traded)
    kwargs = dict(portfolio=portfolio, prices=prices, headlines=headlines, limits=LIMITS, day=day)
    result = evaluate(trade, **kwargs)
    assert isinstance(result, GuardrailResult)
    assert not any(FALLBACK in r for r in result.reasons), result.reasons
    if result.verdict != Verdict.ALLOW:
        assert result.reasons
    if result.verdict != Verdict.BLOCK and side != Side.HOLD:
        assert 0 < quantity <= LIMITS.max_quantity
        assert side == Side.SELL or cash >= result.notional
    assert evaluate(trade, **kwargs) == result  # deterministic
