"""`harness chaos --ticks N --kills K --seed S [--target worker|server|app] --json`.

Starts a private runtime (a temporary home unless --home is given; a hot standby
worker unless --workers 1), runs the agent N fast ticks undisturbed, then again while
SIGKILLing the target K times at seeded random moments (for the worker, the first two
at the start of a model call and of an order placement, through the worker's crash hook),
and prints what the kills cost and whether anything differs (engine/chaos_run.py).
Exit 0 when the run with kills ended exactly like the one without and no order is
duplicated (every order the broker numbered seen by the census, engine/order_census.py),
1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from engine.cli.exit_codes import EXIT_OK, EXIT_UNHEALTHY


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "chaos", help="kill a service K times during a run and compare with a run without"
    )
    parser.add_argument("--ticks", type=int, default=60, help="ticks of each run")
    parser.add_argument("--kills", type=int, default=8, help="SIGKILLs during the second run")
    parser.add_argument("--seed", type=int, default=0, help="seeds the kill moments")
    parser.add_argument("--target", choices=("worker", "server", "app"), default="worker",
                        help="what to kill: the active worker, the dev server, or the app "
                             "(the process hosting the runtime; the next one re-attaches)")
    parser.add_argument("--symbols", default="AAPL,MSFT", help="comma-separated symbols")
    parser.add_argument("--start-date", default="2004-01-02", help="first bar, YYYY-MM-DD")
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes (default 2: active + hot standby)")
    parser.add_argument("--no-failover", action="store_true",
                        help="no active failover: a dead worker is found by timeouts only")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=_chaos)


def _chaos(args: argparse.Namespace) -> int:
    from engine.contracts import AgentConfig
    from engine.models import RiskLimits

    symbols = [s.strip().upper() for s in args.symbols.split(",") if s.strip()]
    config = AgentConfig(
        symbols=symbols, start_date=args.start_date, max_ticks=args.ticks, seed=args.seed,
        limits=RiskLimits(approval_notional=1e12, allowed_symbols=symbols),
    )
    from engine.chaos_run import ChaosStalled

    with tempfile.TemporaryDirectory(prefix="harness-chaos-") as scratch:
        home = Path(args.home) if args.home else Path(scratch)
        try:
            report = asyncio.run(chaos_on_new_runtime(
                home, config, kills=args.kills, seed=args.seed, target=args.target,
                workers=args.workers, failover=not args.no_failover,
                log=None if args.json else print,
            ))
        except ChaosStalled as stalled:
            where = (f"the logs are in {home / 'logs'}" if args.home
                     else "run it with --home DIR to keep the logs")
            print(f"harness: chaos: {stalled}; {where}", file=sys.stderr)
            return EXIT_UNHEALTHY
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key:>18}: {value}")
    # A duplicate count is only as good as the census behind it: unseen orders fail too.
    good = (report["final_state_equal"] and report["duplicate_orders"] == 0
            and not report.get("orders_unseen"))
    return EXIT_OK if good else EXIT_UNHEALTHY


async def chaos_on_new_runtime(
    home: Path, config, *, kills: int, seed: int, target: str, workers: int = 2,
    failover: bool = True, log=None, timeouts: str = "tuned", hedge: bool = True,
    precise_timers: bool = True, fork_workers: bool = True, keep_dead_sticky_polls: bool = True,
) -> dict:
    """Start a runtime in `home`, run the experiment, stop the runtime; the report's JSON.
    `timeouts="sdk-default"` (engine/config.py) only for bench/recovery.py's baseline: it
    goes into the home's settings.json, which the workers read; `precise_timers=False`
    (engine/runtime/temporal_server.py) only for its timer baseline, and
    `fork_workers=False` (engine/runtime/worker_forks.py) for its spawned-restart one, and
    `keep_dead_sticky_polls=False` (engine/runtime/task_proxy.py) for its sticky-poll one."""
    import httpx

    from engine.chaos_run import run_chaos
    from engine.client import HarnessClient
    from engine.config import Settings
    from engine.runtime.supervisor import Supervisor

    if timeouts != "tuned":
        (home / "settings.json").write_text(json.dumps({"timeouts": timeouts}))
    if target == "app":
        return await _chaos_on_apps(home, config, kills=kills, seed=seed, workers=workers,
                                    log=log)
    supervisor = Supervisor(home, headless=True, worker_count=workers, active_failover=failover,
                            precise_timers=precise_timers, fork_workers=fork_workers,
                            keep_dead_sticky_polls=keep_dead_sticky_polls)
    supervisor.start(timeout=120)
    try:
        info = supervisor.info
        harness = await HarnessClient.connect(Settings(
            temporal_address=info.temporal_address, mockoon_url=info.mockoon_url,
            timeouts=timeouts,
        ))

        def reset_broker() -> None:
            httpx.post(f"{info.mockoon_url}/__harness/reset", json={"cash": 1e12},
                       timeout=10).raise_for_status()

        killed: dict[str, int] = {}  # service -> the pid last killed

        def whole(info) -> bool:
            # The killed process reaped and replaced, not merely not yet noticed as dead.
            return _all_ready(info) and all(
                info.services.get(name, {}).get("pid") != pid for name, pid in killed.items())

        def settle() -> bool:
            if supervisor.wait_for(whole, timeout=120):
                return True
            print("harness: the runtime did not recover in 120 s", file=sys.stderr)
            return False

        armed = list(ARMED_KILLS) if target == "worker" else []

        def kill() -> float | None:
            if not settle():
                return None
            if armed:  # the first kills land at the start of a model call, an order
                died_at = _armed_kill(supervisor, home, armed.pop(0), killed)
                if died_at is not None:
                    return died_at
            name = "temporal" if target == "server" else (
                "worker-1" if workers == 1 else _active_worker(home, workers))
            pid = supervisor.kill_service(name)
            if pid is None:
                return None
            killed[name] = pid
            return time.time()

        def on_kill(number: int, _at: float) -> None:
            if log:
                log(f"kill {number}: the {target}")

        # A second client of its own, polling `state` as the window does (what a user sees).
        observer = await HarnessClient.connect(harness.settings, read_only=True)
        if not hedge:
            observer.hedge_after_s = None  # the query path before issue 21, for comparison
        report = await run_chaos(harness, config, kills=kills, seed=seed, kill=kill,
                                 reset_broker=reset_broker, on_kill=on_kill, settle=settle,
                                 observer=observer)
        return {"target": target, "workers": workers, "active_failover": failover,
                "timeouts": timeouts,
                "ticks": config.max_ticks, "seed": seed, **report.to_json()}
    finally:
        supervisor.stop()


ARMED_KILLS = ("invoke_model_activity", "place_order")  # engine.chaos's activity types
ARMED_WAIT_S = 30.0  # a run may place no order for a while: then a plain kill instead


def _armed_kill(supervisor, home: Path, activity_type: str,
                killed: dict[str, int]) -> float | None:
    """Arm the worker's crash hook for the next activity of this type (engine/chaos.py)
    and wait for a worker to die there; the moment it died, or None if none did."""
    from engine.chaos import arm_crash, crash_record_path
    from engine.runtime.pids import pid_alive

    workers = {name: s["pid"] for name, s in supervisor.info.services.items()
               if name.startswith("worker-") and s.get("pid")}
    record = crash_record_path(home, activity_type)
    record.unlink(missing_ok=True)
    marker = arm_crash(home, activity_type)
    deadline = time.monotonic() + ARMED_WAIT_S
    while time.monotonic() < deadline:
        try:
            died_at = float(record.read_text())
        except (OSError, ValueError):  # not yet, or still being written
            time.sleep(0.005)
            continue
        settled_by = time.monotonic() + 5.0  # it wrote the record just before its SIGKILL
        while not (dead := {n: p for n, p in workers.items() if not pid_alive(p)}):
            if time.monotonic() > settled_by:
                break
            time.sleep(0.001)
        killed.update(dead)
        return died_at
    marker.unlink(missing_ok=True)
    return None


def _all_ready(info) -> bool:
    return all(s.get("status") == "ready" for s in info.services.values())


def _active_worker(home: Path, workers: int) -> str:
    """The worker that ran an activity last: the one the agent is on (killing the idle
    standby would prove nothing)."""
    from engine.runtime.inflight import inflight_path

    names = [f"worker-{i}" for i in range(1, workers + 1)]

    def last_write(name: str) -> float:
        try:
            return inflight_path(home, name).stat().st_mtime
        except OSError:
            return 0.0

    return max(names, key=last_write)


async def _chaos_on_apps(home: Path, config, *, kills: int, seed: int, workers: int,
                         log=None) -> dict:
    """--target app: each kill takes the whole runtime down with its app; the next app
    starts at once on the same home (engine/chaos_app.py)."""
    import httpx

    from engine.chaos_app import AppProcess, ReattachingClient
    from engine.chaos_run import run_chaos

    app = AppProcess(home, workers)
    app.start()
    try:
        info = await asyncio.to_thread(app.wait_ready)
        harness = await ReattachingClient.connect(info)

        def reset_broker() -> None:
            httpx.post(f"{harness.settings.mockoon_url}/__harness/reset", json={"cash": 1e12},
                       timeout=10).raise_for_status()

        async def settle() -> None:
            await harness.reattach(await asyncio.to_thread(app.wait_ready))

        def on_kill(number: int, _at: float) -> None:
            if log:
                log(f"kill {number}: the app")

        report = await run_chaos(harness, config, kills=kills, seed=seed,
                                 kill=app.kill_and_restart, reset_broker=reset_broker,
                                 on_kill=on_kill, settle=settle, pause_while_settling=False)
        return {"target": "app", "workers": workers, "active_failover": True,
                "timeouts": "tuned", "ticks": config.max_ticks, "seed": seed,
                **report.to_json()}
    finally:
        app.stop()
