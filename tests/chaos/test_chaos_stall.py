"""A chaos experiment whose agent stops making progress ends with the reason, instead of
waiting for whatever timeout its caller has (a CI run once sat in it until killed)."""

from __future__ import annotations

import uuid

import pytest

from engine import chaos_run
from engine.contracts import AgentConfig, Phase
from engine.models import RiskLimits
from tests.engine.conftest import wait_for_state

CONFIG = AgentConfig(symbols=["AAPL"], start_date="2004-01-02", max_ticks=500,
                     tick_interval_s=0.2, limits=RiskLimits(approval_notional=1e9))


async def test_an_agent_that_stops_moving_is_reported_as_stalled(harness, monkeypatch):
    monkeypatch.setattr(chaos_run, "STALL_S", 1.0)
    workflow_id = await harness.start_agent(CONFIG, f"chaos-stall-{uuid.uuid4().hex[:6]}")
    try:
        await wait_for_state(harness, workflow_id, lambda s: s.tick >= 1, timeout=60)
        assert await harness.pause(workflow_id) == Phase.PAUSED  # it will not move again
        with pytest.raises(chaos_run.ChaosStalled, match="made no progress for 1 s"):
            await chaos_run._result(harness, workflow_id, "the paused run")
    finally:
        await harness.stop(workflow_id)


async def test_an_agent_that_moves_is_waited_for(harness, monkeypatch):
    monkeypatch.setattr(chaos_run, "STALL_S", 6.0)  # more than one 5 s look, less than the run
    config = CONFIG.model_copy(update={"max_ticks": 40})
    workflow_id = await harness.start_agent(config, f"chaos-moves-{uuid.uuid4().hex[:6]}")
    summary = await chaos_run._result(harness, workflow_id, "the moving run")
    assert summary.ticks == 40
