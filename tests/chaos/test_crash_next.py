"""Chaos ▸ Crash during the next order placement / model call: the real worker process
kills itself at the start of the armed activity; the supervisor restarts it, the activity
runs again on the new worker, and the broker still holds each order once."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from engine.chaos import MODEL_ACTIVITY, ORDER_ACTIVITY, arm_crash, marker_path
from engine.contracts import AgentConfig, ApprovalPolicy
from engine.models import RiskLimits
from tests.engine.conftest import orders_for, wait_for_state
from tests.runtime.helpers import wait_until


@pytest.mark.parametrize("activity", [ORDER_ACTIVITY, MODEL_ACTIVITY])
async def test_the_worker_dies_at_the_armed_activity_and_the_agent_goes_on(
    activity, harness, broker, runtime_supervisor
):
    home = runtime_supervisor.home
    restarts = runtime_supervisor.info.services["worker-1"]["restarts"]
    config = AgentConfig(symbols=["AAPL"], start_date="2004-01-02", max_ticks=8,
                         approval_policy=ApprovalPolicy.AUTO_APPROVE,
                         limits=RiskLimits(approval_notional=1e9))
    marker = arm_crash(home, activity)
    workflow_id = await harness.start_agent(config, f"crash-next-{uuid.uuid4().hex[:6]}")
    wait_until(lambda: not marker.exists(), 60, f"a worker to reach {activity}")
    wait_until(lambda: runtime_supervisor.info.services["worker-1"]["restarts"] > restarts,
               30, "the supervisor to restart the worker")
    state = await wait_for_state(harness, workflow_id, lambda s: s.phase.value == "finished",
                                 timeout=120)
    assert state.tick == 8
    assert state.counters.orders_filled >= 1
    ids = Counter(o["client_order_id"] for o in orders_for(broker, workflow_id))
    assert len(ids) == state.counters.orders_filled
    assert max(ids.values()) == 1, "an order placed twice"
    assert not marker_path(home, activity).exists()
