"""Payload types shared by workflows, activities, the guardrail and the client.

Every workflow and activity input/output is one of these pydantic models: the
OpenAI Agents plugin installs a pydantic payload converter, so they travel as
plain JSON in the event history. Nothing here may hold a secret.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Payload(BaseModel):
    """Base of every type that travels through Temporal.

    The OpenAI Agents plugin's converter serialises with `exclude_unset=True`,
    which silently drops a field left at its default and then filled in place
    (a list appended to, a dict assigned into): the state would vanish at the
    next continue-as-new. Here every field counts as set, so what is in memory
    is what travels.
    """

    @model_validator(mode="after")
    def _every_field_is_set(self):
        self.__pydantic_fields_set__.update(type(self).model_fields)
        return self


class Side(str, Enum):
    BUY = "buy"
    SELL = "sell"
    HOLD = "hold"


class Verdict(str, Enum):
    ALLOW = "ALLOW"
    NEEDS_APPROVAL = "NEEDS_APPROVAL"
    BLOCK = "BLOCK"


class TradeIntent(Payload):
    """What the agent wants to do this tick: its structured output."""

    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(description="Ticker symbol, e.g. AAPL")
    side: Side = Field(description="buy, sell or hold")
    quantity: int = Field(ge=0, description="Whole shares; 0 for hold")
    limit_price: float | None = Field(
        default=None, description="Limit price in dollars; null means 'at the last price'"
    )
    confidence: float = Field(ge=0.0, le=1.0, description="0..1")
    rationale: str = Field(description="Why, in one or two sentences")

    @classmethod
    def hold(cls, symbol: str, rationale: str) -> TradeIntent:
        return cls(symbol=symbol, side=Side.HOLD, quantity=0, confidence=0.0, rationale=rationale)


class Bar(Payload):
    """One daily OHLCV bar (split/dividend adjusted), at a market-clock index."""

    index: int
    date: str
    open: float
    high: float
    low: float
    close: float
    volume: int


class Quote(Payload):
    symbol: str
    index: int
    date: str
    last: float
    bid: float
    ask: float


class Headline(Payload):
    id: str
    symbol: str
    date: str
    headline: str
    sentiment: float = Field(ge=-1.0, le=1.0)


class RiskLimits(Payload):
    """Deterministic risk rules; changeable in flight through a validated update."""

    model_config = ConfigDict(extra="forbid")

    max_order_notional: float = Field(default=25_000.0, gt=0)
    max_position_pct: float = Field(default=0.40, gt=0, le=1.0)
    max_daily_notional: float = Field(default=60_000.0, gt=0)
    daily_loss_limit_pct: float = Field(default=0.03, gt=0, le=1.0)
    max_quantity: int = Field(default=100_000, gt=0)
    limit_band_pct: float = Field(default=0.03, gt=0, le=0.5)
    approval_notional: float = Field(default=10_000.0, ge=0)
    approval_min_confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    allowed_symbols: list[str] = Field(default_factory=lambda: ["AAPL", "MSFT", "IBM", "GOOG"])
    restricted_terms: list[str] = Field(
        default_factory=lambda: [
            "sec probe",
            "trading halt",
            "fraud",
            "insider trading",
            "delisting",
        ]
    )


class Position(Payload):
    symbol: str
    quantity: int = 0
    avg_cost: float = 0.0


class Portfolio(Payload):
    """The agent's book, kept in workflow state (the broker is not the source of truth)."""

    cash: float
    positions: dict[str, Position] = Field(default_factory=dict)
    realized_pnl: float = 0.0

    def quantity(self, symbol: str) -> int:
        position = self.positions.get(symbol)
        return position.quantity if position else 0


class DayStats(Payload):
    """What the guardrail needs to know about the current market day."""

    date: str
    start_equity: float
    notional_traded: float = 0.0


class GuardrailResult(Payload):
    verdict: Verdict
    reasons: list[str] = Field(default_factory=list)
    price: float = 0.0
    notional: float = 0.0
