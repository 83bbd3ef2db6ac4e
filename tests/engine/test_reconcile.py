"""Reconciliation's rules (pure): adopt our own late fills, pause on anything unexplained."""

from __future__ import annotations

from engine.broker_contracts import BrokerOrder, BrokerSnapshot, OrderResult, OrderStatus
from engine.contracts import AgentConfig
from engine.models import Side
from engine.workflows import memory as mem
from engine.workflows import reconcile
from tests.engine.guardrail_cases import intent
from tests.engine.test_daily_limits import CALENDAR

COID = "wf-t1-AAPL"


def booked_partial():
    """The book holds 5 of a 10-share buy at $10 (the rest was cancelled, it thought)."""
    memory = mem.fresh(AgentConfig(starting_cash=1_000.0), CALENDAR)
    mem.start_day_if_new(memory, "d1")
    mem.book_order(memory, intent(quantity=10), OrderResult(
        client_order_id=COID, status=OrderStatus.FILLED, filled_quantity=5, filled_price=10.0,
        requested_quantity=10, reason="partially filled"))
    assert [u.client_order_id for u in memory.unsettled] == [COID]
    return memory


def order(filled: int, status: str) -> BrokerOrder:
    return BrokerOrder(client_order_id=COID, broker_order_id="1", symbol="AAPL", side="buy",
                       quantity=10, filled_quantity=filled, filled_price=10.0, status=status)


def test_a_late_fill_of_our_own_order_is_adopted_and_the_book_then_agrees():
    memory = booked_partial()
    snapshot = BrokerSnapshot(cash=900.0, positions={"AAPL": 10}, orders=[order(10, "filled")])
    note = reconcile.reconcile(memory, snapshot, "every 20 ticks")
    assert note.agrees, note.findings
    assert note.adopted and "filled 5 more AAPL" in note.adopted[0]
    assert memory.portfolio.quantity("AAPL") == 10 and memory.portfolio.cash == 900.0
    assert memory.unsettled == [] and memory.counters.late_fills == 1


def test_an_unexplained_difference_is_a_finding_to_the_cent():
    memory = booked_partial()
    snapshot = BrokerSnapshot(cash=949.99, positions={"AAPL": 5, "MSFT": 3},
                              orders=[order(5, "canceled")])
    note = reconcile.reconcile(memory, snapshot, "start")
    assert note.findings == ["cash: book $950.00, broker $949.99",
                             "MSFT: book 0 shares, broker 3"]
    assert reconcile.pause_reason(note).startswith("book and broker disagree: cash: book")
    assert memory.unsettled == [], "a cancelled order is settled"


def test_an_order_the_broker_never_saw_is_forgotten_after_a_few_checks():
    memory = mem.fresh(AgentConfig(starting_cash=1_000.0), CALENDAR)
    mem.book_order(memory, intent(side=Side.BUY, quantity=3), OrderResult(
        client_order_id=COID, status=OrderStatus.FAILED, reason="broker unavailable"))
    empty = BrokerSnapshot(cash=1_000.0)
    for _ in range(reconcile.FORGET_AFTER_CHECKS):
        assert reconcile.reconcile(memory, empty, "tick").agrees
    assert memory.unsettled == []


def test_a_late_fill_is_booked_at_its_own_price_and_counts_in_the_days_notional():
    memory = booked_partial()  # 5 of 10 booked at $10.00
    traded = memory.day.notional_traded
    later = order(10, "filled").model_copy(update={"filled_price": 10.10})  # 5 more at $10.20
    note = reconcile.reconcile(memory, BrokerSnapshot(cash=1_000 - 101.0, positions={"AAPL": 10},
                                                      orders=[later]), "tick", own_price=True)
    assert note.agrees, note.findings
    assert "5 more AAPL at $10.20" in note.adopted[0]
    assert memory.portfolio.cash == 899.0
    assert memory.day.notional_traded == traded + 51.0
