"""What each candidate of a running discovery really does: a started child is only
"queued" until a sandbox worker takes its backtest.

WHY from the server and not the workflow: the discovery marks a candidate running when
it starts the child, but the sandbox workers run at most one backtest per core, so most
of a large fan-out waits on the sandbox queue. Only the server knows whether a worker
has picked a backtest up (its pending activity is STARTED, not SCHEDULED), and whether a
child has already finished before its parent's next task records it. Reading that here
changes no workflow code and no history.
"""

from __future__ import annotations

import asyncio

from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from engine.discovery.contracts import BacktestOutcome, CandidateState, DiscoveryProgress

FINISHED = (CandidateState.DONE, CandidateState.FAILED)


async def child_state(client: Client, child_id: str) -> CandidateState | None:
    """RUNNING once a sandbox worker runs the child's backtest, QUEUED while it waits (no
    child yet, activity scheduled or backing off), DONE/FAILED when the child is over,
    None when the server cannot say."""
    handle = client.get_workflow_handle(child_id, result_type=BacktestOutcome)
    try:
        described = await handle.describe()
        if described.status == WorkflowExecutionStatus.RUNNING:
            started = any(a.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
                          for a in described.raw_description.pending_activities)
            return CandidateState.RUNNING if started else CandidateState.QUEUED
        if described.status == WorkflowExecutionStatus.COMPLETED:
            # Over, and its parent has not recorded it yet: its outcome says which.
            return CandidateState.DONE if (await handle.result()).ok else CandidateState.FAILED
        return CandidateState.FAILED  # terminated or timed out: the parent scores a failure
    except RPCError as exc:
        # The parent has asked for the child but the server has not started it yet.
        return CandidateState.QUEUED if exc.status == RPCStatusCode.NOT_FOUND else None


async def observe_candidates(client: Client, progress: DiscoveryProgress
                             ) -> DiscoveryProgress:
    """The same progress, each candidate the workflow calls running shown as it really
    is (queued, running, or already done). One describe per such candidate, at once."""
    running = [c for c in progress.candidates if c.state == CandidateState.RUNNING]
    seen = await asyncio.gather(*(child_state(client, c.child_id) for c in running))
    for row, state in zip(running, seen, strict=True):
        if state is not None:
            row.state = state
            progress.done += state in FINISHED
    return progress
