"""The window attached to a runtime it did not start (`harness up` in the same home): it
follows runtime.json as the supervisor rewrites it, kills the worker whose pid is current
at kill time, and narrates only a kill that happened. A real supervisor, real workers."""

from __future__ import annotations

import signal
import subprocess

from app.recovery import RecoveryNarrator
from app.runtime_handle import AttachedRuntime, is_worker_process
from engine.runtime.state import attach
from engine.runtime.supervisor import Supervisor
from tests.app.conftest import state


def test_attached_runtime_follows_restarts_and_kills_the_current_worker(qtbot, tmp_path):
    home = tmp_path / "home"
    with Supervisor(home, headless=True, worker_count=1) as supervisor:  # started
        handle = AttachedRuntime(home, attach(home))
        seen: list[dict] = []
        handle.services_changed.connect(seen.append)
        booted = handle.info.services["worker-1"]["pid"]
        assert is_worker_process(booted)

        supervisor.kill_worker()  # the supervisor restarts it: a new pid in runtime.json
        qtbot.waitUntil(lambda: handle.info.services["worker-1"].get("pid") not in (None, booted)
                        and handle.info.services["worker-1"]["status"] == "ready",
                        timeout=90_000)
        assert any(s["worker-1"]["status"] != "ready" for s in seen), "the restart was seen"
        current = handle.info.services["worker-1"]["pid"]

        kill = handle.kill_worker()
        assert kill.ok and kill.pid == current and kill.pid != booted
        qtbot.waitUntil(lambda: handle.info.services["worker-1"].get("pid") not in (
            None, current) and handle.info.services["worker-1"]["status"] == "ready",
            timeout=90_000)


def test_a_kill_that_did_not_happen_is_not_narrated(controller, qtbot, tmp_path):
    """Simulate crash with no live worker behind the pid: said as a failure, no story."""
    bystander = subprocess.Popen(["sleep", "60"])  # an unrelated process
    try:
        assert not is_worker_process(bystander.pid)

        class NoWorker:
            def kill_worker(self):
                from app.runtime_handle import Kill
                return Kill(None, f"worker-1's pid {bystander.pid} is no longer a worker "
                                  f"of this runtime; nothing was killed")

        controller.runtime, controller.client = NoWorker(), None
        controller.state = state(tick=7)
        story = RecoveryNarrator(controller)
        failures, notices, marks = [], [], []
        controller.request_failed.connect(lambda a, t: failures.append((a, t)))
        controller.notice.connect(lambda lvl, t: notices.append(t))
        controller.crash_marked.connect(marks.append)
        import asyncio

        asyncio.run(story._kill())
        assert failures and "nothing was killed" in failures[0][1]
        assert notices == [] and marks == [] and story.watch is None
        assert bystander.poll() is None, "the unrelated process lives"
    finally:
        bystander.send_signal(signal.SIGKILL)
        bystander.wait()
