"""Read-only views of the agent's memory: what queries and the final result return."""

from __future__ import annotations

from engine import portfolio as book
from engine.agent.reports import HoldingReport, PortfolioReport
from engine.contracts import (
    AgentCarry,
    AgentConfig,
    AgentStateView,
    AgentSummary,
    Counters,
    DecisionPage,
    DecisionPageRequest,
    HoldingView,
    Phase,
)

LAST_DECISIONS = 10
LAST_RECONCILIATIONS = 5


def model_label(model: str) -> str:
    """A human label for a model name; pure, so queries stay deterministic."""
    if model == "offline-analyst":
        return "Offline analyst (deterministic, no LLM)"
    provider, _, name = model.partition(":")
    if provider == "openai":
        return f"OpenAI {name}"
    if provider == "compatible":
        return f"OpenAI-compatible endpoint, model {name}"
    return model


def holdings(memory: AgentCarry) -> list[HoldingView]:
    views = []
    for symbol, position in sorted(memory.portfolio.positions.items()):
        price = memory.prices.get(symbol, position.avg_cost)
        value = round(position.quantity * price, 2)
        views.append(
            HoldingView(
                symbol=symbol,
                quantity=position.quantity,
                avg_cost=position.avg_cost,
                price=price,
                market_value=value,
                unrealized_pnl=round(value - position.quantity * position.avg_cost, 2),
            )
        )
    return views


def portfolio_report(memory: AgentCarry) -> PortfolioReport:
    """What the agent's get_portfolio tool shows it."""
    return PortfolioReport(
        cash=round(memory.portfolio.cash, 2),
        equity=round(book.equity(memory.portfolio, memory.prices), 2),
        positions={
            h.symbol: HoldingReport(
                quantity=h.quantity, avg_cost=h.avg_cost, market_value=h.market_value
            )
            for h in holdings(memory)
        },
        max_order_notional=memory.limits.max_order_notional,
        max_position_pct=memory.limits.max_position_pct,
        approval_notional=memory.limits.approval_notional,
    )


def state_view(
    memory: AgentCarry,
    config: AgentConfig,
    *,
    workflow_id: str,
    run_id: str,
    phase: Phase,
    history_length: int,
    outage: str = "",
) -> AgentStateView:
    held = holdings(memory)
    return AgentStateView(
        workflow_id=workflow_id,
        run_id=run_id,
        phase=phase,
        tick=memory.tick,
        date=memory.date,
        pass_number=memory.clock.pass_number(),
        model=config.model,
        model_label=model_label(config.model),
        symbols=config.symbols,
        cash=round(memory.portfolio.cash, 2),
        equity=round(book.equity(memory.portfolio, memory.prices), 2),
        realized_pnl=round(memory.portfolio.realized_pnl, 2),
        unrealized_pnl=round(sum(h.unrealized_pnl for h in held), 2),
        holdings=held,
        pending=list(memory.pending),
        last_decisions=memory.journal[-LAST_DECISIONS:],
        decisions_total=memory.journal_total,
        equity_series=list(memory.equity),
        counters=memory.counters,
        limits=memory.limits,
        history_length=history_length,
        outage=outage,
        pause_reason=memory.pause_reason,
        account_id=memory.account_id,
        reconciliations=memory.reconciliations[-LAST_RECONCILIATIONS:],
        starting_cash=config.starting_cash,
        approval_policy=config.approval_policy.value,
        strategies=memory.strategies,
        usage=memory.usage,
        last_model_error=memory.last_model_error,
    )


def starting_view(config: AgentConfig, *, workflow_id: str, run_id: str) -> AgentStateView:
    """What the agent looks like before its first workflow task has loaded the calendar."""
    return AgentStateView(
        workflow_id=workflow_id, run_id=run_id, phase=Phase.STARTING, tick=0, date="",
        pass_number=1, model=config.model, model_label=model_label(config.model),
        symbols=config.symbols, cash=config.starting_cash, equity=config.starting_cash,
        realized_pnl=0.0, unrealized_pnl=0.0, holdings=[], pending=[], last_decisions=[],
        decisions_total=0, equity_series=[], counters=Counters(), limits=config.limits,
        history_length=0, starting_cash=config.starting_cash,
    )


def decision_page(memory: AgentCarry, request: DecisionPageRequest) -> DecisionPage:
    """Newest first; `offset` counts back from the newest kept decision."""
    newest_first = memory.journal[::-1]
    page = newest_first[request.offset : request.offset + request.limit]
    return DecisionPage(
        total=memory.journal_total, kept=len(memory.journal), offset=request.offset, decisions=page
    )


def summary(memory: AgentCarry, *, workflow_id: str, phase: Phase) -> AgentSummary:
    return AgentSummary(
        workflow_id=workflow_id,
        phase=phase,
        ticks=memory.tick,
        date=memory.date,
        cash=round(memory.portfolio.cash, 2),
        equity=round(book.equity(memory.portfolio, memory.prices), 2),
        realized_pnl=round(memory.portfolio.realized_pnl, 2),
        positions={s: p.quantity for s, p in sorted(memory.portfolio.positions.items())},
        orders=memory.counters.orders_filled,
        decisions=memory.journal_total,
        approvals=dict(memory.counters.approvals),
        counters=memory.counters,
        book_vs_broker=book_vs_broker(memory),
        usage=memory.usage.total,
        last_model_error=memory.last_model_error,
    )


def book_vs_broker(memory: AgentCarry) -> str:
    """The last reconciliation in a phrase: 'agrees', or what disagreed ('' if none ran)."""
    if not memory.reconciliations:
        return ""
    last = memory.reconciliations[-1]
    return "agrees" if last.agrees else "; ".join(last.findings)
