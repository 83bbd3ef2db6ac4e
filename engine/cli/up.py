"""`harness up`: start the runtime in the foreground and supervise it until Ctrl-C/SIGTERM.

Signals: the handler only stores the signal number, asks a start-up under way to give
up (one attribute store) and writes a byte to a self-pipe. It takes no lock and raises
nothing, so it can land anywhere, any number of times, and the main thread, which sleeps
on the pipe, does the orderly stop. (The old handler set a threading.Event: when a
signal landed inside that Event's own lock, the handler blocked on a lock its own thread
held, and `up` hung until SIGKILL.)
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import sys
from typing import TYPE_CHECKING

from engine.cli.exit_codes import EXIT_OK, EXIT_UNHEALTHY

if TYPE_CHECKING:  # imported by run(): every other command builds this parser too
    from engine.runtime.lock import RuntimeAlreadyRunning
    from engine.runtime.supervisor import Supervisor

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "up", help="start the Temporal dev server, Mockoon and the worker; supervise them",
        description="Start the runtime in the foreground. Ctrl-C (or SIGTERM) stops every "
                    "child. If a runtime already runs in this home, show it instead.")
    parser.add_argument("--headless", action="store_true", help="no Temporal Web UI")
    parser.add_argument("--no-worker", action="store_true", help="start no worker process")
    parser.add_argument("--workers", type=int, default=2, metavar="N",
                        help="worker processes polling the same queues, at least 1 (2: one "
                             "active, one hot standby that takes over at once if it dies)")
    parser.add_argument("--seed", type=int, default=42, help="Mockoon faker seed")
    parser.add_argument("--temporal-address", metavar="HOST:PORT",
                        help="use this (remote) Temporal cluster; no local dev server")
    parser.add_argument("--namespace", default="default", help="Temporal namespace")
    parser.add_argument("--agent", action="store_true",
                        help="also run the trading agent (re-attach or start) and print its feed")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds to wait for every service to be ready")
    parser.set_defaults(func=run)


def check_args(args: argparse.Namespace) -> None:
    """Refuse bad values before anything starts (InvalidInput: exit 4)."""
    from engine.validation import InvalidInput, check_at_least, check_positive

    check_at_least("--workers", args.workers, 1)
    check_positive("--timeout", args.timeout)
    if not args.namespace.strip():
        raise InvalidInput("--namespace", args.namespace, "must not be empty")
    if args.temporal_address is not None:
        host, sep, port = args.temporal_address.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise InvalidInput("--temporal-address", args.temporal_address,
                               "must be HOST:PORT with a port from 1 to 65535")


class _StopPipe:
    """The self-pipe a signal handler writes to and the main thread sleeps on."""

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.write_fd, False)  # a full pipe must never block a handler
        self.signum = 0

    def handler(self, supervisor: Supervisor):
        def on_signal(signum: int, _frame: object) -> None:
            self.signum = self.signum or signum
            supervisor.abort_start()
            try:
                os.write(self.write_fd, b"x")
            except OSError:  # full (already woken) or closed: nothing more to say
                pass
        return on_signal

    def wait(self, timeout: float | None) -> bool:
        """True once a signal came (select retries itself after EINTR, PEP 475)."""
        if self.signum:
            return True
        select.select([self.read_fd], [], [], timeout)
        return bool(self.signum)

    def close(self) -> None:
        os.close(self.read_fd)
        os.close(self.write_fd)


def run(args: argparse.Namespace) -> int:
    from engine.cli.settings import settings_for
    from engine.cli.table import render_runtime
    from engine.config import load_settings
    from engine.runtime.errors import StartAborted
    from engine.runtime.home import resolve_home
    from engine.runtime.lock import RuntimeAlreadyRunning
    from engine.runtime.services import ServiceStartError
    from engine.runtime.supervisor import Supervisor

    check_args(args)
    home = resolve_home(args.home)
    load_settings(home)  # settings.json and HARNESS_* are checked before any child starts
    supervisor = Supervisor(
        home,
        with_worker=not args.no_worker,
        worker_count=args.workers,
        mockoon_seed=args.seed,
        temporal_address=args.temporal_address,
        namespace=args.namespace,
        headless=args.headless,
    )
    stop = _StopPipe()
    feed = None
    previous = {sig: signal.signal(sig, stop.handler(supervisor)) for sig in STOP_SIGNALS}
    try:
        try:
            # Usable once worker-1 polls; the hot standby keeps starting (said below).
            info = supervisor.start(timeout=args.timeout, await_standby=False)
        except RuntimeAlreadyRunning as exc:
            return _show_existing(exc)
        except StartAborted:
            # Ctrl-C is how `up` is meant to end, also before it is ready: exit 0.
            print("Stop requested while starting.", file=sys.stderr, flush=True)
            return EXIT_OK
        except ServiceStartError as exc:
            print(f"harness: could not start the runtime: {exc}", file=sys.stderr)
            return EXIT_UNHEALTHY
        print(render_runtime(info), flush=True)
        standbys = _starting_standbys(info)
        for name in standbys:
            print(f"{name} (hot standby) is still starting: a worker crash before it polls "
                  "waits for a restarted worker.", flush=True)
        print("\nSupervising. Ctrl-C stops every service.", flush=True)
        if args.agent and not stop.signum:
            from engine.cli.feed import AgentFeed

            feed = AgentFeed(settings_for(info, home), say=lambda line: print(line, flush=True))
            feed.start()
        # Woken once a second to notice a runtime that stopped by itself (a full disk).
        while not stop.wait(0.25 if standbys else 1.0):
            standbys = _say_polling(supervisor.info, standbys)
            if supervisor.wait_stopped(0):
                print(f"harness: the runtime stopped by itself: {supervisor.stop_reason}",
                      file=sys.stderr, flush=True)
                return EXIT_UNHEALTHY
    finally:
        # The handler stays installed while stopping: a further signal only writes to the
        # pipe again. The stop itself is bounded (SIGKILL after the grace period), and the
        # children die with us regardless (PR_SET_PDEATHSIG).
        if feed is not None:
            feed.stop()
        if supervisor.running:
            print("Stopping...", file=sys.stderr, flush=True)
        supervisor.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        stop.close()
    print("Stopped.", file=sys.stderr, flush=True)
    return EXIT_OK


def _starting_standbys(info) -> list[str]:
    from engine.runtime.standby import is_standby

    return [name for name, record in info.services.items()
            if is_standby(name) and record.get("status") != "ready"]


def _say_polling(info, standbys: list[str]) -> list[str]:
    """Announce each standby that polls now; the ones still starting."""
    still = _starting_standbys(info)
    for name in standbys:
        if name not in still:
            print(f"standby {name} polling.", flush=True)
    return [name for name in standbys if name in still]


def _show_existing(exc: RuntimeAlreadyRunning) -> int:
    from engine.cli.table import render_runtime
    from engine.runtime.health import check_runtime

    print(f"harness: {exc}; not starting another. Showing it:", flush=True)
    if exc.info is not None:
        print(render_runtime(exc.info, check_runtime(exc.info)), flush=True)
    return EXIT_OK
