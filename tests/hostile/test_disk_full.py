"""$HARNESS_HOME on a file system that runs out of space (a real tmpfs, mounted for the
test): the runtime refuses to start, or stops cleanly before the Temporal database fails
a write, saying where the space ran out; once space is freed the agent resumes at the tick
where it was, with no tick lost or decided twice."""

from __future__ import annotations

import uuid
from pathlib import Path

from engine.client import HarnessClient
from engine.config import Settings
from engine.contracts import ApprovalPolicy, Phase
from engine.runtime.pids import pid_alive
from engine.runtime.state import runtime_file
from engine.runtime.supervisor import Supervisor
from tests.engine.conftest import agent_config, wait_for_state
from tests.hostile.helpers import fill_disk, one_harness_line
from tests.runtime.helpers import harness as cli

START_TIMEOUT_S = 90.0
MB = 2**20
TICKS = 40


def test_a_full_disk_is_refused_before_anything_starts(small_disk: Path) -> None:
    filler = fill_disk(small_disk, leave_bytes=20 * MB)
    result = cli(small_disk, "up", "--headless", "--no-worker")
    assert result.returncode == 1, (result.stdout, result.stderr)
    line = one_harness_line(result.stderr)
    assert f"free on the file system of {small_disk}; the runtime needs 64.0 MB" in line
    assert "free space there and start again" in line
    assert not runtime_file(small_disk).exists()
    assert not (small_disk / "temporal.db").exists(), "the server was started"

    filler.unlink()  # space freed: the same command starts
    with Supervisor(small_disk, with_worker=False, headless=True) as supervisor:
        assert supervisor.info.services["temporal"]["status"] == "ready"


async def test_a_disk_filling_up_stops_the_runtime_and_the_agent_resumes_after(
    small_disk: Path,
) -> None:
    home = small_disk
    seen = []  # what an observer (the window) is told, on the supervisor's thread
    supervisor = Supervisor(home, headless=True, worker_count=1, on_change=seen.append)
    supervisor.start(timeout=START_TIMEOUT_S)
    try:
        client = await _client(supervisor)
        config = agent_config(symbols=["AAPL", "MSFT"], max_ticks=TICKS, tick_interval_s=0.2,
                              approval_policy=ApprovalPolicy.AUTO_APPROVE)
        workflow_id = await client.start_agent(config, f"hostile-disk-{uuid.uuid4().hex[:6]}")
        before = await wait_for_state(client, workflow_id, lambda s: s.tick >= 5, 120)
        pids = [rec["pid"] for rec in supervisor.info.services.values()]

        filler = fill_disk(home, leave_bytes=8 * MB)
        assert supervisor.wait_stopped(30), "the runtime kept running on a full disk"
    finally:
        supervisor.stop()
    reason = supervisor.stop_reason
    assert "stopped the runtime: only " in reason and f"file system of {home}" in reason
    assert not any(pid_alive(pid) for pid in pids), "a child outlived the stop"
    assert not runtime_file(home).exists()
    told = seen[-1].services
    assert all(rec["status"] == "stopped" and rec["error"] == reason for rec in told.values())
    status = cli(home, "status")
    assert status.returncode == 2
    assert f"the last one stopped by itself: {reason}" in one_harness_line(status.stderr)

    filler.unlink()
    with Supervisor(home, headless=True, worker_count=1) as again:
        client = await _client(again)
        resumed = await wait_for_state(client, workflow_id, lambda s: s.tick > before.tick, 120)
        assert resumed.phase in (Phase.RUNNING, Phase.FINISHED)
        summary = await client.result(workflow_id)
        ticks = sorted(d.tick for d in (await client.decisions(workflow_id, limit=100)).decisions)
    assert summary.phase == Phase.FINISHED and summary.ticks == TICKS
    assert ticks == list(range(1, TICKS + 1)), "a tick was lost or decided twice"


async def _client(supervisor: Supervisor) -> HarnessClient:
    info = supervisor.info
    return await HarnessClient.connect(Settings(temporal_address=info.temporal_address,
                                                mockoon_url=info.mockoon_url))
