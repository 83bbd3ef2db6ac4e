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
from engine.workflows.accounts import account_key
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


# Each agent trades in its own account, opened with its starting cash; the default (/v2)
# account is only used by tests that call the broker activity directly.
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


def account_path(workflow_id: str) -> str:
    """The agent's own broker account (trading API paths)."""
    return f"/v1/trading/accounts/{account_key(workflow_id)}"


def orders_for(broker: httpx.Client, workflow_id: str) -> list[dict]:
    orders = broker.get(f"{account_path(workflow_id)}/orders",
                        params={"status": "all", "limit": 500, "direction": "asc"}).json()
    return [o for o in orders if o["client_order_id"].startswith(workflow_id + "-")]


def broker_book(broker: httpx.Client, workflow_id: str) -> tuple[float, dict[str, int]]:
    """(cash, {symbol: quantity}) as the broker holds them for the agent's account."""
    path = account_path(workflow_id)
    cash = float(broker.get(f"{path}/account").json()["cash"])
    held = {p["symbol"]: int(p["qty"]) for p in broker.get(f"{path}/positions").json()}
    return cash, held


def assert_book_is_broker(summary_or_state, broker: httpx.Client, workflow_id: str) -> None:
    """The book equals the broker's account to the cent: cash and every position."""
    cash, held = broker_book(broker, workflow_id)
    positions = getattr(summary_or_state, "positions", None)
    if positions is None:  # a state view
        positions = {h.symbol: h.quantity for h in summary_or_state.holdings}
    assert round(summary_or_state.cash * 100) == round(cash * 100), (summary_or_state.cash, cash)
    assert {s: q for s, q in positions.items() if q} == held
