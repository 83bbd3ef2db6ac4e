"""Relaunch after the app is killed: how long until the runtime is healthy, and until the
agent ticks again, beside a cold start measured in the same run.

A `harness up` process hosts the runtime (its supervisor, as the window's process does);
an agent runs fast ticks on it. Each kill SIGKILLs that process (its children die with
it: PR_SET_PDEATHSIG) and at once launches `harness up` again on the same home, as a
user double-clicking the app again would. Per kill: relaunch to every service ready in
runtime.json (`healthy_s`; `phases`: when runtime.json and each service's readiness were
first seen), relaunch to usable (`usable_s`: the server, Mockoon and worker-1 ready, when
`harness up` prints its table; the hot standby still starting), and relaunch to the first
`state` answer showing a later tick
than before the kill (`next_tick_s`), and relaunch to `harness up` saying "Supervising."
(`up_ready_s`: where `up` returns to its user; the window's start returns alike). With
--old-ref REF, each kill relaunches twice on the same home and agent, the app of REF
(its engine exported with `git archive`, first on PYTHONPATH: the supervisor and its
workers) and then this code: `old` and `new` side by side. Beside them, `cold_start`:
bench/startup.py's cold start (fresh home, same worker count), alternating with the kills.
Prints JSON.

    python bench/relaunch.py [--kills 3] [--workers 2] [--old-ref main]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]  # run as `python bench/relaunch.py`

from startup import cold_start, old_engine  # noqa: E402

from bench.results import add_save_flag, emit  # noqa: E402
from engine.client import HarnessClient  # noqa: E402
from engine.config import Settings  # noqa: E402
from engine.contracts import AgentConfig, ApprovalPolicy  # noqa: E402
from engine.runtime.state import load_runtime_file  # noqa: E402

POLL_S = 0.02


def launch(home: Path, workers: int, pythonpath: str | None = None) -> subprocess.Popen:
    log = open(home / "up.log", "ab")  # noqa: SIM115 - the child keeps it
    env = {**os.environ, **({"PYTHONPATH": pythonpath} if pythonpath else {})}
    # Not cwd=REPO: `-m` puts the working directory first on sys.path, before PYTHONPATH.
    return subprocess.Popen([sys.executable, "-m", "engine.cli", "--home", str(home), "up",
                             "--headless", "--workers", str(workers)],
                            stdout=log, stderr=subprocess.STDOUT, cwd=home, env=env)


def up_said_ready(home: Path, before: int, started: float, timeout: float = 120) -> float:
    """Until up.log holds more than `before` "Supervising." lines; when, after `started`."""
    deadline = time.monotonic() + timeout
    while (home / "up.log").read_bytes().count(b"Supervising.") <= before:
        if time.monotonic() > deadline:
            raise TimeoutError("harness up never said it was supervising")
        time.sleep(POLL_S)
    return round(time.monotonic() - started, 3)


def is_standby(name: str) -> bool:
    return name.startswith("worker-") and name != "worker-1"


def wait_healthy(home: Path, pid: int, started: float, timeout: float = 120
                 ) -> dict[str, float]:
    """Until every service of the supervisor `pid` is ready in runtime.json; when each
    step was first seen, in seconds after `started` (where the time goes); `usable`: every
    service but the standbys."""
    seen: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while True:
        info = load_runtime_file(home)
        now = round(time.monotonic() - started, 3)
        if info is not None and info.supervisor_pid == pid:
            seen.setdefault("runtime_json", now)
            for name, record in info.services.items():
                if record.get("status") == "ready":
                    seen.setdefault(f"{name}_ready", now)
            if all(s.get("status") == "ready" for name, s in info.services.items()
                   if not is_standby(name)):
                seen.setdefault("usable", now)
            if all(s.get("status") == "ready" for s in info.services.values()):
                return seen
        if time.monotonic() > deadline:
            raise TimeoutError(f"no healthy runtime in {home} after {timeout} s")
        time.sleep(POLL_S)


async def client_of(home: Path) -> HarnessClient:
    info = load_runtime_file(home)
    assert info is not None
    return await HarnessClient.connect(Settings(temporal_address=info.temporal_address,
                                                mockoon_url=info.mockoon_url), timeout=60)


async def next_tick(home: Path, pid: int, workflow_id: str, after: int) -> float:
    """Until a client of the new runtime sees the agent past tick `after`; that moment."""
    while (info := load_runtime_file(home)) is None or info.supervisor_pid != pid:
        await asyncio.sleep(POLL_S)
    client = await client_of(home)
    while True:
        try:
            if (await client.state(workflow_id)).tick > after:
                return time.monotonic()
        except Exception:  # noqa: BLE001 - no worker answers yet
            pass
        await asyncio.sleep(POLL_S)


def kill_app(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


async def relaunch_once(home: Path, app: subprocess.Popen, workers: int, workflow_id: str,
                        client: HarnessClient, pythonpath: str | None = None
                        ) -> tuple[subprocess.Popen, dict]:
    tick = (await client.state(workflow_id)).tick
    said = (home / "up.log").read_bytes().count(b"Supervising.")
    kill_app(app)
    started = time.monotonic()
    app = launch(home, workers, pythonpath)
    ticked = asyncio.create_task(next_tick(home, app.pid, workflow_id, tick))
    up_ready = asyncio.create_task(asyncio.to_thread(up_said_ready, home, said, started))
    phases = await asyncio.to_thread(wait_healthy, home, app.pid, started)
    healthy_s = time.monotonic() - started
    ticked_at = await asyncio.wait_for(ticked, 120)
    return app, {"tick_at_kill": tick, "healthy_s": round(healthy_s, 3),
                 "up_ready_s": await up_ready,
                 "usable_s": phases["usable"],
                 "next_tick_s": round(ticked_at - started, 3), "phases": phases}


def old_app(ref: str, into: Path) -> Path:
    """The engine of `ref` beside this checkout's Mockoon and sandbox runner, which it finds
    next to its package (their installs are not versioned)."""
    old_engine(ref, into)
    for folder in ("mockoon", "sandbox"):
        (into / folder).symlink_to(REPO / folder)
    return into


def spread(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3)}


def summary(relaunches: list[dict]) -> dict:
    return {f"relaunch_to_{key}": spread([r[f"{key}_s"] for r in relaunches])
            for key in ("up_ready", "usable", "healthy", "next_tick")}


async def bench(kills: int, workers: int, old_ref: str | None) -> dict:
    load = [round(x, 2) for x in os.getloadavg()]
    cold: list[dict] = []
    legs: dict[str, list[dict]] = {"old": [], "new": []} if old_ref else {"new": []}
    with tempfile.TemporaryDirectory(prefix="harness-relaunch-") as tmp, \
            tempfile.TemporaryDirectory(prefix="harness-relaunch-old-") as old:
        home = Path(tmp) / "home"
        home.mkdir()
        paths = {"new": None, "old": str(old_app(old_ref, Path(old))) if old_ref else None}
        app = launch(home, workers)
        try:
            await asyncio.to_thread(wait_healthy, home, app.pid, time.monotonic())
            client = await client_of(home)
            workflow_id = await client.start_agent(AgentConfig(
                symbols=["AAPL"], start_date="2004-01-02", max_ticks=100_000,
                tick_interval_s=0.0, approval_policy=ApprovalPolicy.AUTO_APPROVE))
            while (await client.state(workflow_id)).tick < 3:
                await asyncio.sleep(0.1)
            for _ in range(kills):
                cold.append(await asyncio.to_thread(cold_start, worker_count=workers))
                for leg, rows in legs.items():
                    app, figures = await relaunch_once(home, app, workers, workflow_id,
                                                       client, paths[leg])
                    rows.append(figures)
                    client = await client_of(home)
                    await asyncio.to_thread(wait_healthy, home, app.pid, time.monotonic())
                    await asyncio.sleep(1.0)
        finally:
            app.send_signal(signal.SIGTERM)
            app.wait(30)
    new = legs["new"]
    report: dict = {
        "kills": kills, "workers": workers, **summary(new),
        "cold_start_all_ready_s": spread([c["all_ready_s"] for c in cold]),
        "ratio_healthy_to_cold": round(
            statistics.median(r["healthy_s"] for r in new)
            / statistics.median(c["all_ready_s"] for c in cold), 3),
        "per_kill": new,
    }
    if old_ref:
        report["old"] = {"ref": old_ref, **summary(legs["old"]), "per_kill": legs["old"]}
        report["ratio_new_to_old"] = {
            key: round(statistics.median(r[f"{key}_s"] for r in new)
                       / statistics.median(r[f"{key}_s"] for r in legs["old"]), 3)
            for key in ("up_ready", "usable", "healthy", "next_tick")}
    return {**report, "cold_start_per_run": [{k: round(v, 3) for k, v in c.items()}
                                             for c in cold],
            "load_avg_before": load, "load_avg_after": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--old-ref", default=None,
                        help="also relaunch the app of this git ref, alternating (old/new)")
    add_save_flag(parser)
    args = parser.parse_args()
    emit(asyncio.run(bench(args.kills, args.workers, args.old_ref)), args)


if __name__ == "__main__":
    main()
