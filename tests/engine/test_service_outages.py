"""Services going away: the market data (Mockoon) dies mid-run, Temporal is not there at all.

The outage test runs its own Mockoon (the session's is shared) and an in-process worker on its
own task queue pointed at it, against the session's dev server.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from temporalio.api.enums.v1 import EventType

from engine.client import HarnessClient
from engine.config import Settings
from engine.contracts import Phase
from engine.runtime import mockoon
from engine.runtime.broker_journal import JOURNAL_URL_ENV, JournalSink, restore
from engine.runtime.ports import free_loopback_ports
from engine.runtime.processes import ChildProcess
from engine.temporal_connect import TemporalUnavailable, connect
from engine.worker import build_worker, worker_plugin
from tests.engine.conftest import agent_config, wait_for_state


async def until(predicate, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def reported_outage(harness: HarnessClient, workflow_id: str):
    """The state once it reports an outage; fails at once if the agent's workflow closed."""
    while True:
        assert await harness.is_running(workflow_id), "the agent workflow closed in the outage"
        state = await harness.state(workflow_id)
        if state.outage:
            return state
        await asyncio.sleep(0.1)


class OwnMockoon:
    """A Mockoon CLI process on a fixed port that the test can kill and start again; like
    the runtime's, it journals the broker's changes and gets them back when it starts."""

    def __init__(self, home) -> None:
        self.port = free_loopback_ports(1)[0]
        self.url = f"http://127.0.0.1:{self.port}"
        self.journal = JournalSink(home).start()
        argv, env = mockoon.mockoon_command(self.port, home)
        env[JOURNAL_URL_ENV] = self.journal.url
        (home / "mockoon-home").mkdir(parents=True, exist_ok=True)
        self.child = ChildProcess("mockoon", argv, home / "mockoon.log", env=env, cwd=home)

    async def start(self) -> None:
        self.child.start()  # from the test's (long-lived) thread: see parent_death
        await until(lambda: mockoon.probe(self.url, 0.2), what=f"Mockoon on {self.url}")
        restore(self.url, self.journal.path, self.journal.lock)

    def kill(self) -> None:
        self.child.kill()
        self.child.stop(grace=5)  # reap it
        assert not mockoon.probe(self.url, 0.2)


@pytest.fixture
async def own_mockoon(tmp_path):
    server = OwnMockoon(tmp_path)
    await server.start()
    yield server
    server.child.stop(grace=5)
    server.journal.stop()


@pytest.fixture
async def outage_harness(runtime_no_worker, own_mockoon):
    settings = Settings(
        temporal_address=runtime_no_worker.temporal_address,
        mockoon_url=own_mockoon.url,
        task_queue=f"outage-{uuid.uuid4().hex[:8]}",
    )
    client = await connect(settings, plugins=[worker_plugin(settings)], timeout=30)
    async with build_worker(client, settings):
        yield HarnessClient(client, settings)


async def test_market_data_outage_pauses_the_agent_and_it_resumes_on_restart(
    outage_harness, own_mockoon
):
    harness = outage_harness
    config = agent_config(symbols=["AAPL", "MSFT"], max_ticks=25, tick_interval_s=0.2)
    workflow_id = await harness.start_agent(config, f"test-outage-{uuid.uuid4().hex[:6]}")
    await wait_for_state(harness, workflow_id, lambda s: s.tick >= 5)

    own_mockoon.kill()
    down = await asyncio.wait_for(reported_outage(harness, workflow_id), timeout=60)
    assert "market data unavailable" in down.outage
    assert "connect" in down.outage.lower(), down.outage
    await asyncio.sleep(4)  # the agent retries the tick (after 1 s, then 2 s) meanwhile
    still = await harness.state(workflow_id)
    assert still.tick == down.tick, "the tick counter advanced without market data"
    assert still.outage and still.phase == Phase.RUNNING
    assert await harness.is_running(workflow_id)

    await own_mockoon.start()  # the same port, a fresh process
    summary = await asyncio.wait_for(harness.result(workflow_id), timeout=90)
    assert summary.phase == Phase.FINISHED and summary.ticks == 25
    assert (await harness.state(workflow_id)).outage == ""
    failed = [e for history in await harness.run_histories(workflow_id)
              for e in history.events
              if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED]
    assert failed == [], "a workflow task failed during the outage"


async def test_connect_names_the_address_when_no_temporal_server_listens():
    address = f"127.0.0.1:{free_loopback_ports(1)[0]}"
    with pytest.raises(TemporalUnavailable, match=address.replace(".", r"\.")):
        await connect(Settings(temporal_address=address), timeout=1.0)
