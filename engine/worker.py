"""The worker process: `python -m engine.worker`.

It polls the agent's task queue and runs workflows and activities. The
supervisor starts it together with the server (it retries until the server
answers), and considers it ready when it writes `$HARNESS_READY_FILE`. On
SIGTERM it shuts the worker down explicitly before the interpreter exits (the
SDK can crash at exit otherwise). Any number of these may run, on any machine:
that is how the harness scales and how a standby takes over.
"""

# ruff: noqa: E402 - the collector is turned off before the imports below
from __future__ import annotations

import gc

if __name__ == "__main__":
    # `python -m engine.worker`: no garbage collection while the imports below build about
    # 310,000 objects (the Agents SDK, pydantic schemas) and free almost none; each
    # collection meanwhile was wasted CPU on the start-up's critical path (1.79 -> 1.54 s
    # of CPU, 5 runs alternating). main() turns it back on
    # (tests/runtime/test_worker_import_gc.py).
    gc.disable()
    COLLECTIONS_BEFORE = sum(generation["collections"] for generation in gc.get_stats())

import asyncio
import json
import logging
import os
import signal
import time
from datetime import timedelta
from pathlib import Path

from temporalio.client import Client
from temporalio.worker import Worker

from engine.activities.broker import BrokerActivities
from engine.activities.market import MarketActivities
from engine.agent.call_progress import CallProgressInterceptor
from engine.agent.providers import HarnessModelProvider
from engine.chaos_hook import worker_interceptors
from engine.config import Settings, load_settings
from engine.discovery.activities import DiscoveryActivities
from engine.discovery.scorecard_cache import ScorecardCache
from engine.inflight_recorder import inflight_interceptors
from engine.plugin import agents_plugin
from engine.runtime.worker_process import worker_identity
from engine.temporal_connect import connect
from engine.worker_runner import workflow_runner
from engine.worker_zygote import leave_zygote_behind
from engine.workflows.discovery import BacktestWorkflow, StrategyDiscoveryWorkflow
from engine.workflows.trading_agent import TradingAgentWorkflow

log = logging.getLogger("harness.worker")

# A dead worker's sticky queue is abandoned after this long, and the workflow
# task goes to another worker (the default is 5 s).
STICKY_TIMEOUT = timedelta(seconds=1)


def build_worker(client: Client, settings: Settings, task_queue: str | None = None,
                 interceptors: list | None = None) -> Worker:
    """A worker with every workflow and activity of the agent registered."""
    market = MarketActivities(settings)
    broker = BrokerActivities(settings)
    discovery = DiscoveryActivities(settings)
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=[TradingAgentWorkflow, StrategyDiscoveryWorkflow, BacktestWorkflow],
        # Unsandboxed: the sandbox cost a fifth of the worker's CPU per tick; replays keep
        # it as the determinism check (engine/worker_runner.py says why that suffices).
        workflow_runner=workflow_runner(settings.workflow_sandbox),
        activities=[
            discovery.plan_candidates,
            market.load_calendar,
            market.fetch_tick_context,
            market.get_quote,
            market.get_news,
            market.read_tools,
            broker.place_order,
            broker.lookup_order,
            broker.cancel_order,
            broker.open_account,
            broker.broker_snapshot,
        ],
        **({"sticky_queue_schedule_to_start_timeout": STICKY_TIMEOUT}
           if settings.timeouts == "tuned" else {}),
        # What its supervisor fails over if it dies; the app's "crash during the next ...".
        interceptors=interceptors if interceptors is not None else _interceptors(),
        graceful_shutdown_timeout=timedelta(seconds=2),
    )


def _interceptors() -> list:
    return [*inflight_interceptors(), *worker_interceptors(), CallProgressInterceptor()]


def build_sandbox_worker(client: Client, settings: Settings, run_sandbox=None,
                         interceptors: list | None = None,
                         scorecards: ScorecardCache | None = None) -> Worker:
    """The backtest activity on its own queue: a machine with Docker or bubblewrap can
    serve it alone. At most one sandbox per core runs at once: more only thrash.
    `scorecards`: kept across discoveries (default: none; serve() keeps the home's)."""
    discovery = DiscoveryActivities(settings, run_sandbox=run_sandbox, scorecards=scorecards)
    return Worker(
        client,
        task_queue=settings.sandbox_task_queue,
        activities=[discovery.run_backtest],
        max_concurrent_activities=max(2, os.cpu_count() or 2),
        interceptors=interceptors if interceptors is not None else _interceptors(),
        graceful_shutdown_timeout=timedelta(seconds=2),
    )


