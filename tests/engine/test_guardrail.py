"""The risk guardrail: one test per rule, then properties over random intents and prices."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.guardrail import evaluate
from engine.models import (
    DayStats,
    GuardrailResult,
    Headline,
    Portfolio,
    Position,
    RiskLimits,
    Side,
    TradeIntent,
    Verdict,
)
from engine.portfolio import apply_fill, equity, fill_notional, fill_problem

LIMITS = RiskLimits()  # $25k per order, 40% weight, $60k/day, 3% daily loss, ±3% band, $10k ask
FALLBACK = "the guardrail could not evaluate"


def intent(side=Side.BUY, quantity=10, symbol="AAPL", limit_price=None, confidence=0.8):
    # model_construct: tests may hand over what validation would refuse, as a model might.
    return TradeIntent.model_construct(
        symbol=symbol,
        side=side,
        quantity=quantity,
        limit_price=limit_price,
        confidence=confidence,
        rationale="test",
    )


def news(symbol: str, *texts: str) -> list[Headline]:
    return [
        Headline(id=f"{symbol}-{i}", symbol=symbol, date="2015-01-02", headline=t, sentiment=0.0)
        for i, t in enumerate(texts)
    ]


def check(
    trade: TradeIntent,
    *,
    cash: float = 100_000.0,
    held: dict[str, tuple[int, float]] | None = None,
    prices: dict[str, float] | None = None,
    headlines: dict[str, list[Headline]] | None = None,
    limits: RiskLimits = LIMITS,
    start_equity: float | None = None,
    traded: float = 0.0,
) -> GuardrailResult:
    positions = {
        s: Position(symbol=s, quantity=q, avg_cost=c) for s, (q, c) in (held or {}).items()
    }
    portfolio = Portfolio(cash=cash, positions=positions)
    prices = (
        {"AAPL": 100.0, "MSFT": 50.0, "IBM": 150.0, "GOOG": 500.0} if prices is None else prices
    )
    if start_equity is None:
        start_equity = equity(portfolio, prices)
    day = DayStats(date="2015-01-02", start_equity=start_equity, notional_traded=traded)
    return evaluate(
        trade,
        portfolio=portfolio,
        prices=prices,
        headlines=headlines or {},
        limits=limits,
        day=day,
    )


def assert_reason(result: GuardrailResult, text: str) -> None:
    assert any(text in r for r in result.reasons), f"{text!r} not in {result.reasons}"


# --- the plain cases -------------------------------------------------------------------


def test_small_buy_is_allowed_at_the_current_price():
    result = check(intent(quantity=10), prices={"AAPL": 123.45})
    assert result == GuardrailResult(verdict=Verdict.ALLOW, price=123.45, notional=1_234.50)


def test_without_a_limit_the_last_price_is_rounded_to_the_cent_through_the_market():
    # The adjusted history has sub-penny prices; brokers refuse sub-penny limits.
    buy = check(intent(quantity=10), prices={"AAPL": 28.0345})
    assert (buy.price, buy.notional) == (28.04, 280.40)
    sell = check(intent(Side.SELL, quantity=10), held={"AAPL": (10, 1.0)}, prices={"AAPL": 28.0345})
    assert (sell.price, sell.notional) == (28.03, 280.30)
    assert check(intent(quantity=1), prices={"AAPL": 1.1}).price == 1.1  # float noise is no cent


def test_the_price_is_the_current_quote_not_a_fixed_one():
    assert check(intent(quantity=10), prices={"AAPL": 80.0}).notional == 800.0
    assert check(intent(quantity=10), prices={"AAPL": 90.0}).notional == 900.0


def test_hold_is_allowed_with_no_order_even_for_an_unknown_symbol_without_a_price():
    for symbol in ["AAPL", "ZZZZ"]:
        result = check(intent(Side.HOLD, quantity=0, symbol=symbol), prices={})
        assert result == GuardrailResult(verdict=Verdict.ALLOW, reasons=[], notional=0.0)


# --- symbol, price, quantity -----------------------------------------------------------


def test_symbol_off_the_allow_list_is_blocked():
    result = check(intent(symbol="FB"), prices={"FB": 80.0})
    assert result.verdict == Verdict.BLOCK
    assert_reason(result, "FB is not on the allowed list (AAPL, MSFT, IBM, GOOG)")


@pytest.mark.parametrize("quote", [None, math.nan, math.inf, -math.inf, 0.0, -5.0, "100"])
def test_no_usable_price_is_blocked(quote):
    prices = {} if quote is None else {"AAPL": quote}
    result = check(intent(Side.SELL, quantity=1), held={"AAPL": (5, 90.0)}, prices=prices)
    assert result.verdict == Verdict.BLOCK
    assert_reason(result, "no usable current price for AAPL")


@pytest.mark.parametrize(
    ("quantity", "reason"),
    [
        (0, "quantity 0 must be positive for a buy"),
        (-5, "quantity -5 must be positive for a buy"),
        (2.5, "quantity 2.5 is not a whole number of shares"),
        (None, "quantity None is not a whole number of shares"),
        (True, "quantity True is not a whole number of shares"),
        (100_001, "quantity 100,001 exceeds the 100,000-share limit"),
    ],
)
def test_quantity_must_be_a_positive_whole_number_within_the_limit(quantity, reason):
    result = check(intent(quantity=quantity), prices={"AAPL": 0.01})
    assert result.verdict == Verdict.BLOCK
    assert_reason(result, reason)


# --- limit price -----------------------------------------------------------------------


def test_limit_inside_the_band_prices_the_order_at_the_limit():
    result = check(intent(quantity=10, limit_price=102.004), prices={"AAPL": 100.0})
    assert result.verdict == Verdict.ALLOW
    assert result.price == 102.0  # rounded to the cent, as the broker takes it
    assert result.notional == 1_020.0


def test_limit_outside_the_band_is_blocked_with_the_numbers():
    result = check(intent(quantity=10, limit_price=104.0), prices={"AAPL": 100.0})
    assert result.verdict == Verdict.BLOCK
    assert result.reasons == [
        "limit price $104.00 is 4.0% from the last price $100.00, outside the ±3.0% band"
    ]
    below = check(intent(Side.SELL, 1, limit_price=96.0), held={"AAPL": (1, 1.0)})
    assert_reason(below, "limit price $96.00 is 4.0% from the last price $100.00")


@pytest.mark.parametrize("limit", [math.nan, math.inf, 0.0, -100.0, 0.001, "100"])
def test_nonsense_limit_price_is_blocked(limit):
    result = check(intent(limit_price=limit))
    assert result.verdict == Verdict.BLOCK
    assert_reason(result, f"limit price {limit!r} is not a usable price")


# --- holdings and cash -----------------------------------------------------------------


def test_selling_more_than_held_is_blocked():
    result = check(intent(Side.SELL, quantity=21), held={"AAPL": (20, 90.0)})
    assert result.verdict == Verdict.BLOCK
    assert result.reasons == ["sell quantity 21 exceeds the 20 AAPL shares held"]
    nothing = check(intent(Side.SELL, quantity=1), prices={})
    assert_reason(nothing, "sell quantity 1 exceeds the 0 AAPL shares held")  # even unpriced


def test_selling_what_is_held_is_allowed():
    result = check(intent(Side.SELL, quantity=20), held={"AAPL": (20, 90.0)})
    assert (result.verdict, result.notional) == (Verdict.ALLOW, 2_000.0)


def test_buy_beyond_cash_is_blocked_but_exactly_the_cash_is_allowed():
    over = check(intent(quantity=10), cash=999.99, start_equity=999.99)
    assert over.verdict == Verdict.BLOCK
    assert_reason(over, "order notional $1,000.00 exceeds the available cash $999.99")
    # exactly all the cash, where float arithmetic is at its most fragile: 3 x $0.10
    limits = RiskLimits(max_position_pct=1.0)
    exact = check(intent(quantity=3), cash=0.3, prices={"AAPL": 0.1}, limits=limits)
    assert exact.verdict == Verdict.ALLOW


# --- size limits -----------------------------------------------------------------------


def test_order_notional_over_the_per_order_limit_is_blocked():
    result = check(intent(quantity=100), prices={"AAPL": 312.0})
    assert result.verdict == Verdict.BLOCK
    assert "order notional $31,200.00 exceeds the $25,000.00 per-order limit" in result.reasons


def test_position_weight_after_the_order_is_limited():
    # 300 held at $100 + 150 more = $45,000 of $100,000 equity (cash $55,000 after the buy)
    result = check(intent(quantity=150), cash=70_000.0, held={"AAPL": (300, 100.0)})
    assert result.verdict == Verdict.BLOCK
    assert (
        "the AAPL position after the order ($45,000.00) would be 45.0% of equity "
        "$100,000.00, above the 40.0% limit"
    ) in result.reasons


def test_position_weight_is_valued_at_the_current_price_not_the_limit():
    # Paying $103 for 30 shares worth $100 lowers equity by $90: weight uses both effects.
    result = check(intent(quantity=30, limit_price=103.0), cash=1_000_000.0)
    assert result.verdict == Verdict.ALLOW
    limits = RiskLimits(max_position_pct=0.03)
    tight = check(intent(quantity=30, limit_price=103.0), cash=100_000.0, limits=limits)
    assert_reason(tight, "($3,000.00) would be 3.0% of equity $99,910.00")


def test_daily_notional_blocks_buys_and_sends_sells_to_a_human():
    buy = check(intent(quantity=50), traded=55_000.01)
    assert buy.verdict == Verdict.BLOCK
    reason = (
        "$55,000.01 already traded today plus this order's $5,000.00 "
        "would exceed the $60,000.00 daily notional limit"
    )
    assert buy.reasons == [reason]
    sell = check(intent(Side.SELL, quantity=50), held={"AAPL": (50, 100.0)}, traded=55_000.01)
    assert (sell.verdict, sell.reasons) == (Verdict.NEEDS_APPROVAL, [reason])


def test_daily_loss_limit_halts_buys_but_not_sells():
    reason = (
        "equity $96,000.00 is 4.0% below the day's start $100,000.00, beyond the 3.0% "
        "daily loss limit: no new buys today"
    )
    buy = check(intent(quantity=1), cash=96_000.0, start_equity=100_000.0)
    assert (buy.verdict, buy.reasons) == (Verdict.BLOCK, [reason])
    sell = check(
        intent(Side.SELL, quantity=1),
        cash=95_900.0,
        held={"AAPL": (1, 200.0)},
        start_equity=100_000.0,
    )
    assert (sell.verdict, sell.reasons) == (Verdict.ALLOW, [])
    within = check(intent(quantity=1), cash=97_500.0, start_equity=100_000.0)
    assert within.verdict == Verdict.ALLOW


# --- news ------------------------------------------------------------------------------


def test_restricted_term_blocks_buys_and_flags_sells_case_insensitively():
    headlines = {
        "AAPL": news("AAPL", "Apple beats estimates", "Regulators open an SEC PROBE into Apple"),
        "IBM": news("IBM", "IBM trading halt announced"),
    }
    reason = (
        'today\'s AAPL headline "Regulators open an SEC PROBE into Apple" '
        'mentions restricted term "sec probe"'
    )
    buy = check(intent(quantity=1), headlines=headlines)
    assert (buy.verdict, buy.reasons) == (Verdict.BLOCK, [reason])
    sell = check(intent(Side.SELL, quantity=1), held={"AAPL": (1, 1.0)}, headlines=headlines)
    assert (sell.verdict, sell.reasons) == (Verdict.NEEDS_APPROVAL, [reason])


def test_another_symbols_news_does_not_restrict():
    headlines = {"IBM": news("IBM", "IBM trading halt announced")}
    assert check(intent(quantity=1), headlines=headlines).verdict == Verdict.ALLOW


# --- approval --------------------------------------------------------------------------


def test_large_order_needs_approval_with_the_reason():
    result = check(intent(quantity=100))
    assert result.verdict == Verdict.NEEDS_APPROVAL
    assert result.reasons == ["order notional $10,000.00 reaches the $10,000.00 approval threshold"]


def test_low_confidence_needs_approval_with_the_reason():
    limits = RiskLimits(approval_min_confidence=0.6)
    result = check(intent(quantity=1, confidence=0.4), limits=limits)
    assert result.verdict == Verdict.NEEDS_APPROVAL
    assert result.reasons == ["confidence 0.40 is below the 0.60 approval threshold"]


@pytest.mark.parametrize("confidence", [math.nan, -0.1, 1.5, None, "high"])
def test_nonsense_confidence_is_blocked(confidence):
    result = check(intent(quantity=1, confidence=confidence))
    assert result.verdict == Verdict.BLOCK
    assert_reason(result, f"confidence {confidence!r} is not a number between 0 and 1")


def test_block_dominates_and_every_reason_is_listed():
    headlines = {"AAPL": news("AAPL", "Fraud alleged")}
    result = check(
        intent(quantity=300, limit_price=200.0, confidence=0.1),
        cash=20_000.0,
        headlines=headlines,
        limits=RiskLimits(approval_min_confidence=0.5),
    )
    assert result.verdict == Verdict.BLOCK
    assert result.reasons == [
        "limit price $200.00 is 100.0% from the last price $100.00, outside the ±3.0% band",
        'today\'s AAPL headline "Fraud alleged" mentions restricted term "fraud"',
        "order notional $60,000.00 exceeds the $25,000.00 per-order limit",
        "order notional $60,000.00 exceeds the available cash $20,000.00",
        # approval reasons still shown, after the blocking ones
        "confidence 0.10 is below the 0.50 approval threshold",
        "order notional $60,000.00 reaches the $10,000.00 approval threshold",
    ]


def test_an_internal_error_becomes_a_block_not_a_crash():
    broken = RiskLimits.model_construct(**{**LIMITS.model_dump(), "allowed_symbols": None})
    result = check(intent(quantity=1), limits=broken)
    assert result.verdict == Verdict.BLOCK
    assert result.reasons == ["the guardrail could not evaluate this intent (TypeError)"]


# --- properties ------------------------------------------------------------------------

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
    day = DayStats(date="d0", start_equity=equity(portfolio, path))
    for move, glitch, spec, text, new_day in steps:
        path = {s: p * (1 + move[s]) for s, p in path.items()}
        prices = dict(path)
        if glitch is not None:
            symbol, quote = glitch
            prices.pop(symbol) if quote is MISSING else prices.update({symbol: quote})
        if new_day:
            day = DayStats(date="next", start_equity=equity(portfolio, prices))
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
