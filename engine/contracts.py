"""Inputs, outputs and state of the trading agent workflow and its activities.

These are the shapes that travel through Temporal (workflow input, updates,
queries, activity I/O, the continue-as-new carry). Domain types live in
engine/models.py.
"""

from __future__ import annotations

from enum import Enum

from pydantic import ConfigDict, Field

from engine.broker_contracts import OrderResult
from engine.discovery.contracts import DiscoverySettings, StrategyPick
from engine.models import (
    DayStats,
    GuardrailResult,
    Headline,
    Payload,
    Portfolio,
    Quote,
    RiskLimits,
    TradeIntent,
)
from engine.usage import ModelPrice, ModelUsage, UsageBook

# ---------------------------------------------------------------- market clock


class MarketClock(Payload):
    """Maps agent ticks onto bars of the shipped history.

    The history is finite (about 3,270 daily bars), so a run longer than the
    tape plays it back and forth like a mirror: prices stay continuous at the
    turn, and `pass_number` tells the user which pass they are watching.
    """

    start_index: int = Field(ge=0)
    bar_count: int = Field(ge=2)
    tick: int = Field(ge=0, description="The tick whose bar is 'now'")

    def bar_index(self, tick: int | None = None) -> int:
        offset = self.start_index + (self.tick if tick is None else tick)
        period = 2 * (self.bar_count - 1)
        pos = offset % period
        return pos if pos < self.bar_count else period - pos

    def pass_number(self) -> int:
        """1 on the first pass over the tape, 2 on the way back, and so on."""
        offset = self.start_index + self.tick
        return max(0, offset - 1) // (self.bar_count - 1) + 1


class TickRequest(Payload):
    symbols: list[str]
    clock: MarketClock


class ToolRead(Payload):
    """One read-only tool call the model asked for: the tool's name and its symbol."""

    tool: str
    symbol: str


class ToolReadsRequest(Payload):
    """The read-only tool calls of one model turn, run as one local activity."""

    reads: list[ToolRead]
    clock: MarketClock


class TickContext(Payload):
    """What the workflow itself sees each tick (the guardrail prices from it)."""

    index: int
    date: str
    quotes: dict[str, Quote] = Field(default_factory=dict)
    headlines: dict[str, list[Headline]] = Field(default_factory=dict)
    missing: list[str] = Field(default_factory=list, description="Symbols without a bar now")


class CalendarRequest(Payload):
    start_date: str | None = None


class CalendarInfo(Payload):
    start_index: int
    bar_count: int
    first_date: str
    last_date: str


# ---------------------------------------------------------------- agent


class ApprovalPolicy(str, Enum):
    """Who decides a trade that needs approval. Decided inside the workflow, so the
    decision is part of the history and a seeded run is reproducible."""

    HUMAN = "human"  # the loop ticks on; a newer intent supersedes; the timer expires it
    AUTO_APPROVE = "auto-approve"  # approved at once (fast runs, backtests, CI)
    AUTO_REJECT = "auto-reject"  # rejected at once
    WAIT = "wait"  # the market clock stops until a human decides (or the approval expires)


# The most a run carries into the next, whatever a config asks (engine/workflows/
# carry_bounds.py); here, beside the config, so validation needs no workflow code.
JOURNAL_KEEP_MAX = 2_000  # decisions
EQUITY_KEEP_MAX = 5_000  # equity points


