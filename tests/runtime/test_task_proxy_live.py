"""The supervisor's task proxy on the real path: the session runtime's supervisor, its
proxy in front of the real dev server, its real worker process, and (for the upstream
errors) a worker of this test connected through that same proxy.

- The window polls `state` twice a second: each query is a query task handed to the
  worker through the proxy, which must not keep its token (issue 17, 7a).
- An upstream error must reach the worker with its own code: a heartbeat of an activity
  the server already timed out is NOT_FOUND, and the worker then cancels the activity
  instead of heartbeating on (7b).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from engine.client import HarnessClient
from engine.config import Settings
from engine.contracts import AgentConfig
from engine.models import RiskLimits

QUERIES = 120


def _proxy(supervisor):
    assert supervisor.failover is not None, "the session runtime runs with active failover"
    return supervisor.failover._proxy  # noqa: SLF001 - the figure under test


async def _open_workflows(client: Client) -> int:
    return (await client.count_workflows("ExecutionStatus='Running'")).count


async def test_query_tasks_leave_no_token_behind(runtime_supervisor):
    info = runtime_supervisor.info
    harness = await HarnessClient.connect(
        Settings(temporal_address=info.temporal_address, mockoon_url=info.mockoon_url))
    config = AgentConfig(symbols=["AAPL"], start_date="2004-01-02", max_ticks=4,
                         limits=RiskLimits(approval_notional=1e9))
    workflow_id = await harness.start_agent(config, f"proxy-queries-{uuid.uuid4().hex[:6]}")
    await harness.result(workflow_id)
    proxy = _proxy(runtime_supervisor)
    before = proxy.held.count()
    for _ in range(QUERIES):  # a closed agent's queries still go to its worker
        await harness.state(workflow_id)
    held = proxy.held.count()
    in_flight = await _open_workflows(harness.temporal)
    # Before the fix: `before + QUERIES` tokens, every one of them sent as a failed
    # workflow task on the next failover.
    assert held <= max(before, in_flight), (held, before, in_flight)


# ---------------------------------------------------------------- upstream errors

seen: dict[str, object] = {}


@activity.defn(name="outlive_heartbeat_timeout")
async def outlive_heartbeat_timeout() -> str:
    activity.heartbeat("alive")
    await asyncio.sleep(2.5)  # silent past the 1 s heartbeat timeout: the server times it out
    try:
        for _ in range(40):
            activity.heartbeat("still here?")  # the server answers NOT_FOUND
            await asyncio.sleep(0.25)
    except asyncio.CancelledError:
        details = activity.cancellation_details()
        seen["not_found"] = bool(details and details.not_found)
        raise
    seen["not_found"] = False
    return "heartbeated on for 10 s without learning the activity was gone"


@workflow.defn(name="ProxyHeartbeatProbe")
class ProxyHeartbeatProbe:
    @workflow.run
    async def run(self) -> str:
        try:
            return await workflow.execute_activity(
                outlive_heartbeat_timeout, start_to_close_timeout=timedelta(seconds=30),
                heartbeat_timeout=timedelta(seconds=1),
                retry_policy=RetryPolicy(maximum_attempts=1))
        except Exception as exc:  # noqa: BLE001 - the timeout is the expected outcome
            return type(exc.__cause__ or exc).__name__


async def test_upstream_errors_keep_their_code_through_the_proxy(runtime_supervisor):
    proxy_address = runtime_supervisor._plan.worker_temporal_address  # noqa: SLF001
    assert proxy_address != runtime_supervisor.info.temporal_address  # through the proxy
    client = await Client.connect(proxy_address, namespace=runtime_supervisor.info.namespace)
    # A plain call first: the server's NOT_FOUND carries trailing metadata (its details).
    try:
        await client.get_workflow_handle(f"nobody-{uuid.uuid4().hex}").describe()
        raise AssertionError("described a workflow that does not exist")
    except RPCError as exc:
        assert exc.status == RPCStatusCode.NOT_FOUND, (exc.status, exc.message)
    queue = f"proxy-probe-{uuid.uuid4().hex[:6]}"
    seen.clear()
    async with Worker(client, task_queue=queue, workflows=[ProxyHeartbeatProbe],
                      activities=[outlive_heartbeat_timeout],
                      workflow_runner=UnsandboxedWorkflowRunner()):
        outcome = await client.execute_workflow(
            ProxyHeartbeatProbe.run, id=f"proxy-probe-{uuid.uuid4().hex[:6]}",
            task_queue=queue, execution_timeout=timedelta(seconds=60))
        for _ in range(100):  # the activity's own end comes after the workflow's
            if "not_found" in seen:
                break
            await asyncio.sleep(0.1)
    assert outcome == "TimeoutError"
    # Before the fix the heartbeat's NOT_FOUND reached the worker as UNKNOWN (a TypeError
    # in the proxy): the worker logged a traceback and the activity heartbeated on.
    assert seen.get("not_found") is True, seen


# ---------------------------------------------------------------- the proxy's own loop

def test_a_wedged_proxy_loop_shows_in_the_supervisors_health(runtime_supervisor):
    """Before: nothing looked at the proxy's loop, and health() said all was well while
    every worker's poll sat in a loop that no longer turned (7c)."""
    import time

    health = runtime_supervisor.health()
    assert health["task-proxy"]["healthy"] is True, health["task-proxy"]
    loop = runtime_supervisor.failover._loop  # noqa: SLF001 - wedge it, as a bug would
    loop.call_soon_threadsafe(time.sleep, 3.0)
    time.sleep(0.2)
    wedged = runtime_supervisor.health(timeout=1.0)["task-proxy"]
    assert wedged["healthy"] is False and "did not turn" in wedged["detail"], wedged
    time.sleep(3.0)
    assert runtime_supervisor.health()["task-proxy"]["healthy"] is True
