"""The agent's memory: pure operations on the state a run carries into the next.

Workflow state is the agent's memory; it survives crashes because Temporal
replays the history that produced it, and it survives continue-as-new because
it is carried (`AgentCarry`). Everything here is deterministic and I/O free.
"""

from __future__ import annotations

from engine import guardrail
from engine import portfolio as book
from engine.broker_contracts import OPEN_STATUSES, OrderRequest, OrderResult, OrderStatus
from engine.contracts import (
    AgentCarry,
    AgentConfig,
    ApprovalStatus,
    CalendarInfo,
    Decision,
    MarketClock,
    PendingApproval,
    TickContext,
    UnsettledOrder,
)
from engine.models import DayStats, GuardrailResult, Portfolio, Side, TradeIntent, Verdict


def fresh(config: AgentConfig, calendar: CalendarInfo) -> AgentCarry:
    return AgentCarry(
        tick=0,
        clock=MarketClock(start_index=calendar.start_index, bar_count=calendar.bar_count, tick=0),
        portfolio=Portfolio(cash=config.starting_cash),
        limits=config.limits,
    )


def equity(memory: AgentCarry) -> float:
    return book.equity(memory.portfolio, memory.prices)


def observe(
    memory: AgentCarry, clock: MarketClock, context: TickContext, *, day_opens_first: bool = True
) -> None:
    """A new tick: the clock moves one bar and the agent's view of the market follows.

    A new date opens its trading day first, at the prices it opened with (the last closes),
    and only then do prices move: the day's loss is that move. `day_opens_first=False` is the
    old order (the day opened after the move, so the daily loss limit could never fire), kept
    for histories recorded with it.
    """
    memory.tick += 1
    memory.clock = clock
    date = context.date or memory.date
    if day_opens_first:
        start_day_if_new(memory, date)
    memory.date = date
    memory.prices.update({s: q.last for s, q in context.quotes.items()})
    memory.headlines = context.headlines
    if not day_opens_first:
        start_day_if_new(memory, memory.date)


def new_decision(
    memory: AgentCarry, context: TickContext, intent: TradeIntent, model_error: str,
    verdict: GuardrailResult,
) -> Decision:
    """The journal entry for this tick's intent (its outcome is filled in later)."""
    return Decision(
        tick=memory.tick,
        date=memory.date,
        trade_id=f"t{memory.tick}-{intent.symbol}",
        seen={s: q.last for s, q in context.quotes.items()},
        news=[h.headline for hs in context.headlines.values() for h in hs],
        intent=intent,
        model_error=model_error,
        check=verdict,
    )


def start_day_if_new(memory: AgentCarry, date: str) -> None:
    """A new market date opens a new trading day for the daily limits."""
    if memory.day is None or memory.day.date != date:
        memory.day = open_day(date, memory.portfolio, memory.prices)


def open_day(date: str, portfolio: Portfolio, prices: dict[str, float]) -> DayStats:
    """A trading day starts at the equity the book has at the prices it opens with."""
    return DayStats(date=date, start_equity=book.equity(portfolio, prices))


def check(memory: AgentCarry, intent: TradeIntent, *, open_orders: bool = False) -> GuardrailResult:
    """The guardrail, priced at the latest quotes the agent itself fetched. `open_orders`
    (book-survives-weeks): orders of ours the broker may still fill count against cash and
    the position."""
    committed = None
    if open_orders and any(o.rest for o in memory.unsettled):
        committed = book.committed(memory.portfolio, [
            (o.symbol, Side(o.side), o.rest, o.limit_price or memory.prices.get(o.symbol, 0.0))
            for o in memory.unsettled if o.rest])
    return guardrail.evaluate(
        intent,
        portfolio=memory.portfolio,
        prices=memory.prices,
        headlines=memory.headlines,
        limits=memory.limits,
        day=memory.day,
        committed=committed,
    )


def order_request(
    workflow_id: str, trade_id: str, intent: TradeIntent, verdict: GuardrailResult,
    account_id: str = "", fill_deadline_s: float = 5.0, bar_index: int | None = None,
) -> OrderRequest:
    """A limit order at the guardrail's price; its id is derived, never random, so every
    retry, replay and continued run sends the same one."""
    return OrderRequest(
        client_order_id=f"{workflow_id}-{trade_id}",
        symbol=intent.symbol,
        side=intent.side.value,
        quantity=intent.quantity,
        limit_price=verdict.price,
        account_id=account_id,
        fill_deadline_s=fill_deadline_s,
        bar_index=bar_index,
    )


