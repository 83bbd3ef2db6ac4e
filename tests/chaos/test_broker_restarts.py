"""Restarts of every process the agent talks to, against the real runtime (worker process,
dev server, Mockoon under the supervisor): a Mockoon SIGKILL mid-run, a dev-server restart
mid-order, and the app (`harness up --agent`) stopped and started again. After each, the
book equals the broker's account to the cent and no order is there twice."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path

import httpx

from engine.client import HarnessClient
from engine.config import Settings
from engine.contracts import AgentConfig, Phase
from engine.models import RiskLimits
from engine.runtime.state import read_runtime
from tests.engine.conftest import assert_book_is_broker, orders_for, wait_for_state
from tests.runtime.helpers import wait_until
from tests.runtime.test_cli_up_agent import _stop, _up

NO_APPROVALS = RiskLimits(approval_notional=1e9)


def config(**overrides) -> AgentConfig:
    values = {"symbols": ["AAPL", "MSFT"], "start_date": "2004-01-02", "max_ticks": 60,
              "limits": NO_APPROVALS, "reconcile_every": 10}
    return AgentConfig(**(values | overrides))


async def finished(harness: HarnessClient, workflow_id: str):
    """The summary, or a failure that shows why the agent paused instead of finishing."""
    state = await wait_for_state(harness, workflow_id,
                                 lambda s: s.phase in (Phase.FINISHED, Phase.PAUSED), 240)
    assert state.phase == Phase.FINISHED, (state.pause_reason, state.reconciliations)
    return await harness.result(workflow_id)


def assert_sound(summary, broker, workflow_id: str) -> None:
    placed = orders_for(broker, workflow_id)
    assert placed and max(Counter(o["client_order_id"] for o in placed).values()) == 1
    assert summary.counters.orders_rejected == 0, "no order refused for want of a position"
    assert_book_is_broker(summary, broker, workflow_id)
    assert summary.book_vs_broker == "agrees"


def restarted(supervisor, name: str, count: int):
    return supervisor.wait_for(lambda i: i.services[name]["restarts"] >= count
                               and i.services[name]["status"] == "ready", timeout=60)


async def test_a_mockoon_sigkill_mid_run_loses_nothing(harness, broker, runtime_supervisor):
    workflow_id = await harness.start_agent(config(), f"chaos-mockoon-{uuid.uuid4().hex[:6]}")
    await wait_for_state(harness, workflow_id, lambda s: s.counters.orders_filled >= 3, 120)
    restarts = runtime_supervisor.info.services["mockoon"]["restarts"]
    assert runtime_supervisor.kill_service("mockoon") is not None
    assert restarted(runtime_supervisor, "mockoon", restarts + 1)
    summary = await finished(harness, workflow_id)
    assert summary.counters.orders_filled > 3
    assert_sound(summary, broker, workflow_id)


async def test_a_dev_server_restart_mid_order_places_it_once(harness, broker, runtime_supervisor):
    workflow_id = await harness.start_agent(config(), f"chaos-server-{uuid.uuid4().hex[:6]}")
    await wait_for_state(harness, workflow_id, lambda s: s.counters.orders_filled >= 1, 120)
    # The next order's lookup and post each take 3.5 s: kill the server while it is in flight.
    broker.put("/__harness/faults", json={"mode": "stall", "count": 2}).raise_for_status()
    wait_until(lambda: broker.get("/__harness/faults").json()["count"] < 2, 60,
               "an order to be in flight")
    restarts = runtime_supervisor.info.services["temporal"]["restarts"]
    assert runtime_supervisor.kill_service("temporal") is not None
    assert restarted(runtime_supervisor, "temporal", restarts + 1)
    summary = await finished(harness, workflow_id)
    assert_sound(summary, broker, workflow_id)


async def test_the_app_stopped_and_started_again_keeps_book_and_broker_equal(tmp_path: Path):
    process, out = _up(tmp_path)
    try:
        started = out.wait_for("[agent] started ", 90, "the agent to start")
        wait_until(lambda: any(" filled @ " in line for line in out.lines), 90, "a fill")
    finally:
        _stop(process)
    workflow_id = started.removeprefix("[agent] started ").strip()

    again, out2 = _up(tmp_path)  # Mockoon restored from the journal, the agent re-attached
    try:
        out2.wait_for("[agent] re-attached to ", 90, "re-attach")
        info = read_runtime(tmp_path)
        harness = await HarnessClient.connect(
            Settings(temporal_address=info.temporal_address, mockoon_url=info.mockoon_url))
        state = await wait_for_state(harness, workflow_id, lambda s: any(
            n.trigger == "re-attach" for n in s.reconciliations), 90)
        note = next(n for n in state.reconciliations if n.trigger == "re-attach")
        assert note.agrees, note.findings
        await harness.stop(workflow_id)
        summary = await asyncio.wait_for(harness.result(workflow_id), 120)
        with httpx.Client(base_url=info.mockoon_url, timeout=10) as broker:
            assert_sound(summary, broker, workflow_id)
    finally:
        _stop(again)
