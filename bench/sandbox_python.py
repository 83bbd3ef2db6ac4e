"""bubblewrap with the carried Python (what a bundle ships) against the machine's Python:
one real run of the runner (the sma_cross family, 500 bars) per run, alternated, in
the same sandbox; prints JSON with the medians and their ratio.

    .venv/bin/python bench/sandbox_python.py [--runs 5] [--save]

Lays the carried Python out once in a temporary directory (packaging/sandbox_python.py),
as `make package` does; needs bwrap, and the machine's python3 with numpy and pandas.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))
sys.path.insert(0, str(ROOT))

import sandbox_python  # noqa: E402

from bench.results import add_save_flag, emit  # noqa: E402
from engine.sandbox import SandboxLimits, run_in_sandbox  # noqa: E402
from engine.sandbox.bwrap_python import CARRIED_DIR_NAME, CARRIED_ENV  # noqa: E402
from tests.sandbox.runner_support import family_source, random_bars, write_job  # noqa: E402


async def one_backtest(job_dir: Path) -> float:
    started = time.monotonic()
    result = await run_in_sandbox(job_dir, backend="bwrap", label="bench-sandbox-python",
                                  limits=SandboxLimits(timeout_s=60.0))
    if result.reason != "ok":
        raise SystemExit(f"backtest failed: {result.reason} {result.stderr[-300:]}")
    return time.monotonic() - started


async def measure(runs: int) -> dict:
    top = Path(tempfile.mkdtemp(prefix="harness-bench-carried-"))
    top.chmod(0o755)
    try:
        laid_at = time.monotonic()
        sandbox_python.assemble(top / CARRIED_DIR_NAME)
        lay_out_s = time.monotonic() - laid_at
        job = write_job(top / "job", random_bars(500), family_source("sma_cross"),
                        {"fast": 10, "slow": 50}, split=0.6).parent
        times: dict[str, list[float]] = {"system": [], "carried": []}
        for run in range(runs + 1):  # run 0 warms the page cache of both: not counted
            for which in ("system", "carried"):
                if which == "carried":
                    os.environ[CARRIED_ENV] = str(top / CARRIED_DIR_NAME)
                else:
                    os.environ.pop(CARRIED_ENV, None)
                seconds = await one_backtest(job)
                if run:
                    times[which].append(seconds)
        size = sum(f.stat().st_size for f in (top / CARRIED_DIR_NAME).rglob("*") if f.is_file())
        medians = {k: round(statistics.median(v), 3) for k, v in times.items()}
        return {"runs": runs, "median_backtest_s": medians,
                "carried_over_system": round(medians["carried"] / medians["system"], 2),
                "carried_size_mb": round(size / 1e6, 1), "lay_out_s": round(lay_out_s, 2),
                "load_average": round(os.getloadavg()[0], 1)}
    finally:
        shutil.rmtree(top, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    add_save_flag(parser)
    args = parser.parse_args()
    emit(asyncio.run(measure(args.runs)), args)


if __name__ == "__main__":
    main()
