"""Active failover: when a supervised worker dies, hand its work over now.

Without it the cluster notices a dead worker only by its silence: an activity's
heartbeat timeout (2-3 s) and the sticky queue's schedule-to-start timeout (1 s).
The supervisor is the worker's parent and learns of the death at once, so it reads
what the worker held (engine/runtime/inflight.py) and
- fails each of its running activities by task token, with a zero retry delay, so
  the standby runs the next attempt immediately (the broker's idempotent order id
  makes a second attempt of an order that did land resolve to that same order);
- fails each workflow task it had started (their tokens were read off the wire by the
  supervisor's task proxy, engine/runtime/task_proxy.py), so the server hands those
  workflows to the standby now instead of after the task timeout;
- resets the sticky task queue of every workflow it served, so their next workflow
  task goes to the shared queue, where the standby polls.

Runs on its own thread with its own asyncio loop, which also serves the task proxy,
and its own Temporal client (connected ahead of time, so no import or handshake sits
on the failover path). The timeouts stay as the safety net for workers nobody
supervises.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from engine.runtime.inflight import Inflight, inflight_path, read_inflight, take_leftovers
from engine.runtime.plan import RuntimePlan
from engine.runtime.task_proxy import TaskProxy
from engine.runtime.worker_process import worker_identity

log = logging.getLogger(__name__)

WORKER_DIED = "WorkerDied"
RETRY_DELAY = timedelta(milliseconds=100)
KEEP_HANDOVERS = 100  # the newest kept for a report; handover_count counts them all
ORPHAN_WAIT_S = 2.0  # the longest an orphaned task waits for its worker's handover


@dataclass(frozen=True)
class Handover:
    worker: str
    activities_failed: int
    workflow_tasks_failed: int
    workflows_reset: int
    ms: float


class Failover:
    """`proxy_port`: serve the workers' task proxy on it (start() returns once it listens);
    the workers must then be given that address instead of the server's."""

    def __init__(self, home: Path, temporal_address: str, namespace: str,
                 proxy_port: int | None = None, keep_sticky_polls: bool = True) -> None:
        self.home = home
        self._address = temporal_address
        self._namespace = namespace
        self._proxy = (TaskProxy(temporal_address, on_orphan=self._orphan,
                                 keep_sticky_polls=keep_sticky_polls)
                       if proxy_port is not None else None)
        self._proxy_port = proxy_port
        self._loop = asyncio.new_event_loop()
        self._client_ready: Future = Future()
        self._proxy_ready: Future = Future()
        self._thread = threading.Thread(
            target=self._run, name="harness-failover", daemon=True
        )
        # The newest handovers, and how many there were: a worker in a crash loop for a
        # week must not grow the supervisor.
        self.handovers: deque[Handover] = deque(maxlen=KEEP_HANDOVERS)
        self.handover_count = 0
        self.orphans_failed = 0  # tasks that reached a worker after its handover
        # identity -> set once its handover reset the sticky queues (orphans wait for it)
        self._settling: dict[str, asyncio.Event] = {}
        self._orphan_tasks: set[asyncio.Task] = set()

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        if self._proxy is not None:
            self._proxy_ready.result(timeout)  # raises the proxy's OSError, if any

    def stop(self) -> None:
        if self._thread.is_alive():
            if self._proxy is not None:
                try:  # a wedged loop must not keep the runtime from stopping
                    asyncio.run_coroutine_threadsafe(self._proxy.stop(), self._loop).result(5)
                except Exception as exc:  # noqa: BLE001 - stopping anyway
                    log.warning("the task proxy did not stop cleanly: %r", exc)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)

    def loop_answers(self, timeout: float = 1.0) -> tuple[bool, str]:
        """Whether the failover thread's event loop, which also serves the task proxy,
        runs a callback within `timeout`: if it wedges, every supervised worker stalls in
        its polls while their own processes look healthy."""
        if not self._thread.is_alive() or self._loop.is_closed():
            return False, "the proxy's thread is not running"
        started = time.monotonic()
        try:
            asyncio.run_coroutine_threadsafe(asyncio.sleep(0), self._loop).result(timeout)
        except Exception:  # noqa: BLE001 - a timeout, or a loop that stopped meanwhile
            return False, f"the proxy's event loop did not turn within {timeout:g}s"
        return True, f"event loop turns ({(time.monotonic() - started) * 1000:.1f} ms)"

    @property
    def proxy_address(self) -> str:
        return self._proxy.address if self._proxy is not None and self._proxy.port else ""

    def tokens_held(self) -> int:
        """Workflow-task tokens the proxy holds now (at most one per workflow in flight)."""
        return self._proxy.held.count() if self._proxy is not None else 0

    def worker_died(self, worker: str, pid: int | None = None) -> Future:
        """Hand the dead worker's work over (asynchronously); the future holds a Handover."""
        state = read_inflight(inflight_path(self.home, worker))
        inflight_path(self.home, worker).unlink(missing_ok=True)
        return self.hand_over(worker, state, pid)

    def hand_over(self, worker: str, state: Inflight, pid: int | None = None) -> Future:
        """worker_died, with its in-flight record already read."""
        identity = worker_identity(worker, pid) if pid is not None else ""
        return asyncio.run_coroutine_threadsafe(
            self._hand_over(worker, state, identity), self._loop)

    def _orphan(self, kind: str, token: bytes, identity: str) -> None:
        """The task proxy's on_orphan (on this loop): a task that reached a dead worker's
        poll after it was retired is failed over the same way."""
        self.orphans_failed += 1
        task = self._loop.create_task(self._fail_orphan(kind, token, identity))
        self._orphan_tasks.add(task)  # the loop keeps only a weak reference
        task.add_done_callback(self._orphan_tasks.discard)

    async def _fail_orphan(self, kind: str, token: bytes, identity: str) -> None:
        if kind == "query":  # nothing to hand over: its client asks again (engine/hedged.py)
            await self._fail_query(token)
            return
        # Not before the handover has reset the sticky queues, a round trip after it
        # cancelled the dead worker's polls of the shared queues: failed sooner, the
        # task's retry was handed to one the server had not dropped yet, and waited out
        # its timeout there (seen).
        settled = self._settling.get(identity)
        if settled is not None:
            try:
                await asyncio.wait_for(settled.wait(), ORPHAN_WAIT_S)
            except TimeoutError:
                pass  # a handover stuck on the server: fail it anyway
        fail = self._fail_activity if kind == "activity" else self._fail_workflow_task
        await fail("a dead worker", token)

    # -- the failover thread -------------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        if self._proxy is not None:
            self._loop.create_task(self._serve_proxy())
        self._loop.create_task(self._connect())
        self._loop.run_forever()

    async def _serve_proxy(self) -> None:
        assert self._proxy is not None
        try:
            self._proxy_ready.set_result(await self._proxy.start(self._proxy_port or 0))
        except Exception as exc:  # noqa: BLE001 - handed to start()'s caller
            self._proxy_ready.set_exception(exc)

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

    async def _hand_over(self, worker: str, state: Inflight, identity: str = "") -> Handover:
        started = time.monotonic()
        tasks: dict[bytes, str] = {}
        activities = list(state.activities.values())
        settled = self._settling.setdefault(identity, asyncio.Event())
        while len(self._settling) > KEEP_HANDOVERS:
            self._settling.pop(next(iter(self._settling)))
        if self._proxy is not None and identity:
            # Before any await: its tokens and its polls, in one step on the proxy's loop
            # (task_proxy.TaskProxy.retire), before any retry could be handed to them.
            tasks, seen = self._proxy.retire(identity)
            # What the proxy saw handed over but the worker had not yet recorded as running.
            activities += [t for t in seen if t not in activities]
        # Sticky queues first: a failed workflow task must not go back to the dead
        # worker's queue.
        workflows = dict.fromkeys([*(w for w, _ in state.workflows), *tasks.values()])
        resets = await asyncio.gather(*(self._reset_sticky(w) for w in workflows))
        settled.set()  # its polls were cancelled a round trip ago: orphans may go now
        failed = await asyncio.gather(
            *(self._fail_activity(worker, t) for t in activities),
            *(self._fail_workflow_task(worker, t) for t in tasks))
        count = len(activities)
        handover = Handover(
            worker=worker,
            activities_failed=sum(failed[:count]),
            workflow_tasks_failed=sum(failed[count:]),
            workflows_reset=sum(resets),
            ms=round((time.monotonic() - started) * 1000, 1),
        )
        self.handovers.append(handover)
        self.handover_count += 1
        log.warning("failover for %s: %d activities and %d workflow tasks failed over, "
                    "%d sticky queues reset in %.1f ms", worker, handover.activities_failed,
                    handover.workflow_tasks_failed, handover.workflows_reset, handover.ms)
        return handover

    async def _fail_activity(self, worker: str, token: bytes) -> bool:
        from temporalio.exceptions import ApplicationError

        client = await asyncio.wrap_future(self._client_ready)
        failure = ApplicationError(
            f"{worker} died while running this activity; retried on another worker",
            type=WORKER_DIED,
            # Soon, whatever the back-off says, but not at once: the server may not have
            # dropped the dead worker's open polls yet, and a task handed to one of them
            # would wait out its heartbeat timeout.
            next_retry_delay=RETRY_DELAY,
        )
        try:
            await client.get_async_activity_handle(task_token=token).fail(failure)
            return True
        except Exception as exc:  # noqa: BLE001 - completed or timed out meanwhile
            log.debug("failover: activity already settled: %s", exc)
            return False

    async def _fail_workflow_task(self, worker: str, token: bytes) -> bool:
        from temporalio.api.enums.v1 import WorkflowTaskFailedCause
        from temporalio.api.failure.v1 import Failure
        from temporalio.api.workflowservice.v1 import RespondWorkflowTaskFailedRequest

        client = await asyncio.wrap_future(self._client_ready)
        # The cause SDKs give when a worker lost a workflow's state: the server
        # reschedules the task on the shared queue with the full history.
        request = RespondWorkflowTaskFailedRequest(
            namespace=self._namespace, task_token=token, identity=f"{worker} failover",
            cause=WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_STICKY_TASK_QUEUE,
            failure=Failure(message=f"{worker} died while running this workflow task"),
        )
        try:
            await client.workflow_service.respond_workflow_task_failed(request)
            return True
        except Exception as exc:  # noqa: BLE001 - answered or timed out meanwhile
            log.debug("failover: workflow task already settled: %s", exc)
            return False

    async def _fail_query(self, token: bytes) -> None:
        from temporalio.api.enums.v1 import QueryResultType
        from temporalio.api.workflowservice.v1 import RespondQueryTaskCompletedRequest

        from engine.hedged import ASK_AGAIN

        client = await asyncio.wrap_future(self._client_ready)
        # Unanswered, the query would wait out its client's timeout.
        request = RespondQueryTaskCompletedRequest(
            namespace=self._namespace, task_token=token, error_message=ASK_AGAIN,
            completed_type=QueryResultType.QUERY_RESULT_TYPE_FAILED)
        try:
            await client.workflow_service.respond_query_task_completed(request)
        except Exception as exc:  # noqa: BLE001 - its client gave up meanwhile
            log.debug("failover: query already settled: %s", exc)

    async def _reset_sticky(self, workflow_id: str) -> bool:
        from temporalio.api.common.v1 import WorkflowExecution
        from temporalio.api.workflowservice.v1 import ResetStickyTaskQueueRequest

        client = await asyncio.wrap_future(self._client_ready)
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


def start_failover(home: Path, plan: RuntimePlan, namespace: str,
                   leftovers: dict[str, Inflight] | None = None, *,
                   keep_sticky_polls: bool = True) -> Failover:
    """The failover thread, its client connecting ahead of time and its task proxy
    listening (see failover.py). `leftovers`: the in-flight records workers that died with
    a previous runtime here (its app was killed) left behind, taken before our own workers
    started (engine/runtime/inflight.py take_leftovers): their activities are failed over
    at once, as for any dead worker. Without them, the records are taken here."""
    failover = Failover(home, plan.temporal_address, namespace, proxy_port=plan.proxy_port,
                        keep_sticky_polls=keep_sticky_polls)
    failover.start()
    for worker, state in (take_leftovers(home) if leftovers is None else leftovers).items():
        failover.hand_over(worker, state)
    return failover
