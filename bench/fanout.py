"""Fan-out benchmark of strategy discovery: wall time of a discovery with 1 and with N
candidates, per sandbox backend available here, and what each candidate costs.

A private runtime (dev server + Mockoon) and in-process workers, as production runs them
(the agent's queue and the sandbox queue, one sandbox per core at a time). Each figure
is the median of --rounds discoveries, the 1- and N-candidate ones alternating so load
drifts hit both alike. `ratio` = N-candidate wall / 1-candidate wall (targets on 2 cores:
Docker <= 3, bubblewrap <= 2). Also, side by side in the same run:
- `orchestration`: the same discoveries with a no-op sandbox (a test double that returns
  a canned scorecard at once): what the child workflows, activities and results cost,
  in wall time and in CPU of this process plus the dev server and Mockoon.
- `runner_cpu_s`: CPU of one backtest process (the runner on the bench's bars, host
  python3), numpy only as shipped, and with pandas (the same family handed a DataFrame,
  what every backtest paid before the runner dropped pandas).
- `scorer_cpu_s`: CPU of the worker's trusted scorer for one candidate (reading and
  checking the exposure series the runner printed, simulating and scoring it): the cost
  of scoring outside the strategy's process, beside `runner_cpu_numpy_s`.
- `start_overhead_s`: `python3 -c pass` in the sandbox minus the same on the host.

    .venv/bin/python bench/fanout.py [--candidates 8] [--rounds 3] [--backends docker,bwrap]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/fanout.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results import add_save_flag, emit
from engine.agent.providers import HarnessModelProvider
from engine.client import HarnessClient
from engine.config import Settings
from engine.discovery.bars import bars_csv
from engine.discovery.contracts import DiscoveryRequest
from engine.plugin import agents_plugin
from engine.runtime.supervisor import Supervisor
from engine.sandbox import SandboxUnavailable, check_backend, run_in_sandbox
from engine.sandbox.limits import SandboxResult
from engine.sandbox.paths import runner_dir
from engine.temporal_connect import connect
from engine.worker import build_sandbox_worker, build_worker

TARGETS = {"docker": 3.0, "bwrap": 2.0}
START_DATE = "2008-01-02"
HOST_PYTHON = "/usr/bin/python3"
async def noop_sandbox(job_dir, *, backend, limits, label, **_) -> SandboxResult:
    """Test double for the sandbox (named so): the orchestration alone, no process. Its
    canned exposure series (flat, one value per bar) is still scored by the worker."""
    bars = (Path(job_dir) / "bars.csv").read_text().count("\n") - 1
    stdout = json.dumps({"signal": [0.0] * bars})
    return SandboxResult(backend="noop", exit_code=0, stdout=stdout, stderr="", reason="ok",
                         duration_s=0.0)


def _tree_cpu_s() -> float:
    """CPU seconds of this process and every live descendant (dev server, Mockoon)."""
    children: dict[int, list[tuple[int, float]]] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(
            (int(entry), (int(fields[11]) + int(fields[12])) / tick))
    own = resource.getrusage(resource.RUSAGE_SELF)
    total, stack = own.ru_utime + own.ru_stime, [os.getpid()]
    while stack:
        for pid, cpu in children.get(stack.pop(), []):
            total += cpu
            stack.append(pid)
    return total


async def start_overhead(backend: str, runs: int = 5) -> dict:
    host, boxed = [], []
    with tempfile.TemporaryDirectory(prefix="harness-bench-job-") as job:
        Path(job).chmod(0o755)
        for i in range(runs):
            t0 = time.monotonic()
            subprocess.run([HOST_PYTHON, "-c", "pass"], check=True)
            host.append(time.monotonic() - t0)
            t0 = time.monotonic()
            result = await run_in_sandbox(Path(job), backend=backend, label=f"bench-{i}",
                                          command=["python3", "-c", "pass"])
            boxed.append(time.monotonic() - t0)
            if not result.ok:
                raise RuntimeError(f"{backend}: a trivial job failed: {result}")
    return {"host_python_s": round(statistics.median(host), 3),
            "sandbox_python_s": round(statistics.median(boxed), 3),
            "start_overhead_s": round(statistics.median(boxed) - statistics.median(host), 3)}


def runner_cpu(bars: str, runs: int = 5) -> dict:
    """CPU of one backtest process, numpy only and with pandas, alternating."""
    family = (runner_dir() / "backtest" / "families" / "sma_cross.py").read_text()
    sources = {"numpy": family, "with_pandas": family.replace('BARS = "numpy"\n', "")}
    cpu: dict[str, list[float]] = {name: [] for name in sources}
    with tempfile.TemporaryDirectory(prefix="harness-bench-cpu-") as root:
        for name, source in sources.items():
            job = Path(root) / name
            job.mkdir()
            (job / "bars.csv").write_text(bars)
            (job / "strategy.py").write_text(source)
            (job / "job.json").write_text(json.dumps({"strategy_file": "strategy.py",
                                                      "params": {}}))
        for _ in range(runs):
            for name in sources:
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                subprocess.run([HOST_PYTHON, str(runner_dir() / "run_job.py"),
                                str(Path(root) / name / "job.json")], check=True,
                               capture_output=True)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu[name].append(after.ru_utime + after.ru_stime
                                 - before.ru_utime - before.ru_stime)
        printed = subprocess.run([HOST_PYTHON, str(runner_dir() / "run_job.py"),
                                  str(Path(root) / "numpy" / "job.json")], check=True,
                                 capture_output=True, text=True).stdout
    out = {f"runner_cpu_{name}_s": round(statistics.median(v), 3) for name, v in cpu.items()}
    out["scorer_cpu_s"] = scorer_cpu(bars, printed, runs)
    return out


def scorer_cpu(bars: str, printed: str, runs: int) -> float:
    """CPU seconds of the worker-side scoring of one candidate (median of `runs`)."""
    from engine.discovery.contracts import BacktestRequest, CandidateSpec
    from engine.discovery.scorecards import outcome_from_result

    rows = [line.split(",") for line in bars.strip().splitlines()[1:]]
    as_bars = [{"t": row[0], "c": float(row[4])} for row in rows]
    request = BacktestRequest(symbol="AAPL", start_date=START_DATE, sandbox="bwrap", split=0.7,
                              fee_bps=1.0, slippage_bps=5.0, timeout_s=60, label="bench",
                              candidate=CandidateSpec(name="bench", family="sma_cross",
                                                      source="x"))
    result = SandboxResult(backend="bench", exit_code=0, stdout=printed, stderr="",
                           reason="ok", duration_s=0.0)
    cpu = []
    for _ in range(runs):
        t0 = time.process_time()
        outcome = outcome_from_result(request, result, as_bars)
        cpu.append(time.process_time() - t0)
        assert outcome.ok, outcome.error
    return round(statistics.median(cpu), 4)


async def one_discovery(harness: HarnessClient, backend: str, candidates: int
                        ) -> tuple[float, float]:
    """(wall, CPU of this process tree) of one discovery."""
    request = DiscoveryRequest(symbol="AAPL", start_date=START_DATE, candidates=candidates,
                               sandbox=backend)
    cpu0, t0 = _tree_cpu_s(), time.monotonic()
    parent = f"bench-fanout-{backend}-{candidates}-{uuid.uuid4().hex[:6]}"
    await harness.start_discovery(request, parent)
    result = await harness.discovery_result(parent)
    wall = time.monotonic() - t0
    if result.failed:
        errors = {o.error for o in result.ranked if not o.ok}
        raise RuntimeError(f"{backend}: {result.failed} candidate(s) failed: {errors}")
    return wall, _tree_cpu_s() - cpu0


async def compare(harness: HarnessClient, backend: str, n: int, rounds: int) -> dict:
    await one_discovery(harness, backend, 1)  # warm: image cache, imports, bars
    one, many, cpu_many = [], [], []
    for _ in range(rounds):
        one.append((await one_discovery(harness, backend, 1))[0])
        wall, cpu = await one_discovery(harness, backend, n)
        many.append(wall)
        cpu_many.append(cpu)
    wall_1, wall_n = statistics.median(one), statistics.median(many)
    return {"wall_1_s": round(wall_1, 2), f"wall_{n}_s": round(wall_n, 2),
            "ratio": round(wall_n / wall_1, 2),
            "runs_1_s": [round(x, 2) for x in one], f"runs_{n}_s": [round(x, 2) for x in many],
            # Sandboxes in Docker run outside this tree: for Docker this leaves them out.
            "tree_cpu_per_candidate_s": round(statistics.median(cpu_many) / n, 3)}


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


async def bench(args: argparse.Namespace) -> dict:
    backends, skipped = [], {}
    for name in args.backends.split(","):
        try:
            check_backend(name)
            backends.append(name)
        except SandboxUnavailable as exc:
            skipped[name] = str(exc)
    n = args.candidates
    out: dict = {"candidates": n, "rounds": args.rounds, "cores": os.cpu_count(),
                 "bars": f"AAPL before {START_DATE} (~1,970)", "load_before": _load(),
                 "backends": {}, "unavailable": skipped}
    with Supervisor(Path(tempfile.mkdtemp(prefix="harness-bench-")), headless=True,
                    with_worker=False) as supervisor:
        info = supervisor.info
        tag = uuid.uuid4().hex[:6]
        settings = Settings(temporal_address=info.temporal_address, mockoon_url=info.mockoon_url,
                            task_queue=f"bench-{tag}", sandbox_task_queue=f"bench-sandbox-{tag}")
        noop = settings.model_copy(update={"sandbox_task_queue": f"bench-noop-{tag}"})
        client = await connect(settings, plugins=[agents_plugin(HarnessModelProvider())])
        harness, noop_harness = HarnessClient(client, settings), HarnessClient(client, noop)
        async with build_worker(client, settings, interceptors=[]), \
                build_sandbox_worker(client, settings, interceptors=[]), \
                build_sandbox_worker(client, noop, run_sandbox=noop_sandbox, interceptors=[]):
            out["orchestration"] = await compare(noop_harness, "auto", n, args.rounds)
            bars = await harness_bars(settings)
            out["runner"] = runner_cpu(bars)
            for backend in backends:
                out["backends"][backend] = {
                    **await compare(harness, backend, n, args.rounds),
                    "target_ratio": TARGETS.get(backend), **await start_overhead(backend)}
                row = out["backends"][backend]
                row["meets_target"] = row["ratio"] <= TARGETS.get(backend, float("inf"))
    out["load_after"] = _load()
    return out


async def harness_bars(settings: Settings) -> str:
    """The bench's bars as the activity writes them (bars.csv of AAPL before START_DATE)."""
    import httpx

    from engine.discovery.bars import bars_before

    async with httpx.AsyncClient(base_url=settings.market_base, timeout=30) as http:
        return bars_csv(await bars_before(http, "AAPL", START_DATE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backends", default="docker,bwrap")
    add_save_flag(parser)
    args = parser.parse_args()
    emit(asyncio.run(bench(args)), args)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
