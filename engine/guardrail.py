"""Deterministic risk rules between the agent's trade intent and the broker.

Pure code that runs inside the workflow: no I/O, no clock, no randomness, and it never
raises, whatever the intent (a model can emit anything; `model_construct` skips
validation). Every rule that applies adds a reason, so the user sees all of them at once;
BLOCK dominates NEEDS_APPROVAL dominates ALLOW.

Comparisons are written as `not (value <= limit)` on purpose: a NaN that slipped into the
book or the day's stats then fails closed (blocks) instead of silently passing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from engine.models import (
    DayStats,
    GuardrailResult,
    Headline,
    Portfolio,
    RiskLimits,
    Side,
    TradeIntent,
    Verdict,
)
from engine.portfolio import (
    apply_fill,
    cash_after_fill,
    equity,
    fill_notional,
    money_ok,
    product,
    usable_price,
)

__all__ = ["evaluate", "equity"]


def _usd(amount: float) -> str:
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


def _show(value: object) -> str:
    """A short, safe rendering of whatever the intent held (a model can emit anything)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        # str() of a huge int is slow, and past 4,300 digits it raises: give the magnitude.
        return f"{'-' if value < 0 else ''}~10^{int(abs(value).bit_length() * math.log10(2))}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _pct(fraction: float) -> str:
    return f"{fraction * 100:.1f}%"


def _side(value: object) -> Side | None:
    try:
        return Side(value)
    except (ValueError, TypeError):
        return None


def _restricted_hits(headlines: object, terms: list[str]) -> list[tuple[str, str]]:
    """(term, headline) for each restricted term found in any of the given headlines."""
    if not isinstance(headlines, list | tuple):
        return []
    texts = [getattr(h, "headline", None) for h in headlines]
    texts = [t for t in texts if isinstance(t, str)]
    hits = []
    for term in terms:
        # A blank term would match every headline: treat it as a typo, not a rule.
        if not isinstance(term, str) or not term.strip():
            continue
        needle = term.strip().casefold()
        match = next((t for t in texts if needle in t.casefold()), None)
        if match is not None:
            hits.append((term, match))
    return hits


@dataclass
class _Findings:
    block: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)  # a human should look: NEEDS_APPROVAL


@dataclass(frozen=True)
class _Order:
    side: Side
    symbol: str
    quantity: int
    price: float  # what it fills at: the limit if given, else the last price (on a cent)
    last: float | None
    notional: float


def evaluate(
    intent: TradeIntent,
    *,
    portfolio: Portfolio,
    prices: dict[str, float],
    headlines: dict[str, list[Headline]],
    limits: RiskLimits,
    day: DayStats,
    committed: Portfolio | None = None,
) -> GuardrailResult:
    """The verdict on one intent, priced at the current quote `prices[intent.symbol]`.

    `committed`: the book with the agent's open orders counted (portfolio.committed); cash,
    shares to sell and position size are checked against it, the day's loss against the
    book itself."""
    try:
        return _evaluate(intent, portfolio, prices, headlines, limits, day, committed)
    except Exception as exc:  # last line of defence: a raise here would fail the workflow task
        return GuardrailResult(
            verdict=Verdict.BLOCK,
            reasons=[f"the guardrail could not evaluate this intent ({type(exc).__name__})"],
        )


