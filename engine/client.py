"""HarnessClient: the one way the app and the CLI talk to Temporal.

Start or attach an agent, review its trades, pause/resume/stop it, steer its
limits, read its state and journal, stream and export its event history, and
check that a history still replays against today's code.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from google.protobuf import json_format
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowHistory,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from engine.client_discovery import WORKFLOW_TASK_TIMEOUT, DiscoveryCalls
from engine.config import Settings
from engine.contracts import (
    AgentConfig,
    AgentInput,
    AgentStateView,
    AgentSummary,
    DecisionPage,
    DecisionPageRequest,
    Phase,
    ReviewRequest,
    ReviewResult,
)
from engine.discovery.contracts import (
    StrategyPick,
    StrategyReview,
)
from engine.hedged import HEDGE_AFTER_S, HedgeDelay, again_if_worker_died, hedged
from engine.listing import AgentRow, RunRow, list_agents, list_runs
from engine.models import RiskLimits
from engine.pending_work import pending_rows
from engine.temporal_connect import connect
from engine.validation import validate_agent_config, validate_steer_note

if TYPE_CHECKING:
    from engine.audit import TickAudit
    from engine.replay import ReplayOutcome

WORKFLOW_TYPE = "TradingAgentWorkflow"
CONTINUED_AS_NEW = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
# A query answered late is buffered behind a workflow task, and the server keeps one such
# query per workflow: a second ask meanwhile is refused (ResourceExhausted) and retried by
# the SDK with back-off. Bounded, those retries cannot crowd out the next queries.
HEDGE_RPC_TIMEOUT = timedelta(seconds=2)


class RequestRejected(ValueError):
    """The agent refused a request (an update's validator said no, or it is no longer
    running); nothing was written."""


class AgentNotFound(LookupError):
    """No agent with this workflow id exists in the namespace."""


class AgentFinished(LookupError):
    """An agent with this id already ran to its end: its order ids are spent, so the id
    cannot name a new agent (a new one would collide with the broker's orders)."""


def new_agent_id(config: AgentConfig, now: datetime | None = None) -> str:
    """A fresh, readable id: order ids derive from it, so it is never reused."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S-%f")
    return f"agent-{'-'.join(config.symbols)}-s{config.seed}-{stamp}"


class HarnessClient(DiscoveryCalls):
    """The workflow code, the Agents SDK and its plugin are imported by the methods that
    use them, not here: a command that only reads (`harness state`, `agents`, `runs`,
    `history`) connects with `read_only=True` and never loads them (1.5 s of imports)."""

    def __init__(self, client: Client, settings: Settings, read_only: bool = False) -> None:
        self.temporal = client
        self.settings = settings
        self.read_only = read_only
        # The longest wait before `state` asks again (engine/hedged.py); None: never ask
        # twice (a baseline).
        self.hedge_after_s: float | None = HEDGE_AFTER_S
        self._hedge_delay = HedgeDelay()

    @classmethod
    async def connect(cls, settings: Settings, timeout: float = 10.0, *,
                      read_only: bool = False) -> HarnessClient:
        """`read_only`: queries, histories and listings only, with the plugin's data
        converter but not the plugin (engine/read_converter.py); a write raises."""
        if read_only:
            from engine.read_converter import read_data_converter

            return cls(await connect(settings, data_converter=read_data_converter(),
                                     timeout=timeout), settings, read_only=True)
        from engine.plugin import agents_plugin

        return cls(await connect(settings, plugins=[agents_plugin()], timeout=timeout), settings)

    def _writing(self) -> None:
        # Starting or steering an agent goes through the plugin (its interceptor carries
        # the trace context into the workflow): never from a read-only client.
        if self.read_only:
            raise RuntimeError("this HarnessClient was connected read_only: it cannot write")

    def _handle(self, workflow_id: str, run_id: str | None = None) -> WorkflowHandle:
        return self.temporal.get_workflow_handle(workflow_id, run_id=run_id)

    # ------------------------------------------------------------ lifecycle

    async def start_agent(self, config: AgentConfig, workflow_id: str | None = None) -> str:
        """Start an agent, or attach to it if one with this id is already running.
        Raises InvalidInput (engine/validation.py) for a config no agent could run."""
        from engine.workflows.trading_agent import TradingAgentWorkflow

        self._writing()
        validate_agent_config(config)
        workflow_id = workflow_id or new_agent_id(config)
        if config.discovery is not None:  # its backtests go where these settings' sandboxes poll
            config = config.model_copy(update={"discovery": config.discovery.model_copy(
                update={"sandbox_queue": self.settings.sandbox_task_queue})})
        if config.model_price is None and self.settings.model_price(config.model):
            # The price is part of the agent's config: its cost is computed in the workflow.
            config = config.model_copy(update={"model_price": self.settings.model_price(
                config.model)})
        try:
            await self.temporal.start_workflow(
                TradingAgentWorkflow.run,
                AgentInput(config=config),
                id=workflow_id,
                task_queue=self.settings.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                # A workflow task on a worker that dies is retried elsewhere after this long
                # (default 10 s); continue-as-new keeps it.
                task_timeout=(WORKFLOW_TASK_TIMEOUT if self.settings.timeouts == "tuned"
                              else None),
            )
        except WorkflowAlreadyStartedError:
            status = "ended"
            with contextlib.suppress(RPCError):
                described = await self._handle(workflow_id).describe()
                status = described.status.name.lower() if described.status else status
            raise AgentFinished(
                f"agent {workflow_id} already ran to its end ({status}); its id cannot start "
                f"a new agent. See it with `harness state {workflow_id}`, or pick another --id"
            ) from None
        return workflow_id

    async def ensure_agent(self, config: AgentConfig) -> tuple[str, bool]:
        """Re-attach to the newest running agent, or start one: (workflow id, started)."""
        query = f"WorkflowType = '{WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'"
        async for execution in self.temporal.list_workflows(query, limit=1):
            # Re-attached (after a restart, say): the agent checks its book with the broker.
            with contextlib.suppress(RPCError):
                await self._handle(execution.id).signal("reconcile")
            return execution.id, False
        return await self.start_agent(config), True

    async def result(self, workflow_id: str) -> AgentSummary:
        """Wait for the agent to finish (following continue-as-new) and return its summary."""
        handle = self.temporal.get_workflow_handle(workflow_id, result_type=AgentSummary)
        return await handle.result()

    async def is_running(self, workflow_id: str) -> bool:
        description = await self._handle(workflow_id).describe()
        return description.status == WorkflowExecutionStatus.RUNNING

    async def require_running(self, workflow_id: str) -> None:
        """AgentNotFound for an id nobody started, RequestRejected for an agent that ended:
        a control command says which, before it sends anything."""
        with _not_found_as(workflow_id):
            description = await self._handle(workflow_id).describe()
        if description.status != WorkflowExecutionStatus.RUNNING:
            status = description.status.name.lower() if description.status else "closed"
            raise RequestRejected(f"agent {workflow_id} is not running ({status})")

    async def list_agents(self, limit: int = 50) -> list[AgentRow]:
        """Every agent (its newest run), newest first, with phase, tick and equity."""
        return await list_agents(self.temporal, limit)

    async def runs(self, workflow_id: str) -> list[RunRow]:
        """The runs of one agent (continue-as-new), first to last, with their ticks."""
        rows = await list_runs(self.temporal, workflow_id)
        if not rows:
            raise AgentNotFound(f"no agent {workflow_id!r} in this namespace")
        return rows

    # ------------------------------------------------------------ human in the loop

    async def _update(self, workflow_id: str, name: str, arg=None, result_type=None):
        self._writing()
        args = [] if arg is None else [arg]
        try:
            return await self._handle(workflow_id).execute_update(
                name, args=args, result_type=result_type
            )
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            message = cause.message if isinstance(cause, ApplicationError) else str(cause)
            raise RequestRejected(message) from exc
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                raise RequestRejected(f"agent {workflow_id} is not running: {exc.message}") from exc
            raise

    async def review(
        self, workflow_id: str, trade_id: str, *, approve: bool, reviewer: str = "human",
        reason: str = "", quantity: int | None = None,
    ) -> ReviewResult:
        """Answer a pending approval; `quantity` approves fewer shares than proposed."""
        request = ReviewRequest(
            trade_id=trade_id, approve=approve, reviewer=reviewer, reason=reason,
            quantity=quantity,
        )
        return await self._update(workflow_id, "review_trade", request, ReviewResult)

    async def review_strategy(self, workflow_id: str, symbol: str, *, approve: bool,
                              reviewer: str = "human", reason: str = "") -> StrategyPick:
        """Answer a model-written strategy's approval (engine/workflows/strategy_approval)."""
        review = StrategyReview(symbol=symbol, approve=approve, reviewer=reviewer, reason=reason)
        return await self._update(workflow_id, "review_strategy", review, StrategyPick)

    async def pause(self, workflow_id: str) -> Phase:
        return await self._update(workflow_id, "pause", result_type=Phase)

    async def resume(self, workflow_id: str) -> Phase:
        return await self._update(workflow_id, "resume", result_type=Phase)

    async def stop(self, workflow_id: str) -> Phase:
        return await self._update(workflow_id, "stop", result_type=Phase)

    async def set_limits(self, workflow_id: str, limits: RiskLimits) -> RiskLimits:
        return await self._update(workflow_id, "set_limits", limits, RiskLimits)

    async def steer(self, workflow_id: str, note: str) -> None:
        # A signal has no validator: whatever is sent is written. So check it here.
        self._writing()
        validate_steer_note(note)
        await self._handle(workflow_id).signal("steer", note)

    # ------------------------------------------------------------ reading

    async def state(self, workflow_id: str) -> AgentStateView:
        """Asked again if it has not answered in a moment (engine/hedged.py): right after
        the agent's worker died, the first ask may sit on the dead worker's sticky queue."""
        handle = self._handle(workflow_id)
        asks = iter((None, HEDGE_RPC_TIMEOUT))  # the second ask gives up (and its retries)

        def ask():
            return handle.query("state", result_type=AgentStateView, rpc_timeout=next(asks))

        after = None if self.hedge_after_s is None else self._hedge_delay.after(
            self.hedge_after_s)
        started = time.monotonic()
        with _not_found_as(workflow_id):
            view = await hedged(ask, after)
        self._hedge_delay.record(time.monotonic() - started)
        return view

    async def decisions(self, workflow_id: str, offset: int = 0, limit: int = 50) -> DecisionPage:
        request = DecisionPageRequest(offset=offset, limit=limit)
        handle = self._handle(workflow_id)
        with _not_found_as(workflow_id):
            return await again_if_worker_died(
                lambda: handle.query("decisions", request, result_type=DecisionPage))

    async def history(self, workflow_id: str, run_id: str | None = None) -> WorkflowHistory:
        with _not_found_as(workflow_id):
            return await self._handle(workflow_id, run_id).fetch_history()

    async def export_history(self, workflow_id: str, run_id: str | None = None) -> str:
        """The history as JSON, in the format `temporal workflow show -o json` writes."""
        return (await self.history(workflow_id, run_id)).to_json()

    async def first_run_id(self, workflow_id: str) -> str:
        """The run that started the chain of continue-as-new runs."""
        with _not_found_as(workflow_id):  # an id nobody started: one clear line, not an RPC
            async for event in self._handle(workflow_id).fetch_history_events(page_size=1):
                return event.workflow_execution_started_event_attributes.first_execution_run_id
        raise AgentNotFound(f"no agent {workflow_id!r} in this namespace")

    async def stream_history(
        self, workflow_id: str, run_id: str | None = None, *, follow_runs: bool = True
    ) -> AsyncIterator[tuple[str, HistoryEvent]]:
        """(run id, event) as they happen, from `run_id` (default: the first run) on,
        following continue-as-new into each next run; ends when the agent closes."""
        run_id = run_id or await self.first_run_id(workflow_id)
        while run_id:
            next_run = ""
            events = self._handle(workflow_id, run_id).fetch_history_events(wait_new_event=True)
            async for event in events:
                yield run_id, event
                if event.event_type == CONTINUED_AS_NEW:
                    attrs = event.workflow_execution_continued_as_new_event_attributes
                    next_run = attrs.new_execution_run_id
            run_id = next_run if follow_runs else ""

    async def run_histories(self, workflow_id: str) -> list[WorkflowHistory]:
        """The history of every run of the agent, first to last (continue-as-new followed)."""
        histories, run_id = [], await self.first_run_id(workflow_id)
        while run_id:
            history = await self.history(workflow_id, run_id)
            histories.append(history)
            last = history.events[-1] if history.events else None
            run_id = ""
            if last is not None and last.event_type == CONTINUED_AS_NEW:
                attrs = last.workflow_execution_continued_as_new_event_attributes
                run_id = attrs.new_execution_run_id
        return histories

    async def audit_tick(self, workflow_id: str, tick: int) -> TickAudit:
        """Why the agent did what it did at `tick`, from its event histories alone (see
        engine/audit): AgentNotFound, or TickNotFound for a tick it has not played."""
        from engine.audit import audit_tick  # replays: the workflow code and the plugin
        return await audit_tick(await self.run_histories(workflow_id), tick)

    async def verify_replay(self, workflow_id: str) -> list[ReplayOutcome]:
        """Replay every run of the agent against today's code (see engine.replay)."""
        from engine.replay import verify

        return await verify(await self.run_histories(workflow_id))

    async def current_run_id(self, workflow_id: str) -> str:
        """The agent's latest run: a window opens the history there, not at the first run."""
        with _not_found_as(workflow_id):
            return (await self._handle(workflow_id).describe()).run_id

    async def stream_history_json(
        self, workflow_id: str, run_id: str | None = None, *, follow_runs: bool = True
    ) -> AsyncIterator[tuple[str, dict]]:
        """stream_history, each event in the JSON shape of `temporal workflow show -o json`,
        so a live stream and an exported file feed the same tree (engine/eventtree)."""
        async for run, event in self.stream_history(workflow_id, run_id,
                                                     follow_runs=follow_runs):
            yield run, json_format.MessageToDict(event)

    async def pending_work(self, workflow_id: str) -> list[dict]:
        """What the agent waits on right now: its pending activities, from its description
        (engine/pending_work.py says what each row holds)."""
        with _not_found_as(workflow_id):
            raw = (await self._handle(workflow_id).describe()).raw_description
        return await pending_rows(raw.pending_activities, self.temporal.data_converter)

    @staticmethod
    def model_endpoints(home=None) -> list[dict]:
        """What each probed model endpoint supports (tools, json_schema, json_object), as the
        workers of `home` (default $HARNESS_HOME) found it (engine/agent/endpoint.py)."""
        from engine.agent.endpoint import load

        return [c.model_dump() for c in load(home)]

    async def broker_order_count(self, workflow_id: str, client_order_id: str) -> int:
        """How many orders the broker holds for this client_order_id in the agent's own
        account (exactly-once shows as 1): the window's crash proof."""
        import httpx

        from engine.activities.broker_http import account_prefix

        account = account_prefix((await self.state(workflow_id)).account_id)
        async with httpx.AsyncClient(base_url=self.settings.broker_base, timeout=10) as http:
            orders = (await http.get(f"{account}/orders",
                                     params={"status": "all", "limit": 500})).json()
        return sum(1 for o in orders if o.get("client_order_id") == client_order_id)

    @staticmethod
    async def replay_check(histories: list[WorkflowHistory]) -> list[str]:
        """Replay histories against today's workflow code; return the failures (empty = OK)."""
        from engine.replay import verify

        return [
            f"{o.workflow_id}: first nondeterminism at event {o.event_id} ({o.event_type}): "
            f"{o.error}"
            for o in await verify(histories) if not o.ok
        ]


@contextlib.contextmanager
def _not_found_as(workflow_id: str):
    try:
        yield
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise AgentNotFound(f"no agent {workflow_id!r} in this namespace") from exc
        raise
