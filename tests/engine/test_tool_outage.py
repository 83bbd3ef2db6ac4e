"""Market data going away in the middle of the agent's tool calls (a Mockoon crash between
the tick's own read and the model's tools): the tick becomes a recorded HOLD with the
reason and the agent keeps ticking, it does not hang."""

from __future__ import annotations

import uuid

import pytest
from temporalio import activity
from temporalio.exceptions import ApplicationError

import engine.worker
from engine.activities.market import MarketActivities
from engine.client import HarnessClient
from engine.contracts import MarketClock, Phase
from engine.worker import build_worker
from tests.engine.conftest import agent_config

FAILING_TICK = 3


class ToolsDownAtOneTick(MarketActivities):
    """The real market activities, except that the tools fail for good at one tick."""

    @activity.defn(name="get_quote")
    async def get_quote(self, symbol: str, clock: MarketClock) -> str:
        if clock.tick == FAILING_TICK - 1:  # the clock the workflow injects is the tick's
            raise ApplicationError("market data at test is unreachable", non_retryable=True)
        return await super().get_quote(symbol, clock)


@pytest.fixture
async def tools_down(harness, engine_settings, monkeypatch):
    monkeypatch.setattr(engine.worker, "MarketActivities", ToolsDownAtOneTick)
    settings = engine_settings.model_copy(update={"task_queue": f"tools-{uuid.uuid4().hex[:8]}"})
    async with build_worker(harness.temporal, settings):
        yield HarnessClient(harness.temporal, settings)


async def test_a_tool_failing_mid_run_is_a_hold_and_the_agent_goes_on(tools_down):
    config = agent_config(symbols=["AAPL", "MSFT"], max_ticks=6)
    workflow_id = await tools_down.start_agent(config, f"test-tools-{uuid.uuid4().hex[:6]}")
    summary = await tools_down.result(workflow_id)
    assert summary.phase == Phase.FINISHED and summary.ticks == 6
    page = await tools_down.decisions(workflow_id, limit=50)
    failed = next(d for d in page.decisions if d.tick == FAILING_TICK)
    assert failed.intent.side == "hold" and "model error" in failed.model_error
