"""The trading agent's dealings with its broker: its account, its orders, reconciliation.

A mixin of TradingAgentWorkflow, which provides `_memory`, `_config`, `_book_lock`,
`_outage` and `_book_v3` (the RECONCILED_BOOK patch: False while an agent started before it
replays, so its old commands come back unchanged).

With the patch: the agent trades in its own account, opened with its starting cash; an
order whose call failed for good is looked up once more by client_order_id before it is
booked FAILED; and the book is reconciled with the broker at start, on
re-attach and resume, after any order outcome that is not a clean fill, and every
`reconcile_every` ticks. A difference the book cannot explain pauses the agent with the
reason ("book and broker disagree: ...").

With BOOK_SURVIVES_WEEKS (`_book_v6`, issue 17) on top: an account that could not be opened
is owed, retried on resume and re-attach, and no order goes out without it; an order the
last lookup finds still open is cancelled and looked up again; fills are booked at the
price of the shares they add.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from temporalio.exceptions import ActivityError

    from engine import portfolio as book
    from engine.broker_contracts import (
        OPEN_STATUSES,
        BrokerAccount,
        BrokerSnapshot,
        OpenAccountRequest,
        OrderLookup,
        OrderResult,
        OrderStatus,
        SnapshotRequest,
    )
    from engine.contracts import AgentCarry, AgentConfig, ReconcileNote
    from engine.models import GuardrailResult, Portfolio, TradeIntent
    from engine.workflows import memory as mem
    from engine.workflows import reconcile as rec
    from engine.workflows.accounts import account_key
    from engine.workflows.failures import describe_failure

ORDER_TIMEOUT = timedelta(seconds=15)
ORDER_HEARTBEAT = timedelta(seconds=3)
ORDER_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=250),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=4),
    maximum_attempts=6,
    non_retryable_error_types=["ClientError"],
)
# With the patch: the activity heartbeats around every HTTP call, and the timeout is longer
# than one call (5 s by default) anyway, so a slow broker is never taken for a dead worker.
ORDER_HEARTBEAT_V3 = timedelta(seconds=8)
ORDER_OVERHEAD = timedelta(seconds=30)  # lookups, the post, the cancel, on top of the deadline
BROKER_READ_TIMEOUT = timedelta(seconds=20)
# Issue 17, "the book survives weeks": the owed account, open orders cancelled before they
# are booked dead, late fills at their own price, refused fills reconciled.
BOOK_SURVIVES_WEEKS = "book-survives-weeks"
ACCOUNT_UNOPENED = "the broker account could not be opened"
# An agent whose account failed to open before BOOK_SURVIVES_WEEKS, resumed on later code:
# it owes the account from then on (`_owe_account_unopened_before_the_patch`).
OWED_ACCOUNT_UPGRADE = "owed-account-upgrade"
BROKER_READ_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=250),
    maximum_interval=timedelta(seconds=2),
    maximum_attempts=4,
    non_retryable_error_types=["ClientError"],
)


class BrokerSteps:
    _memory: AgentCarry
    _config: AgentConfig
    _book_lock: asyncio.Lock
    _outage: str
    _book_v3: bool
    _book_v6: bool
    _reconcile_due: str
    _account_retry: bool

    # ------------------------------------------------------------------ account

    async def _open_account(self) -> None:
        """Open (or find) the agent's own account; the book starts from what it holds."""
        memory = self._memory
        request = OpenAccountRequest(account_id=account_key(workflow.info().workflow_id),
                                     cash=self._config.starting_cash)
        try:
            account = await workflow.execute_activity(
                "open_account", request, result_type=BrokerAccount,
                start_to_close_timeout=BROKER_READ_TIMEOUT, retry_policy=BROKER_READ_RETRY,
            )
        except ActivityError as exc:
            # Before the patch it traded in /v2 on resume; an upgraded debt stays owed.
            memory.account_owed = self._book_v6 or memory.account_owed
            self._pause(f"{ACCOUNT_UNOPENED}: {describe_failure(exc)}")
            return
        memory.account_owed = False
        memory.account_id = account.account_id
        memory.reconciles = True
        if book.to_cents(account.cash) != book.to_cents(memory.portfolio.cash):
            # An account that existed already (a shared paper account): its cash is the truth.
            memory.portfolio = Portfolio(cash=account.cash)
            memory.reconciliations.append(ReconcileNote(
                tick=memory.tick, date=memory.date, trigger="account opened",
                adopted=[f"the account holds ${account.cash:,.2f}, not the configured "
                         f"${self._config.starting_cash:,.2f}: the book starts from it"]))

    async def _open_owed_account(self) -> bool:
        """The account the start could not open, retried (on resume and on re-attach);
        True once it is open. A pause for want of it ends when it opens."""
        self._account_retry = False
        await self._open_account()
        memory = self._memory
        if memory.account_owed:
            return False
        if memory.pause_reason.startswith(ACCOUNT_UNOPENED):
            memory.paused, memory.pause_reason = False, ""
        self._reconcile_due = "account opened"
        return True

    def _owe_account_unopened_before_the_patch(self) -> None:
        """A run begun before BOOK_SURVIVES_WEEKS kept no debt of an account it could not
        open, and resumed it would trade in the shared account, unreconciled, for good. Its
        pause reason still says why it stopped: from this resume or re-attach, it owes the
        account. The patch is asked only then, so no other history gains a marker."""
        memory = self._memory
        if (memory is not None and not self._book_v6 and self._book_v3
                and not memory.account_id and not memory.account_owed
                and memory.pause_reason.startswith(ACCOUNT_UNOPENED)
                and workflow.patched(OWED_ACCOUNT_UPGRADE)):
            memory.account_owed = True

    # ------------------------------------------------------------------ reconciliation

    def _reconcile_needed(self) -> bool:
        memory = self._memory
        if not memory.reconciles:  # started before the patch: it shares the trading account
            return False
        return bool(self._reconcile_due) or (
            memory.tick - memory.reconciled_tick >= self._config.reconcile_every
        )

    async def _reconcile(self, trigger: str = "") -> bool:
        """Check the book against the broker; False when the broker could not be read."""
        trigger = trigger or self._reconcile_due or f"every {self._config.reconcile_every} ticks"
        memory = self._memory
        async with self._book_lock:  # no order of an approval may land mid-snapshot
            try:
                snapshot = await workflow.execute_activity(
                    "broker_snapshot",
                    SnapshotRequest(
                        account_id=memory.account_id,
                        client_order_id_prefix=f"{workflow.info().workflow_id}-",
                        client_order_ids=[u.client_order_id for u in memory.unsettled]
                        if self._book_v6 else None,
                        fees_after=memory.fee_cursor if self._book_v6 else None),
                    result_type=BrokerSnapshot,
                    start_to_close_timeout=BROKER_READ_TIMEOUT,
                    retry_policy=BROKER_READ_RETRY,
                )
            except ActivityError as exc:
                self._outage = f"broker unavailable for reconciliation: {describe_failure(exc)}"
                return False
            note = rec.reconcile(memory, snapshot, trigger, own_price=self._book_v6)
        self._outage = ""
        self._reconcile_due = ""
        if not note.agrees:
            self._pause(rec.pause_reason(note))
        return True

    def _pause(self, reason: str) -> None:
        self._memory.paused = True
        self._memory.pause_reason = reason

    # ------------------------------------------------------------------ orders

    async def _place(
        self, trade_id: str, intent: TradeIntent, check: GuardrailResult
    ) -> OrderResult:
        memory = self._memory
        if memory.account_owed:  # an approval while the account is owed (v6 or upgraded)
            memory.counters.orders_rejected += 1
            return OrderResult(client_order_id=f"{workflow.info().workflow_id}-{trade_id}",
                               status=OrderStatus.REJECTED, requested_quantity=intent.quantity,
                               reason="not sent: the agent's broker account is not open yet")
        deadline = self._config.fill_deadline_s if self._book_v3 else 5.0
        request = mem.order_request(
            workflow.info().workflow_id, trade_id, intent, check,
            account_id=memory.account_id, fill_deadline_s=deadline,
            bar_index=memory.clock.bar_index() if self._book_v6 else None,
        )
        try:
            result = await workflow.execute_activity(
                "place_order",
                request,
                result_type=OrderResult,
                start_to_close_timeout=(
                    timedelta(seconds=deadline) + ORDER_OVERHEAD if self._book_v3
                    else ORDER_TIMEOUT
                ),
                heartbeat_timeout=ORDER_HEARTBEAT_V3 if self._book_v3 else ORDER_HEARTBEAT,
                retry_policy=ORDER_RETRY,
            )
        except ActivityError as exc:
            reason = f"broker unavailable after retries: {describe_failure(exc)}"
            result = OrderResult(client_order_id=request.client_order_id,
                                 status=OrderStatus.FAILED, reason=reason,
                                 requested_quantity=intent.quantity)
            if self._book_v3:
                result = await self._last_word(result)
        booked = mem.book_order(memory, intent, result, limit_price=check.price,
                                watch_unbookable=self._book_v6)
        if self._book_v3 and (not result.clean_fill or booked is not result):
            result = booked
            self._reconcile_due = f"after {trade_id}: {result.status.value}" + (
                f" ({result.reason})" if result.reason else "")
        return result

    async def _cancel_open(self, found: OrderResult) -> OrderResult:
        """Cancel an order of ours the broker still holds open; as it ends up, or as it was
        if the cancel cannot be made (it stays unsettled, counted by the guardrail)."""
        try:
            return await workflow.execute_activity(
                "cancel_order",
                OrderLookup(client_order_id=found.client_order_id,
                            account_id=self._memory.account_id,
                            requested_quantity=found.requested_quantity),
                result_type=OrderResult,
                start_to_close_timeout=BROKER_READ_TIMEOUT,
                retry_policy=BROKER_READ_RETRY,
            )
        except ActivityError as exc:
            return found.model_copy(update={
                "reason": f"still open at the broker; the cancel failed: "
                          f"{describe_failure(exc)}"})

    async def _last_word(self, failed: OrderResult) -> OrderResult:
        """Before booking FAILED: the broker may hold the order (the answer was lost)."""
        try:
            found = await workflow.execute_activity(
                "lookup_order",
                OrderLookup(client_order_id=failed.client_order_id,
                            account_id=self._memory.account_id,
                            requested_quantity=failed.requested_quantity),
                result_type=OrderResult,
                start_to_close_timeout=BROKER_READ_TIMEOUT,
                retry_policy=BROKER_READ_RETRY,
            )
        except ActivityError as exc:
            return failed.model_copy(update={
                "reason": f"{failed.reason}; the lookup failed too: {describe_failure(exc)}"})
        if found.status == OrderStatus.FAILED:  # not at the broker: it never arrived
            return failed.model_copy(update={"reason": f"{failed.reason}; {found.reason}"})
        if self._book_v6 and found.broker_status in OPEN_STATUSES:
            # Still open: booked as it stands it would fill later, unguarded. Cancel it and
            # book what it ends up as (a fill may win the race).
            found = await self._cancel_open(found)
        return found.model_copy(update={
            "reason": "found at the broker after the order call failed"
            + (f"; {found.reason}" if found.reason else "")})
