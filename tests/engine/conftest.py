"""Engine fixtures: an in-process worker on its own task queue, against the real
dev server and the real Mockoon that the session's runtime started.

Real LLMs are out of reach here, so the OpenAI-compatible provider talks to a
TEST DOUBLE of the chat-completions service (tests/support); the offline
analyst is the product's own embedded model and needs nothing.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid

import httpx
import pytest

from engine.agent.providers import HarnessModelProvider
from engine.client import HarnessClient
from engine.config import Settings
from engine.contracts import AgentConfig, AgentStateView
from engine.plugin import agents_plugin
from engine.temporal_connect import connect
from engine.worker import build_worker
from tests.support.chat_completions_server import ChatCompletionsDouble

# A fake key: the tests prove it reaches the model service and nowhere else.
DUMMY_KEY = "sk-harness-test-" + "K3y" * 8
DOUBLE_MODEL = "compatible:test-double"


@pytest.fixture(scope="session")
def engine_settings(runtime_no_worker) -> Settings:
    return Settings(
        temporal_address=runtime_no_worker.temporal_address,
        mockoon_url=runtime_no_worker.mockoon_url,
        task_queue=f"engine-tests-{uuid.uuid4().hex[:8]}",
    )


@pytest.fixture(scope="session")
def chat_double():
    with ChatCompletionsDouble() as double:
        yield double


@pytest.fixture(scope="session")
async def harness(engine_settings, chat_double):
    """A HarnessClient whose Temporal client also runs an in-process worker."""
    previous = os.environ.get("HARNESS_OPENAI_API_KEY")
    os.environ["HARNESS_OPENAI_API_KEY"] = DUMMY_KEY  # read by the worker-side provider only
    provider = HarnessModelProvider(base_url=chat_double.base_url)
    client = await connect(engine_settings, plugins=[agents_plugin(provider)], timeout=30)
    worker = build_worker(client, engine_settings)
    async with worker:
        yield HarnessClient(client, engine_settings)
    if previous is None:
        os.environ.pop("HARNESS_OPENAI_API_KEY", None)
    else:
        os.environ["HARNESS_OPENAI_API_KEY"] = previous


# The mock broker is one account, like a real paper account; agents that run side
# by side share it. Tests give it ample cash so its own cash check never interferes.
BROKER_CASH = 1e12


@pytest.fixture
def broker(engine_settings):
    """Direct HTTP access to the mock broker; faults are cleared afterwards."""
    with httpx.Client(base_url=engine_settings.mockoon_url, timeout=10) as http:
        yield http
        http.delete("/__harness/faults")


@pytest.fixture(autouse=True)
def fresh_broker_account(request):
    """Every engine test starts with an empty broker account and no faults armed."""
    if "harness" not in request.fixturenames:
        yield
        return
    settings = request.getfixturevalue("engine_settings")
    with httpx.Client(base_url=settings.mockoon_url, timeout=10) as http:
        http.post("/__harness/reset", json={"cash": BROKER_CASH}).raise_for_status()
    yield


def agent_config(**overrides) -> AgentConfig:
    values = {"symbols": ["AAPL"], "max_ticks": 20, "start_date": "2004-01-02"}
    values.update(overrides)
    return AgentConfig(**values)


async def wait_for_state(
    harness: HarnessClient, workflow_id: str, predicate, timeout: float = 60.0
) -> AgentStateView:
    """Poll the state query until `predicate(state)` holds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = await harness.state(workflow_id)
        except Exception:  # noqa: BLE001 - the first query may race the first workflow task
            last = None
        if last is not None and predicate(last):
            return last
        await asyncio.sleep(0.1)
    raise AssertionError(f"state never satisfied the condition; last state: {last}")


def orders_for(broker: httpx.Client, workflow_id: str) -> list[dict]:
    orders = broker.get("/v2/orders").json()
    return [o for o in orders if o["client_order_id"].startswith(workflow_id + "-")]
