"""What a person waits for at the prompt: each read command, the old code beside the new.

One runtime (dev server, Mockoon, two workers) in a fresh home, one agent ticking on it.
Each command is run as a user runs it (`python -m engine.cli --home H ...`, a new process
each time) from this checkout and from a baseline checkout (default: the commit before
issue 21, exported with `git archive`), alternating the two, --runs times each. Prints
JSON: per command, the median, min and max seconds of each side and the ratio of the
medians, the median CPU seconds of each side (less sensitive to a loaded machine than the
wall time), with the load average before and after (the machine is shared).

    python bench/cli_latency.py [--runs 5] [--baseline 71f949f]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as `python bench/cli_latency.py`
    sys.path.insert(0, str(REPO))

from bench.results import add_save_flag, emit  # noqa: E402
from engine.cli.settings import settings_for  # noqa: E402
from engine.client import HarnessClient  # noqa: E402
from engine.contracts import AgentConfig, ApprovalPolicy  # noqa: E402
from engine.runtime.supervisor import Supervisor  # noqa: E402

BASELINE = "71f949f"  # main before issue 21
COMMANDS = {
    "state": ["state", "{id}", "--json"],
    "agents": ["agents", "--json"],
    "runs": ["runs", "{id}", "--json"],
    "history": ["history", "{id}", "--json"],
    "why": ["why", "{id}", "1", "--json"],
    "status": ["status", "--json"],
}
TARGETS = {"status": 0.3}  # every other read command: 0.5 s


def export(ref: str, into: Path) -> Path:
    """The baseline's engine/ in a directory of its own; run from there (the working
    directory comes first on sys.path, before this checkout's editable install)."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref, "engine"],
                             check=True, capture_output=True).stdout
    into.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def timed(cwd: Path, home: Path, argv: list[str], cpu: list[float] | None = None) -> float:
    """Wall seconds of one command; its CPU seconds (user + system) appended to `cpu`:
    on a shared machine the wall time is mostly waiting for a core, the CPU time is not."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "engine.cli", "--home", str(home), *argv],
                            cwd=cwd, capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise RuntimeError(f"{argv} in {cwd}: exit {result.returncode}: {result.stderr[-500:]}")
    if cpu is not None:
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return elapsed


def summary(times: list[float]) -> dict:
    return {"median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3),
            "max_s": round(max(times), 3)}


async def start_agent(supervisor: Supervisor) -> str:
    client = await HarnessClient.connect(settings_for(supervisor.info, supervisor.home))
    config = AgentConfig(symbols=["AAPL"], start_date="2004-01-02", max_ticks=100_000,
                         tick_interval_s=0.5, approval_policy=ApprovalPolicy.AUTO_APPROVE)
    workflow_id = await client.start_agent(config)
    while (await client.state(workflow_id)).tick < 2:
        await asyncio.sleep(0.1)
    return workflow_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", default=BASELINE, help="git ref of the old code")
    parser.add_argument("--only", default="", help="comma-separated commands")
    add_save_flag(parser)
    args = parser.parse_args()
    commands = {k: v for k, v in COMMANDS.items() if not args.only or k in args.only.split(",")}
    with tempfile.TemporaryDirectory(prefix="harness-cli-bench-") as tmp:
        old = export(args.baseline, Path(tmp) / "baseline")
        home = Path(tmp) / "home"
        supervisor = Supervisor(home, headless=True, worker_count=2)
        supervisor.start(timeout=120)
        try:
            workflow_id = asyncio.run(start_agent(supervisor))
            load_before = os.getloadavg()
            report: dict = {"runs": args.runs, "baseline": args.baseline, "commands": {}}
            for name, argv in commands.items():
                argv = [a.format(id=workflow_id) for a in argv]
                sides: dict[str, list[float]] = {"old": [], "new": []}
                cpu: dict[str, list[float]] = {"old": [], "new": []}
                timed(REPO, home, argv)  # warm the page cache and .pyc files of both
                timed(old, home, argv)
                for _ in range(args.runs):
                    sides["old"].append(timed(old, home, argv, cpu["old"]))
                    sides["new"].append(timed(REPO, home, argv, cpu["new"]))
                new, before = summary(sides["new"]), summary(sides["old"])
                report["commands"][name] = {
                    "new": new, "old": before,
                    "ratio_new_to_old": round(new["median_s"] / before["median_s"], 3),
                    "cpu_s": {side: round(statistics.median(v), 3) for side, v in cpu.items()},
                    "target_s": TARGETS.get(name, 0.5),
                    "new_runs_s": [round(t, 3) for t in sides["new"]],
                }
            report["load_avg_before"] = [round(x, 2) for x in load_before]
            report["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
        finally:
            supervisor.stop()
    emit(report, args)


if __name__ == "__main__":
    main()
