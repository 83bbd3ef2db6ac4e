"""Which candidates really run: a started child is only "queued" until a sandbox worker
takes its backtest.

WHY from the server and not the workflow: the discovery marks a candidate running when
it starts the child, but the sandbox workers run at most one backtest per core, so most
of a large fan-out waits on the sandbox queue. Only the server knows whether a worker
has picked a backtest up (its pending activity is STARTED, not SCHEDULED); reading that
here changes no workflow code and no history.
"""

from __future__ import annotations

import asyncio

from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from engine.discovery.contracts import CandidateState, DiscoveryProgress


async def backtest_started(client: Client, child_id: str) -> bool | None:
    """True once a sandbox worker runs the child's backtest (or the child is over),
    False while it waits (no child yet, activity scheduled or backing off), None when
    the server cannot say."""
    try:
        described = await client.get_workflow_handle(child_id).describe()
    except RPCError as exc:
        # The parent has asked for the child but the server has not started it yet.
        return False if exc.status == RPCStatusCode.NOT_FOUND else None
    if described.status != WorkflowExecutionStatus.RUNNING:
        return True  # finished: the parent hears of it at its next task
    return any(a.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
               for a in described.raw_description.pending_activities)


async def mark_queued(client: Client, progress: DiscoveryProgress) -> DiscoveryProgress:
    """The same progress, with each running candidate whose backtest no worker has taken
    yet shown as QUEUED. One describe per running candidate, concurrently."""
    running = [c for c in progress.candidates if c.state == CandidateState.RUNNING]
    started = await asyncio.gather(*(backtest_started(client, c.child_id) for c in running))
    for row, now in zip(running, started, strict=True):
        if now is False:
            row.state = CandidateState.QUEUED
    return progress
