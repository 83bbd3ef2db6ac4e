"""Watching services become ready, for the supervisor: one short-lived thread per spawn
(a local service), or per start (a remote cluster), each setting what the supervisor's
start() waits on under its condition variable."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from engine.runtime.services import Service
from engine.runtime.temporal_server import temporal_answers

READY_POLL_S = 0.05


def watch_ready(service: Service, cond: threading.Condition, stopping: threading.Event,
                publish: Callable[[], None]) -> None:
    """Mark the service ready once its probe passes for the process spawned now; a later
    spawn (a new generation) or a stop ends the watch. `publish` runs with `cond` held."""
    generation = service.generation

    def watch() -> None:
        while not stopping.is_set():
            with cond:
                if service.generation != generation or service.status != "starting":
                    return
                pid = service.child.pid
            error = service.last_error
            if service.is_ready(pid):
                with cond:
                    if service.generation == generation and service.status == "starting":
                        service.status = "ready"
                        publish()
                return
            if service.last_error != error:  # the probe says why it cannot be ready: tell
                with cond:
                    publish()
            time.sleep(READY_POLL_S)

    threading.Thread(target=watch, name=f"harness-ready-{service.name}", daemon=True).start()


def watch_remote(address: str, namespace: str, timeout: float, cond: threading.Condition,
                 stopping: threading.Event, answered: threading.Event) -> None:
    """Set `answered` once the remote cluster answers gRPC (within `timeout`)."""

    def watch() -> None:
        deadline = time.monotonic() + timeout
        while not stopping.is_set() and time.monotonic() < deadline:
            if temporal_answers(address, namespace, 2.0):
                answered.set()
                with cond:
                    cond.notify_all()
                return
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True, name="harness-remote-probe").start()
