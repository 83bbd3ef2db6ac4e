"""Fan-out benchmark of strategy discovery: wall time of a discovery with 1 and with N
candidates, per sandbox backend available here, and each backend's start overhead.

A private runtime (dev server + Mockoon) and in-process workers, as production runs them
(the agent's queue and the sandbox queue, one sandbox per core at a time). Each figure
is the median of --rounds discoveries, the 1- and N-candidate ones alternating so load
drifts hit both alike. `ratio` = N-candidate wall / 1-candidate wall (targets on 2 cores:
Docker <= 3, bubblewrap <= 2). `start_overhead_s`: `python3 -c pass` in the sandbox minus
the same on the host, median of 5: what each backtest pays for its isolation.

    .venv/bin/python bench/fanout.py [--candidates 8] [--rounds 3] [--backends docker,bwrap]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from engine.agent.providers import HarnessModelProvider
from engine.client import HarnessClient
from engine.config import Settings
from engine.discovery.contracts import DiscoveryRequest
from engine.plugin import agents_plugin
from engine.runtime.supervisor import Supervisor
from engine.sandbox import SandboxUnavailable, check_backend, run_in_sandbox
from engine.temporal_connect import connect
from engine.worker import build_sandbox_worker, build_worker

TARGETS = {"docker": 3.0, "bwrap": 2.0}


async def start_overhead(backend: str, runs: int = 5) -> dict:
    host, boxed = [], []
    with tempfile.TemporaryDirectory(prefix="harness-bench-job-") as job:
        Path(job).chmod(0o755)
        for i in range(runs):
            t0 = time.monotonic()
            subprocess.run(["/usr/bin/python3", "-c", "pass"], check=True)
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


async def one_discovery(harness: HarnessClient, backend: str, candidates: int) -> float:
    request = DiscoveryRequest(symbol="AAPL", start_date="2008-01-02", candidates=candidates,
                               sandbox=backend)
    t0 = time.monotonic()
    parent = f"bench-fanout-{backend}-{candidates}-{uuid.uuid4().hex[:6]}"
    await harness.start_discovery(request, parent)
    result = await harness.discovery_result(parent)
    wall = time.monotonic() - t0
    if result.failed:
        errors = {o.error for o in result.ranked if not o.ok}
        raise RuntimeError(f"{backend}: {result.failed} candidate(s) failed: {errors}")
    return wall


async def bench(args: argparse.Namespace) -> dict:
    backends = []
    skipped = {}
    for name in args.backends.split(","):
        try:
            check_backend(name)
            backends.append(name)
        except SandboxUnavailable as exc:
            skipped[name] = str(exc)
    out: dict = {"candidates": args.candidates, "rounds": args.rounds, "bars": "AAPL before "
                 "2008-01-02 (~1,970)", "backends": {}, "unavailable": skipped}
    with Supervisor(Path(tempfile.mkdtemp(prefix="harness-bench-")), headless=True,
                    with_worker=False) as supervisor:
        info = supervisor.info
        settings = Settings(temporal_address=info.temporal_address, mockoon_url=info.mockoon_url,
                            task_queue=f"bench-{uuid.uuid4().hex[:6]}",
                            sandbox_task_queue=f"bench-sandbox-{uuid.uuid4().hex[:6]}")
        client = await connect(settings, plugins=[agents_plugin(HarnessModelProvider())])
        harness = HarnessClient(client, settings)
        async with build_worker(client, settings, interceptors=[]), \
                build_sandbox_worker(client, settings, interceptors=[]):
            for backend in backends:
                await one_discovery(harness, backend, 1)  # warm: image cache, imports
                one, many = [], []
                for _ in range(args.rounds):
                    one.append(await one_discovery(harness, backend, 1))
                    many.append(await one_discovery(harness, backend, args.candidates))
                wall_1, wall_n = statistics.median(one), statistics.median(many)
                out["backends"][backend] = {
                    "wall_1_s": round(wall_1, 2), f"wall_{args.candidates}_s": round(wall_n, 2),
                    "ratio": round(wall_n / wall_1, 2), "target_ratio": TARGETS.get(backend),
                    "meets_target": wall_n / wall_1 <= TARGETS.get(backend, float("inf")),
                    "runs_1_s": [round(x, 2) for x in one],
                    f"runs_{args.candidates}_s": [round(x, 2) for x in many],
                    **await start_overhead(backend),
                }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backends", default="docker,bwrap")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(bench(args)), indent=2))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
