"""StrategyDiscoveryWorkflow end to end: real server, real Mockoon tape, real bubblewrap
sandboxes, in-process workers on their own queues."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from pathlib import Path

import pytest
from temporalio.client import WorkflowExecutionStatus

from engine.client import HarnessClient
from engine.discovery.candidates import written_candidate
from engine.discovery.contracts import CandidateState, DiscoveryRequest
from tests.engine.discovery_support import discovery_client

RAISES = "def signal(bars):\n    raise RuntimeError('my strategy has a bug')\n"
SPINS = "def signal(bars):\n    while True:\n        pass\n"
HOG = "def signal(bars):\n    hog = bytearray(4 * 1024**3)\n    return hog\n"
# A strategy that would love to see the future: it fails if any bar is on/after the start.
PEEKS = ("def signal(bars):\n"
         "    assert bars['date'].max() < '2004-01-02', 'saw ' + bars['date'].max()\n"
         "    return (bars['close'] > bars['close'].rolling(10).mean()).astype(float)\n")


@pytest.fixture(scope="module")
async def discovery(engine_settings):
    async for harness in discovery_client(engine_settings):
        yield harness


async def _children(harness: HarnessClient, parent: str) -> dict[str, WorkflowExecutionStatus]:
    out = {}
    async for wf in harness.temporal.list_workflows("WorkflowType = 'BacktestWorkflow'"):
        if wf.id.startswith(parent + "-bt-"):
            out[wf.id] = wf.status
    return out


async def test_fan_out_scores_every_candidate_and_ranks_them(discovery):
    request = DiscoveryRequest(
        symbol="AAPL", start_date="2004-01-02", candidates=6, sandbox="bwrap", timeout_s=5,
        written=[written_candidate("buggy", RAISES), written_candidate("spins", SPINS),
                 written_candidate("peeks", PEEKS), written_candidate("hog", HOG)],
    )
    parent = f"discovery-test-{uuid.uuid4().hex[:6]}"
    await discovery.start_discovery(request, parent)
    result = await discovery.discovery_result(parent)

    assert len(result.ranked) == 10
    by_name = {o.name: o for o in result.ranked}
    assert by_name["written-buggy"].ok is False
    assert "my strategy has a bug" in by_name["written-buggy"].error
    assert by_name["written-spins"].ok is False and by_name["written-spins"].reason == "timeout"
    assert by_name["written-peeks"].ok, by_name["written-peeks"].error  # saw no future bar
    hog = by_name["written-hog"]
    assert not hog.ok and "memory" in f"{hog.reason} {hog.error}", (hog.reason, hog.error)
    assert result.failed == 3 and [o.ok for o in result.ranked[-3:]] == [False] * 3
    ok = [o for o in result.ranked if o.ok]
    assert all(o.last_date < "2004-01-02" and o.backend == "bwrap" for o in ok)
    sharpes = [o.oos_sharpe for o in ok]
    assert sharpes == sorted(sharpes, reverse=True)
    assert result.winner == result.ranked[0].name
    assert result.winner_outcome().equity[-1][0] == result.winner_outcome().last_date

    progress = await discovery.discovery_progress(parent)
    assert progress.finished and progress.done == progress.total == 10
    states = {c.name: c.state for c in progress.candidates}
    assert states["written-buggy"] == CandidateState.FAILED
    assert states[result.winner] == CandidateState.DONE
    children = await _children(discovery, parent)
    assert set(children) == {c.child_id for c in progress.candidates}
    assert set(children.values()) == {WorkflowExecutionStatus.COMPLETED}


async def test_no_child_outlives_its_parent(discovery):
    request = DiscoveryRequest(symbol="AAPL", start_date="2004-01-02", candidates=1,
                               sandbox="bwrap", timeout_s=300,
                               written=[written_candidate("spins", SPINS)])
    parent = f"discovery-close-{uuid.uuid4().hex[:6]}"
    await discovery.start_discovery(request, parent)
    deadline = time.monotonic() + 60
    while len(await _children(discovery, parent)) < 2:
        assert time.monotonic() < deadline, "the children never started"
        await asyncio.sleep(0.2)
    await discovery.temporal.get_workflow_handle(parent).terminate("test: parent goes away")
    deadline = time.monotonic() + 60
    while WorkflowExecutionStatus.RUNNING in (await _children(discovery, parent)).values():
        assert time.monotonic() < deadline, "a child outlived its parent"
        await asyncio.sleep(0.2)
    children = await _children(discovery, parent)
    # The spinning one was cut off; the family candidate (a backtest of ~0.2 s) may have
    # finished before the parent went.
    assert children[f"{parent}-bt-written-spins"] == WorkflowExecutionStatus.TERMINATED
    assert set(children.values()) <= {WorkflowExecutionStatus.TERMINATED,
                                      WorkflowExecutionStatus.COMPLETED}


SLEEPS = "import time\ndef signal(bars):\n    time.sleep(60)\n    return bars['close'] * 0\n"


def _sandboxes_of(child_ids: list[str]) -> set[str]:
    """The children whose sandbox process lives now: the staged copy a sandbox runs from
    is named after its label, the child id (engine/sandbox/staging.py)."""
    live = set()
    for entry in os.listdir("/proc"):
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        live |= {c for c in child_ids if f"-{c}-".encode() in cmdline}
    return live


async def test_a_candidate_waiting_for_a_sandbox_is_queued_not_running(discovery):
    """One sandbox per core runs at a time: with more sleeping candidates than that, the
    others wait on the sandbox queue, and progress says so, as the processes show."""
    slots = max(2, os.cpu_count() or 2)  # the sandbox worker's concurrency
    written = [written_candidate(f"sleeps-{i}", SLEEPS) for i in range(slots + 2)]
    request = DiscoveryRequest(symbol="AAPL", start_date="2004-01-02", candidates=1,
                               sandbox="bwrap", timeout_s=90, written=written)
    parent = f"discovery-queued-{uuid.uuid4().hex[:6]}"
    await discovery.start_discovery(request, parent)
    deadline = time.monotonic() + 60
    while True:
        progress = await discovery.discovery_progress(parent)
        states = {c.child_id: c.state for c in progress.candidates} if progress else {}
        running = sorted(c for c, s in states.items() if s == CandidateState.RUNNING)
        queued = sorted(c for c, s in states.items() if s == CandidateState.QUEUED)
        # Steady once every slot holds a sleeper (the quick family candidate may run
        # first, or wait behind them): nothing frees a slot for a minute.
        if (progress and len(running) == slots and all("sleeps" in c for c in running)
                and queued and progress.done + len(running) + len(queued) == progress.total):
            break
        assert time.monotonic() < deadline, f"never {slots} running, the rest queued: {states}"
        await asyncio.sleep(0.1)
    try:
        # What really happens: a sandbox runs for each running candidate, none for the
        # queued ones (a sandbox starts a moment after its worker takes the backtest).
        deadline = time.monotonic() + 30
        while _sandboxes_of(running + queued) != set(running):
            assert not _sandboxes_of(queued), "a queued candidate has a sandbox"
            assert time.monotonic() < deadline, f"sandboxes: {_sandboxes_of(running + queued)}"
            await asyncio.sleep(0.1)
        # A moment later: whatever still waits has no sandbox, and nothing went back to
        # waiting. (The quick family candidate may have left the queue meanwhile: a slot
        # the previous test's cancelled backtest held can come free; a sleeper cannot.)
        again = await discovery.discovery_progress(parent)
        still = sorted(c.child_id for c in again.candidates
                       if c.state == CandidateState.QUEUED)
        assert set(still) <= set(queued) and any("sleeps" in c for c in still), still
        assert not _sandboxes_of(still), "a queued candidate has a sandbox"
    finally:
        await discovery.temporal.get_workflow_handle(parent).terminate("test: done looking")
    # The terminated children's sandboxes go too (their activities are cancelled).
    deadline = time.monotonic() + 60
    while _sandboxes_of(running + queued):
        assert time.monotonic() < deadline, "a sandbox outlived its terminated discovery"
        await asyncio.sleep(0.2)
