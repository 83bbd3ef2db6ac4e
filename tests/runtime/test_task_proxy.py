"""The task proxy's book of held workflow tasks (engine/runtime/task_proxy.py). Its
forwarding is exercised for real by every supervised runtime with failover, and its
purpose by tests/chaos/test_failover.py."""

from __future__ import annotations

from engine.runtime.task_proxy import HeldTasks
from engine.runtime.worker_process import worker_identity


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


async def test_a_dead_workers_long_poll_is_cancelled_upstream_too():
    """The proxy cancels the dead worker's open polls at the server, so no task (the
    retry of an activity it was running, say) is handed to a poll nobody will read."""
    import asyncio

    import grpc
    from temporalio.api.workflowservice.v1 import PollActivityTaskQueueRequest

    from engine.runtime.task_proxy import ACTIVITY_POLL, TaskProxy

    arrived, cancelled = asyncio.Event(), asyncio.Event()

    async def long_poll(_request: bytes, _context) -> bytes:  # a server that never answers
        arrived.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return b""

    class Upstream(grpc.GenericRpcHandler):
        def service(self, details):
            return grpc.unary_unary_rpc_method_handler(long_poll)

    upstream = grpc.aio.server()
    upstream.add_generic_rpc_handlers([Upstream()])
    port = upstream.add_insecure_port("127.0.0.1:0")
    await upstream.start()
    proxy = TaskProxy(f"127.0.0.1:{port}")
    address = await proxy.start()
    identity = worker_identity("worker-1", 4242)
    try:
        async with grpc.aio.insecure_channel(address) as channel:
            poll = asyncio.ensure_future(channel.unary_unary(ACTIVITY_POLL)(
                PollActivityTaskQueueRequest(identity=identity).SerializeToString(), timeout=30))
            await asyncio.wait_for(arrived.wait(), 10)
            assert proxy.cancel_polls(worker_identity("worker-2", 4242)) == 0  # not its poll
            assert proxy.cancel_polls(identity) == 1
            await asyncio.wait_for(cancelled.wait(), 10)
            poll.cancel()
    finally:
        await proxy.stop()
        await upstream.stop(0)
