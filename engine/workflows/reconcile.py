"""Reconciliation: the book against the broker's account, to the cent. Pure, in the workflow.

The book is the agent's own record (workflow state, replayed by Temporal); the broker's
account is what it really owns. They must agree at every tick boundary, or the agent must
not trade. Two kinds of difference:

- **explained**: an order of ours whose outcome was not a clean fill (a partial fill, an
  order that failed for want of an answer, one cancelled at its deadline) filled more at the
  broker than the book booked. The broker's word on its own fill is the truth: the book
  adopts the difference (a late fill), and says so in the reconciliation note.
- **unexplained**: anything else (cash off by a cent, a position the book does not know).
  The agent pauses with "book and broker disagree: ..." and a human looks.
"""

from __future__ import annotations

from engine import portfolio as book
from engine.broker_contracts import BrokerOrder, BrokerSnapshot
from engine.contracts import AgentCarry, ReconcileNote, UnsettledOrder
from engine.models import Side

PREFIX = "book and broker disagree: "
TERMINAL = ("filled", "canceled", "expired", "rejected", "done_for_day", "replaced")
# An order the broker never showed is forgotten after this many checks (it never arrived).
FORGET_AFTER_CHECKS = 3
NOTES_KEPT = 50


def reconcile(memory: AgentCarry, snapshot: BrokerSnapshot, trigger: str,
              *, own_price: bool = False) -> ReconcileNote:
    """Adopt late fills of our unsettled orders, then compare cash and positions.

    `own_price` (book-survives-weeks): a late fill is booked at the price of the shares it
    adds, not at the order's average over all its fills, and counts in the day's notional.
    """
    note = ReconcileNote(tick=memory.tick, date=memory.date, trigger=trigger)
    by_id = {o.client_order_id: o for o in snapshot.orders}
    still = []
    for order in memory.unsettled:
        if _settle(memory, order, by_id.get(order.client_order_id), note, own_price):
            still.append(order)
    memory.unsettled = still
    if snapshot.fee_count:
        memory.portfolio = book.charge(memory.portfolio, snapshot.fees)
        memory.fee_cursor = snapshot.last_fee_id
        note.adopted.append(f"fees: the broker charged ${snapshot.fees:,.2f} "
                            f"({snapshot.fee_count} FEE activities): booked")
    note.findings.extend(differences(memory, snapshot))
    memory.reconciled_tick = memory.tick
    memory.reconciliations.append(note)
    del memory.reconciliations[:-NOTES_KEPT]
    return note


def _settle(memory: AgentCarry, order: UnsettledOrder, seen: BrokerOrder | None,
            note: ReconcileNote, own_price: bool = False) -> bool:
    """Bring one unsettled order up to the broker's view; True while it needs watching."""
    order.checks += 1
    if seen is None:
        if order.filled_quantity:
            note.findings.append(f"{order.client_order_id}: booked {order.filled_quantity} "
                                 "filled, the broker has no such order")
            return False
        return order.checks < FORGET_AFTER_CHECKS
    order.open = seen.status not in TERMINAL
    extra = seen.filled_quantity - order.filled_quantity
    if extra > 0 and book.usable_price(seen.filled_price) is not None:
        side = Side(seen.side)
        price = extra_price(order, seen) if own_price else seen.filled_price
        problem = book.fill_problem(memory.portfolio, seen.symbol, side, extra, price)
        if problem is None:
            memory.portfolio = book.apply_fill(memory.portfolio, seen.symbol, side, extra, price)
            order.filled_quantity = seen.filled_quantity
            if own_price:
                order.filled_price = seen.filled_price
                if memory.day is not None:
                    memory.day.notional_traded += book.fill_notional(extra, price)
            memory.counters.late_fills += 1
            note.adopted.append(f"{order.client_order_id}: the broker filled {extra} more "
                                f"{seen.symbol} at ${price:,.2f} (booked now)")
        else:
            note.findings.append(f"{order.client_order_id}: a late fill cannot be booked: "
                                 f"{problem}")
    elif extra < 0:
        note.findings.append(f"{order.client_order_id}: booked {order.filled_quantity} filled, "
                             f"the broker says {seen.filled_quantity}")
    return seen.status not in TERMINAL


def extra_price(order: UnsettledOrder, seen: BrokerOrder) -> float:
    """What the shares filled since the book last looked cost each: the broker's average
    covers all the order's fills, the book has booked `order.filled_quantity` of them at
    `order.filled_price`. Worked in cents, so the book moves by exactly the broker's amount."""
    extra = seen.filled_quantity - order.filled_quantity
    if not order.filled_quantity or book.usable_price(order.filled_price) is None:
        return seen.filled_price
    total = book.to_cents(seen.filled_quantity * seen.filled_price)
    booked = book.to_cents(order.filled_quantity * order.filled_price)
    return (total - booked) / 100 / extra


def differences(memory: AgentCarry, snapshot: BrokerSnapshot) -> list[str]:
    """Cash to the cent and every position's quantity; empty when they agree."""
    found = []
    if book.to_cents(memory.portfolio.cash) != book.to_cents(snapshot.cash):
        found.append(f"cash: book ${memory.portfolio.cash:,.2f}, broker ${snapshot.cash:,.2f}")
    symbols = sorted(set(memory.portfolio.positions) | set(snapshot.positions))
    for symbol in symbols:
        mine, theirs = memory.portfolio.quantity(symbol), snapshot.positions.get(symbol, 0)
        if mine != theirs:
            found.append(f"{symbol}: book {mine:,} shares, broker {theirs:,}")
    return found


def pause_reason(note: ReconcileNote) -> str:
    return PREFIX + "; ".join(note.findings)
