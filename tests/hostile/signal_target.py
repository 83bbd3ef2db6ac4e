"""A minimal foreground runtime for the signal test: what `harness up` does with signals,
reduced to the supervisor's part. Its handler only calls `request_stop()` (a flag and a
pipe write), so a burst of signals at any moment, even inside a lock the interrupted code
holds, cannot deadlock it. Prints `started`/`interrupted`, then `stopped <pids>`."""

from __future__ import annotations

import os
import signal
import sys

from engine.runtime.errors import StartAborted
from engine.runtime.supervisor import Supervisor


def main(home: str) -> int:
    supervisor = Supervisor(home, with_worker=False, headless=True)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda _signum, _frame: supervisor.request_stop())
    print("ready", flush=True)
    try:
        supervisor.start(timeout=60)
        print("started", flush=True)
        supervisor.wait_stopped()
    except StartAborted:
        print("interrupted", flush=True)
    supervisor.stop()  # idempotent: joins nothing left, releases nothing twice
    pids = [] if supervisor._plan is None else [  # noqa: SLF001 - what the test checks
        s.child.pid for s in supervisor._plan.services.values() if s.child.pid]
    print("stopped", *pids, flush=True)
    return 0


if __name__ == "__main__":
    # As the `harness` program does (engine/cli/__init__.py): end with os._exit, so a signal
    # of the burst landing during interpreter finalization (handlers reset to default)
    # cannot turn the clean exit into a death by signal.
    code = main(sys.argv[1])
    sys.stdout.flush()
    os._exit(code)
