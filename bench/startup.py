"""Cold-start benchmark of the runtime: how long until each service is ready.

Each run uses a fresh temporary home (a new SQLite store, new logs) and starts the three
children in parallel, exactly as `harness up` does. Prints JSON: the median of N runs with
the tuned server flags, the same for the untuned server (`baseline`), and a `breakdown`
that shows where the time goes.

    python bench/startup.py [--runs 5] [--no-baseline]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/startup.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results import add_save_flag, emit
from engine.runtime.plan import RuntimeOptions, plan_runtime
from engine.runtime.state import RuntimeInfo
from engine.runtime.supervisor import Supervisor

FIGURES = {"temporal": "server_ready_s", "mockoon": "mockoon_ready_s",
           "worker-1": "worker_ready_s"}


def cold_start(**options: object) -> dict[str, float]:
    """One start in a fresh home; seconds from 'Supervisor created' to each service ready."""
    with tempfile.TemporaryDirectory(prefix="harness-bench-") as home:
        ready_at: dict[str, float] = {}
        t0 = time.monotonic()

        def on_change(info: RuntimeInfo) -> None:
            now = time.monotonic() - t0
            for name, record in info.services.items():
                if record["status"] == "ready":
                    ready_at.setdefault(name, now)

        supervisor = Supervisor(Path(home), on_change=on_change, **options)
        try:
            supervisor.start(timeout=120)
            all_ready = time.monotonic() - t0
        finally:
            supervisor.stop()
    result = {FIGURES[name]: ready_at[name] for name in FIGURES if name in ready_at}
    result["all_ready_s"] = all_ready
    return result


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(statistics.median(run[key] for run in runs), 3) for key in runs[0]}


def wall_time(argv: list[str], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.monotonic()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.monotonic() - t0)
    return round(statistics.median(times), 3)


def breakdown() -> dict[str, object]:
    """Where the time goes, each part measured alone (no CPU contention)."""
    with tempfile.TemporaryDirectory(prefix="harness-bench-") as home:
        t0 = time.monotonic()
        plan_runtime(Path(home), RuntimeOptions())
        plan_s = time.monotonic() - t0
    no_worker = medians([cold_start(with_worker=False) for _ in range(3)])
    return {
        "python_startup_s": wall_time([sys.executable, "-c", "pass"]),
        "worker_import_s": wall_time([sys.executable, "-c", "import engine.worker"]),
        "temporalio_client_import_s": wall_time([sys.executable, "-c",
                                                 "import temporalio.client"]),
        "plan_and_validate_s": round(plan_s, 3),
        "without_worker": {k: v for k, v in no_worker.items() if k != "worker_ready_s"},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-baseline", action="store_true")
    add_save_flag(parser)
    args = parser.parse_args()

    tuned_runs = [cold_start(tuned=True) for _ in range(args.runs)]
    report: dict[str, object] = {**medians(tuned_runs), "runs": args.runs}
    if not args.no_baseline:
        report["baseline"] = medians([cold_start(tuned=False) for _ in range(args.runs)])
    report["breakdown"] = breakdown()
    report["per_run"] = [{k: round(v, 3) for k, v in run.items()} for run in tuned_runs]
    emit(report, args)


if __name__ == "__main__":
    main()
