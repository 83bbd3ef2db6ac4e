"""The task proxy (engine/runtime/task_proxy.py) and its book of held tasks (task_book.py). Its
forwarding is exercised for real by every supervised runtime with failover, and its
purpose by tests/chaos/test_failover.py."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from engine.runtime.task_book import HeldTasks
from engine.runtime.worker_process import worker_identity
from tests.runtime.helpers import wait_until_async


def test_a_dead_worker_gives_up_only_its_own_unanswered_tasks():
    held = HeldTasks()
    one, one_reborn, two = (worker_identity("worker-1", 100), worker_identity("worker-1", 101),
                            worker_identity("worker-2", 200))
    held.started(one, b"t1", "agent-a")
    held.started(one, b"t2", "agent-b")
    held.started(one_reborn, b"t3", "agent-c")
    held.started(two, b"t4", "agent-d")
    held.answered(b"t2")
    assert held.take(one) == {b"t1": "agent-a"}
    assert held.take(one) == {}  # taken once
    assert held.count() == 2  # the restarted worker-1 and worker-2 keep theirs


def test_identities_do_not_match_by_accident():
    held = HeldTasks()
    held.started(worker_identity("worker-1", 12), b"a", "w1")
    held.started(worker_identity("worker-1", 123), b"b", "w2")
    assert held.take(worker_identity("worker-1", 12)) == {b"a": "w1"}


def test_a_workflow_holds_one_task_at_most():
    """A new task for a workflow means the old one is over (answered where the proxy did
    not see it, or timed out by the server): its token is forgotten, whoever held it."""
    held = HeldTasks()
    held.started(worker_identity("worker-1", 12), b"old", "w")
    held.started(worker_identity("worker-2", 13), b"new", "w")
    assert held.count() == 1
    assert held.take(worker_identity("worker-1", 12)) == {}
    assert held.take(worker_identity("worker-2", 13)) == {b"new": "w"}


async def test_retire_cancels_the_shared_queue_polls_and_keeps_the_sticky_one():
    """retire() cancels the dead worker's polls of the shared queues at the server, so no
    retry is handed to a poll nobody reads, and keeps its sticky-queue poll open: the
    workflow's next task may already be on its way there (the reset moves only the tasks
    after it), and cancelling the poll could lose it (2 s) or leave it to the sticky
    queue's timeout (1 s). What the kept poll brings is failed over (on_orphan)."""
    from temporalio.api.workflowservice.v1 import PollActivityTaskQueueRequest

    from engine.runtime.task_proxy import ACTIVITY_POLL, POLL

    identity = worker_identity("worker-1", 4242)
    orphans: list[tuple[str, bytes]] = []
    async with _proxy_before_a_held_poll(
            _workflow_task(b"late", "agent-a"),
            on_orphan=lambda kind, token, _who: orphans.append((kind, token))) as (
            proxy, channel, release, arrived, cancelled):
        polls = [channel.unary_unary(ACTIVITY_POLL)(PollActivityTaskQueueRequest(
                     identity=identity).SerializeToString(), timeout=30),
                 channel.unary_unary(POLL)(_poll(identity), timeout=30),
                 channel.unary_unary(POLL)(_poll(identity, sticky=True), timeout=30)]
        await wait_until_async(lambda: len(arrived) == 3, 10, "the polls at the server")
        assert proxy.cancel_polls(worker_identity("worker-2", 4242)) == 0  # not its polls
        for poll in polls:
            poll.cancel()  # the worker dies: it hangs up
        assert proxy.retire(identity) == ({}, [])
        await wait_until_async(lambda: sorted(cancelled) == sorted([ACTIVITY_POLL, POLL]), 10,
                               "the shared queues' polls cancelled at the server")
        release.set()  # the server hands the sticky poll the workflow's next task
        # Only a poll still open at the server can bring it.
        await wait_until_async(lambda: orphans == [("workflow", b"late")], 10,
                               "the task failed over")
        assert len(cancelled) == 2 and proxy.held.count() == 0


