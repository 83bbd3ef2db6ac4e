"""Active failover: when a supervised worker dies, hand its work over now.

Without it the cluster notices a dead worker only by its silence: an activity's
heartbeat timeout (2-3 s) and the sticky queue's schedule-to-start timeout (1 s).
The supervisor is the worker's parent and learns of the death at once, so it reads
what the worker held (engine/runtime/inflight.py) and
- fails each of its running activities by task token, with a zero retry delay, so
  the standby runs the next attempt immediately (the broker's idempotent order id
  makes a second attempt of an order that did land resolve to that same order);
- resets the sticky task queue of every workflow it served, so their next workflow
  task goes to the shared queue, where the standby polls.
A workflow task the dead worker had already started still waits for its (short)
task timeout: only its holder has the token that could fail it.

Runs on its own thread with its own asyncio loop and Temporal client (connected
ahead of time, so no import or handshake sits on the failover path). The timeouts
stay as the safety net for workers nobody supervises.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from engine.runtime.inflight import Inflight, inflight_path, read_inflight

log = logging.getLogger(__name__)

WORKER_DIED = "WorkerDied"
RETRY_DELAY = timedelta(milliseconds=100)


@dataclass(frozen=True)
class Handover:
    worker: str
    activities_failed: int
    workflows_reset: int
    ms: float


class Failover:
    def __init__(self, home: Path, temporal_address: str, namespace: str) -> None:
        self.home = home
        self._address = temporal_address
        self._namespace = namespace
        self._loop = asyncio.new_event_loop()
        self._client_ready: Future = Future()
        self._thread = threading.Thread(
            target=self._run, name="harness-failover", daemon=True
        )
        self.handovers: list[Handover] = []

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)

    def worker_died(self, worker: str) -> Future:
        """Hand the dead worker's work over (asynchronously); the future holds a Handover."""
        state = read_inflight(inflight_path(self.home, worker))
        inflight_path(self.home, worker).unlink(missing_ok=True)
        return asyncio.run_coroutine_threadsafe(self._hand_over(worker, state), self._loop)

    # -- the failover thread -------------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.create_task(self._connect())
        self._loop.run_forever()

    async def _connect(self) -> None:
        from engine.config import load_settings
        from engine.temporal_connect import connect

        settings = load_settings(self.home).model_copy(
            update={"temporal_address": self._address, "namespace": self._namespace}
        )
        try:
            self._client_ready.set_result(await connect(settings, timeout=60.0))
        except Exception as exc:  # noqa: BLE001 - failover is an optimisation, never fatal
            log.warning("active failover is off: %s", exc)
            self._client_ready.set_exception(exc)

    async def _hand_over(self, worker: str, state: Inflight) -> Handover:
        from temporalio.api.common.v1 import WorkflowExecution
        from temporalio.api.workflowservice.v1 import ResetStickyTaskQueueRequest
        from temporalio.exceptions import ApplicationError

        started = time.monotonic()
        client = await asyncio.wrap_future(self._client_ready)
        failure = ApplicationError(
            f"{worker} died while running this activity; retried on another worker",
            type=WORKER_DIED,
            # Soon, whatever the back-off says, but not at once: the server may not have
            # dropped the dead worker's open polls yet, and a task handed to one of them
            # would wait out its heartbeat timeout.
            next_retry_delay=RETRY_DELAY,
        )

        async def fail(token: bytes) -> bool:
            try:
                await client.get_async_activity_handle(task_token=token).fail(failure)
                return True
            except Exception as exc:  # noqa: BLE001 - completed or timed out meanwhile
                log.debug("failover: activity already settled: %s", exc)
                return False

        async def reset(workflow_id: str) -> bool:
            # The latest run: the one recorded may have continued as new since.
            request = ResetStickyTaskQueueRequest(
                namespace=self._namespace, execution=WorkflowExecution(workflow_id=workflow_id)
            )
            try:
                await client.workflow_service.reset_sticky_task_queue(request)
                return True
            except Exception as exc:  # noqa: BLE001 - closed or continued meanwhile
                log.debug("failover: no sticky queue to reset for %s: %s", workflow_id, exc)
                return False

        results = await asyncio.gather(
            *(fail(t) for t in state.activities.values()),
            *(reset(w) for w in dict.fromkeys(w for w, _ in state.workflows)),
        )
        count = len(state.activities)
        handover = Handover(
            worker=worker,
            activities_failed=sum(results[:count]),
            workflows_reset=sum(results[count:]),
            ms=round((time.monotonic() - started) * 1000, 1),
        )
        self.handovers.append(handover)
        log.warning("failover for %s: %d activities failed over, %d sticky queues reset "
                    "in %.1f ms", worker, handover.activities_failed,
                    handover.workflows_reset, handover.ms)
        return handover
