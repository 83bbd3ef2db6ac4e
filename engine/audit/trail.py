"""The shapes of one tick's audit trail: what `harness why` prints and the window may show.

Every step names the run and the event ids it was read from, so the same story can be found
in the Temporal Web UI (event ids restart at 1 in each run of a continue-as-new chain).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from engine.models import Payload


class EventRef(Payload):
    """Where a step is in the history: the run and the event ids (first to last)."""

    run_id: str
    event_ids: list[int] = Field(default_factory=list)
    time: str = ""  # the first event's time, RFC 3339 as the history has it


class ModelCall(Payload):
    """One call of the model activity: what it asked for, or what it answered."""

    model: str
    attempts: int
    tool_calls: list[str] = Field(default_factory=list, description="name(arguments) asked for")
    answer: str = ""
    failure: str = ""
    where: EventRef
    earlier_failures: list[str] = Field(
        default_factory=list, description="'attempt N: reason' of each failed attempt recorded")
    usage: dict = Field(default_factory=dict, description="The response's token usage")


class ToolCall(Payload):
    name: str
    arguments: Any = None
    result: Any = None
    failure: str = ""
    source: str  # "local activity", "activity", or "agent memory" (get_portfolio: no event)
    where: EventRef | None = None


class GuardrailStep(Payload):
    verdict: str
    reasons: list[str] = Field(default_factory=list)
    price: float = 0.0
    notional: float = 0.0
    where: EventRef  # the workflow task that ran the (pure) guardrail


class ApprovalStep(Payload):
    status: str
    note: str = ""  # the agent's own record: "approved by alice: looks fine", "expired", ...
    reviewer: str = ""  # who answered (a human's update), or the policy that decided
    approve: bool | None = None
    reason: str = ""
    quantity: int | None = None
    answered_at: str = ""
    where: EventRef | None = None  # the review_trade update (accepted, completed)


class OrderStep(Payload):
    client_order_id: str
    side: str
    symbol: str
    quantity: int
    limit_price: float | None = None
    status: str = ""
    filled_quantity: int = 0
    filled_price: float | None = None
    broker_order_id: str = ""
    reason: str = ""
    attempts: int = 0
    where: EventRef | None = None


class TickAudit(Payload):
    """Why the agent did what it did at one tick, from the event history alone."""

    workflow_id: str
    tick: int
    date: str
    run_id: str
    run_number: int  # 1 = the first run of the chain
    runs: int
    events: EventRef  # the tick's span in its run
    brief: str = ""
    model_calls: list[ModelCall] = Field(default_factory=list)
    tool_calls: list[ToolCall] = Field(default_factory=list)
    intent: dict = Field(default_factory=dict)
    model_error: str = ""
    usage: dict = Field(default_factory=dict, description="The tick's model usage (state)")
    guardrail: GuardrailStep | None = None
    approval: ApprovalStep | None = None
    order: OrderStep | None = None
    notes: list[str] = Field(default_factory=list, description="what could not be read, and why")