@pytest.mark.parametrize("retired_first", [True, False], ids=["retired", "not-yet-retired"])
async def test_the_next_task_in_a_completions_answer_to_a_dying_worker_is_failed_over(
        retired_first):
    """The server may answer a workflow task's completion with the workflow's next task
    (and activities started at once). A worker that dies as that answer comes back hangs up;
    the proxy cancelled the call then, and the task, started by the dead worker, waited out
    its 2 s timeout (seen in a history). Now the call runs on: its task is booked (and
    taken by retire()) or, once the worker is retired, failed over."""
    from temporalio.api.workflowservice.v1 import (
        PollActivityTaskQueueResponse,
        PollWorkflowTaskQueueResponse,
        RespondWorkflowTaskCompletedRequest,
        RespondWorkflowTaskCompletedResponse,
    )

    from engine.runtime.task_proxy import COMPLETED

    identity = worker_identity("worker-1", 4242)
    answer = RespondWorkflowTaskCompletedResponse(
        workflow_task=PollWorkflowTaskQueueResponse.FromString(
            _workflow_task(b"next", "agent-a")),
        activity_tasks=[PollActivityTaskQueueResponse(task_token=b"eager")])
    orphans: list[tuple[str, bytes]] = []
    async with _proxy_before_a_held_poll(
            answer.SerializeToString(),
            on_orphan=lambda kind, token, _who: orphans.append((kind, token))) as (
            proxy, channel, release, arrived, cancelled):
        call = channel.unary_unary(COMPLETED)(RespondWorkflowTaskCompletedRequest(
            identity=identity, task_token=b"done").SerializeToString(), timeout=30)
        await wait_until_async(lambda: arrived, 10, "the completion at the server")
        call.cancel()  # the worker dies: it hangs up
        if retired_first:
            assert proxy.retire(identity) == ({}, [])
        release.set()  # the server answers, handing over the next task
        if retired_first:
            await wait_until_async(lambda: len(orphans) == 2, 10, "both failed over")
            assert orphans == [("workflow", b"next"), ("activity", b"eager")]
        else:
            await wait_until_async(lambda: proxy.held.count() == 1, 10, "the task booked")
            assert proxy.retire(identity) == ({b"next": "agent-a"}, [b"eager"])
        assert not cancelled  # the call ran on at the server


async def test_the_benchs_baseline_cancels_the_sticky_poll_too():
    """bench/recovery.py's `standby_failover_sticky_polls_cancelled`: as before."""
    from engine.runtime.task_proxy import POLL

    identity = worker_identity("worker-1", 4242)
    async with _proxy_before_a_held_poll(b"", keep_sticky_polls=False) as (
            proxy, channel, _release, arrived, cancelled):
        poll = channel.unary_unary(POLL)(_poll(identity, sticky=True), timeout=30)
        await wait_until_async(lambda: arrived, 10, "the poll at the server")
        poll.cancel()
        proxy.retire(identity)
        await wait_until_async(lambda: cancelled == [POLL], 10, "the sticky poll cancelled")


async def test_a_query_that_reaches_a_retired_workers_sticky_poll_is_failed_over():
    """Without an answer, a query handed to a dead worker's open sticky poll would wait
    out its client's timeout: it goes to on_orphan, whose answer tells the client to ask
    again (engine/hedged.py)."""
    from engine.runtime.task_proxy import POLL

    identity = worker_identity("worker-1", 4242)
    orphans: list[tuple[str, bytes]] = []
    async with _proxy_before_a_held_poll(
            _workflow_task(b"q", "agent-a", query=True),
            on_orphan=lambda kind, token, _who: orphans.append((kind, token))) as (
            proxy, channel, release, arrived, _cancelled):
        poll = channel.unary_unary(POLL)(_poll(identity, sticky=True), timeout=30)
        await wait_until_async(lambda: arrived, 10, "the poll at the server")
        poll.cancel()
        proxy.retire(identity)
        release.set()
        await wait_until_async(lambda: orphans == [("query", b"q")], 10, "the query failed")
        assert proxy.held.count() == 0


class _AnsweredThenCancelledCall:
    """A test double of grpc.aio's call, for the one moment a real server cannot be made
    to hit on demand: the server has answered the poll, and the poll is cancelled (its
    worker's connection dropped, or the failover retired it) before the proxy reads the
    answer. Awaited, it raises CancelledError once, as asyncio does then; the answer
    stays readable after, as on grpc's call."""

    def __init__(self, response: bytes) -> None:
        self.response = response
        self.awaited = 0

    def done(self) -> bool:
        return True

    def cancelled(self) -> bool:
        return False

    def __await__(self):
        self.awaited += 1
        if self.awaited == 1:
            raise asyncio.CancelledError
        return self.response
        yield  # a generator, as __await__ must be


class _Context:
    def invocation_metadata(self):
        return ()

    def time_remaining(self):
        return 60.0


