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
    held.started(worker_identity("worker-1", 12), b"a", "w")
    held.started(worker_identity("worker-1", 123), b"b", "w")
    assert held.take(worker_identity("worker-1", 12)) == {b"a": "w"}
