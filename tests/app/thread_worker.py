"""A real worker (engine/worker.py) in a thread with its own event loop, so a window test on
a qasync loop can stop it (the agent's queries then go unanswered) and start another."""

from __future__ import annotations

import asyncio
import threading

from engine.config import Settings


class ThreadWorker:
    """A worker for `settings.task_queue` on its own thread and event loop."""

    def __init__(self, settings: Settings, model_base_url: str | None = None) -> None:
        self.settings = settings
        self.model_base_url = model_base_url  # a chat-completions TEST DOUBLE's
        self._stop = threading.Event()
        self._polling = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        from engine.agent.providers import HarnessModelProvider
        from engine.plugin import agents_plugin
        from engine.temporal_connect import connect
        from engine.worker import build_worker

        provider = HarnessModelProvider(base_url=self.model_base_url)
        client = await connect(self.settings, plugins=[agents_plugin(provider)], timeout=30)
        async with build_worker(client, self.settings):
            self._polling.set()
            while not self._stop.is_set():
                await asyncio.sleep(0.05)

    def start(self) -> ThreadWorker:
        self._thread.start()
        assert self._polling.wait(60), "the worker did not start"
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(60)