def _evaluate(
    intent: TradeIntent,
    portfolio: Portfolio,
    prices: dict[str, float],
    headlines: dict[str, list[Headline]],
    limits: RiskLimits,
    day: DayStats,
    committed: Portfolio | None = None,
) -> GuardrailResult:
    side = _side(getattr(intent, "side", None))
    if side == Side.HOLD:
        return GuardrailResult(verdict=Verdict.ALLOW)  # nothing is placed
    if not isinstance(prices, dict):
        prices = {}
    found = _Findings()
    if side is None:
        found.block.append(f"side {_show(getattr(intent, 'side', None))} is not buy, sell or hold")
    symbol, last = _check_symbol(intent, prices, limits, found)
    quantity = _check_quantity(intent, side, limits, found)
    price = _check_limit_price(intent, side, last, limits, found)
    _check_confidence(intent, limits, found)
    if side is not None and symbol is not None:
        _check_news(side, symbol, headlines, limits, found)
    if side == Side.BUY:
        _check_daily_loss(portfolio, prices, day, limits, found)
    free = committed if committed is not None else portfolio
    if side == Side.SELL and symbol is not None and quantity is not None:
        held = free.quantity(symbol)
        if quantity > held:  # no short selling
            offered = portfolio.quantity(symbol) - held
            found.block.append(
                f"sell quantity {_show(quantity)} exceeds the {held:,} {symbol} shares held"
                + (f" and not in an open sell ({offered:,} are)" if offered else "")
            )

    notional = 0.0
    if side is not None and symbol is not None and quantity is not None and price is not None:
        if not money_ok(product(quantity, price)):
            found.block.append(
                f"{_show(quantity)} shares at {_usd(price)} is not a sane order size"
            )
        else:
            notional = fill_notional(quantity, price)
            order = _Order(side, symbol, quantity, price, last, notional)
            _check_money(order, free, prices, limits, day, found)

    verdict = (
        Verdict.BLOCK if found.block else Verdict.NEEDS_APPROVAL if found.review else Verdict.ALLOW
    )
    return GuardrailResult(
        verdict=verdict,
        reasons=found.block + found.review,
        price=price or 0.0,
        notional=notional,
    )


def _check_symbol(
    intent: TradeIntent, prices: dict[str, float], limits: RiskLimits, found: _Findings
) -> tuple[str | None, float | None]:
    """The intent's symbol (None if it is not a string) and its last price (None if unusable)."""
    symbol = getattr(intent, "symbol", None)
    if not isinstance(symbol, str) or not symbol:
        found.block.append(f"symbol {_show(symbol)} is not a ticker")
        return None, None
    if symbol not in limits.allowed_symbols:
        allowed = ", ".join(limits.allowed_symbols) or "none"
        found.block.append(f"{symbol} is not on the allowed list ({allowed})")
    last = usable_price(prices.get(symbol))
    if last is None:
        found.block.append(f"no usable current price for {symbol}")
    return symbol, last


def _check_quantity(
    intent: TradeIntent, side: Side | None, limits: RiskLimits, found: _Findings
) -> int | None:
    """The quantity if it is a positive whole number (even above the limit), else None."""
    quantity = getattr(intent, "quantity", None)
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        found.block.append(f"quantity {_show(quantity)} is not a whole number of shares")
        return None
    if quantity <= 0:
        what = side.value if side else "trade"
        found.block.append(f"quantity {_show(quantity)} must be positive for a {what}")
        return None
    if quantity > limits.max_quantity:
        found.block.append(
            f"quantity {_show(quantity)} exceeds the {limits.max_quantity:,}-share limit"
        )
    return quantity


def _at_market(last: float, side: Side | None) -> float:
    """The last price on a whole cent, rounded through the market (buys up, sells down).

    The order goes out as a limit at this price (brokers refuse sub-penny limits, and the
    adjusted history has them), and rounding outward keeps it fillable at once.
    """
    if not money_ok(last):
        return last  # absurd; the order-size check blocks it
    cents = last * 100
    nearest = round(cents)
    if abs(cents - nearest) < 1e-6:  # already a whole cent, give or take float noise
        whole = nearest
    else:
        whole = math.ceil(cents) if side == Side.BUY else math.floor(cents)
    return max(whole, 1) / 100


def _check_limit_price(
    intent: TradeIntent,
    side: Side | None,
    last: float | None,
    limits: RiskLimits,
    found: _Findings,
) -> float | None:
    """The order's price: its limit (rounded to the cent) if given and valid, else the last."""
    raw = getattr(intent, "limit_price", None)
    at_market = _at_market(last, side) if last is not None else None
    if raw is None:
        return at_market
    limit = usable_price(raw)
    # Brokers take whole-cent limits for stocks above $1: the order goes out rounded.
    limit = round(limit, 2) if limit is not None and money_ok(limit) else None
    if not limit:  # None, or a sub-cent price that rounds to 0
        found.block.append(f"limit price {_show(raw)} is not a usable price")
        return at_market
    if last is not None:
        off = abs(limit - last) / last
        if not off <= limits.limit_band_pct:
            found.block.append(
                f"limit price {_usd(limit)} is {_pct(off)} from the last price {_usd(last)}, "
                f"outside the ±{_pct(limits.limit_band_pct)} band"
            )
    return limit


