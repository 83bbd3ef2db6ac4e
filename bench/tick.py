"""Tick benchmark: the agent's tick loop as a plain Python loop vs durably on Temporal.

Both legs run the same agent logic on the same ticks against the same Mockoon services:
(a) `bench/plain_loop.py` calls the engine's activity methods, agent, guardrail and book
directly; (b) `TradingAgentWorkflow` runs on the real dev server (started here by a
Supervisor, with its own worker process, or attached to with `--attach HOME`). Prints one
JSON object: ms per tick of each leg and their ratio, history events per tick, ticks per
second of a 1000-tick durable run, and whether both legs decided the same things.

    python bench/tick.py [--ticks 300] [--symbols AAPL] [--long 5000] [--attach HOME]

Measurement notes (also in the JSON):
- Times are wall clock per leg, from "start" (calendar lookup included) to "result".
- The legs alternate (plain, durable) for --rounds pairs; `ratio` is the median of the
  pairs' ratios, `ratio_per_round` lists them all, ms per tick are medians.
- The broker account is reset before each leg; limits make approvals impossible (no
  restricted terms, thresholds far above any order): both legs take the same path.
- events_per_tick: every event of every run (continue-as-new followed) / ticks.
- overhead_ms_per_step: (durable - plain) ms per tick / durable steps per tick, where a
  durable step is an activity or a local activity (each one saved in the history).
- flatness: mean tick time of the last tenth of ticks / the first tenth; a tick's time is
  the gap between consecutive `fetch_tick_context` markers (continue-as-new included).
- floor: no-op round trips on the same server after each pair (bench/round_trip_floor.py),
  priced at the tick's steps; `ratio_floor`: a worker that cost nothing, against that pair.
- cpu_ms_per_tick: CPU of each process per tick, for the median pair's legs (/proc).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/tick.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# First: the engine turns gRPC's fork handlers off (engine/__init__.py says why), and gRPC
# reads that once, when temporalio.api first imports it. This process starts the runtime's
# children (a Supervisor) while its own gRPC threads run.
import engine  # noqa: F401, I001
import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

from bench.history_stats import history_figures
from bench.leg_comparison import compare_decisions, compare_summaries
from bench.plain_loop import PlainAgentLoop
from bench.process_cpu import CpuMeter, cpu_meter, cpu_per_tick
from bench.results import add_save_flag, emit
from bench.round_trip_floor import floor_figures, summarize_floors
from engine.client import HarnessClient
from engine.config import WORKFLOW_SANDBOX_ENV, Settings, load_settings
from engine.contracts import AgentConfig, Decision, Phase
from engine.models import RiskLimits
from engine.runtime.state import RuntimeInfo, attach
from engine.runtime.supervisor import Supervisor
from engine.runtime.temporal_server import TUNED_FLAGS
from engine.workflows import views

BROKER_CASH = 1e12
DEFAULT_SYMBOLS = ("AAPL",)  # the figures are per symbol; --symbols for more
DEFAULT_START = "2005-01-03"  # every shipped symbol but GOOG has bars from here
NO_APPROVALS = RiskLimits(
    approval_notional=1e12, max_daily_notional=1e12, restricted_terms=[]
)


def bench_config(symbols: list[str], ticks: int, start_date: str = DEFAULT_START) -> AgentConfig:
    return AgentConfig(
        symbols=symbols,
        start_date=start_date,
        max_ticks=ticks,
        tick_interval_s=0,
        limits=NO_APPROVALS.model_copy(update={"allowed_symbols": list(symbols)}),
    )


def reset_broker(settings: Settings) -> None:
    with httpx.Client(base_url=settings.mockoon_url, timeout=10) as http:
        http.post("/__harness/reset", json={"cash": BROKER_CASH}).raise_for_status()


def mockoon_request_ms(settings: Settings, n: int = 20) -> float:
    """Median latency of one market-data GET: the floor under both legs' HTTP calls."""
    times = []
    with httpx.Client(base_url=settings.market_base, timeout=10) as http:
        for i in range(n + 2):
            t0 = time.perf_counter()
            http.get("/v2/stocks/AAPL/bars", params={"end_index": 1500 + i, "limit": 1})
            times.append(time.perf_counter() - t0)
    return round(statistics.median(times[2:]) * 1000, 2)


