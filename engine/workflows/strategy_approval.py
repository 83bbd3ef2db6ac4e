"""A human approves a strategy the model wrote before the agent trades on its signal.

Discovery's winner may be code the model wrote (family "written"): the sandbox kept it
from harming the machine and the worker scored it, but whether to trade on it is a
production change, so a human decides, as for a large trade, under its own policy
(DiscoverySettings.strategy_approval). Until approved, the pick's signal is neither
refreshed nor shown to the agent; the agent trades on without it. `review_strategy` is a
workflow update whose validator refuses an unknown symbol or a decided pick before
anything is written. What the reviewer sees (code, scorecard, diff against the nearest
shipped family) is rendered outside the workflow: engine/discovery/review.py.

Versioned: only an agent whose discovery picked a written strategy takes the
`written-strategy-approval` patch, so every other history is exactly what it was.

A mixin of TradingAgentWorkflow, which provides `_memory` and `_config`.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from engine.contracts import AgentCarry, AgentConfig
    from engine.discovery.contracts import (
        StrategyApproval,
        StrategyApprovalPolicy,
        StrategyPick,
        StrategyReview,
    )

WRITTEN_STRATEGY_APPROVAL = "written-strategy-approval"


class StrategyApprovalDesk:
    _memory: AgentCarry
    _config: AgentConfig

    def _ask_strategy_approvals(self) -> None:
        """After discovery: a model-written winner waits for its approval policy."""
        written = [p for p in self._memory.strategies.values()
                   if p.winner is not None and p.winner.family == "written"]
        if not written or not workflow.patched(WRITTEN_STRATEGY_APPROVAL):
            return
        policy = self._config.discovery.strategy_approval
        for pick in written:
            if policy == StrategyApprovalPolicy.AUTO_APPROVE:
                pick.approval, pick.approval_note = StrategyApproval.APPROVED, (
                    "approved by policy auto-approve")
            elif policy == StrategyApprovalPolicy.AUTO_REJECT:
                pick.approval, pick.approval_note = StrategyApproval.REJECTED, (
                    "rejected by policy auto-reject")
            else:
                pick.approval, pick.approval_note = StrategyApproval.PENDING, (
                    "model-written code: waiting for a human")

    @workflow.update
    def review_strategy(self, review: StrategyReview) -> StrategyPick:
        pick = self._memory.strategies[review.symbol]
        who = review.reviewer + (f": {review.reason}" if review.reason else "")
        if review.approve:
            pick.approval, pick.approval_note = StrategyApproval.APPROVED, f"approved by {who}"
            pick.signal_tick = -1  # refresh its signal at the next tick
        else:
            pick.approval, pick.approval_note = StrategyApproval.REJECTED, f"rejected by {who}"
        return pick

    @review_strategy.validator
    def _validate_strategy_review(self, review: StrategyReview) -> None:
        # Runs before anything is written: a refused update leaves no event.
        if self._memory is None:
            raise ValueError("the agent has not started yet")
        pick = self._memory.strategies.get(review.symbol)
        if pick is None:
            raise ValueError(f"the agent has no strategy for {review.symbol!r} "
                             f"(it has: {', '.join(sorted(self._memory.strategies)) or 'none'})")
        if pick.approval != StrategyApproval.PENDING:
            state = pick.approval.value or "a shipped family's: no approval needed"
            raise ValueError(f"the strategy for {review.symbol} is not waiting for approval "
                             f"({state})")
