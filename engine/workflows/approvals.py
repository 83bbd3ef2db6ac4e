"""The approval desk of the trading agent: human review of trades that need it.

A trade that needs a human opens a pending approval with a durable expiry timer.
`review_trade` is a workflow update: its validator refuses unknown, decided,
superseded and expired trade ids before anything is written (a refused update
leaves no event); an approval re-runs the guardrail at the latest price before
the order goes out. A newer intent for the same symbol supersedes the pending one.

A mixin of TradingAgentWorkflow, which provides `_memory`, `_config`,
`_book_lock`, `_expiry_timers`, `_check` and `_place`.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from engine.broker_contracts import OrderResult
    from engine.contracts import (
        AgentCarry,
        AgentConfig,
        ApprovalStatus,
        PendingApproval,
        ReviewRequest,
        ReviewResult,
    )
    from engine.models import GuardrailResult, TradeIntent, Verdict
    from engine.validation import validate_review
    from engine.workflows import memory as mem
    from engine.workflows.recheck import (
        approved_notional,
        new_reasons,
        over_approved,
        shares_within,
    )


class ApprovalDesk:
    _memory: AgentCarry
    _config: AgentConfig
    _book_lock: asyncio.Lock
    _expiry_timers: dict[str, asyncio.Task[None]]
    _book_v3: bool  # the RECONCILED_BOOK patch (trading_agent.py)
    _book_v6: bool  # the BOOK_SURVIVES_WEEKS patch (broker_steps.py)

    def _check(self, intent: TradeIntent) -> GuardrailResult:
        raise NotImplementedError

    async def _place(
        self, trade_id: str, intent: TradeIntent, check: GuardrailResult
    ) -> OrderResult:
        raise NotImplementedError

    def _open_approval(self, trade_id: str, intent: TradeIntent, check: GuardrailResult) -> None:
        now = workflow.now().timestamp()
        pending = PendingApproval(
            trade_id=trade_id,
            tick=self._memory.tick,
            date=self._memory.date,
            intent=intent,
            check=check,
            opened_at=now,
            expires_at=now + self._config.approval_expiry_s,
        )
        self._memory.pending.append(pending)
        decision = mem.find_decision(self._memory, trade_id)
        if decision is not None:
            decision.approval = ApprovalStatus.PENDING
        self._arm_expiry(pending)

    def _arm_expiry(self, pending: PendingApproval) -> None:
        """A durable timer per approval: when it fires, the trade is rejected as expired."""

        async def expire() -> None:
            remaining = pending.expires_at - workflow.now().timestamp()
            if remaining > 0:
                await workflow.sleep(timedelta(seconds=remaining))
            self._expiry_timers.pop(pending.trade_id, None)
            self._close(pending.trade_id, ApprovalStatus.EXPIRED, "expired")

        self._expiry_timers[pending.trade_id] = asyncio.create_task(expire())

    def _close(self, trade_id: str, status: ApprovalStatus, note: str) -> PendingApproval | None:
        timer = self._expiry_timers.pop(trade_id, None)
        if timer is not None:
            timer.cancel()
        return mem.close_approval(self._memory, trade_id, status, note)

    def _supersede(self, symbol: str, newer_trade_id: str) -> None:
        for pending in list(self._memory.pending):
            if pending.intent.symbol == symbol:
                self._close(
                    pending.trade_id, ApprovalStatus.SUPERSEDED, f"superseded by {newer_trade_id}"
                )

    @workflow.update
    async def review_trade(self, review: ReviewRequest) -> ReviewResult:
        who = f"{review.reviewer}" + (f": {review.reason}" if review.reason else "")
        if not review.approve:
            self._close(review.trade_id, ApprovalStatus.REJECTED, f"rejected by {who}")
            return ReviewResult(trade_id=review.trade_id, status=ApprovalStatus.REJECTED)
        pending = mem.find_pending(self._memory, review.trade_id)
        intent = pending.intent if pending is not None else None
        what = "approved"
        if intent is not None and review.quantity not in (None, intent.quantity):
            what = f"approved {review.quantity} of {intent.quantity} shares"
            intent = intent.model_copy(update={"quantity": review.quantity})
        pending = self._close(review.trade_id, ApprovalStatus.APPROVED, f"{what} by {who}")
        decision = mem.find_decision(self._memory, review.trade_id)
        if pending is None:  # it expired or was superseded between validation and now
            status = decision.approval if decision else ApprovalStatus.CANCELLED
            return ReviewResult(trade_id=review.trade_id, status=status, note="no longer pending")
        async with self._book_lock:
            memory = self._memory
            if self._book_v6 and memory.paused and memory.pause_reason:
                # A reconciliation that held the lock paused the agent meanwhile.
                note = f"approved, but not placed: the agent paused itself ({memory.pause_reason})"
                if decision is not None:
                    decision.approval_note += f"; {note}"
                return ReviewResult(trade_id=review.trade_id, status=ApprovalStatus.APPROVED,
                                    note=note)
            # The price has moved since the agent asked: check again before placing.
            recheck = self._check(intent)
            if self._book_v3:
                intent, recheck, back = self._recheck(pending, intent, recheck, decision)
                if back is not None:
                    return back
            if recheck.verdict == Verdict.BLOCK:
                note = "approved, but blocked at the latest price: " + "; ".join(recheck.reasons)
                if decision is not None:
                    decision.approval_note += f"; {note}"
                return ReviewResult(
                    trade_id=review.trade_id, status=ApprovalStatus.APPROVED, check=recheck,
                    note=note,
                )
            order = await self._place(review.trade_id, intent, recheck)
        if decision is not None:
            decision.order = order
        return ReviewResult(
            trade_id=review.trade_id, status=ApprovalStatus.APPROVED, check=recheck, order=order
        )

    def _recheck(
        self, pending: PendingApproval, intent: TradeIntent, recheck: GuardrailResult,
        decision,
    ) -> tuple[TradeIntent, GuardrailResult, ReviewResult | None]:
        """Cap the order at the approved notional; a new reason goes back to the human."""
        limit = approved_notional(pending.check, intent)
        if over_approved(intent, recheck, limit, sells_too=not self._book_v6):
            fit = shares_within(limit, recheck.price, intent.quantity)
            if fit < 1:
                recheck = recheck.model_copy(update={"verdict": Verdict.BLOCK, "reasons": [
                    *recheck.reasons, f"at ${recheck.price:,.2f} not one share fits in the "
                    f"${limit:,.2f} approved"]})
                return intent, recheck, None
            intent = intent.model_copy(update={"quantity": fit})
            recheck = self._check(intent)
        fresh = new_reasons(pending.check, recheck)
        if recheck.verdict != Verdict.NEEDS_APPROVAL or not fresh:
            return intent, recheck, None
        note = "approved, but new since the approval: " + "; ".join(fresh) + ": asked again"
        if decision is not None:
            decision.approval_note += f"; {note}"
        self._open_approval(pending.trade_id, intent, recheck)
        return intent, recheck, ReviewResult(
            trade_id=pending.trade_id, status=ApprovalStatus.PENDING, check=recheck, note=note)

    @review_trade.validator
    def _validate_review(self, review: ReviewRequest) -> None:
        # Runs before anything is written: a rejected update leaves no event.
        validate_review(review)
        if self._memory is None:
            raise ValueError("the agent has not started yet")
        pending = mem.find_pending(self._memory, review.trade_id)
        if pending is None:
            raise ValueError(mem.why_not_pending(self._memory, review.trade_id))
        if pending.expires_at <= workflow.now().timestamp():
            raise ValueError(f"trade {review.trade_id} has expired")
        if review.approve and self._memory.paused and self._memory.pause_reason:
            # The agent paused itself (its book and the broker disagree, its account is not
            # open): no order may go out until a human has looked and resumed it.
            raise ValueError(f"the agent paused itself ({self._memory.pause_reason}): "
                             "resume it before approving; rejecting is still possible")
        proposed = pending.intent.quantity
        if review.approve and review.quantity is not None and not 1 <= review.quantity <= proposed:
            raise ValueError(
                f"cannot approve {review.quantity} shares of {review.trade_id}: "
                f"the agent proposed {proposed}, so approve 1..{proposed}"
            )
