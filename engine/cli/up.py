"""`harness up`: start the runtime in the foreground and supervise it until Ctrl-C/SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from engine.cli.exit_codes import EXIT_OK, EXIT_UNHEALTHY
from engine.cli.feed import AgentFeed
from engine.cli.settings import settings_for
from engine.cli.table import render_runtime
from engine.runtime.health import check_runtime
from engine.runtime.home import resolve_home
from engine.runtime.lock import RuntimeAlreadyRunning
from engine.runtime.services import ServiceStartError
from engine.runtime.supervisor import Supervisor


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "up", help="start the Temporal dev server, Mockoon and the worker; supervise them",
        description="Start the runtime in the foreground. Ctrl-C (or SIGTERM) stops every "
                    "child. If a runtime already runs in this home, show it instead.")
    parser.add_argument("--headless", action="store_true", help="no Temporal Web UI")
    parser.add_argument("--no-worker", action="store_true", help="start no worker process")
    parser.add_argument("--workers", type=int, default=2, metavar="N",
                        help="worker processes polling the same queues (default 2: one "
                             "active, one hot standby that takes over at once if it dies)")
    parser.add_argument("--seed", type=int, default=42, help="Mockoon faker seed")
    parser.add_argument("--temporal-address", metavar="HOST:PORT",
                        help="use this (remote) Temporal cluster; no local dev server")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--agent", action="store_true",
                        help="also run the trading agent (re-attach or start) and print its feed")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds to wait for every service to be ready")
    parser.set_defaults(func=run)


class _Stop(BaseException):
    """Raised from the signal handler so a pending start() unwinds (and cleans up) too."""


def run(args: argparse.Namespace) -> int:
    home = resolve_home(args.home)
    supervisor = Supervisor(
        home,
        with_worker=not args.no_worker,
        worker_count=args.workers,
        mockoon_seed=args.seed,
        temporal_address=args.temporal_address,
        namespace=args.namespace,
        headless=args.headless,
    )
    stop_requested = threading.Event()
    feed = None

    def on_signal(signum: int, _frame: object) -> None:
        stop_requested.set()
        raise _Stop(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            info = supervisor.start(timeout=args.timeout)
        except RuntimeAlreadyRunning as exc:
            return _show_existing(exc)
        except ServiceStartError as exc:
            print(f"harness: could not start the runtime: {exc}", file=sys.stderr)
            return EXIT_UNHEALTHY
        print(render_runtime(info), flush=True)
        print("\nSupervising. Ctrl-C stops every service.", flush=True)
        if args.agent:
            feed = AgentFeed(settings_for(info, home), say=lambda line: print(line, flush=True))
            feed.start()
        while not stop_requested.wait(1.0):
            pass
    except _Stop:
        pass
    finally:
        if feed is not None:
            feed.stop()
        # No second signal may interrupt the orderly stop; the stop itself is bounded
        # (SIGKILL after the grace period), and children die with us regardless.
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        if supervisor.running:
            print("Stopping...", file=sys.stderr, flush=True)
        supervisor.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("Stopped.", file=sys.stderr, flush=True)
    return EXIT_OK


def _show_existing(exc: RuntimeAlreadyRunning) -> int:
    print(f"harness: {exc}; not starting another. Showing it:", flush=True)
    if exc.info is not None:
        print(render_runtime(exc.info, check_runtime(exc.info)), flush=True)
    return EXIT_OK