class AgentConfig(Payload):
    model_config = ConfigDict(extra="forbid")

    symbols: list[str] = Field(default_factory=lambda: ["AAPL"], min_length=1)
    starting_cash: float = Field(default=100_000.0, gt=0)
    tick_interval_s: float = Field(default=0.0, ge=0, description="0 = as fast as possible")
    start_date: str | None = Field(default=None, description="YYYY-MM-DD in the price history")
    limits: RiskLimits = Field(default_factory=RiskLimits)
    approval_expiry_s: float = Field(default=600.0, gt=0)
    approval_policy: ApprovalPolicy = ApprovalPolicy.HUMAN
    model: str = "offline-analyst"
    max_ticks: int | None = Field(default=None, ge=1)
    # A worker that takes the agent over replays its current run before it answers a query:
    # runs bounded in ticks and in events keep that replay short, however long the agent
    # lives (engine/workflows/run_length.py).
    continue_as_new_every: int = Field(default=25, ge=1)
    continue_as_new_events: int = Field(
        default=200, ge=50, description="A run whose history has this many events continues as new")
    seed: int = 0
    journal_keep: int = Field(default=500, ge=10, description="Decisions kept in state")
    equity_keep: int = Field(default=2_000, ge=10, description="Equity points kept in state")
    reconcile_every: int = Field(
        default=20, ge=1, description="Ticks between checks of the book against the broker"
    )
    fill_deadline_s: float = Field(
        default=5.0, gt=0, le=600, description="An order not filled by then is cancelled"
    )
    discovery: DiscoverySettings | None = Field(
        default=None, description="Discover a strategy per symbol before the first tick "
        "(sandboxed backtests); None = no discovery"
    )
    # Real models (openai:/compatible:; engine/workflows/model_turns.py): every call bounded.
    model_max_tokens: int = Field(default=512, ge=16, le=32_768,
                                  description="max_tokens of each model call")
    model_temperature: float = Field(default=0.2, ge=0, le=2)
    model_price: ModelPrice | None = Field(
        default=None, description="USD per 1M tokens (from settings' price table); None: "
        "tokens are counted, cost is not")
    max_model_tokens_per_day: int | None = Field(
        default=None, ge=1, description="Reached: the agent HOLDs until the next UTC day")
    max_model_cost_per_day: float | None = Field(default=None, gt=0, description="USD")
    continue_as_new_bytes: int = Field(
        default=2 * 1024 * 1024, ge=64 * 1024,
        description="A run whose history passes this continues as new")


