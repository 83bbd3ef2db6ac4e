"""Which agents exist, and which runs make up one agent: for `harness agents` and `harness runs`.

Temporal's visibility store lists every run (execution) of every workflow; an agent is one
workflow id whose runs are chained by continue-as-new. A fast agent leaves thousands of runs
a day (the server keeps closed ones a day), so neither listing may cost a round trip per run:
- agents: only runs that did not continue as new (each agent's latest), and those that did
  within the last minute (their successor may not be listed yet);
- runs: one listing of the agent's id supplies its runs and those already continued as new
  (a closed status is final); from the first run that is not, the chain is followed run by
  run from `describe` and the close event, since visibility is updated asynchronously (a run
  that just closed or continued may still be listed as running).
The figures an operator asks for first (phase, tick, equity) come from the agent itself: the
`state` query of a running agent, the result (AgentSummary, read from the close event only)
of one that has ended. A run's first tick comes from its input's carry, read concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

from temporalio.client import (
    Client,
    WorkflowExecution,
    WorkflowExecutionStatus,
    WorkflowHistoryEventFilterType,
    WorkflowQueryFailedError,
)
from temporalio.service import RPCError, RPCStatusCode

from engine.contracts import AgentStateView, AgentSummary, Payload

WORKFLOW_TYPE = "TradingAgentWorkflow"
# A run continued as new this recently is listed as well: its successor may not be yet.
CONTINUED_LATELY = timedelta(minutes=1)
CONCURRENT_READS = 16  # first-tick reads in flight at once (one small history page each)
CLOSE_EVENT = WorkflowHistoryEventFilterType.CLOSE_EVENT
# A running agent with no worker polling never answers a query: list it without figures.
QUERY_TIMEOUT = timedelta(seconds=5)
UNANSWERED = (RPCError, WorkflowQueryFailedError, asyncio.TimeoutError)


class AgentRow(Payload):
    workflow_id: str
    run_id: str
    status: str  # Temporal's: running, completed, failed, terminated, ...
    phase: str  # the agent's own: running, paused, awaiting-approval, finished, ...
    tick: int | None = None
    equity: float | None = None
    started: str = ""
    closed: str = ""


class RunRow(Payload):
    run_id: str
    status: str  # running, continued_as_new, completed, ...
    first_tick: int  # the first tick this run played (its carry's tick + 1)
    last_tick: int | None  # None: not known (a running run whose agent did not answer)
    events: int
    started: str
    closed: str = ""


def _stamp(when: datetime | None) -> str:
    return when.isoformat(timespec="seconds") if when else ""


def _status(status: WorkflowExecutionStatus | None) -> str:
    return status.name.lower() if status is not None else "unknown"


async def list_agents(client: Client, limit: int = 50) -> list[AgentRow]:
    """The latest run of each agent, newest agent first."""
    since = (datetime.now(UTC) - CONTINUED_LATELY).strftime("%Y-%m-%dT%H:%M:%SZ")
    query = (f"WorkflowType = '{WORKFLOW_TYPE}' AND "
             f"(ExecutionStatus != 'ContinuedAsNew' OR CloseTime > '{since}')")
    started: dict[str, datetime] = {}
    async for execution in client.list_workflows(query):
        known = started.get(execution.id)
        if known is None or execution.start_time > known:
            started[execution.id] = execution.start_time
    ids = sorted(started, key=started.__getitem__, reverse=True)[:limit]
    rows = []
    for workflow_id in ids:
        with contextlib.suppress(RPCError):  # deleted since it was listed
            latest = await client.get_workflow_handle(workflow_id).describe()
            rows.append(await _agent_row(client, latest))
    return rows


async def _agent_row(client: Client, execution: WorkflowExecution) -> AgentRow:
    row = AgentRow(
        workflow_id=execution.id, run_id=execution.run_id, status=_status(execution.status),
        phase=_status(execution.status), started=_stamp(execution.start_time),
        closed=_stamp(execution.close_time),
    )
    handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
    # An agent that does not answer (no worker polls, a broken run) is still listed.
    with contextlib.suppress(*UNANSWERED):
        if execution.status == WorkflowExecutionStatus.RUNNING:
            view = await handle.query("state", result_type=AgentStateView,
                                      rpc_timeout=QUERY_TIMEOUT)
            return row.model_copy(update={
                "phase": view.phase.value, "tick": view.tick, "equity": view.equity})
        if execution.status == WorkflowExecutionStatus.COMPLETED:
            summary = await client.get_workflow_handle(
                execution.id, run_id=execution.run_id, result_type=AgentSummary).result()
            return row.model_copy(update={
                "phase": summary.phase.value, "tick": summary.ticks, "equity": summary.equity})
    return row


async def list_runs(client: Client, workflow_id: str) -> list[RunRow]:
    """Every run of one agent, first to last, following continue-as-new; [] if no agent
    has this id."""
    try:
        run_id = await _first_run_id(client, workflow_id)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return []
        raise
    executions = await _continued_runs(client, workflow_id, run_id)
    if executions:
        run_id = await _next_run_id(client, executions[-1])
    while run_id:  # the rest, strongly consistent
        execution = await client.get_workflow_handle(workflow_id, run_id=run_id).describe()
        executions.append(execution)
        run_id = await _next_run_id(client, execution)
    reads = asyncio.Semaphore(CONCURRENT_READS)

    async def first_tick(execution: WorkflowExecution) -> int:
        async with reads:
            return await _first_tick(client, execution)

    first_ticks = await asyncio.gather(*(first_tick(e) for e in executions))
    rows = []
    for i, execution in enumerate(executions):
        last = first_ticks[i + 1] - 1 if i + 1 < len(executions) else await _last_tick(
            client, execution)
        rows.append(RunRow(
            run_id=execution.run_id, status=_status(execution.status),
            first_tick=first_ticks[i], last_tick=last, events=execution.history_length,
            started=_stamp(execution.start_time), closed=_stamp(execution.close_time),
        ))
    return rows


async def _continued_runs(client: Client, workflow_id: str,
                          first_run_id: str) -> list[WorkflowExecution]:
    """The chain's runs that visibility lists as continued as new, from the first on, in
    order; it stops before the first one listed otherwise (or not yet listed)."""
    listed = sorted([e async for e in client.list_workflows(f"WorkflowId = '{workflow_id}'")],
                    key=lambda e: e.start_time)
    starts = [i for i, e in enumerate(listed) if e.run_id == first_run_id]
    if not starts:
        return []  # the first run is not listed yet: follow the chain from it
    chain = []
    for execution in listed[starts[0]:]:  # runs of an earlier agent of this id started before
        if execution.status != WorkflowExecutionStatus.CONTINUED_AS_NEW:
            break
        chain.append(execution)
    return chain


async def _first_run_id(client: Client, workflow_id: str) -> str:
    async for event in client.get_workflow_handle(workflow_id).fetch_history_events(
        page_size=1
    ):
        return event.workflow_execution_started_event_attributes.first_execution_run_id
    return ""


async def _next_run_id(client: Client, execution: WorkflowExecution) -> str:
    """The run this one continued as, read from its close event alone."""
    if execution.status != WorkflowExecutionStatus.CONTINUED_AS_NEW:
        return ""
    handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
    events = handle.fetch_history_events(event_filter_type=CLOSE_EVENT)
    async for event in events:
        if event.HasField("workflow_execution_continued_as_new_event_attributes"):
            return event.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
    return ""


async def _first_tick(client: Client, execution: WorkflowExecution) -> int:
    """The run's carried tick + 1, from its first event (a run's input carries the memory)."""
    handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
    async for event in handle.fetch_history_events(page_size=1):
        attrs = event.workflow_execution_started_event_attributes
        payloads = attrs.input.payloads
        if not payloads:
            return 1
        params = client.data_converter.payload_converter.from_payload(payloads[0], dict)
        carry = params.get("carry") if isinstance(params, dict) else None
        # Only its tick: validating a whole carry (up to 256 KiB) for one field cost a
        # listing of hundreds of runs seconds of CPU.
        return (int(carry.get("tick") or 0) if isinstance(carry, dict) else 0) + 1
    return 1


async def _last_tick(client: Client, execution: WorkflowExecution) -> int | None:
    row = await _agent_row(client, execution)
    return row.tick
