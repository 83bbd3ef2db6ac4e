"""What travels through Temporal for discovery: requests, candidates, scorecards."""

from __future__ import annotations

from enum import Enum

from pydantic import ConfigDict, Field

from engine.config import SANDBOX_TASK_QUEUE
from engine.models import Payload

SANDBOX_CHOICES = ("auto", "docker", "bwrap")


class CandidateSpec(Payload):
    """One candidate: a strategy source file and its parameters. `family` is the module it
    came from, or "written" for code the model wrote through its tool."""

    name: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9_.=-]+$")
    family: str
    source: str = Field(min_length=1, max_length=20_000)
    params: dict[str, float | int | str | bool] = Field(default_factory=dict)


class DiscoveryRequest(Payload):
    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(min_length=1, max_length=10)
    start_date: str | None = Field(default=None, description="The agent's first bar: "
                                   "discovery sees only the bars before it")
    candidates: int = Field(default=8, ge=1, le=64)
    sandbox: str = Field(default="auto", pattern="^(auto|docker|bwrap)$")
    written: list[CandidateSpec] = Field(default_factory=list,
                                         description="Candidates written by the model")
    split: float = Field(default=0.7, ge=0.1, le=0.9)
    fee_bps: float = Field(default=1.0, ge=0, le=100)
    slippage_bps: float = Field(default=5.0, ge=0, le=100)
    timeout_s: float = Field(default=120.0, gt=0, le=3600)
    sandbox_queue: str = Field(default=SANDBOX_TASK_QUEUE, min_length=1,
                               description="Where the sandbox workers poll")


class BacktestRequest(Payload):
    symbol: str
    start_date: str | None
    candidate: CandidateSpec
    sandbox: str
    split: float
    fee_bps: float
    slippage_bps: float
    timeout_s: float
    label: str = Field(description="The child workflow id: labels the sandbox")
    task_queue: str = SANDBOX_TASK_QUEUE
    through_date: str | None = Field(default=None, description="Instead of the bars before "
                                     "start_date: every bar up to and including this date "
                                     "(the agent's current bar, for the winner's live signal)")


class CandidateState(str, Enum):
    PENDING = "pending"
    # The child is started but no sandbox worker has taken its backtest yet. The workflow
    # itself only knows RUNNING; the client's discovery_progress tells the two apart.
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BacktestOutcome(Payload):
    """A scorecard, or a scored failure (reason: exit, timeout, memory, killed, error)."""

    name: str
    family: str
    params: dict[str, float | int | str | bool] = Field(default_factory=dict)
    ok: bool
    reason: str = "ok"
    error: str = ""
    backend: str = ""
    duration_s: float = 0.0
    bars: int = 0
    first_date: str = ""
    last_date: str = ""
    split_date: str = ""
    full: dict[str, float] = Field(default_factory=dict)
    in_sample: dict[str, float] = Field(default_factory=dict)
    out_of_sample: dict[str, float] = Field(default_factory=dict)
    signal_now: float = 0.0
    equity: list[tuple[str, float]] = Field(default_factory=list)

    @property
    def oos_sharpe(self) -> float:
        return float(self.out_of_sample.get("sharpe", 0.0))


class CandidateProgress(Payload):
    name: str
    family: str
    state: CandidateState = CandidateState.PENDING
    child_id: str = ""


class DiscoveryProgress(Payload):
    """The `progress` query: what the window's progress bar and table show."""

    symbol: str
    total: int = 0
    done: int = 0
    candidates: list[CandidateProgress] = Field(default_factory=list)
    finished: bool = False


class DiscoveryResult(Payload):
    symbol: str
    start_date: str | None
    ranked: list[BacktestOutcome] = Field(default_factory=list, description="Best first")
    winner: str | None = Field(default=None, description="None when every candidate failed")
    failed: int = 0
    winner_source: str = Field(default="", description="The winner's strategy code")

    def winner_outcome(self) -> BacktestOutcome | None:
        return next((o for o in self.ranked if o.name == self.winner), None)


# ---------------------------------------------------------------- the trading agent's side


def discovery_id(agent_id: str, symbol: str) -> str:
    """The id of an agent's discovery for one symbol (a child workflow of the agent)."""
    return f"{agent_id}-discovery-{symbol}"


class StrategyApprovalPolicy(str, Enum):
    """Who lets the agent trade on a strategy the model wrote (discovery's winner with
    family "written"): its own policy, apart from the trades' approval_policy."""

    HUMAN = "human"  # its signal is withheld until a human approves the code
    AUTO_APPROVE = "auto-approve"  # trusted at once (tests, fully automated runs)
    AUTO_REJECT = "auto-reject"  # never traded on: the agent goes on without it


class StrategyApproval(str, Enum):
    NOT_NEEDED = ""  # a shipped family's code
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class StrategyReview(Payload):
    """A human's answer about the model-written strategy picked for `symbol`."""

    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(min_length=1, max_length=10)
    approve: bool
    reviewer: str = Field(default="human", max_length=100)
    reason: str = Field(default="", max_length=500)


class DiscoverySettings(Payload):
    """AgentConfig.discovery: discover a strategy per symbol before the first tick."""

    model_config = ConfigDict(extra="forbid")

    candidates: int = Field(default=6, ge=1, le=64)
    sandbox: str = Field(default="auto", pattern="^(auto|docker|bwrap)$")
    timeout_s: float = Field(default=120.0, gt=0, le=3600)
    signal_every: int = Field(default=5, ge=1, description="Ticks between sandboxed "
                              "refreshes of the winner's signal (each is a sandbox run)")
    sandbox_queue: str = SANDBOX_TASK_QUEUE
    strategy_approval: StrategyApprovalPolicy = Field(
        default=StrategyApprovalPolicy.HUMAN, description="Who approves a model-written "
        "winner before the agent trades on its signal")


class RankedRow(Payload):
    """One line of the ranked table kept in the agent's state (no equity curve)."""

    name: str
    family: str
    ok: bool
    reason: str = "ok"
    oos_sharpe: float = 0.0
    oos_return: float = 0.0
    oos_max_drawdown: float = 0.0


class StrategyPick(Payload):
    """What discovery left the agent for one symbol: the ranked table, the winner (with its
    equity curve and source, which the signal refreshes run in the sandbox) and its signal."""

    symbol: str
    discovery_id: str
    ranked: list[RankedRow] = Field(default_factory=list)
    winner: BacktestOutcome | None = None
    source: str = ""
    signal: float | None = None
    signal_date: str = ""
    signal_tick: int = -1
    signal_error: str = ""
    approval: StrategyApproval = Field(default=StrategyApproval.NOT_NEEDED, description=
                                       "A model-written winner's approval (its own policy)")
    approval_note: str = ""

    @property
    def trusted(self) -> bool:
        """May the agent trade on this pick's signal?"""
        return self.approval in (StrategyApproval.NOT_NEEDED, StrategyApproval.APPROVED)


def pick_from(result: DiscoveryResult, discovery_id: str) -> StrategyPick:
    best = result.winner_outcome()
    return StrategyPick(
        symbol=result.symbol, discovery_id=discovery_id,
        ranked=[RankedRow(name=o.name, family=o.family, ok=o.ok, reason=o.reason,
                          oos_sharpe=o.oos_sharpe,
                          oos_return=float(o.out_of_sample.get("total_return", 0.0)),
                          oos_max_drawdown=float(o.out_of_sample.get("max_drawdown", 0.0)))
                for o in result.ranked],
        winner=best, source=result.winner_source if best else "",
        signal=best.signal_now if best else None,
        signal_date=best.last_date if best else "",
    )
