"""Discovery's activities: plan the candidates (agent queue) and backtest one candidate
in a sandbox (the sandbox queue, so sandbox workers can run on other machines)."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import tempfile
from collections import OrderedDict
from pathlib import Path

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from engine.config import Settings
from engine.discovery import candidates, causality
from engine.discovery.bars import bars_before, bars_csv
from engine.discovery.contracts import BacktestOutcome, BacktestRequest, CandidateSpec
from engine.discovery.exposure import ExposureError, read_exposure
from engine.discovery.scorecard_cache import ScorecardCache
from engine.discovery.scorecards import outcome_from_result

log = logging.getLogger("harness.discovery")

HEARTBEAT_EVERY_S = 0.5
BARS_CACHED = 16
MIN_BARS = 60


class DiscoveryActivities:
    def __init__(self, settings: Settings, run_sandbox=None,
                 scorecards: ScorecardCache | None = None) -> None:
        self._settings = settings
        # Scorecards already computed on these bars (engine/discovery/scorecard_cache.py).
        self._scorecards = scorecards
        # engine.sandbox.run_in_sandbox unless a test hands another runner in.
        self._run_sandbox = run_sandbox
        # N candidates of one discovery read the same bars: one fetch, shared (bars of
        # the past do not change). Bounded: a long-lived worker serves many discoveries.
        self._bars: OrderedDict[tuple, asyncio.Future] = OrderedDict()

    @activity.defn(name="plan_candidates")
    async def plan_candidates(self, count: int) -> list[CandidateSpec]:
        return candidates.plan(count)

    @activity.defn(name="run_backtest")
    async def run_backtest(self, request: BacktestRequest) -> BacktestOutcome:
        """One candidate in one sandbox. Heartbeats while the sandbox runs (a backtest
        longer than the heartbeat timeout must not be taken for a dead worker); a
        cancelled activity cancels the awaiting task, which kills the sandbox."""
        spec = request.candidate
        if not (request.start_date or request.through_date):
            return _failed(spec, "error", "discovery needs a start date: it only sees the "
                           "bars before the agent's first day")
        bars = await self._cached_bars(request.symbol, request.through_date or request.start_date,
                                       inclusive=request.through_date is not None)
        if len(bars) < MIN_BARS:
            return _failed(spec, "error", f"only {len(bars)} bars of {request.symbol} before "
                           f"{request.start_date}: at least {MIN_BARS} are needed")
        key = self._scorecards.key(request, bars_csv(bars)) if self._scorecards else ""
        if self._scorecards and (known := self._scorecards.get(key, request)) is not None:
            return known  # computed before, on these very bars (scorecard_cache.py)
        result = await self._run(request, bars)
        outcome = outcome_from_result(request, result, bars)
        if outcome.ok and spec.family == "written" and request.through_date is None:
            outcome = await self._causal(request, bars, result, outcome)
        if self._scorecards:
            self._scorecards.put(key, outcome)
        return outcome

    async def _run(self, request: BacktestRequest, bars: list[dict]):
        job_dir = Path(tempfile.mkdtemp(prefix="harness-job-"))
        try:
            _write_job(job_dir, request, bars_csv(bars))
            return await self._sandboxed(job_dir, request)
        finally:
            shutil.rmtree(job_dir, ignore_errors=True)

    async def _causal(self, request: BacktestRequest, bars: list[dict], result,
                      outcome: BacktestOutcome) -> BacktestOutcome:
        """Model-written code only: run again on bars that agree with the real ones up to
        a cut and differ after it. Its signal before the cut must not change
        (engine/discovery/causality.py), else it looks ahead."""
        cut = causality.cut_point(len(bars), request.label)
        full = read_exposure(result.stdout, len(bars))
        runs = causality.variants(bars, cut)
        agains = await asyncio.gather(*(
            self._run(request.model_copy(update={"label": f"{request.label}-causal-{i}"}),
                      variant.bars) for i, variant in enumerate(runs)))
        for variant, again in zip(runs, agains, strict=True):
            try:
                signal = read_exposure(again.stdout, len(variant.bars)) if again.ok else None
            except ExposureError as exc:
                signal, why = None, str(exc)
            else:
                why = again.reason
            if signal is None:
                return _unscored(outcome, f"run again with the bars after "
                                 f"{bars[cut - 1]['t'][:10]} {variant.what}, it failed "
                                 f"({why})")
            at = causality.first_difference(full, signal[:cut])
            if at is not None:
                return _unscored(outcome, f"looks ahead: its signal at bar {at} "
                                 f"({bars[at]['t'][:10]}) changes when the bars after "
                                 f"{bars[cut - 1]['t'][:10]} are {variant.what}")
        return outcome

    async def _cached_bars(self, symbol: str, date: str, *, inclusive: bool) -> list[dict]:
        key = (self._settings.market_base, symbol, date, inclusive)
        future = self._bars.get(key)
        if future is None or (future.done() and future.exception() is not None):
            future = asyncio.ensure_future(self._fetch_bars(symbol, date, inclusive))
            self._bars[key] = future
            while len(self._bars) > BARS_CACHED:
                self._bars.popitem(last=False)
        self._bars.move_to_end(key)
        return await asyncio.shield(future)  # one cancelled activity must not cancel the rest

    async def _fetch_bars(self, symbol: str, date: str, inclusive: bool) -> list[dict]:
        async with httpx.AsyncClient(base_url=self._settings.market_base,
                                     timeout=self._settings.http_timeout_s) as http:
            try:
                return await bars_before(http, symbol, date, inclusive=inclusive)
            except httpx.HTTPError as exc:  # retryable: the market may come back
                raise ApplicationError(f"market data: {type(exc).__name__}: {exc}",
                                       type="ServiceUnavailable") from exc

    async def _sandboxed(self, job_dir: Path, request: BacktestRequest):
        from engine.sandbox import SandboxLimits, SandboxUnavailable, run_in_sandbox

        run = self._run_sandbox or run_in_sandbox
        task = asyncio.ensure_future(run(job_dir, backend=request.sandbox,
                                         limits=SandboxLimits(timeout_s=request.timeout_s),
                                         label=request.label))
        try:
            # The first heartbeat after HEARTBEAT_EVERY_S, not at once: most backtests are
            # over by then, and a heartbeat each is a server round trip per candidate.
            while not (await asyncio.wait({task}, timeout=HEARTBEAT_EVERY_S))[0]:
                activity.heartbeat()
            return task.result()
        except SandboxUnavailable as exc:
            # No backend here: every candidate would fail the same way, so say so clearly.
            raise ApplicationError(str(exc), type="SandboxUnavailable",
                                   non_retryable=True) from exc
        finally:
            if not task.done():  # cancelled or timed out: kill the sandbox before leaving
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)


def _write_job(job_dir: Path, request: BacktestRequest, bars: str) -> None:
    (job_dir / "bars.csv").write_text(bars)
    (job_dir / "strategy.py").write_text(request.candidate.source)
    (job_dir / "job.json").write_text(json.dumps({
        "strategy_file": "strategy.py",
        "params": request.candidate.params,
    }))
    job_dir.chmod(0o755)  # the sandbox's user (not ours) must read it
    for f in job_dir.iterdir():
        f.chmod(0o644)


def _unscored(outcome: BacktestOutcome, error: str) -> BacktestOutcome:
    """A scored failure: the figures of a run that cannot be trusted are dropped."""
    return BacktestOutcome(name=outcome.name, family=outcome.family, params=outcome.params,
                           ok=False, reason="error", error=error[:300], backend=outcome.backend,
                           duration_s=outcome.duration_s)


def _failed(spec: CandidateSpec, reason: str, error: str) -> BacktestOutcome:
    return BacktestOutcome(name=spec.name, family=spec.family, params=spec.params, ok=False,
                           reason=reason, error=error)
