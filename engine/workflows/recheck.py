"""The approval re-check's rules (pure): what is new since the human said yes, and the cap.

Between the approval and the order the price moves, the day's turnover grows and new
headlines arrive. The re-check runs the guardrail again and treats what it finds as the
first check would: a BLOCK blocks, and a NEEDS_APPROVAL reason the human has not seen goes
back to the human. Reasons are compared by kind (their figures blanked), since "notional
$10,090.06 reaches the threshold" and "$10,101.60 reaches the threshold" are the same
question the human already answered. And the order never costs more than the notional the
human approved: at a higher price, fewer shares.
"""

from __future__ import annotations

import re

from engine import portfolio as book
from engine.models import GuardrailResult, Side, TradeIntent, Verdict

_FIGURES = re.compile(r"-?\$?-?\d[\d,]*(?:\.\d+)?%?")


def kind(reason: str) -> str:
    return _FIGURES.sub("#", reason)


def new_reasons(approved: GuardrailResult, now: GuardrailResult) -> list[str]:
    """Reasons of `now` whose kind the human did not see in `approved`."""
    seen = {kind(r) for r in approved.reasons}
    return [r for r in now.reasons if kind(r) not in seen]


def shares_within(notional: float, price: float, wanted: int) -> int:
    """The most shares (up to `wanted`) whose cost at `price` stays within `notional`."""
    price_cents = book.to_cents(price)
    if price_cents <= 0:
        return 0
    fit = book.to_cents(notional) // price_cents
    while fit > 0 and book.fill_notional(fit, price) > notional:  # cents rounding at the edge
        fit -= 1
    return max(0, min(wanted, fit))


def over_approved(intent: TradeIntent, now: GuardrailResult, approved_notional: float,
                  *, sells_too: bool = True) -> bool:
    """True when the order now costs more than the human approved, so it must shrink.
    A sale at a higher price risks nothing more (it brings in more cash): only buys are
    capped, unless `sells_too` (the behaviour before book-survives-weeks, which sold fewer
    shares the more the price rose)."""
    if not sells_too and intent.side != Side.BUY:
        return False
    return now.verdict != Verdict.BLOCK and now.notional > approved_notional


def approved_notional(approved: GuardrailResult, intent: TradeIntent) -> float:
    """What the human said yes to: the approved shares at the price they were shown."""
    return book.fill_notional(intent.quantity, approved.price)
