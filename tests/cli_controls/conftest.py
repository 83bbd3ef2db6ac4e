"""Fixtures for the control commands: the session's real runtime (dev server, Mockoon, the
worker process `python -m engine.worker`) and a client beside it that starts the agents the
commands then steer, as a user's second terminal would. The agents run the offline analyst,
the product's own deterministic model: nothing here is a double."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from engine.cli.settings import settings_for
from engine.client import HarnessClient
from engine.contracts import AgentConfig, AgentStateView
from tests.runtime.helpers import harness


@pytest.fixture(scope="session")
async def client(runtime) -> HarnessClient:
    return await HarnessClient.connect(settings_for(runtime, runtime.home), timeout=30)


def agent_config(**overrides) -> AgentConfig:
    values = {"symbols": ["AAPL"], "start_date": "2004-01-02"}
    values.update(overrides)
    return AgentConfig(**values)


def cli(runtime, *args: str, timeout: float = 120.0):
    return harness(runtime.home, *args, timeout=timeout)


def cli_json(runtime, *args: str):
    result = cli(runtime, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


async def wait_for_state(client: HarnessClient, workflow_id: str, predicate, what: str,
                         timeout: float = 60.0, every: float = 0.1) -> AgentStateView:
    """Poll the agent's state query until `predicate` holds (wait_until_async's rule,
    for a predicate that must itself await)."""
    deadline = time.monotonic() + timeout
    while True:
        view = await client.state(workflow_id)
        if predicate(view):
            return view
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: "
                                 f"phase {view.phase.value}, tick {view.tick}")
        await asyncio.sleep(every)
