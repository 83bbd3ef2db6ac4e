"""Closing the window while the runtime starts aborts the start, says "Stopping…", and
leaves no process behind (it used to start the runtime anyway, invisibly, for up to
120 s, then report "temporal was not ready"). A real supervisor."""

from __future__ import annotations

import asyncio

import qasync

from app.controller import Controller
from tests.runtime.helpers import all_dead
from tests.runtime.helpers import wait_until_async as until


def run(qapp, coro) -> None:
    qapp.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(coro)
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def watch(controller) -> tuple[list, list, list]:
    notices, failures, services = [], [], []
    controller.notice.connect(lambda _level, text: notices.append(text))
    controller.runtime_failed.connect(failures.append)
    controller.services_changed.connect(services.append)
    return notices, failures, services


def test_closing_at_once_starts_nothing(qapp, tmp_path):
    controller = Controller(tmp_path / "home")
    notices, failures, _ = watch(controller)

    async def scenario() -> None:
        controller.start()
        await asyncio.sleep(0)  # the start is under way (its thread is importing)
        await controller.shutdown()
        await asyncio.sleep(3)  # the old code started the runtime after the close
        assert controller.supervisor is None or not controller.supervisor.running

    run(qapp, scenario())
    assert "Stopping…" in notices
    assert failures == [], "no error about a start nobody wants any more"
    assert not (tmp_path / "home" / "runtime.json").exists()


def test_closing_while_services_start_aborts_and_leaves_no_child(qapp, tmp_path):
    # A worker that never says it is ready (it sleeps): the start can only end by the
    # 120 s timeout, or by the close aborting it.
    never_ready = ("sleep", "600")
    controller = Controller(tmp_path / "home", runtime_options={
        "worker_count": 1, "worker_argv": never_ready})
    notices, failures, services = watch(controller)

    async def scenario() -> None:
        controller.start()
        await until(lambda: any(s.get("worker-1", {}).get("pid") for s in services), 90,
                    "the worker spawned")
        await asyncio.sleep(1)
        assert controller.runtime is None and controller.starting, "still starting"
        pids = {r["pid"] for s in services for r in s.values() if r.get("pid")}
        await controller.shutdown()
        all_dead(sorted(pids))

    run(qapp, scenario())
    assert "Stopping…" in notices and failures == []
    assert not (tmp_path / "home" / "runtime.json").exists()
