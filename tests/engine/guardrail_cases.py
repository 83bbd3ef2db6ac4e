"""Shared builders for the guardrail tests: a trade intent, headlines, and one evaluation."""

from __future__ import annotations

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
)
from engine.portfolio import equity

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

