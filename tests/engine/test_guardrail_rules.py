"""The risk guardrail: one test per rule, each with its reason spelled out."""

from __future__ import annotations

import math

import pytest

from engine.models import GuardrailResult, RiskLimits, Side, Verdict
from tests.engine.guardrail_cases import LIMITS, assert_reason, check, intent, news

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
