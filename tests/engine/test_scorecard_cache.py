"""A scorecard is computed once per (candidate code, bars, scorer): a second discovery on
the same data (a relaunch, a second agent) reads it back instead of running the sandbox
again (issue 21: the bundle's first tick waited for 24 sandboxed backtests). Real
workers, real bubblewrap sandboxes; the runner handed to the sandbox worker is the real
`run_in_sandbox`, counted."""

from __future__ import annotations

import uuid

import pytest

from engine.agent.providers import HarnessModelProvider
from engine.client import HarnessClient
from engine.discovery.contracts import DiscoveryRequest
from engine.discovery.scorecard_cache import ScorecardCache
from engine.plugin import agents_plugin
from engine.sandbox import run_in_sandbox
from engine.temporal_connect import connect
from engine.worker import build_sandbox_worker, build_worker


@pytest.fixture
async def counted(engine_settings, tmp_path):
    settings = engine_settings.model_copy(update={
        "task_queue": f"cache-{uuid.uuid4().hex[:8]}",
        "sandbox_task_queue": f"cache-sandbox-{uuid.uuid4().hex[:8]}"})
    runs: list[str] = []

    async def run_sandbox(job_dir, **kwargs):
        runs.append(kwargs.get("label", ""))
        return await run_in_sandbox(job_dir, **kwargs)

    client = await connect(settings, plugins=[agents_plugin(HarnessModelProvider())],
                           timeout=30)
    cache = ScorecardCache(tmp_path / "scorecards")
    async with build_worker(client, settings, interceptors=[]), \
            build_sandbox_worker(client, settings, run_sandbox=run_sandbox, interceptors=[],
                                 scorecards=cache):
        yield HarnessClient(client, settings), runs, cache


async def _discover(harness: HarnessClient, **changes):
    request = DiscoveryRequest(symbol="AAPL", start_date="2004-01-02", candidates=3,
                               sandbox="bwrap", **changes)
    workflow_id = f"cache-test-{uuid.uuid4().hex[:6]}"
    await harness.start_discovery(request, workflow_id)
    return await harness.discovery_result(workflow_id)


async def test_a_second_discovery_on_the_same_bars_runs_no_sandbox(counted):
    harness, runs, cache = counted
    first = await _discover(harness)
    assert len(runs) == 3 and all(o.ok for o in first.ranked)
    second = await _discover(harness)
    assert len(runs) == 3, "the scorecards were computed again"
    assert second.ranked == first.ranked and second.winner == first.winner
    # Other costs are other scorecards: the same code on other terms runs again.
    await _discover(harness, fee_bps=9.0)
    assert len(runs) == 6


def test_the_key_names_the_code_the_bars_and_the_scorer(tmp_path):
    from engine.discovery import candidates
    from engine.discovery.contracts import BacktestRequest

    spec = candidates.plan(1)[0]
    request = BacktestRequest(symbol="AAPL", start_date="2004-01-02", candidate=spec,
                              sandbox="bwrap", split=0.7, fee_bps=1.0, slippage_bps=5.0,
                              timeout_s=60, label="x")
    cache = ScorecardCache(tmp_path)
    key = cache.key(request, "date,close\n1,2\n")
    assert key == cache.key(request.model_copy(update={"label": "y", "timeout_s": 5}),
                            "date,close\n1,2\n")  # neither changes a score
    assert key != cache.key(request, "date,close\n1,3\n")
    other_code = spec.model_copy(update={"source": spec.source + "\n# changed\n"})
    assert key != cache.key(request.model_copy(update={"candidate": other_code}),
                            "date,close\n1,2\n")
    assert key != cache.key(request.model_copy(update={"sandbox": "docker"}),
                            "date,close\n1,2\n")  # asked for Docker: computed by Docker
    assert key != ScorecardCache(tmp_path, scorer="another scorer").key(
        request, "date,close\n1,2\n")


def test_the_cache_keeps_its_newest_entries_and_a_read_keeps_one_alive(tmp_path):
    """Bounded like everything a home keeps: a week of agents (and every scorer change,
    whose old cards are never read again) must not fill the disk."""
    import os

    from engine.discovery import candidates
    from engine.discovery.contracts import BacktestOutcome, BacktestRequest

    spec = candidates.plan(1)[0]
    request = BacktestRequest(symbol="AAPL", start_date="2004-01-02", candidate=spec,
                              sandbox="bwrap", split=0.7, fee_bps=1.0, slippage_bps=5.0,
                              timeout_s=60, label="x")
    card = BacktestOutcome(name=spec.name, family=spec.family, ok=True, bars=10)
    cache = ScorecardCache(tmp_path, max_entries=5)
    keys = [cache.key(request, f"date,close\n1,{n}\n") for n in range(8)]
    for n, key in enumerate(keys):
        cache.put(key, card)
        os.utime(tmp_path / key, (1_000_000 + n, 1_000_000 + n))  # distinct ages, in order
        if n == 4:
            assert cache.get(keys[0], request) is not None  # read: young again
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert len(kept) == 5, kept
    assert set(kept) == {keys[0], *keys[5:], keys[4]}, "the newest, and the one read"
