"""A state query that never answers must not freeze the window.

Real parts: the dev server and Mockoon (`runtime_no_worker`), a worker on the agent's task
queue (in a thread with its own event loop, so it can be stopped and started again), the
real Controller and MainWindow on a qasync loop. Stopping the worker leaves the agent's
queries with nobody to answer them: the server holds each one (it does not fail it), so
only the window's own timeout ends it.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import qasync
from PySide6.QtCore import QTimer

from app.controller import Controller
from app.defaults import window_agent
from app.main_window import MainWindow
from app.session import QUERY_TIMEOUT_S
from engine.config import Settings
from tests.app.thread_worker import ThreadWorker
from tests.runtime.helpers import wait_until_async as until

FREEZE_S = QUERY_TIMEOUT_S / 4  # a 50 ms timer late by this much: the window froze


def test_a_state_query_that_never_answers_leaves_the_window_responsive(
        qapp, qsettings, runtime_no_worker, monkeypatch):
    queue = f"window-hang-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("HARNESS_TASK_QUEUE", queue)  # the window's agent runs there
    settings = Settings(temporal_address=runtime_no_worker.temporal_address,
                        mockoon_url=runtime_no_worker.mockoon_url, task_queue=queue)
    config = window_agent().model_copy(update={"tick_interval_s": 0.5, "discovery": None})
    controller = Controller(runtime_no_worker.home, agent_config=config)  # attaches
    window = MainWindow(controller, settings=qsettings)
    window.show()
    workers = [ThreadWorker(settings).start()]
    fired: list[float] = []
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(lambda: fired.append(time.monotonic()))

    def said(words: str) -> bool:
        return any(words in text for _level, text in window.banner.messages())

    async def scenario() -> None:
        controller.start()
        await until(lambda: controller.state is not None and controller.state.tick >= 1, 120,
                    "the agent ticking")
        workers[0].stop()  # nobody answers the agent's queries from now on
        stopped = time.monotonic()
        timer.start()
        await until(lambda: window.toolbar.badge.text() == "Not answering",
                    QUERY_TIMEOUT_S + 8, "the badge saying the agent is not answering")
        assert time.monotonic() - stopped < QUERY_TIMEOUT_S + 8
        assert said("The agent is not answering"), window.banner.messages()
        assert "not answering" in window.status.tick.text()
        await asyncio.sleep(3)  # a second hanging poll under way: the loop still turns
        gaps = [b - a for a, b in zip(fired, fired[1:], strict=False)]
        assert len(fired) > 100 and max(gaps) < FREEZE_S, (len(fired), max(gaps))

        tick = controller.state.tick
        workers.append(ThreadWorker(settings).start())  # answers come back
        await until(lambda: window.toolbar.badge.text() in ("Running", "Waiting for you"),
                    QUERY_TIMEOUT_S + 30, "the badge back to the agent's phase")
        assert said("the agent answers again")
        assert "not answering" not in window.status.tick.text()
        await until(lambda: controller.state.tick > tick, 30, "ticks after it")

    qapp.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(scenario())
    finally:
        timer.stop()
        if controller.client is not None and controller.workflow_id is not None:
            loop.run_until_complete(controller.client.temporal.get_workflow_handle(
                controller.workflow_id).terminate("test over"))
        window.close()
        loop.run_until_complete(controller.shutdown())
        for worker in workers:
            worker.stop()
        loop.close()
        asyncio.set_event_loop(None)