# ------------------------------------------------------------------ (a) the plain loop


async def run_plain(settings: Settings, config: AgentConfig) -> tuple[float, PlainAgentLoop]:
    """Seconds for `config.max_ticks` plain ticks (calendar lookup included), and the loop."""
    loop = PlainAgentLoop(settings, config, f"plain-{uuid.uuid4().hex[:8]}")
    try:
        t0 = time.perf_counter()
        await loop.start()
        for _ in range(config.max_ticks or 0):
            await loop.tick()
        return time.perf_counter() - t0, loop
    finally:
        await loop.aclose()


async def plain_leg(settings: Settings, config: AgentConfig, warmup: int,
                    cpu: CpuMeter | None = None) -> dict[str, Any]:
    if warmup:
        await run_plain(settings, config.model_copy(update={"max_ticks": warmup}))
    reset_broker(settings)
    before = cpu() if cpu else {}
    seconds, loop = await run_plain(settings, config)
    return {"seconds": seconds, "decisions": loop.decisions,
            "cpu_ms_per_tick": cpu_per_tick(before, cpu() if cpu else {}, config.max_ticks),
            "summary": views.summary(loop.memory, workflow_id=loop.loop_id, phase=Phase.FINISHED)}


# ------------------------------------------------------------------ (b) durable


async def run_durable(harness: HarnessClient, config: AgentConfig) -> tuple[float, str, Any]:
    t0 = time.perf_counter()
    workflow_id = await harness.start_agent(config, f"bench-tick-{uuid.uuid4().hex[:10]}")
    # A broken worker retries a failing workflow task forever: give up instead of hanging.
    timeout = 120 + 2.0 * (config.max_ticks or 0)
    try:
        summary = await asyncio.wait_for(harness.result(workflow_id), timeout)
    except TimeoutError:
        raise RuntimeError(
            f"{workflow_id} did not finish in {timeout:.0f} s: see the worker log"
        ) from None
    return time.perf_counter() - t0, workflow_id, summary


async def run_histories(harness: HarnessClient, workflow_id: str) -> list[list[HistoryEvent]]:
    """Every run's events, first run to last (following continue-as-new)."""
    runs, run_id = [], await harness.first_run_id(workflow_id)
    while run_id:
        events = list((await harness.history(workflow_id, run_id)).events)
        runs.append(events)
        run_id = ""
        last = events[-1] if events else None
        if last and last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            run_id = last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
    return runs


async def durable_decisions(harness: HarnessClient, workflow_id: str) -> list[Decision]:
    """The decisions the finished agent still keeps (its journal), oldest first."""
    found: list[Decision] = []
    while True:
        page = await harness.decisions(workflow_id, offset=len(found), limit=500)
        found.extend(page.decisions)
        if not page.decisions or len(found) >= page.kept:
            break
    return sorted(found, key=lambda d: d.tick)


async def durable_leg(
    harness: HarnessClient, settings: Settings, config: AgentConfig, warmup: int,
    *, with_decisions: bool = True, cpu: CpuMeter | None = None,
) -> dict[str, Any]:
    if warmup:
        await run_durable(harness, config.model_copy(update={"max_ticks": warmup}))
    reset_broker(settings)
    before = cpu() if cpu else {}
    seconds, workflow_id, summary = await run_durable(harness, config)
    after = cpu() if cpu else {}
    runs = await run_histories(harness, workflow_id)
    leg = {"seconds": seconds, "workflow_id": workflow_id, "summary": summary,
           "cpu_ms_per_tick": cpu_per_tick(before, after, config.max_ticks),
           "runs": runs, **history_figures(runs, config.max_ticks or 1)}
    if with_decisions:
        leg["decisions"] = await durable_decisions(harness, workflow_id)
    return leg


# ------------------------------------------------------------------ runtime


def server_flags(info: RuntimeInfo, started_here: bool) -> list[str] | str:
    """The dev server's tuning flags: ours if we started it, else read from its argv."""
    argv = list(TUNED_FLAGS)
    if not started_here:
        record = info.services.get("temporal")
        pid = record.get("pid") if isinstance(record, dict) else None
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, TypeError):
            return "unknown (attached)"
        argv = [part.decode() for part in raw]
    flags = ("--dynamic-config-value", "--sqlite-pragma")
    return [f"{a} {b}" for a, b in zip(argv, argv[1:], strict=False) if a in flags]


