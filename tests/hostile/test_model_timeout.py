"""A model that hangs: the model activity times out (a worker whose model timeout is 2 s,
the production default being 90 s), each attempt and the retry, and the tick becomes a
recorded HOLD whose reason says it timed out; the agent goes on to the next tick. (The
OpenAI service is replaced by the chat-completions TEST DOUBLE in its `stall` mode.)"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from temporalio.common import RetryPolicy
from temporalio.openai_agents import ModelActivityParameters, OpenAIAgentsPlugin

from engine.agent.providers import HarnessModelProvider
from engine.client import HarnessClient
from engine.config import Settings
from engine.contracts import Phase
from engine.models import Side
from engine.temporal_connect import connect
from engine.worker import build_worker
from tests.engine.conftest import DOUBLE_MODEL, DUMMY_KEY, agent_config
from tests.support.chat_completions_server import ChatCompletionsDouble

MODEL_TIMEOUT = timedelta(seconds=2)


@pytest.fixture
async def impatient_harness(runtime_no_worker):
    """An in-process worker on its own task queue whose model activity gives up after 2 s
    (two attempts), talking to a double that answers only after 30 s."""
    with ChatCompletionsDouble(mode="stall") as double:
        settings = Settings(temporal_address=runtime_no_worker.temporal_address,
                            mockoon_url=runtime_no_worker.mockoon_url,
                            task_queue=f"hostile-model-{uuid.uuid4().hex[:8]}")
        plugin = OpenAIAgentsPlugin(
            model_params=ModelActivityParameters(
                start_to_close_timeout=MODEL_TIMEOUT,
                retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=200),
                                         maximum_attempts=2)),
            model_provider=HarnessModelProvider(base_url=double.base_url,
                                                key_lookup=lambda _provider: DUMMY_KEY))
        client = await connect(settings, plugins=[plugin], timeout=30)
        async with build_worker(client, settings):
            yield HarnessClient(client, settings), double


async def test_a_model_that_hangs_is_a_recorded_hold_saying_it_timed_out(impatient_harness):
    harness, double = impatient_harness
    workflow_id = f"hostile-hang-{uuid.uuid4().hex[:6]}"
    await harness.start_agent(agent_config(max_ticks=2, model=DOUBLE_MODEL), workflow_id)
    summary = await harness.result(workflow_id)
    assert summary.phase == Phase.FINISHED and summary.ticks == 2
    assert summary.counters.model_errors == 2
    decisions = (await harness.decisions(workflow_id)).decisions
    assert len(decisions) == 2
    for decision in decisions:
        assert decision.intent.side == Side.HOLD
        assert decision.model_error.startswith("model error:"), decision.model_error
        assert "timed out" in decision.model_error.lower() or "timeout" in (
            decision.model_error.lower()), decision.model_error
        assert decision.intent.rationale == decision.model_error
    assert len(double.requests) >= 4, "each tick tried the model twice"
