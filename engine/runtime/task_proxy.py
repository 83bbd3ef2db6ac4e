"""A pass-through between supervised workers and Temporal that remembers who holds which
workflow task, so a dead worker's started task can be failed at once.

Why: a workflow task is held by the worker that polled it until that worker answers or
the task's start-to-close timeout expires. In a fast agent loop the worker is inside a
workflow task most of the time (its local activities run inside one), so a kill usually
lands there, and the standby waited out the timeout (2 s here) before it could take the
workflow over. Only the holder of the task token can fail the task, and the SDK keeps
that token inside its native core, so the supervisor's proxy reads it off the wire: it
forwards every call byte for byte, parses only the workflow-task polls and answers, and
keeps {worker identity: {task token: workflow id}}. When a worker dies, failover.py
takes its tokens and fails each task (RespondWorkflowTaskFailed), and the server hands
the workflow to the standby immediately.

Safe by construction: the server checks a task token against the workflow's current
task, so failing one the dead worker had already answered is refused and harmless, and
only the tokens of the identity that died are ever touched. Clients (the app, the CLI)
connect to the server directly; only the supervisor's own workers go through here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import grpc  # its fork handlers are switched off in engine/__init__.py
from temporalio.api.enums.v1 import TaskQueueKind
from temporalio.api.workflowservice.v1 import (
    PollActivityTaskQueueRequest,
    PollActivityTaskQueueResponse,
    PollWorkflowTaskQueueRequest,
    PollWorkflowTaskQueueResponse,
    RespondActivityTaskCanceledRequest,
    RespondActivityTaskCompletedRequest,
    RespondActivityTaskFailedRequest,
    RespondWorkflowTaskCompletedRequest,
    RespondWorkflowTaskCompletedResponse,
    RespondWorkflowTaskFailedRequest,
)

from engine.runtime.task_book import HeldActivities, HeldTasks

log = logging.getLogger(__name__)

_SERVICE = "/temporal.api.workflowservice.v1.WorkflowService/"
POLL = _SERVICE + "PollWorkflowTaskQueue"
ACTIVITY_POLL = _SERVICE + "PollActivityTaskQueue"
COMPLETED = _SERVICE + "RespondWorkflowTaskCompleted"
FAILED = _SERVICE + "RespondWorkflowTaskFailed"
# An activity's answers, each carrying its task token.
ACTIVITY_ANSWERS = {
    _SERVICE + "RespondActivityTaskCompleted": RespondActivityTaskCompletedRequest,
    _SERVICE + "RespondActivityTaskFailed": RespondActivityTaskFailedRequest,
    _SERVICE + "RespondActivityTaskCanceled": RespondActivityTaskCanceledRequest,
}

MAX_MESSAGE = 128 * 1024 * 1024  # a poll answer carries the whole history of a run
# The workers' gRPC core pings every 30 s even when idle; a stock gRPC server would answer
# with GOAWAY ("too many pings") and cut their long polls.
_SERVER_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE),
    ("grpc.max_send_message_length", MAX_MESSAGE),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_recv_ping_interval_without_data_ms", 5_000),
    ("grpc.http2.max_ping_strikes", 0),
]
_CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE),
    ("grpc.max_send_message_length", MAX_MESSAGE),
]
# Set by the transport, not the caller: forwarding them would confuse the upstream call.
_HOP_HEADERS = frozenset({"user-agent", "te", "content-type", "grpc-accept-encoding",
                          "grpc-timeout", "grpc-encoding"})


# The kinds of queue a worker polls: its own sticky queue, the shared one of workflow
# tasks, the shared one of activities.
STICKY, WORKFLOW, ACTIVITY = "sticky", "workflow", "activity"
# A task that reaches a worker after its failover: ("workflow", "activity" or "query", its
# token, the dead worker's identity).
OrphanHandler = Callable[[str, bytes, str], None]
DEAD_KEPT = 64  # identities remembered as dead (each incarnation has its own pid)
# A poll whose worker hung up stays open this long, for the failover to find it, unless
# the worker is retired meanwhile (then retire() cancels it, or keeps a sticky one).
HUNG_UP_POLL_GRACE_S = 1.0


class TaskProxy:
    """The gRPC pass-through; start() and stop() run on the caller's asyncio loop."""

    def __init__(self, upstream: str, held: HeldTasks | None = None,
                 on_orphan: OrphanHandler | None = None, keep_sticky_polls: bool = True) -> None:
        """`keep_sticky_polls=False` cancels a dead worker's sticky polls too (as before
        retire() kept them): only for bench/recovery.py's baseline."""
        self.upstream = upstream
        self.keep_sticky_polls = keep_sticky_polls
        self.held = held or HeldTasks()
        self.activities = HeldActivities()
        # identity -> its long polls in flight upstream (tasks of the proxy's loop) -> the
        # kind of queue polled (STICKY, WORKFLOW or ACTIVITY)
        self._polls: dict[str, dict[asyncio.Future, str]] = {}
        # Workers retired by a failover, newest last; a task answered to one of their
        # polls after that goes to on_orphan instead of into the book.
        self._dead: dict[str, None] = {}
        self.on_orphan = on_orphan
        self.port: int | None = None
        self._server: grpc.aio.Server | None = None
        self._channel: grpc.aio.Channel | None = None

    @property
    def address(self) -> str:
        assert self.port is not None, "start() the proxy first"
        return f"127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> str:
        self._channel = grpc.aio.insecure_channel(self.upstream, options=_CHANNEL_OPTIONS)
        self._server = grpc.aio.server(options=_SERVER_OPTIONS)
        self._server.add_generic_rpc_handlers([_Forwarder(self)])
        self.port = self._server.add_insecure_port(f"127.0.0.1:{port}")
        if not self.port:
            raise OSError(f"the task proxy could not listen on 127.0.0.1:{port}")
        await self._server.start()
        return self.address

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop(grace=0.5)
        if self._channel is not None:
            await self._channel.close()

    async def forward(self, method: str, request: bytes,
                      context: grpc.aio.ServicerContext) -> bytes:
        assert self._channel is not None
        metadata = [(k, v) for k, v in context.invocation_metadata() or ()
                    if k not in _HOP_HEADERS and not k.startswith(":")]
        identity, queue = _poller(method, request)
        upstream = asyncio.ensure_future(self._upstream(
            method, request, identity, metadata, context.time_remaining()))
        try:
            if method == COMPLETED:
                # The answer may hand the worker the workflow's next task (and activities):
                # a worker that dies as it comes back hangs up, and cancelling the call then
                # lost that task, which waited out its 2 s timeout (seen in a history: the
                # next task started by the dead worker in the same millisecond).
                upstream.add_done_callback(_retrieved)
                return await asyncio.shield(upstream)
            if not identity:
                return await upstream  # a caller that hangs up cancels the call
            self._polls.setdefault(identity, {})[upstream] = queue
            upstream.add_done_callback(lambda done: self._poll_ended(identity, done))
            # A poll outlives its worker's hang-up: a worker that dies as the server answers
            # its poll hangs up first, and cancelling the poll then threw the task away
            # (the server had already counted it as started by that worker: a 2 s stall).
            # So the poll stays open until the failover retires the worker, a few ms
            # later (a sticky one longer: see retire()), and whatever it brings is booked
            # or orphaned.
            return await asyncio.shield(upstream)
        except asyncio.CancelledError:
            if identity:
                asyncio.get_running_loop().call_later(
                    HUNG_UP_POLL_GRACE_S, self._cancel_if_alive, identity, upstream)
            raise
        except grpc.aio.AioRpcError as exc:
            # abort() takes a tuple of (key, value) pairs: a grpc.aio.Metadata raises
            # TypeError there, and the worker then saw UNKNOWN instead of the real code (a
            # heartbeat's NOT_FOUND for an activity that timed out, say).
            await context.abort(exc.code(), exc.details() or "",
                                tuple(exc.trailing_metadata() or ()))
            raise  # abort() raises; this line is never reached

    async def _upstream(self, method: str, request: bytes, identity: str,
                        metadata: list, timeout: float | None) -> bytes:
        """The call itself, and the book-keeping of its answer (a task of its own)."""
        assert self._channel is not None
        call = self._channel.unary_unary(method)  # no (de)serializers: bytes in, bytes out
        pending = call(request, metadata=metadata, timeout=timeout)
        try:
            response = await pending
        except asyncio.CancelledError:
            # Cancelled (by the failover) just as the server's answer came in: the server
            # counts that task as started by this worker.
            await self._answered_to_nobody(method, request, identity, pending)
            raise
        except grpc.aio.AioRpcError:
            if method in (COMPLETED, FAILED) or method in ACTIVITY_ANSWERS:
                self._note(method, request, b"")  # refused (timed out, say): nobody holds it
            raise
        self._book(method, request, identity, response)
        return response

    def _poll_ended(self, identity: str, upstream: asyncio.Future) -> None:
        polls = self._polls.get(identity)
        if polls is not None:
            polls.pop(upstream, None)
            if not polls:  # one key per worker incarnation would pile up otherwise
                del self._polls[identity]
        if not upstream.cancelled():
            upstream.exception()  # retrieved: a hung-up poll's error has no reader

    def _cancel_if_alive(self, identity: str, upstream: asyncio.Future) -> None:
        """A live worker that cancelled its own poll (at its shutdown): nothing to wait
        for. A dead one's polls are retire()'s to cancel or keep."""
        if identity not in self._dead:
            upstream.cancel()

    def _book(self, method: str, request: bytes, identity: str, response: bytes) -> None:
        if identity in self._dead:
            self._orphan(method, response, identity)
        else:
            self._note(method, request, response)

    async def _answered_to_nobody(self, method: str, request: bytes, identity: str,
                                  pending: grpc.aio.UnaryUnaryCall) -> None:
        """A poll cancelled after the server had answered it: its task, if any, is
        booked (retire() then fails it over) or, for a retired worker, orphaned. Before
        this, such a task sat with a dead worker until its 2 s timeout."""
        if not identity or not pending.done() or pending.cancelled():
            return
        try:
            response = await pending  # done: returns the answer without suspending
        except (asyncio.CancelledError, grpc.aio.AioRpcError):
            return
        self._book(method, request, identity, response)

    def retire(self, identity: str) -> tuple[dict[bytes, str], list[bytes]]:
        """A worker died: the workflow tasks (token -> workflow id) and the activity tasks
        (tokens) it held, taken from the book, and its polls of shared queues cancelled,
        upstream too, before anything is failed over: a retry handed to one would go to
        nobody. Call on the proxy's loop: with no await in between, an answer to one of
        its polls is either in what is returned or, arriving later, handed to on_orphan.

        Its sticky-queue polls stay open until they end by themselves. The server hands a
        workflow's next task to the sticky queue of the worker that ran the last one, and
        the failover's reset moves only the tasks after it. Cancelled, such a poll could
        lose a task the server handed it in that instant (counted as started by the dead
        worker, it waited out its 2 s timeout), and a task scheduled just before the reset
        waited out the sticky queue's 1 s. Open, each brings at most one task, which is
        failed over (on_orphan) in a few ms; nothing else is sent there after the reset."""
        self._dead[identity] = None
        while len(self._dead) > DEAD_KEPT:
            self._dead.pop(next(iter(self._dead)))
        tasks, activities = self.held.take(identity), self.activities.take(identity)
        self.cancel_polls(identity, queues=(WORKFLOW, ACTIVITY) if self.keep_sticky_polls
                          else (STICKY, WORKFLOW, ACTIVITY))
        return tasks, activities

    def cancel_polls(self, identity: str,
                     queues: tuple[str, ...] = (STICKY, WORKFLOW, ACTIVITY)) -> int:
        """Cancel a worker's long polls of those kinds of queue, upstream too (call on the
        proxy's loop)."""
        polls = self._polls.get(identity, {})
        cancelled = [poll for poll, queue in polls.items() if queue in queues]
        for poll in cancelled:
            poll.cancel()  # its done callback drops it from self._polls
        return len(cancelled)

    def _orphan(self, method: str, response: bytes, identity: str) -> None:
        try:
            if method == POLL:
                task = PollWorkflowTaskQueueResponse.FromString(response)
                kind = ("query" if task.HasField("query") else "workflow") if (
                    task.task_token) else ""
            elif method == ACTIVITY_POLL:
                task = PollActivityTaskQueueResponse.FromString(response)
                kind = "activity" if task.task_token else ""
            else:
                return
        except Exception as exc:  # noqa: BLE001 - the timeouts remain the safety net
            log.debug("task proxy: could not read a late %s: %s", method, exc)
            return
        if kind:
            self._fail_over_late(kind, task.task_token, identity)

    def _fail_over_late(self, kind: str, token: bytes, identity: str) -> None:
        if self.on_orphan is not None:
            log.warning("task proxy: a %s task reached a worker after its failover; failing "
                        "it over now", kind)
            self.on_orphan(kind, token, identity)

    def _follow_up(self, identity: str, follow_up: RespondWorkflowTaskCompletedResponse) -> None:
        """What the server handed a worker in its answer to a completion: the workflow's
        next task, and activities started on it at once. Booked; or failed over, if the
        worker was retired meanwhile (it died as the answer came back)."""
        tasks = [("workflow", follow_up.workflow_task.task_token,
                  follow_up.workflow_task.workflow_execution.workflow_id)] if (
            follow_up.workflow_task.task_token) else []
        tasks += [("activity", eager.task_token, "") for eager in follow_up.activity_tasks]
        for kind, token, workflow_id in tasks:
            if identity in self._dead:
                self._fail_over_late(kind, token, identity)
            elif kind == "workflow":
                self.held.started(identity, token, workflow_id)
            else:
                self.activities.started(identity, token)

    def _note(self, method: str, request: bytes, response: bytes) -> None:
        """Book-keeping only: a message we fail to parse is forwarded all the same."""
        try:
            if method == POLL:
                task = PollWorkflowTaskQueueResponse.FromString(response)
                # A query task (`query` set) is answered by RespondQueryTaskCompleted, which
                # the proxy does not follow, and failing it on failover would be wrong.
                if task.task_token and not task.HasField("query"):
                    identity = PollWorkflowTaskQueueRequest.FromString(request).identity
                    self.held.started(identity, task.task_token,
                                      task.workflow_execution.workflow_id)
            elif method == ACTIVITY_POLL:
                activity = PollActivityTaskQueueResponse.FromString(response)
                if activity.task_token:
                    identity = PollActivityTaskQueueRequest.FromString(request).identity
                    self.activities.started(identity, activity.task_token)
            elif method == COMPLETED:
                answer = RespondWorkflowTaskCompletedRequest.FromString(request)
                self.held.answered(answer.task_token)
                follow_up = RespondWorkflowTaskCompletedResponse.FromString(response)
                self._follow_up(answer.identity, follow_up)
            elif method == FAILED:
                self.held.answered(RespondWorkflowTaskFailedRequest.FromString(request).task_token)
            elif method in ACTIVITY_ANSWERS:
                self.activities.answered(ACTIVITY_ANSWERS[method].FromString(request).task_token)
        except Exception as exc:  # noqa: BLE001 - never break the worker's traffic
            log.debug("task proxy: could not read %s: %s", method, exc)


def _retrieved(call: asyncio.Future) -> None:
    """A shielded call whose caller hung up: its error has no other reader."""
    if not call.cancelled():
        call.exception()


def _poller(method: str, request: bytes) -> tuple[str, str]:
    """The identity of a long poll's worker and the kind of queue it polls (('', '') for
    any other call)."""
    try:
        if method == POLL:
            poll = PollWorkflowTaskQueueRequest.FromString(request)
            sticky = poll.task_queue.kind == TaskQueueKind.TASK_QUEUE_KIND_STICKY
            return poll.identity, STICKY if sticky else WORKFLOW
        if method == ACTIVITY_POLL:
            return PollActivityTaskQueueRequest.FromString(request).identity, ACTIVITY
    except Exception:  # noqa: BLE001 - forwarded all the same
        pass
    return "", ""


class _Forwarder(grpc.GenericRpcHandler):
    def __init__(self, proxy: TaskProxy) -> None:
        self._proxy = proxy

    def service(self, handler_call_details):
        method = handler_call_details.method

        async def handle(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
            return await self._proxy.forward(method, request, context)

        return grpc.unary_unary_rpc_method_handler(handle)