@asynccontextmanager
async def runtime(attach_home: str | None):
    """(RuntimeInfo, started_here): attach to HOME, or start a headless Supervisor."""
    if attach_home:
        info = attach(Path(attach_home))
        if info is None:
            raise SystemExit(f"no healthy runtime in {attach_home}")
        yield info, False
        return
    with tempfile.TemporaryDirectory(prefix="harness-bench-tick-") as home:
        supervisor = Supervisor(Path(home), headless=True, with_worker=True)
        supervisor.start(timeout=120)
        try:
            yield supervisor.info, True
        finally:
            supervisor.stop()


def settings_for(info: RuntimeInfo) -> Settings:
    return Settings(temporal_address=info.temporal_address, namespace=info.namespace,
                    mockoon_url=info.mockoon_url)


# ------------------------------------------------------------------ the bench


async def bench(
    info: RuntimeInfo, *, ticks: int, symbols: list[str], warmup: int = 5,
    throughput_ticks: int = 1000, long_ticks: int = 0, start_date: str = DEFAULT_START,
    flags: list[str] | str = "", rounds: int = 3, runner: str = "",
    cpu: CpuMeter | None = None, floor_rounds: int = 100,
) -> dict[str, Any]:
    settings = settings_for(info)
    config = bench_config(symbols, ticks, start_date)
    mockoon_ms = mockoon_request_ms(settings)
    harness = await HarnessClient.connect(settings)
    # Legs alternate, plain then durable, `rounds` times: the machine is shared, and a
    # load that comes and goes then weighs on both legs alike. The plain leg runs in
    # this process, the durable one on the runtime's worker process (no Temporal worker
    # runs here, so the plugin's runner override never touches the plain leg).
    pairs, floors = [], []
    for n in range(rounds):
        plain = await plain_leg(settings, config, warmup if n == 0 else 0, cpu)
        durable = await durable_leg(harness, settings, config, warmup if n == 0 else 0,
                                    cpu=cpu)
        pairs.append((plain, durable))
        if floor_rounds:
            floors.append(await floor_figures(settings, floor_rounds, plain, durable, ticks))
    ratios = [d["seconds"] / p["seconds"] for p, d in pairs]
    median_pair = ratios.index(statistics.median(ratios)) if rounds % 2 else 0
    plain, durable = pairs[median_pair]

    plain_ms = statistics.median(p["seconds"] for p, _ in pairs) * 1000 / ticks
    durable_ms = statistics.median(d["seconds"] for _, d in pairs) * 1000 / ticks
    report: dict[str, Any] = {
        "plain_ms_per_tick": round(plain_ms, 2),
        "durable_ms_per_tick": round(durable_ms, 2),
        "ratio": round(statistics.median(ratios), 3),
        "ratio_per_round": [round(r, 3) for r in ratios],
        "overhead_ms_per_tick": round(durable_ms - plain_ms, 2),
        # Comparable with other engines' cost of one checkpointed step.
        "overhead_ms_per_step": round(
            (durable_ms - plain_ms) / durable["durable_steps_per_tick"], 2
        ),
        "durable_steps_per_tick": round(durable["durable_steps_per_tick"], 2),
        "workflow_tasks_per_tick": round(durable["workflow_tasks_per_tick"], 2),
        "events_per_tick": round(durable["events_per_tick"], 2),
    }
    if floors:
        report["floor"] = summarize_floors(floors)
    if cpu:
        # The pair behind `ratio` (the median one): where each leg's time went.
        report["cpu_ms_per_tick"] = {"plain": plain["cpu_ms_per_tick"],
                                     "durable": durable["cpu_ms_per_tick"]}
    if throughput_ticks:
        run = await durable_leg(harness, settings, bench_config(symbols, throughput_ticks,
                                start_date), 0, with_decisions=False)
        report["ticks_per_s_1000"] = round(throughput_ticks / run["seconds"], 2)
        report["throughput_ticks"] = throughput_ticks
        report["flatness_1000"] = run["flatness"]
    comparisons = [compare_decisions(p["decisions"], d["decisions"]) for p, d in pairs]
    report.update(next((c for c in comparisons if not c["same_decisions"]), comparisons[0]))
    report["same_summary"] = all(
        compare_summaries(p["summary"], d["summary"]) for p, d in pairs
    )
    report.update({
        "ticks": ticks, "rounds": rounds, "warmup_ticks": warmup, "symbols": symbols,
        "start_date": start_date,
        "model": config.model, "tick_interval_s": 0,
        "limits": "approval_notional=1e12, max_daily_notional=1e12, restricted_terms=[]: "
                  "no approvals in either leg",
        "approvals_needed": sum(d.check.verdict.value == "NEEDS_APPROVAL"
                                for d in plain["decisions"]),
        "orders_filled": plain["summary"].orders,
        "server_flags": flags,
        # The worker's workflow runner (engine/worker_runner.py); --sandboxed for the old one.
        "workflow_runner": runner,
        "mockoon_request_ms": mockoon_ms,
        "continue_as_new_every": config.continue_as_new_every,
        "runs_per_workflow": durable["runs_per_workflow"],
        "max_events_per_run": durable["max_events_per_run"],
        "event_types_per_tick": durable["event_types_per_tick"],
        "local_activities_per_tick": durable["local_activities_per_tick"],
        "activity_latency_ms": durable["activity_latency_ms"],
        "workflow_task_ms": durable["workflow_task_ms"],
        "tick_gap_ms_median": durable["tick_gap_ms_median"],
    })
    if long_ticks:
        run = await durable_leg(harness, settings, bench_config(symbols, long_ticks, start_date),
                                0, with_decisions=False)
        report["long"] = {
            "ticks": long_ticks, "ms_per_tick": round(run["seconds"] * 1000 / long_ticks, 2),
            "ticks_per_s": round(long_ticks / run["seconds"], 2),
            "events_per_tick": round(run["events_per_tick"], 2),
            "runs_per_workflow": run["runs_per_workflow"],
            "max_events_per_run": run["max_events_per_run"],
        }
        report["flatness"] = run["flatness"]
    return report


