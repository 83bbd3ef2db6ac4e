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


class CandidateState(str, Enum):
    PENDING = "pending"
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

    def winner_outcome(self) -> BacktestOutcome | None:
        return next((o for o in self.ranked if o.name == self.winner), None)
