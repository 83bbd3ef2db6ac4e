"""Hot standby and active failover, with real worker processes: a worker killed in the
middle of an order hands that order to the standby at once (failed by task token, retried
without back-off), and the retry resolves to the one order the broker stores; a worker
killed inside a workflow task has that task failed over by the supervisor (its token read
by the task proxy) instead of timing out."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from temporalio.api.enums.v1 import EventType

from engine.broker_contracts import OrderStatus
from engine.chaos import arm_crash
from engine.client import HarnessClient
from engine.config import Settings
from engine.contracts import AgentConfig
from engine.models import RiskLimits
from engine.runtime.inflight import inflight_path, read_inflight
from engine.runtime.supervisor import Supervisor
from tests.engine.conftest import orders_for
from tests.runtime.helpers import wait_until

WORKERS = ("worker-1", "worker-2")


@pytest.fixture(scope="module")
def standby_runtime(tmp_path_factory):
    supervisor = Supervisor(tmp_path_factory.mktemp("standby"), headless=True, worker_count=2)
    supervisor.start(timeout=90)
    yield supervisor
    supervisor.stop()


@pytest.fixture
async def harness(standby_runtime) -> HarnessClient:
    info = standby_runtime.info
    return await HarnessClient.connect(
        Settings(temporal_address=info.temporal_address, mockoon_url=info.mockoon_url)
    )


def _holder(home, activity_type: str, workflow_id: str) -> str | None:
    """The worker whose in-flight record holds this workflow's activity of that type."""
    for worker in WORKERS:
        held = read_inflight(inflight_path(home, worker)).activities
        if any(k.startswith(f"{activity_type}:{workflow_id}/") for k in held):
            return worker
    return None


async def test_an_order_in_flight_is_handed_to_the_standby_and_placed_once(
    standby_runtime, harness
):
    home = standby_runtime.home
    with httpx.Client(base_url=standby_runtime.info.mockoon_url, timeout=10) as broker:
        broker.post("/__harness/reset", json={"cash": 1e12}).raise_for_status()
        # The first order request stalls for 3 s inside the broker: the kill lands while
        # the worker waits for an answer that will come to nobody.
        broker.put("/__harness/faults", json={"mode": "stall", "count": 1}).raise_for_status()
        config = AgentConfig(symbols=["AAPL"], start_date="2004-01-02", max_ticks=6,
                             limits=RiskLimits(approval_notional=1e9))
        workflow_id = await harness.start_agent(config, f"failover-{uuid.uuid4().hex[:6]}")
        holder = wait_until(lambda: _holder(home, "place_order", workflow_id), timeout=60,
                            what="a worker placing the first order")
        killed_at = time.time()
        assert standby_runtime.kill_worker(holder) is not None
        summary = await harness.result(workflow_id)

        placed = orders_for(broker, workflow_id)
    assert len(placed) == len({o["client_order_id"] for o in placed}) == summary.orders > 0

    events = (await harness.history(workflow_id)).events
    order = next(e for e in events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
                 and e.activity_task_scheduled_event_attributes.activity_type.name == "place_order")
    started = next(
        e for e in events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
        and e.activity_task_started_event_attributes.scheduled_event_id == order.event_id
    )
    assert started.activity_task_started_event_attributes.attempt >= 2, "it was not retried"
    print(f"\nkill -> the order's last attempt started: "
          f"{(started.event_time.ToDatetime().timestamp() - killed_at) * 1000:.0f} ms")
    page = await harness.decisions(workflow_id, limit=50)
    first_trade = next(d for d in reversed(page.decisions) if d.order is not None)
    assert first_trade.order.status == OrderStatus.FILLED
    handovers = standby_runtime.failover.handovers
    assert handovers and handovers[-1].worker == holder
    assert handovers[-1].activities_failed == 1 and handovers[-1].workflows_reset >= 1


async def test_a_workflow_task_held_by_a_dead_worker_is_failed_over_not_timed_out(
    standby_runtime, harness
):
    # fetch_tick_context is a local activity: it runs inside a workflow task, so the
    # worker dies holding that task's token, which only the task proxy has seen.
    marker = arm_crash(standby_runtime.home, "fetch_tick_context")
    handovers = standby_runtime.failover.handover_count
    config = AgentConfig(symbols=["AAPL"], start_date="2004-01-02", max_ticks=3,
                         limits=RiskLimits(approval_notional=1e9))
    workflow_id = await harness.start_agent(config, f"wft-failover-{uuid.uuid4().hex[:6]}")
    summary = await harness.result(workflow_id)
    assert not marker.exists() and summary.ticks == 3

    events = (await harness.history(workflow_id)).events
    failed = [e.workflow_task_failed_event_attributes for e in events
              if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED]
    timed_out = [e for e in events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT]
    assert not timed_out, "the dead worker's workflow task waited out its timeout"
    assert len(failed) == 1 and failed[0].identity.endswith(" failover"), failed
    wait_until(lambda: standby_runtime.failover.handover_count > handovers, timeout=10,
               what="the failover's report")
    assert standby_runtime.failover.handovers[-1].workflow_tasks_failed == 1


async def test_deliberate_kills_restart_at_once_and_never_back_off(standby_runtime):
    def worker_2():
        return standby_runtime.info.services["worker-2"]

    before = worker_2()  # an earlier test's crash may have left a streak: it must not grow
    for _ in range(3):  # three kills well inside the 10 s "stable" window
        killed = standby_runtime.kill_worker("worker-2")
        assert killed is not None
        wait_until(lambda k=killed: worker_2()["status"] == "ready" and worker_2()["pid"] != k,
                   timeout=60, what="worker-2 restarted and ready")
    record = worker_2()
    assert record["crash_streak"] == before["crash_streak"]
    assert record["restarts"] >= before["restarts"] + 3