async def amain(args: argparse.Namespace) -> dict[str, Any]:
    symbols = [s.strip().upper() for s in args.symbols.split(",") if s.strip()]
    async with AsyncExitStack() as stack:
        info, started_here = await stack.enter_async_context(runtime(args.attach))
        return await bench(
            info, ticks=args.ticks, symbols=symbols, warmup=args.warmup, rounds=args.rounds,
            throughput_ticks=args.throughput_ticks, long_ticks=args.long,
            start_date=args.start_date, flags=server_flags(info, started_here),
            cpu=cpu_meter(info, started_here), floor_rounds=args.floor_rounds,
            runner=("sandboxed" if load_settings().workflow_sandbox else "unsandboxed")
            if started_here
            else "unknown (attached)",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=300)
    parser.add_argument("--symbols", default=",".join(DEFAULT_SYMBOLS))
    parser.add_argument("--start-date", default=DEFAULT_START)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3,
                        help="plain/durable pairs, alternating; the ratio is their median")
    parser.add_argument("--throughput-ticks", type=int, default=1000,
                        help="ticks of the durable run behind ticks_per_s_1000 (0: skip)")
    parser.add_argument("--long", type=int, default=0, help="also run N ticks, report flatness")
    parser.add_argument("--floor-rounds", type=int, default=100,
                        help="no-op round trips behind `floor`, after each pair (0: skip)")
    parser.add_argument("--attach", metavar="HOME", help="use the runtime running in HOME")
    parser.add_argument("--sandboxed", action="store_true",
                        help="run the worker's workflows in the SDK sandbox (the old runner), "
                             "to measure it side by side; not with --attach")
    add_save_flag(parser)
    args = parser.parse_args()
    if args.sandboxed:
        if args.attach:
            parser.error("--sandboxed starts its own worker: not with --attach")
        os.environ[WORKFLOW_SANDBOX_ENV] = "1"  # the worker the Supervisor starts inherits it
    emit(asyncio.run(amain(args)), args)


if __name__ == "__main__":
    main()