class ApprovalStatus(str, Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    CANCELLED = "cancelled"


class PendingApproval(Payload):
    trade_id: str
    tick: int
    date: str
    intent: TradeIntent
    check: GuardrailResult
    opened_at: float = Field(description="Workflow time, epoch seconds")
    expires_at: float


class Decision(Payload):
    """One journal entry: what the agent saw, wanted, and what became of it."""

    tick: int
    date: str
    trade_id: str
    seen: dict[str, float] = Field(default_factory=dict, description="Last price per symbol")
    news: list[str] = Field(default_factory=list)
    intent: TradeIntent
    model_error: str = ""
    check: GuardrailResult
    approval: ApprovalStatus | None = None
    approval_note: str = ""
    order: OrderResult | None = None
    usage: ModelUsage | None = Field(default=None, description="This tick's model calls")


class Counters(Payload):
    ticks: int = 0
    buys: int = 0
    sells: int = 0
    holds: int = 0
    blocked: int = 0
    orders_filled: int = 0
    orders_rejected: int = 0
    orders_failed: int = 0
    model_errors: int = 0
    late_fills: int = 0
    approvals: dict[str, int] = Field(default_factory=dict)
    runs: int = 1


class UnsettledOrder(Payload):
    """An order whose outcome was not a clean fill: the broker may still change it (a late
    fill, a lost answer), so reconciliation keeps an eye on it until the broker closes it."""

    client_order_id: str
    symbol: str
    side: str
    quantity: int
    filled_quantity: int = Field(description="What the book has booked for it so far")
    checks: int = 0
    filled_price: float = Field(default=0.0, description="The average price booked so far")
    limit_price: float = Field(default=0.0, description="Its limit: what an open buy may cost")
    open: bool = Field(default=False, description="The broker last showed it open: it may "
                       "still fill, so the guardrail counts its rest (book-survives-weeks)")

    @property
    def rest(self) -> int:
        """Shares that may still fill while the order is open."""
        return max(0, self.quantity - self.filled_quantity) if self.open else 0


class ReconcileNote(Payload):
    """One reconciliation: why it ran, what it adopted from the broker, what disagreed."""

    tick: int
    date: str
    trigger: str
    adopted: list[str] = Field(default_factory=list)
    findings: list[str] = Field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return not self.findings


class AgentCarry(Payload):
    """Everything a continued run needs: the state that is the agent's memory."""

    tick: int
    clock: MarketClock
    portfolio: Portfolio
    limits: RiskLimits
    day: DayStats | None = None
    prices: dict[str, float] = Field(default_factory=dict)
    headlines: dict[str, list[Headline]] = Field(default_factory=dict)
    date: str = ""
    pending: list[PendingApproval] = Field(default_factory=list)
    journal: list[Decision] = Field(default_factory=list)
    journal_total: int = 0
    equity: list[tuple[int, float]] = Field(default_factory=list)
    counters: Counters = Field(default_factory=Counters)
    paused: bool = False
    note: str = ""
    account_id: str = Field(default="", description="The agent's broker account ('' = /v2's)")
    reconciles: bool = Field(
        default=False,
        description="The book is checked against the broker: agents started before the "
        "reconciled-book patch trade in the shared account and are not",
    )
    pause_reason: str = ""
    fee_cursor: str = Field(
        default="", description="The broker's newest FEE activity the book has booked"
    )
    account_owed: bool = Field(
        default=False, description="Its account could not be opened yet: no order until it is"
    )
    unsettled: list[UnsettledOrder] = Field(default_factory=list)
    reconciliations: list[ReconcileNote] = Field(default_factory=list)
    reconciled_tick: int = 0
    reconcile_due: str = Field(
        default="", description="A check owed when the run continued as new (its reason)"
    )
    strategies: dict[str, StrategyPick] = Field(
        default_factory=dict, description="Discovery's pick per symbol (strategy-discovery)"
    )
    usage: UsageBook = Field(default_factory=UsageBook)
    last_model_error: str = Field(default="", description="'tick N: reason' of the latest")


class AgentInput(Payload):
    config: AgentConfig
    carry: AgentCarry | None = None


# ---------------------------------------------------------------- human in the loop


class ReviewRequest(Payload):
    model_config = ConfigDict(extra="forbid")

    trade_id: str
    approve: bool
    reviewer: str = "human"
    reason: str = ""
    quantity: int | None = Field(
        default=None, description="Approve fewer shares than proposed (never more)"
    )


class ReviewResult(Payload):
    trade_id: str
    status: ApprovalStatus
    check: GuardrailResult | None = Field(default=None, description="Re-check at the latest price")
    order: OrderResult | None = None
    note: str = ""


class Phase(str, Enum):
    STARTING = "starting"
    DISCOVERING = "discovering"  # backtesting candidate strategies before the first tick
    RUNNING = "running"
    AWAITING_APPROVAL = "awaiting-approval"  # the `wait` policy: the clock stops for a human
    PAUSED = "paused"
    DRAINING = "draining"
    STOPPED = "stopped"
    FINISHED = "finished"


class HoldingView(Payload):
    symbol: str
    quantity: int
    avg_cost: float
    price: float
    market_value: float
    unrealized_pnl: float


class AgentStateView(Payload):
    """The `state` query: everything a window or a CLI shows about the agent."""

    workflow_id: str
    run_id: str
    phase: Phase
    tick: int
    date: str
    pass_number: int
    model: str
    model_label: str
    symbols: list[str]
    cash: float
    equity: float
    realized_pnl: float
    unrealized_pnl: float
    holdings: list[HoldingView]
    pending: list[PendingApproval]
    last_decisions: list[Decision]
    decisions_total: int
    equity_series: list[tuple[int, float]]
    counters: Counters
    limits: RiskLimits
    history_length: int
    outage: str = Field(default="", description="Why the agent is waiting on a service, if it is")
    pause_reason: str = Field(default="", description="Why the agent paused itself, if it did")
    account_id: str = ""
    reconciliations: list[ReconcileNote] = Field(default_factory=list)
    starting_cash: float = Field(default=0.0, description="For returns in percent; 0 = unknown")
    approval_policy: str = Field(default="", description="Who decides approvals (the config's)")
    strategies: dict[str, StrategyPick] = Field(default_factory=dict)
    usage: UsageBook = Field(default_factory=UsageBook)
    last_model_error: str = ""


class DecisionPageRequest(Payload):
    offset: int = Field(default=0, ge=0, description="From the newest decision backwards")
    limit: int = Field(default=50, ge=1, le=500)


class DecisionPage(Payload):
    total: int
    kept: int
    offset: int
    decisions: list[Decision]


class AgentSummary(Payload):
    """The workflow result: what a finished or stopped run amounts to."""

    workflow_id: str
    phase: Phase
    ticks: int
    date: str
    cash: float
    equity: float
    realized_pnl: float
    positions: dict[str, int]
    orders: int
    decisions: int
    approvals: dict[str, int]
    counters: Counters
    book_vs_broker: str = Field(
        default="", description="The last reconciliation: 'agrees', or what disagreed"
    )
    usage: ModelUsage = Field(default_factory=ModelUsage)
    last_model_error: str = ""
