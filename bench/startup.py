"""Cold-start benchmark of the runtime: how long until each service is ready.

Each run uses a fresh temporary home (a new SQLite store, new logs) and starts the
children as `harness up` does (one worker; --workers 2: and a hot standby). Prints JSON: the
median of N runs with the tuned server flags, the same for the untuned server
(`baseline`), and a `breakdown` that shows where the time goes.

With --legs, four legs alternate run by run, each change of issue 21 measured alone:
`new` (this code: the standby forked from worker-1's zygote), `spawned_standby` (this code,
the standby spawned once worker-1 polls, and importing: RuntimeOptions.fork_workers off),
`simultaneous_standby` (both workers spawned at once: stagger_standby off too) and
`old_worker` (the same, the workers importing the engine of --old-ref, exported with
`git archive`; what each change saved is the difference of two legs).

    python bench/startup.py [--runs 5] [--no-baseline] [--workers 2] [--legs]
"""

from __future__ import annotations

import argparse
import os
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
           "worker-1": "worker_ready_s", "worker-2": "standby_ready_s"}
OLD_REF = "71f949f"  # main before issue 21


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
    # When `harness up` and the window return (Supervisor.start(await_standby=False)):
    # every service but the hot standby ready.
    result["usable_s"] = max(at for name, at in ready_at.items() if name != "worker-2")
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


def old_engine(ref: str, into: Path) -> Path:
    """The engine/ of `ref` in a directory of its own, for PYTHONPATH (before this
    checkout's editable install on the workers' sys.path)."""
    archive = subprocess.run(["git", "-C", str(Path(__file__).resolve().parents[1]),
                              "archive", ref, "engine"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def legs(runs: int, workers: int, old_ref: str) -> dict[str, object]:
    """The three legs of --legs, alternating run by run (the load drifts meanwhile)."""
    results: dict[str, list[dict[str, float]]] = {
        "new": [], "spawned_standby": [], "simultaneous_standby": [], "old_worker": []}
    with tempfile.TemporaryDirectory(prefix="harness-bench-old-") as old:
        old_engine(old_ref, Path(old))
        for _ in range(runs):
            results["new"].append(cold_start(worker_count=workers))
            results["spawned_standby"].append(
                cold_start(worker_count=workers, fork_workers=False))
            results["simultaneous_standby"].append(
                cold_start(worker_count=workers, stagger_standby=False, fork_workers=False))
            os.environ["PYTHONPATH"] = old  # the workers inherit it; this process is imported
            try:
                results["old_worker"].append(cold_start(
                    worker_count=workers, stagger_standby=False, fork_workers=False))
            finally:
                del os.environ["PYTHONPATH"]
    return {name: {**medians(rows), "per_run": [{k: round(v, 3) for k, v in r.items()}
                                                 for r in rows]}
            for name, rows in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes (default: 1, the headline's; 2 with --legs, "
                             "as `harness up`)")
    parser.add_argument("--legs", action="store_true", help="issue 21's changes, leg by leg")
    parser.add_argument("--old-ref", default=OLD_REF, help="the old worker's git ref (--legs)")
    add_save_flag(parser)
    args = parser.parse_args()
    args.workers = args.workers or (2 if args.legs else 1)
    if args.legs:
        report = legs(args.runs, args.workers, args.old_ref)
        emit({"runs": args.runs, "workers": args.workers, **report}, args)
        return

    tuned_runs = [cold_start(tuned=True, worker_count=args.workers) for _ in range(args.runs)]
    report: dict[str, object] = {**medians(tuned_runs), "runs": args.runs}
    if not args.no_baseline:
        report["baseline"] = medians([cold_start(tuned=False, worker_count=args.workers)
                                      for _ in range(args.runs)])
    report["breakdown"] = breakdown()
    report["per_run"] = [{k: round(v, 3) for k, v in run.items()} for run in tuned_runs]
    emit(report, args)


if __name__ == "__main__":
    main()