def worker_plugin(settings: Settings):
    provider = HarnessModelProvider(base_url=settings.openai_base_url,
                                    timeout_s=settings.model_timeout_s)
    return agents_plugin(provider, heartbeat=settings.timeouts == "tuned",
                         timeout=timedelta(seconds=settings.model_timeout_s))


async def serve(settings: Settings, ready_file: Path | None, connect_timeout: float) -> None:
    # The identity names the supervised worker and its pid: the supervisor's task proxy
    # files the workflow tasks it holds under it (engine/runtime/task_proxy.py).
    identity = worker_identity(os.environ.get("HARNESS_WORKER_ID", "worker"), os.getpid())
    client = await connect(settings, plugins=[worker_plugin(settings)], timeout=connect_timeout,
                           identity=identity)
    # One recorder for both workers: they share the worker's inflight file.
    interceptors = _interceptors()
    worker = build_worker(client, settings, interceptors=interceptors)
    sandbox_worker = build_sandbox_worker(
        client, settings, interceptors=interceptors,
        scorecards=ScorecardCache.for_home(os.environ.get("HARNESS_HOME")))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with worker, sandbox_worker:
        if ready_file is not None:
            _write_ready(ready_file, settings)
        # After "ready", in a thread: `docker ps` took 20-110 ms of the start-up's critical
        # path, and what it removes belongs to dead workers, never to the backtests this
        # worker starts meanwhile.
        reaping = asyncio.create_task(asyncio.to_thread(_reap_sandboxes))
        worker_id = os.environ.get("HARNESS_WORKER_ID", "?")
        log.info("worker %s polling %s", worker_id, settings.task_queue)
        await stop.wait()
        log.info("worker shutting down")
        reaping.cancel()
    # Leaving the `async with` shut the worker down before the interpreter exits.


def _reap_sandboxes() -> None:
    """Containers a dead worker left behind (it could not remove them as it died)."""
    try:
        from engine.sandbox import reap_orphans
        reaped = reap_orphans()
    except Exception as exc:  # noqa: BLE001 - never keep a worker from starting
        log.warning("could not reap orphaned sandboxes: %s", exc)
        return
    if reaped:
        log.info("removed %d orphaned sandbox container(s)", reaped)


def _write_ready(path: Path, settings: Settings | None = None) -> None:
    """"Polling", and which model providers this process can call (booleans, never a
    key): a CLI attached to this runtime checks the worker's access, not its own."""
    from engine.validation import model_access

    record: dict = {"pid": os.getpid(), "ready_at": time.time()}
    if settings is not None:
        record["model_access"] = model_access(base_url=settings.openai_base_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record))
    tmp.replace(path)


def imports_done(collections_before: int = 0) -> str:
    """The collector back on, the objects imported so far frozen out of its sight (every
    later full collection skips them); a line saying what the start-up cost.
    `collections_before`: how many ran when the collector was turned off."""
    collections = _collections() - collections_before
    gc.enable()
    gc.freeze()
    return (f"imported in {time.process_time():.2f} s of CPU; {collections} garbage "
            f"collections while importing; gc enabled: {gc.isenabled()}; "
            f"{gc.get_freeze_count()} objects frozen")


def main(collections_before: int | None = None, connect_timeout: float = 60.0,
         settings: Settings | None = None) -> None:
    """A supervised worker, imported (`python -m engine.worker`, or `harness worker`
    without flags). `settings`: this worker's (default: from the environment)."""
    if collections_before is None:
        collections_before = globals().get("COLLECTIONS_BEFORE", 0)
    # Spawned as worker-1, it first leaves an imported fork of itself behind: the runtime's
    # later workers start from it at once (engine/worker_zygote.py). Each runs _run() with
    # its own environment, so it loads its own settings.
    leave_zygote_behind(lambda: _run(_collections(), connect_timeout))
    _run(collections_before, connect_timeout, settings)


def _collections() -> int:
    return sum(generation["collections"] for generation in gc.get_stats())


def _run(collections_before: int, connect_timeout: float,
         settings: Settings | None = None) -> None:
    started = imports_done(collections_before)
    level = os.environ.get("HARNESS_LOG_LEVEL", "INFO")
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if level.upper() != "DEBUG":
        # One line per broker and market request (six a tick) was most of a worker's log;
        # the activities log what they did. HARNESS_LOG_LEVEL=DEBUG brings them back.
        logging.getLogger("httpx").setLevel(logging.WARNING)
    log.info("worker %s %s", os.environ.get("HARNESS_WORKER_ID", "?"), started)
    if settings is None:
        home = os.environ.get("HARNESS_HOME")
        settings = load_settings(Path(home) if home else None)
    ready = os.environ.get("HARNESS_READY_FILE")
    asyncio.run(serve(settings, Path(ready) if ready else None, connect_timeout))


if __name__ == "__main__":
    main()
