"""What the agent's tools return: compact JSON reports the model reads.

The tools are Temporal activities (market, news) or workflow-side functions
(portfolio); each returns one of these models serialised as JSON text, because
an Agents SDK tool result is a string the model reads.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class QuoteReport(BaseModel):
    """get_quote(symbol): the price now and the recent trend."""

    symbol: str
    date: str
    last: float
    bid: float
    ask: float
    change_pct: float = Field(description="Close-to-close change versus the previous bar, in %")
    sma_fast: float = Field(description="Mean close over the last 5 bars")
    sma_slow: float = Field(description="Mean close over the last 20 bars")
    high_20: float
    low_20: float
    bars: int = Field(description="How many bars the averages are based on")


class NewsItem(BaseModel):
    headline: str
    sentiment: float


class NewsReport(BaseModel):
    """get_news(symbol): today's headlines with their sentiment."""

    symbol: str
    date: str
    headlines: list[NewsItem] = Field(default_factory=list)
    mean_sentiment: float = 0.0


class HoldingReport(BaseModel):
    quantity: int
    avg_cost: float
    market_value: float


class PortfolioReport(BaseModel):
    """get_portfolio(): the agent's own book and its limits."""

    cash: float
    equity: float
    positions: dict[str, HoldingReport] = Field(default_factory=dict)
    max_order_notional: float
    max_position_pct: float
    approval_notional: float