def _proxy_answering(response: bytes, on_orphan=None):
    from engine.runtime.task_proxy import TaskProxy

    proxy = TaskProxy("127.0.0.1:1", on_orphan=on_orphan)
    call = _AnsweredThenCancelledCall(response)

    class Channel:
        def unary_unary(self, _method):
            return lambda *_args, **_kwargs: call

    proxy._channel = Channel()
    return proxy


def _workflow_task(token: bytes, workflow_id: str, query: bool = False) -> bytes:
    from temporalio.api.common.v1 import WorkflowExecution
    from temporalio.api.query.v1 import WorkflowQuery
    from temporalio.api.workflowservice.v1 import PollWorkflowTaskQueueResponse

    task = PollWorkflowTaskQueueResponse(
        task_token=token, workflow_execution=WorkflowExecution(workflow_id=workflow_id))
    if query:
        task.query.CopyFrom(WorkflowQuery(query_type="state"))
    return task.SerializeToString()


def _poll(identity: str, sticky: bool = False) -> bytes:
    from temporalio.api.enums.v1 import TaskQueueKind
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import PollWorkflowTaskQueueRequest

    kind = TaskQueueKind.TASK_QUEUE_KIND_STICKY if sticky else TaskQueueKind.TASK_QUEUE_KIND_NORMAL
    return PollWorkflowTaskQueueRequest(
        identity=identity, task_queue=TaskQueue(name="q", kind=kind)).SerializeToString()


async def test_a_task_answered_to_a_poll_cancelled_as_its_worker_died_is_failed_over():
    """Before: the proxy lost such a task, the failover found nothing to fail (`0 workflow
    tasks failed over`), and the standby waited out the task's 2 s timeout."""
    from engine.runtime.task_proxy import POLL

    identity = worker_identity("worker-1", 4242)
    proxy = _proxy_answering(_workflow_task(b"t1", "agent-a"))
    with pytest.raises(asyncio.CancelledError):
        await proxy.forward(POLL, _poll(identity), _Context())
    assert proxy.retire(identity) == ({b"t1": "agent-a"}, [])  # what the failover fails


async def test_a_task_that_reaches_a_retired_worker_is_handed_to_on_orphan():
    from engine.runtime.task_proxy import POLL

    identity = worker_identity("worker-1", 4242)
    orphans: list[tuple[str, bytes]] = []
    proxy = _proxy_answering(_workflow_task(b"late", "agent-a"),
                             on_orphan=lambda kind, token, _who: orphans.append((kind, token)))
    assert proxy.retire(identity) == ({}, [])
    with pytest.raises(asyncio.CancelledError):
        await proxy.forward(POLL, _poll(identity), _Context())
    assert orphans == [("workflow", b"late")]
    assert proxy.held.count() == 0  # failed over, not booked under the dead worker


def test_activities_are_booked_from_their_hand_over_to_their_answer():
    """An activity handed to a worker (by its poll, or eagerly in a workflow task's
    answer) is its until it answers: a kill before the worker's own in-flight record is
    written no longer leaves the activity to its heartbeat timeout."""
    from temporalio.api.workflowservice.v1 import (
        PollActivityTaskQueueRequest,
        PollActivityTaskQueueResponse,
        RespondActivityTaskCompletedRequest,
        RespondActivityTaskFailedRequest,
        RespondWorkflowTaskCompletedRequest,
        RespondWorkflowTaskCompletedResponse,
    )

    from engine.runtime.task_proxy import _SERVICE, ACTIVITY_POLL, COMPLETED, TaskProxy

    one, two = worker_identity("worker-1", 1), worker_identity("worker-2", 2)
    proxy = TaskProxy("127.0.0.1:1")
    for identity, token in ((one, b"a1"), (one, b"a2"), (two, b"b1")):
        proxy._note(ACTIVITY_POLL, PollActivityTaskQueueRequest(identity=identity)
                    .SerializeToString(), PollActivityTaskQueueResponse(task_token=token)
                    .SerializeToString())
    eager = RespondWorkflowTaskCompletedResponse()
    eager.activity_tasks.add(task_token=b"a3")
    proxy._note(COMPLETED, RespondWorkflowTaskCompletedRequest(task_token=b"w", identity=one)
                .SerializeToString(), eager.SerializeToString())
    proxy._note(_SERVICE + "RespondActivityTaskCompleted",
                RespondActivityTaskCompletedRequest(task_token=b"a1").SerializeToString(), b"")
    proxy._note(_SERVICE + "RespondActivityTaskFailed",
                RespondActivityTaskFailedRequest(task_token=b"b1").SerializeToString(), b"")
    assert proxy.activities.count() == 2
    assert proxy.retire(one) == ({}, [b"a2", b"a3"])
    assert proxy.retire(two) == ({}, [])  # answered: nothing left, and no key lingers
    assert proxy.activities.count() == 0


