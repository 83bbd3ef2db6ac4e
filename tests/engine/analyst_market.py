"""A tiny market for driving the offline analyst through the real Agents SDK ``Runner.run``.

The three tools are plain ``function_tool`` stand-ins returning the same JSON
reports the real activities return (those are tested with the activities).
A tiny book applies each intent at its limit price, so the analyst lives
through a price path the way the workflow would let it.
"""

from __future__ import annotations

import gzip
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from agents import Agent, Runner, function_tool, set_tracing_disabled

from engine.agent.brief import INSTRUCTIONS, TickBrief, render_brief
from engine.agent.offline_analyst import OfflineAnalyst
from engine.agent.reports import HoldingReport, NewsReport, PortfolioReport, QuoteReport
from engine.models import Side, TradeIntent

os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")
set_tracing_disabled(True)

LIMITS = {"max_order_notional": 25_000.0, "max_position_pct": 0.40, "approval_notional": 10_000.0}


def quote_from_closes(symbol: str, closes: list[float], date: str = "2001-01-01") -> QuoteReport:
    window = closes[-20:]
    last = closes[-1]
    prev = closes[-2] if len(closes) > 1 else last
    return QuoteReport(
        symbol=symbol, date=date, last=round(last, 2), bid=round(last * 0.9995, 2),
        ask=round(last * 1.0005, 2), change_pct=(last / prev - 1) * 100,
        sma_fast=sum(closes[-5:]) / len(closes[-5:]), sma_slow=sum(window) / len(window),
        high_20=max(window), low_20=min(window), bars=len(window),
    )


def news_from_closes(symbol: str, closes: list[float], date: str = "2001-01-01") -> NewsReport:
    # Stand-in for the generated headlines: sentiment follows the 5-bar return.
    ret = closes[-1] / closes[max(0, len(closes) - 6)] - 1
    return NewsReport(symbol=symbol, date=date, mean_sentiment=round(max(-1, min(1, ret * 8)), 2))


@dataclass
class Book:
    cash: float = 100_000.0
    positions: dict[str, tuple[int, float]] = field(default_factory=dict)

    def report(self, prices: dict[str, float]) -> PortfolioReport:
        held = {s: (q, c) for s, (q, c) in self.positions.items() if q > 0}
        equity = self.cash + sum(q * prices[s] for s, (q, _) in held.items())
        return PortfolioReport(
            cash=round(self.cash, 2), equity=round(equity, 2),
            positions={
                s: HoldingReport(quantity=q, avg_cost=c, market_value=q * prices[s])
                for s, (q, c) in held.items()
            },
            **LIMITS,
        )

    def apply(self, intent: TradeIntent) -> None:
        qty, cost = self.positions.get(intent.symbol, (0, 0.0))
        price = intent.limit_price
        if intent.side is Side.BUY:
            assert intent.quantity * price <= self.cash + 1e-6, intent
            self.cash -= intent.quantity * price
            new_qty = qty + intent.quantity
            new_cost = (qty * cost + intent.quantity * price) / new_qty
            self.positions[intent.symbol] = (new_qty, new_cost)
        elif intent.side is Side.SELL:
            assert 0 < intent.quantity <= qty, intent
            self.cash += intent.quantity * price
            self.positions[intent.symbol] = (qty - intent.quantity, cost)


class Market:
    """Price paths per symbol, a cursor (the tick), the book, and the three tool stand-ins."""

    def __init__(self, paths: dict[str, list[float]], dates: list[str] | None = None) -> None:
        self.paths = paths
        self.dates = dates
        self.i = 20
        self.book = Book()
        self.calls: list[tuple[str, str]] = []
        self.broken_news: set[str] = set()

    def closes(self, symbol: str) -> list[float]:
        return self.paths[symbol][: self.i + 1]

    def date(self) -> str:
        return self.dates[self.i] if self.dates else f"day-{self.i}"

    def prices(self) -> dict[str, float]:
        return {s: round(p[self.i], 2) for s, p in self.paths.items()}

    def agent(self, model: OfflineAnalyst | None = None) -> Agent:
        market = self

        @function_tool
        def get_quote(symbol: str) -> str:
            """The price now and the recent trend."""
            market.calls.append(("get_quote", symbol))
            return quote_from_closes(symbol, market.closes(symbol), market.date()).model_dump_json()

        @function_tool
        def get_news(symbol: str) -> str:
            """Today's headlines with their sentiment."""
            market.calls.append(("get_news", symbol))
            if symbol in market.broken_news:
                raise RuntimeError("news service down")
            return news_from_closes(symbol, market.closes(symbol), market.date()).model_dump_json()

        @function_tool
        def get_portfolio() -> str:
            """The agent's own book and its limits."""
            market.calls.append(("get_portfolio", ""))
            return market.book.report(market.prices()).model_dump_json()

        return Agent(
            name="analyst", instructions=INSTRUCTIONS, model=model or OfflineAnalyst(),
            tools=[get_quote, get_news, get_portfolio], output_type=TradeIntent,
        )

    async def tick(self, agent: Agent, seed: int = 0, note: str = "") -> TradeIntent:
        brief = TickBrief(tick=self.i, date=self.date(), symbols=list(self.paths), seed=seed,
                          note=note)
        result = await Runner.run(agent, render_brief(brief))
        intent = result.final_output
        assert isinstance(intent, TradeIntent)
        return intent

    async def run(self, ticks: int, seed: int = 0) -> list[TradeIntent]:
        agent = self.agent()
        intents = []
        for _ in range(ticks):
            intent = await self.tick(agent, seed)
            self.book.apply(intent)
            intents.append(intent)
            self.i += 1
        return intents


def synthetic_path(start: float, legs: list[tuple[int, float]], wiggle: float) -> list[float]:
    """Piecewise geometric drift with a deterministic wiggle: rallies, crashes, sideways."""
    prices, p, day = [], start, 0
    for days, drift in legs:
        for _ in range(days):
            p *= 1 + drift + wiggle * math.sin(day * 0.9)
            prices.append(p)
            day += 1
    return prices


def synthetic_market() -> Market:
    return Market({
        "AAPL": synthetic_path(30.0, [(30, 0.0), (60, 0.012), (50, -0.015), (60, 0.0)], 0.006),
        "MSFT": synthetic_path(25.0, [(40, 0.002), (50, -0.008), (60, 0.010), (50, -0.002)], 0.004),
    })


def load_real_market(symbols: list[str], start_date: str) -> Market:
    import bokeh_sampledata

    path = Path(bokeh_sampledata.__file__).parent / "_data" / "stocks.csv.gz"
    closes: dict[str, dict[str, float]] = {s: {} for s in symbols}
    with gzip.open(path, "rt") as fh:
        header = fh.readline().strip().split(",")
        col = {name: k for k, name in enumerate(header)}
        for line in fh:
            row = line.strip().split(",")
            if row[col["Ticker"]] in closes and row[col["Date"]] >= start_date:
                closes[row[col["Ticker"]]][row[col["Date"]]] = float(row[col["Adj Close"]])
    dates = sorted(set.intersection(*(set(c) for c in closes.values())))
    return Market({s: [closes[s][d] for d in dates] for s in symbols}, dates)
