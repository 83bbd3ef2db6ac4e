"""Pure accounting on the agent's book.

Runs inside the workflow, so it is deterministic and never raises: no I/O, no clock,
no randomness. Functions return new objects and never mutate their inputs.

Money is settled in whole cents with integer arithmetic (`to_cents`), so a sequence of
fills cannot accumulate float drift. The guardrail prices its cash check through
`cash_after_fill`, the very function `apply_fill` uses, so a buy it allows can never
take cash below zero.
"""

from __future__ import annotations

import math

from engine.models import Portfolio, Position, Side


def _number(value: object) -> float | None:
    """`value` as a float if it is a real number (not a bool); an int too big for a float is inf."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def usable_price(value: object) -> float | None:
    """`value` as a price if it is a finite number > 0, else None (missing, NaN, 0, ...)."""
    price = _number(value)
    return price if price is not None and math.isfinite(price) and price > 0 else None


# Beyond this many dollars a float no longer holds whole cents exactly (2**53 cents is
# about $90 trillion); amounts outside it are refused rather than rounded wrongly.
MAX_MONEY = 1e13


def money_ok(amount: object) -> bool:
    """True for a finite dollar amount small enough to be settled in exact cents."""
    number = _number(amount)
    return number is not None and math.isfinite(number) and abs(number) <= MAX_MONEY


def product(quantity: int, price: float) -> float:
    """quantity·price as a float; inf instead of OverflowError for an absurd quantity."""
    try:
        return quantity * price
    except OverflowError:
        return math.inf


def to_cents(amount: float) -> int:
    """Dollars to whole cents (round half to even). Callers check `money_ok` first."""
    return round(amount * 100)


def fill_notional(quantity: int, price: float) -> float:
    """What `quantity` shares at `price` cost, in dollars rounded to the cent."""
    return to_cents(quantity * price) / 100


def cash_after_fill(cash: float, side: Side, quantity: int, price: float) -> float:
    """Cash after a buy (down) or a sell (up) of `quantity` at `price`, in whole cents.

    The one place the cash arithmetic lives: the guardrail's cash check calls it too.
    """
    change = to_cents(quantity * price)
    return (to_cents(cash) - change if side == Side.BUY else to_cents(cash) + change) / 100


def fill_problem(
    portfolio: Portfolio, symbol: str, side: Side | str, quantity: int, price: float
) -> str | None:
    """Why this fill cannot be booked, or None when it can.

    Buys are booked even if they overdraw cash (the broker's word is the truth; the
    guardrail then blocks further buys). Sells beyond the held quantity are refused:
    the book has no model for short positions.
    """
    if not isinstance(symbol, str) or not symbol:
        return f"symbol {symbol!r} is not a ticker"
    if side not in (Side.BUY, Side.SELL):
        return f"side {side!r} is not buy or sell"
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        return f"quantity {quantity!r} is not a positive whole number of shares"
    if usable_price(price) is None:
        return f"price {price!r} is not a positive finite number"
    if not money_ok(product(quantity, price)):
        return f"{quantity} x {price} is not a bookable amount of money"
    if not (money_ok(portfolio.cash) and money_ok(portfolio.realized_pnl)):
        return "the book's cash or realised P&L is not a bookable amount of money"
    held = portfolio.quantity(symbol)
    position = portfolio.positions.get(symbol)
    if position is not None and not money_ok(product(held, position.avg_cost)):
        return f"the {symbol} position's cost basis is not a bookable amount of money"
    if side == Side.SELL and quantity > held:
        return f"cannot sell {quantity} {symbol}: only {held} held"
    return None


def apply_fill(
    portfolio: Portfolio, symbol: str, side: Side | str, quantity: int, price: float
) -> Portfolio:
    """The book after a fill. A fill `fill_problem` rejects leaves an unchanged copy."""
    if fill_problem(portfolio, symbol, side, quantity, price) is not None:
        return portfolio.model_copy(deep=True)
    side = Side(side)
    positions = {s: p.model_copy() for s, p in portfolio.positions.items()}
    realized = portfolio.realized_pnl
    held = positions.get(symbol)
    held_qty = held.quantity if held else 0
    if side == Side.BUY:
        old_cost = held_qty * held.avg_cost if held else 0.0
        new_qty = held_qty + quantity
        avg_cost = (old_cost + quantity * price) / new_qty
        positions[symbol] = Position(symbol=symbol, quantity=new_qty, avg_cost=avg_cost)
    else:
        avg_cost = held.avg_cost if held else 0.0
        realized = (to_cents(realized) + to_cents((price - avg_cost) * quantity)) / 100
        if held_qty == quantity:
            del positions[symbol]
        else:
            positions[symbol] = Position(
                symbol=symbol, quantity=held_qty - quantity, avg_cost=avg_cost
            )
    return Portfolio(
        cash=cash_after_fill(portfolio.cash, side, quantity, price),
        positions=positions,
        realized_pnl=realized,
    )


def charge(portfolio: Portfolio, amount: float) -> Portfolio:
    """The book after the broker charged `amount` dollars of fees: less cash, and a cost
    that is realised (it is no position's)."""
    return portfolio.model_copy(update={
        "cash": (to_cents(portfolio.cash) - to_cents(amount)) / 100,
        "realized_pnl": (to_cents(portfolio.realized_pnl) - to_cents(amount)) / 100,
    })


def committed(portfolio: Portfolio, open_orders: list[tuple[str, Side, int, float]]) -> Portfolio:
    """The book as the guardrail must see it while orders of ours may still fill: each open
    buy's rest as if filled at its price (cash spent, shares held), each open sell's rest as
    shares no longer free to sell (and its proceeds not yet spendable)."""
    result = portfolio.model_copy(deep=True)
    for symbol, side, rest, price in open_orders:
        if side == Side.BUY:
            result = apply_fill(result, symbol, Side.BUY, rest, price)
            continue
        held = result.positions.get(symbol)
        if held is None:
            continue
        left = held.quantity - rest
        if left > 0:
            result.positions[symbol] = Position(symbol=symbol, quantity=left,
                                                avg_cost=held.avg_cost)
        else:
            del result.positions[symbol]
    return result


def _mark(position: Position, prices: dict[str, float], symbol: str) -> float:
    """A position's price now: the current price, or its average cost when there is none."""
    price = usable_price(prices.get(symbol)) if isinstance(prices, dict) else None
    return price if price is not None else position.avg_cost


def market_value(portfolio: Portfolio, prices: dict[str, float]) -> float:
    """Σ quantity·price over positions (average cost where no price is known)."""
    total = sum(p.quantity * _mark(p, prices, s) for s, p in portfolio.positions.items())
    return round(total, 2)


def equity(portfolio: Portfolio, prices: dict[str, float]) -> float:
    """Cash plus the market value of every position."""
    return round(portfolio.cash + market_value(portfolio, prices), 2)


def unrealized_pnl(portfolio: Portfolio, prices: dict[str, float]) -> float:
    """Σ quantity·(price − average cost); a position without a price contributes 0."""
    total = sum(
        p.quantity * (_mark(p, prices, s) - p.avg_cost) for s, p in portfolio.positions.items()
    )
    return round(total, 2)