def test_a_worker_that_never_answers_holds_at_most_its_cap():
    from engine.runtime.task_book import HeldActivities

    held = HeldActivities()
    identity = worker_identity("worker-1", 1)
    for n in range(HeldActivities.PER_WORKER + 10):
        held.started(identity, n.to_bytes(4, "big"))
    assert held.count() == HeldActivities.PER_WORKER
    assert held.take(identity)[0] == (10).to_bytes(4, "big")  # the oldest went first


@contextlib.asynccontextmanager
async def _proxy_before_a_held_poll(answer: bytes, on_orphan=None, **proxy_options):
    """A task proxy in front of a real gRPC server standing in for Temporal, whose every
    call waits for `release` and then answers `answer`. Yields (proxy, a channel to the
    proxy, release, arrived, cancelled): the server's side, the last two as the methods
    that arrived and that were cancelled there."""
    import grpc

    from engine.runtime.task_proxy import TaskProxy

    release = asyncio.Event()
    arrived: list[str] = []
    cancelled: list[str] = []

    def handler(method: str):
        async def poll(_request: bytes, _context) -> bytes:
            arrived.append(method)
            try:
                await release.wait()
            except asyncio.CancelledError:
                cancelled.append(method)
                raise
            return answer
        return poll

    class Upstream(grpc.GenericRpcHandler):
        def service(self, details):
            return grpc.unary_unary_rpc_method_handler(handler(details.method))

    upstream = grpc.aio.server()
    upstream.add_generic_rpc_handlers([Upstream()])
    port = upstream.add_insecure_port("127.0.0.1:0")
    await upstream.start()
    proxy = TaskProxy(f"127.0.0.1:{port}", on_orphan=on_orphan, **proxy_options)
    try:
        async with grpc.aio.insecure_channel(await proxy.start()) as channel:
            yield proxy, channel, release, arrived, cancelled
    finally:
        await proxy.stop()
        await upstream.stop(0)


async def test_a_poll_whose_worker_hung_up_stays_open_and_its_task_is_booked():
    """The race behind the 2 s stalls left after the fixes above: the worker dies as the
    server answers its poll, so it hangs up before the answer reaches it. The proxy used
    to cancel the poll upstream at the hang-up and lose the task the server had already
    counted as started. Now the poll stays open, and its task waits for the failover."""
    from engine.runtime.task_proxy import POLL

    identity = worker_identity("worker-1", 4242)
    async with _proxy_before_a_held_poll(_workflow_task(b"t1", "agent-a")) as (
            proxy, channel, release, arrived, cancelled):
        poll = channel.unary_unary(POLL)(_poll(identity), timeout=30)
        await wait_until_async(lambda: arrived, 10, "the poll at the server")
        poll.cancel()  # the worker hangs up
        release.set()  # the server answers it: only a poll still open there brings it
        await wait_until_async(lambda: proxy.held.count() == 1, 10, "the task booked")
        assert not cancelled
        assert proxy.retire(identity) == ({b"t1": "agent-a"}, [])


async def test_a_live_workers_cancelled_poll_is_cancelled_upstream_after_a_grace(monkeypatch):
    """A worker that cancels its own poll (its shutdown) is not dying: once the grace is
    over and nobody retired it, the poll is cancelled at the server too."""
    from engine.runtime import task_proxy
    from engine.runtime.task_proxy import POLL

    monkeypatch.setattr(task_proxy, "HUNG_UP_POLL_GRACE_S", 0.1)
    identity = worker_identity("worker-1", 4242)
    async with _proxy_before_a_held_poll(_workflow_task(b"t1", "agent-a")) as (
            proxy, channel, _release, arrived, cancelled):
        poll = channel.unary_unary(POLL)(_poll(identity, sticky=True), timeout=30)
        await wait_until_async(lambda: arrived, 10, "the poll at the server")
        poll.cancel()
        await wait_until_async(lambda: cancelled == [POLL], 10, "the poll cancelled upstream")
        await wait_until_async(lambda: not proxy._polls, 10, "no poll key left")