def _check_confidence(intent: TradeIntent, limits: RiskLimits, found: _Findings) -> None:
    confidence = getattr(intent, "confidence", None)
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, int | float)
        or not 0.0 <= confidence <= 1.0  # False for NaN too
    ):
        found.block.append(f"confidence {_show(confidence)} is not a number between 0 and 1")
    elif confidence < limits.approval_min_confidence:
        found.review.append(
            f"confidence {confidence:.2f} is below the "
            f"{limits.approval_min_confidence:.2f} approval threshold"
        )


def _check_news(
    side: Side,
    symbol: str,
    headlines: dict[str, list[Headline]],
    limits: RiskLimits,
    found: _Findings,
) -> None:
    """Restricted terms in today's headlines block buys and send sells to a human."""
    todays = headlines.get(symbol) if isinstance(headlines, dict) else None
    for term, text in _restricted_hits(todays, limits.restricted_terms):
        sentence = f'today\'s {symbol} headline "{text}" mentions restricted term "{term}"'
        # Selling into a halt or a probe may be exactly right, but a human should see it.
        (found.block if side == Side.BUY else found.review).append(sentence)


def _check_daily_loss(
    portfolio: Portfolio,
    prices: dict[str, float],
    day: DayStats,
    limits: RiskLimits,
    found: _Findings,
) -> None:
    """After the day's loss limit is hit, no new buys (sells reduce risk, so they pass)."""
    now = equity(portfolio, prices)
    start = day.start_equity
    if not (money_ok(start) and start > 0 and money_ok(now)):
        found.block.append(
            f"the daily loss check cannot run (equity {_show(now)}, day start "
            f"{_show(start)}): no new buys"
        )
        return
    drawdown = (start - now) / start
    if drawdown > limits.daily_loss_limit_pct:
        found.block.append(
            f"equity {_usd(now)} is {_pct(drawdown)} below the day's start {_usd(start)}, "
            f"beyond the {_pct(limits.daily_loss_limit_pct)} daily loss limit: "
            "no new buys today"
        )


def _check_money(
    order: _Order,
    portfolio: Portfolio,
    prices: dict[str, float],
    limits: RiskLimits,
    day: DayStats,
    found: _Findings,
) -> None:
    """Rules on the order's dollar size: per order, per day, cash, weight, approval."""
    notional = order.notional
    if not notional <= limits.max_order_notional:
        found.block.append(
            f"order notional {_usd(notional)} exceeds the "
            f"{_usd(limits.max_order_notional)} per-order limit"
        )

    traded = day.notional_traded
    total = traded + notional
    if not total <= limits.max_daily_notional:
        sentence = (
            f"{_usd(traded)} already traded today plus this order's {_usd(notional)} "
            f"would exceed the {_usd(limits.max_daily_notional)} daily notional limit"
        )
        # A turnover cap must not trap the book in a position: exits go to a human instead.
        exit_ok = order.side == Side.SELL and money_ok(total)
        (found.review if exit_ok else found.block).append(sentence)

    if order.side == Side.BUY:
        _check_buy_cash_and_weight(order, portfolio, prices, limits, found)

    if notional >= limits.approval_notional:
        found.review.append(
            f"order notional {_usd(notional)} reaches the "
            f"{_usd(limits.approval_notional)} approval threshold"
        )


def _check_buy_cash_and_weight(
    order: _Order,
    portfolio: Portfolio,
    prices: dict[str, float],
    limits: RiskLimits,
    found: _Findings,
) -> None:
    cash = portfolio.cash
    # The very arithmetic apply_fill books with, so an allowed buy can never overdraw.
    if not (money_ok(cash) and cash_after_fill(cash, Side.BUY, order.quantity, order.price) >= 0):
        found.block.append(
            f"order notional {_usd(order.notional)} exceeds the available cash {_usd(cash)}"
        )
        return
    if order.last is None:
        return  # already blocked for want of a price; the weight cannot be valued
    # Weight after the order, every position valued at its current price.
    after = apply_fill(portfolio, order.symbol, Side.BUY, order.quantity, order.price)
    equity_after = equity(after, prices)
    value = round(after.quantity(order.symbol) * order.last, 2)  # cents, as equity is
    weight = value / equity_after if equity_after > 0 else math.inf
    if not weight <= limits.max_position_pct:
        found.block.append(
            f"the {order.symbol} position after the order ({_usd(value)}) would be "
            f"{_pct(weight)} of equity {_usd(equity_after)}, above the "
            f"{_pct(limits.max_position_pct)} limit"
        )
