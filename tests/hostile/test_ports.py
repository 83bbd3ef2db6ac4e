"""A port another program holds: refused before any child starts, naming the holder; and
Mockoon down for a while (its port taken while it was restarting): the agent waits saying
why, `harness status` and `harness state` show it, and all resumes when the port is free."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import uuid
from pathlib import Path

import pytest

from engine.client import HarnessClient
from engine.config import Settings
from engine.contracts import ApprovalPolicy, Phase
from engine.runtime.errors import PortTaken
from engine.runtime.home import logs_dir
from engine.runtime.ports import free_loopback_ports
from engine.runtime.services import RestartPolicy
from engine.runtime.state import runtime_file
from engine.runtime.supervisor import Supervisor
from tests.engine.conftest import agent_config, wait_for_state
from tests.runtime.helpers import harness as cli

START_TIMEOUT_S = 90.0


def test_a_fixed_port_another_program_holds_is_refused_before_anything_starts(
    tmp_path: Path, squat
) -> None:
    port = free_loopback_ports(1)[0]
    squatter = squat(port)
    supervisor = Supervisor(tmp_path, mockoon_port=port, with_worker=False, headless=True)
    with pytest.raises(PortTaken) as refused:
        supervisor.start(timeout=START_TIMEOUT_S)
    message = str(refused.value)
    assert message.startswith(f"mockoon cannot listen on 127.0.0.1:{port}: the port is "
                              f"taken by pid {squatter.pid} (python"), message
    assert "\n" not in message
    assert not (logs_dir(tmp_path) / "temporal.log").exists(), "a child was started"
    assert not runtime_file(tmp_path).exists()


@pytest.fixture
def slow_restart_runtime(tmp_path: Path):
    """A runtime whose Mockoon has a fixed port and waits 3 s before a restart after a
    lone crash: the moment a squatter takes the port."""
    supervisor = Supervisor(tmp_path, headless=True, worker_count=1,
                            mockoon_port=free_loopback_ports(1)[0],
                            restart_policy=RestartPolicy(first_delay=3.0))
    supervisor.start(timeout=START_TIMEOUT_S)
    yield supervisor
    supervisor.stop()


async def test_mockoon_down_for_a_while_the_agent_waits_and_resumes(
    slow_restart_runtime: Supervisor, squat
) -> None:
    supervisor = slow_restart_runtime
    info = supervisor.info
    home = info.home
    client = await HarnessClient.connect(Settings(temporal_address=info.temporal_address,
                                                  mockoon_url=info.mockoon_url))
    config = agent_config(symbols=["AAPL", "MSFT"], max_ticks=30, tick_interval_s=0.2,
                          approval_policy=ApprovalPolicy.AUTO_APPROVE)
    workflow_id = await client.start_agent(config, f"hostile-mockoon-{uuid.uuid4().hex[:6]}")
    await wait_for_state(client, workflow_id, lambda s: s.tick >= 3, 120)

    os.killpg(info.services["mockoon"]["pid"], signal.SIGKILL)  # a crash, not a chaos kill
    assert supervisor.wait_for(lambda i: i.services["mockoon"]["status"] == "restarting", 30)
    squatter = squat(int(info.mockoon_url.rsplit(":", 1)[1]))
    taken = f"taken by pid {squatter.pid}"
    assert supervisor.wait_for(lambda i: taken in i.services["mockoon"].get("error", ""), 30)

    down = await wait_for_state(client, workflow_id, lambda s: bool(s.outage), 90)
    # Whichever read meets the outage first: the tick's market data, or the broker of a
    # reconciliation that falls due at that moment. Both are Mockoon being down.
    assert any(why in down.outage for why in ("market data unavailable",
                                              "broker unavailable")), down.outage
    assert down.phase == Phase.RUNNING
    status = cli(home, "status")
    assert status.returncode == 1, status.stdout
    row = next(line for line in status.stdout.splitlines() if line.startswith("mockoon"))
    assert "UNHEALTHY" in row and taken in row, status.stdout
    state = cli(home, "state", workflow_id)
    assert state.returncode == 0, state.stderr  # readable while Mockoon is down
    # The reason as the agent now says it (a later retry may have met the other read).
    waiting = next(line for line in state.stdout.splitlines() if "waiting: " in line)
    assert "unavailable" in waiting, state.stdout
    held = await client.state(workflow_id)
    assert held.tick == down.tick, "the tick counter advanced without market data"

    squatter.leave()
    assert supervisor.wait_for(lambda i: i.services["mockoon"]["status"] == "ready", 60)
    # The agent retries a tick without data after 1, 2, 5, 10, then every 30 s.
    summary = await asyncio.wait_for(client.result(workflow_id), 150)
    assert summary.phase == Phase.FINISHED and summary.ticks == 30
    assert (await client.state(workflow_id)).outage == ""
    assert cli(home, "status").returncode == 0
    ticks = sorted(d.tick for d in (await client.decisions(workflow_id, limit=100)).decisions)
    assert ticks == list(range(1, 31)), "a tick was lost or decided twice"
    assert json.loads(cli(home, "status", "--json").stdout)["services"]["mockoon"]["healthy"]
