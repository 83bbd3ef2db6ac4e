"""The parent's worker SIGKILLed mid-fan-out: the discovery resumes on the restarted
worker, starts no child twice and leaves none behind."""

from __future__ import annotations

import asyncio
import time
import uuid

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus

from engine.discovery.contracts import CandidateState, DiscoveryRequest

STARTED = EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED


async def test_killed_mid_fan_out_duplicates_no_child_and_orphans_none(harness,
                                                                       runtime_supervisor):
    request = DiscoveryRequest(symbol="AAPL", start_date="2006-01-03", candidates=8,
                               sandbox="bwrap", timeout_s=60)
    parent = f"discovery-kill-{uuid.uuid4().hex[:6]}"
    await harness.start_discovery(request, parent)
    deadline = time.monotonic() + 120
    while True:  # kill once the children run and not all have finished
        progress = await _progress(harness, parent)
        if progress and any(c.state == CandidateState.RUNNING for c in progress.candidates) \
                and progress.done < progress.total:
            break
        assert time.monotonic() < deadline, f"the fan-out never got going: {progress}"
        await asyncio.sleep(0.05)
    assert runtime_supervisor.kill_worker() is not None

    result = await harness.discovery_result(parent)
    assert len(result.ranked) == 8 and result.failed == 0, [o.error for o in result.ranked]
    initiated = [e async for e in harness.temporal.get_workflow_handle(parent)
                 .fetch_history_events() if e.event_type == STARTED]
    ids = [e.start_child_workflow_execution_initiated_event_attributes.workflow_id
           for e in initiated]
    assert len(ids) == len(set(ids)) == 8
    children = {}
    async for wf in harness.temporal.list_workflows("WorkflowType = 'BacktestWorkflow'"):
        if wf.id.startswith(parent + "-bt-"):
            children.setdefault(wf.id, []).append(wf.status)
    assert set(children) == set(ids)
    assert all(s == [WorkflowExecutionStatus.COMPLETED] for s in children.values()), children


async def _progress(harness, parent):
    try:
        return await harness.discovery_progress(parent)
    except Exception:  # noqa: BLE001 - before the first workflow task there is nothing to ask
        return None
