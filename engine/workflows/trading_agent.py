"""TradingAgentWorkflow: the durable tick loop of a supervised trading agent.

Each tick: advance the market clock one bar, read quotes and news (a local
activity), ask the agent for a TradeIntent (model and tool activities), run the
pure guardrail at the current price, then place the order (ALLOW), open an
approval (NEEDS_APPROVAL) or record why not (BLOCK). Approvals are a workflow
update with a validator and a durable expiry timer; the approval policy says
whether the loop keeps ticking meanwhile (`human`), stops its clock until the
human answers (`wait`), or decides at once (`auto-approve`, `auto-reject`), so
every decision is part of the history. The run continues as new every N ticks,
or sooner once its history passes a budget (engine/workflows/run_length.py),
carrying its whole memory, so histories, and a take-over's replay, stay small forever.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from agents import Agent
    from temporalio.exceptions import ActivityError, ApplicationError
    from temporalio.exceptions import TimeoutError as ActivityTimeout

    from engine.agent.tools import ToolContext
    from engine.contracts import (
        EQUITY_KEEP_MAX,
        JOURNAL_KEEP_MAX,
        AgentCarry,
        AgentInput,
        AgentStateView,
        AgentSummary,
        ApprovalPolicy,
        ApprovalStatus,
        CalendarInfo,
        CalendarRequest,
        DecisionPage,
        DecisionPageRequest,
        Phase,
        TickContext,
        TickRequest,
    )
    from engine.models import GuardrailResult, RiskLimits, Side, TradeIntent, Verdict
    from engine.validation import validate_limit_update
    from engine.workflows import carry_bounds, model_budget, views
    from engine.workflows import memory as mem
    from engine.workflows.agent_step import ask_agent, build_agent
    from engine.workflows.approvals import ApprovalDesk
    from engine.workflows.broker_steps import BOOK_SURVIVES_WEEKS, ORDER_RETRY, BrokerSteps
    from engine.workflows.failures import describe_failure, is_non_retryable
    from engine.workflows.model_turns import RealModel, is_real_model
    from engine.workflows.reconcile import PREFIX as DISAGREE
    from engine.workflows.run_length import run_is_over
    from engine.workflows.strategy_approval import StrategyApprovalDesk
    from engine.workflows.strategy_steps import STRATEGY_DISCOVERY, StrategySteps

READ_TIMEOUT = timedelta(seconds=10)
READ_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    maximum_interval=timedelta(seconds=2),
    maximum_attempts=3,
)
__all__ = ["ORDER_RETRY", "TradingAgentWorkflow"]
# Seconds between retries of a tick without market data.
DATA_OUTAGE_BACKOFF = (1, 2, 5, 10, 30)
# A local activity that runs out of attempts raises its own failure, unwrapped.
READ_FAILURES = (ActivityError, ApplicationError, ActivityTimeout)
# Workflow versions (workflow.patched): agents started before a change replay the old path.
LOCAL_TOOL_READS = "local-tool-reads"  # get_quote/get_news as local activities
BATCHED_TOOL_READS = "batched-tool-reads"  # a model turn's reads as one local activity
# Issue 10, "the book is always right": the agent's own broker account, reconciliation,
# the last lookup before FAILED, deadlines on fills, the day opening before prices move,
# live limits in the sanity check, and the approval re-check that treats new reasons as new.
RECONCILED_BOOK = "reconciled-book"
# Issue 17: the carry bounded by bytes as well as by count (engine/workflows/carry_bounds.py).
BOUNDED_CARRY = "bounded-carry"
# Issue 19, real models: tool turns without response_format then a final turn for the intent,
# bounded calls, usage per tick, the daily model budget (engine/workflows/model_turns.py).
REAL_MODEL_TURNS = "real-model-turns"


@workflow.defn(name="TradingAgentWorkflow")
class TradingAgentWorkflow(BrokerSteps, ApprovalDesk, StrategyApprovalDesk,  # _place first
                           StrategySteps):
    @workflow.init
    def __init__(self, params: AgentInput) -> None:
        self._config = params.config
        self._memory: AgentCarry | None = params.carry
        self._phase = Phase.STARTING
        self._stop = False
        self._outage = ""
        self._book_lock = asyncio.Lock()  # guardrail check + order + fill are one critical section
        self._expiry_timers: dict[str, asyncio.Task[None]] = {}
        self._agent = build_agent(params.config, batched_reads=True)
        self._older_agents: dict[str, Agent[ToolContext]] = {}  # see _older_agent
        self._real = RealModel.of(params.config) if is_real_model(params.config.model) else None
        self._book_v3 = False  # set by run(): RECONCILED_BOOK
        self._book_v6 = False  # set by run(): BOOK_SURVIVES_WEEKS
        self._bounded_carry = False  # set by run(): BOUNDED_CARRY
        self._reconcile_due = ""  # why the book must be checked before the next tick
        self._account_retry = False  # re-attached while the account is owed: try again
        self._reattached = False  # a reconcile signal, maybe before run() started

    # ------------------------------------------------------------------ main loop

    @workflow.run
    async def run(self, params: AgentInput) -> AgentSummary:
        self._book_v3 = workflow.patched(RECONCILED_BOOK)
        self._book_v6 = self._book_v3 and workflow.patched(BOOK_SURVIVES_WEEKS)
        self._bounded_carry = workflow.patched(BOUNDED_CARRY)
        if self._memory is None:
            calendar = await self._load_calendar()
            self._memory = mem.fresh(self._config, calendar)
            if self._book_v3:
                await self._open_account()
                self._reconcile_due = "start"
            if self._discovers():
                self._phase = Phase.DISCOVERING
                await self._discover_strategies(self._config.start_date or calendar.first_date)
        else:
            self._memory.counters.runs += 1
            # A new run changes nothing at the broker: only a check the last run still
            # owed (an order outcome on its last tick) is due.
            self._reconcile_due = self._memory.reconcile_due
            if self._book_v6 and self._reattached and not self._reconcile_due:
                self._reconcile_due = "re-attach"  # signalled in this run's first activation
        memory = self._memory
        for pending in memory.pending:
            self._arm_expiry(pending)

        ticks_this_run = 0
        outages = 0
        while True:
            self._phase = self._idle_phase()
            await workflow.wait_condition(
                lambda: self._idle_phase() == Phase.RUNNING or self._stop or (
                    self._account_retry and memory.account_owed))
            if self._stop or self._reached_max_ticks():
                break
            if memory.account_owed and (  # owed only under BOOK_SURVIVES_WEEKS or upgraded
                not await self._open_owed_account() or memory.paused
            ):
                continue  # no order before the agent has its own account
            if run_is_over(self._config, ticks_this_run):
                await self._continue_as_new()
            self._phase = Phase.RUNNING
            if self._book_v3 and self._reconcile_needed():
                if not await self._reconcile():  # the broker cannot be read: no trading
                    await self._sleep_unless_stopped(_outage_backoff(outages))
                    outages += 1
                    continue
                if memory.paused:
                    continue
            if await self._tick():
                ticks_this_run += 1
                outages = 0
            else:
                await self._sleep_unless_stopped(_outage_backoff(outages))
                outages += 1
                continue
            if self._config.tick_interval_s > 0:
                await self._sleep_unless_stopped(self._config.tick_interval_s)

        if not self._stop and memory.pending:
            self._phase = Phase.DRAINING  # let the human answer what is still open
            await workflow.wait_condition(lambda: not memory.pending or self._stop)
        for pending in list(memory.pending):
            self._close(pending.trade_id, ApprovalStatus.CANCELLED, "the agent stopped")
        await workflow.wait_condition(workflow.all_handlers_finished)
        if self._book_v3 and memory.reconciles and not memory.pause_reason.startswith(DISAGREE):
            await self._reconcile("final")  # the summary says whether the book agrees
        self._phase = Phase.STOPPED if self._stop else Phase.FINISHED
        return views.summary(memory, workflow_id=workflow.info().workflow_id, phase=self._phase)

    async def _load_calendar(self) -> CalendarInfo:
        """The market calendar, waiting out a market-data outage (a bad start date fails)."""
        attempt = 0
        while True:
            try:
                return await workflow.execute_local_activity(
                    "load_calendar",
                    CalendarRequest(start_date=self._config.start_date),
                    result_type=CalendarInfo,
                    start_to_close_timeout=READ_TIMEOUT,
                    retry_policy=READ_RETRY,
                )
            except READ_FAILURES as exc:
                if is_non_retryable(exc):
                    raise
                self._outage = f"market data unavailable: {describe_failure(exc)}"
                await workflow.sleep(_outage_backoff(attempt))
                attempt += 1

    async def _sleep_unless_stopped(self, seconds: float) -> None:
        """A durable timer: the agent sleeps at zero cost; `stop` wakes it early."""
        try:
            await workflow.wait_condition(lambda: self._stop, timeout=timedelta(seconds=seconds))
        except TimeoutError:
            pass

    def _idle_phase(self) -> Phase:
        """Why the loop may not tick now, or RUNNING if it may."""
        if self._memory.paused:
            return Phase.PAUSED
        if self._config.approval_policy == ApprovalPolicy.WAIT and (
            self._memory.pending or self._book_lock.locked()  # an approved order still placing
        ):
            return Phase.AWAITING_APPROVAL
        return Phase.RUNNING

    def _discovers(self) -> bool:
        """Only agents configured with discovery take the patch: others keep their history."""
        return self._config.discovery is not None and workflow.patched(STRATEGY_DISCOVERY)

    def _older_agent(self, version: str, **options) -> Agent[ToolContext]:
        """The agent of an older version, built on first use: only a history recorded on
        that version needs it, and each build cost every run (and every take-over's
        replay) about 2 ms."""
        if version not in self._older_agents:
            self._older_agents[version] = build_agent(self._config, **options)
        return self._older_agents[version]

    def _reached_max_ticks(self) -> bool:
        return self._config.max_ticks is not None and self._memory.tick >= self._config.max_ticks

    async def _continue_as_new(self) -> None:
        await workflow.wait_condition(workflow.all_handlers_finished)
        for timer in self._expiry_timers.values():
            timer.cancel()
        self._memory.reconcile_due = self._reconcile_due
        if self._bounded_carry:
            carry_bounds.fit_carry(self._memory)
        workflow.continue_as_new(AgentInput(config=self._config, carry=self._memory))

    async def _tick(self) -> bool:
        """One tick; False when market data is unavailable (the tick is retried later)."""
        memory = self._memory
        clock = memory.clock.model_copy(update={"tick": memory.tick})
        try:
            context = await workflow.execute_local_activity(
                "fetch_tick_context",
                TickRequest(symbols=self._config.symbols, clock=clock),
                result_type=TickContext,
                start_to_close_timeout=READ_TIMEOUT,
                retry_policy=READ_RETRY,
            )
        except READ_FAILURES as exc:
            self._outage = f"market data unavailable: {describe_failure(exc)}"
            return False
        self._outage = ""
        mem.observe(memory, clock, context, day_opens_first=self._book_v3)
        if memory.strategies and self._discovers():
            await self._refresh_signals(context)

        agent = self._agent
        if not workflow.patched(LOCAL_TOOL_READS):
            agent = self._older_agent("before-local-reads", local_reads=False)
        elif not workflow.patched(BATCHED_TOOL_READS):
            agent = self._older_agent("before-batched-reads")
        real = self._real.fresh() if self._real and workflow.patched(REAL_MODEL_TURNS) else None
        spent = model_budget.spent(memory, self._config, workflow.now()) if real else ""
        if spent:  # the day's model budget is used up: HOLD without asking the model
            intent, model_error = TradeIntent.hold(self._config.symbols[0], spent), ""
        else:
            intent, model_error = await ask_agent(
                agent, memory, self._config, context, live_limits=self._book_v3,
                strategies=self._signals_for_brief() if memory.strategies else None, real=real,
            )
        async with self._book_lock:
            decision = mem.new_decision(memory, context, intent, model_error, self._check(intent))
            journal_keep, equity_keep = self._config.journal_keep, self._config.equity_keep
            if self._bounded_carry:
                carry_bounds.clip_decision(decision)
                journal_keep = min(journal_keep, JOURNAL_KEEP_MAX)
                equity_keep = min(equity_keep, EQUITY_KEEP_MAX)
            if real is not None:
                decision.usage = model_budget.charge(memory, self._config, real.usage,
                                                     workflow.now())
            mem.record(memory, decision, journal_keep)
            if intent.side != Side.HOLD:
                self._supersede(intent.symbol, decision.trade_id)
            verdict = decision.check.verdict
            policy = self._config.approval_policy
            if verdict == Verdict.NEEDS_APPROVAL and policy == ApprovalPolicy.AUTO_APPROVE:
                mem.decide_by_policy(memory, decision, ApprovalStatus.APPROVED, policy.value)
            elif verdict == Verdict.NEEDS_APPROVAL and policy == ApprovalPolicy.AUTO_REJECT:
                mem.decide_by_policy(memory, decision, ApprovalStatus.REJECTED, policy.value)
            elif verdict == Verdict.NEEDS_APPROVAL:
                self._open_approval(decision.trade_id, intent, decision.check)
            if intent.side != Side.HOLD and (
                verdict == Verdict.ALLOW or decision.approval == ApprovalStatus.APPROVED
            ):
                decision.order = await self._place(decision.trade_id, intent, decision.check)
        mem.record_equity(memory, equity_keep)
        if spent:  # go on at the next UTC day
            await self._sleep_unless_stopped(model_budget.seconds_to_next_day(workflow.now()))
        return True

    # ------------------------------------------------------------------ the book

    def _check(self, intent: TradeIntent) -> GuardrailResult:
        return mem.check(self._memory, intent, open_orders=self._book_v6)

    # ------------------------------------------------------------------ steering

    @workflow.update
    def pause(self) -> Phase:
        # The phase turns PAUSED when the loop parks, not here: a tick already under way
        # finishes first (and may still open or supersede an approval), and a reader of
        # `state` must not take "paused" for "nothing moves any more".
        self._memory.paused = True
        return Phase.PAUSED

    @workflow.update
    def resume(self) -> Phase:
        self._owe_account_unopened_before_the_patch()
        self._memory.paused = False
        if self._book_v3:  # a human resumed: check the book again before the next tick
            self._memory.pause_reason = ""
            self._reconcile_due = "resume"
        self._phase = Phase.RUNNING
        return self._phase

    @workflow.update
    def stop(self) -> Phase:
        self._stop = True
        return Phase.STOPPED

    @pause.validator
    def _validate_pause(self) -> None:
        self._require_live()

    @resume.validator
    def _validate_resume(self) -> None:
        self._require_live()

    @stop.validator
    def _validate_stop(self) -> None:
        self._require_live()

    @workflow.update
    def set_limits(self, limits: RiskLimits) -> RiskLimits:
        self._memory.limits = limits
        return limits

    @set_limits.validator
    def _validate_limits(self, limits: RiskLimits) -> None:
        self._require_live()
        # The same checks the CLI and the window run first (engine/validation.py); a
        # refusal here writes no event. Validators do not run on replay: no patch needed.
        validate_limit_update(limits)

    @workflow.signal
    def reconcile(self) -> None:
        """Check the book against the broker before the next tick (sent on re-attach)."""
        self._reattached = True
        if self._book_v3:
            self._reconcile_due = "re-attach"
        self._owe_account_unopened_before_the_patch()
        if self._memory is not None and self._memory.account_owed:
            self._account_retry = True

    @workflow.signal
    def steer(self, note: str) -> None:
        """A note from the human for the agent's next brief (no answer needed: a signal)."""
        if self._memory is not None:
            self._memory.note = note[:500]

    def _require_live(self) -> None:
        if self._memory is None:
            raise ValueError("the agent has not started yet")
        if self._stop or self._phase in (Phase.STOPPED, Phase.FINISHED):
            raise ValueError("the agent is stopping")

    # ------------------------------------------------------------------ queries

    @workflow.query
    def state(self) -> AgentStateView:
        info = workflow.info()
        if self._memory is None:
            return views.starting_view(
                self._config, workflow_id=info.workflow_id, run_id=info.run_id
            )
        return views.state_view(
            self._memory,
            self._config,
            workflow_id=info.workflow_id,
            run_id=info.run_id,
            phase=self._phase,
            history_length=info.get_current_history_length(),
            outage=self._outage,
        )

    @workflow.query
    def decisions(self, request: DecisionPageRequest) -> DecisionPage:
        if self._memory is None:
            return DecisionPage(total=0, kept=0, offset=request.offset, decisions=[])
        return views.decision_page(self._memory, request)


def _outage_backoff(attempt: int) -> float:
    return DATA_OUTAGE_BACKOFF[min(attempt, len(DATA_OUTAGE_BACKOFF) - 1)]