def book_order(memory: AgentCarry, intent: TradeIntent, result: OrderResult,
               limit_price: float = 0.0, *, watch_unbookable: bool = False) -> OrderResult:
    """Bring the book up to date with what the broker did; the result as booked.

    `watch_unbookable` (book-survives-weeks): a fill the book refuses (fill_problem: no
    price, say) is booked as nothing yet and watched like any unsettled order, so the next
    reconciliation books it from the broker's own order; before, it was counted and lost."""
    counters = memory.counters
    problem = None
    if watch_unbookable and result.status == OrderStatus.FILLED:
        problem = book.fill_problem(memory.portfolio, intent.symbol, intent.side,
                                    result.filled_quantity, result.filled_price)
    if problem is not None:
        counters.orders_filled += 1
        result = result.model_copy(update={"reason": "; ".join(filter(None, [
            result.reason, f"the fill cannot be booked as answered ({problem}): "
            "reconciliation books it from the broker"]))})
        memory.unsettled.append(UnsettledOrder(
            client_order_id=result.client_order_id, symbol=intent.symbol,
            side=intent.side.value, quantity=result.requested_quantity or intent.quantity,
            filled_quantity=0, limit_price=limit_price,
            open=result.broker_status in OPEN_STATUSES))
        return result
    if result.status == OrderStatus.FILLED:
        memory.portfolio = book.apply_fill(
            memory.portfolio, intent.symbol, intent.side, result.filled_quantity,
            result.filled_price,
        )
        memory.day.notional_traded += book.fill_notional(
            result.filled_quantity, result.filled_price
        )
        counters.orders_filled += 1
    elif result.status == OrderStatus.REJECTED:
        counters.orders_rejected += 1
    else:
        counters.orders_failed += 1
    if not result.clean_fill:  # the broker may still fill (more of) it: reconciliation watches
        memory.unsettled.append(
            UnsettledOrder(
                client_order_id=result.client_order_id,
                symbol=intent.symbol,
                side=intent.side.value,
                quantity=result.requested_quantity or intent.quantity,
                filled_quantity=result.filled_quantity
                if result.status == OrderStatus.FILLED else 0,
                filled_price=result.filled_price if result.status == OrderStatus.FILLED else 0.0,
                limit_price=limit_price,
                open=result.broker_status in OPEN_STATUSES,
            )
        )
    return result


def record(memory: AgentCarry, decision: Decision, keep: int) -> None:
    memory.journal.append(decision)
    memory.journal_total += 1
    if len(memory.journal) > keep:
        del memory.journal[: len(memory.journal) - keep]
    counters = memory.counters
    counters.ticks = memory.tick
    side = decision.intent.side
    if decision.check.verdict == Verdict.BLOCK:
        counters.blocked += 1
    elif side == Side.BUY:
        counters.buys += 1
    elif side == Side.SELL:
        counters.sells += 1
    else:
        counters.holds += 1
    if decision.model_error:
        counters.model_errors += 1
        memory.last_model_error = f"tick {decision.tick}: {decision.model_error}"


def record_equity(memory: AgentCarry, keep: int) -> None:
    memory.equity.append((memory.tick, round(equity(memory), 2)))
    if len(memory.equity) > keep:
        # Keep the long view: drop every other point of the oldest half.
        half = len(memory.equity) // 2
        memory.equity[:half] = memory.equity[:half:2]


def find_decision(memory: AgentCarry, trade_id: str) -> Decision | None:
    for decision in reversed(memory.journal):
        if decision.trade_id == trade_id:
            return decision
    return None


def find_pending(memory: AgentCarry, trade_id: str) -> PendingApproval | None:
    return next((p for p in memory.pending if p.trade_id == trade_id), None)


def close_approval(
    memory: AgentCarry, trade_id: str, status: ApprovalStatus, note: str
) -> PendingApproval | None:
    """Take an approval out of the pending list and write its outcome into the journal."""
    pending = find_pending(memory, trade_id)
    if pending is None:
        return None
    memory.pending.remove(pending)
    decision = find_decision(memory, trade_id)
    if decision is not None:
        decision.approval = status
        decision.approval_note = note
    approvals = memory.counters.approvals
    approvals[status.value] = approvals.get(status.value, 0) + 1
    return pending


def decide_by_policy(
    memory: AgentCarry, decision: Decision, status: ApprovalStatus, policy: str
) -> None:
    """An approval decided at once by the agent's approval policy (no human asked)."""
    decision.approval = status
    decision.approval_note = f"{status.value} by policy {policy}"
    approvals = memory.counters.approvals
    approvals[status.value] = approvals.get(status.value, 0) + 1


def why_not_pending(memory: AgentCarry, trade_id: str) -> str:
    """The validator's answer for a trade id that cannot be reviewed."""
    decision = find_decision(memory, trade_id)
    if decision is None:
        return f"unknown trade id {trade_id!r}"
    if decision.approval is None:
        return f"trade {trade_id} did not need approval ({decision.check.verdict.value})"
    return f"trade {trade_id} is already {decision.approval.value}"
