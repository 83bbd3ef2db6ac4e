"""A client with in-process workers for discovery tests: the agent's queue and a sandbox
queue of its own (real bubblewrap sandboxes behind it)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from engine.agent.providers import HarnessModelProvider
from engine.client import HarnessClient
from engine.config import Settings
from engine.plugin import agents_plugin
from engine.temporal_connect import connect
from engine.worker import build_sandbox_worker, build_worker


async def discovery_client(settings: Settings, model_base_url: str | None = None
                           ) -> AsyncIterator[HarnessClient]:
    settings = settings.model_copy(update={
        "task_queue": f"discovery-{uuid.uuid4().hex[:8]}",
        "sandbox_task_queue": f"sandbox-{uuid.uuid4().hex[:8]}",
    })
    provider = HarnessModelProvider(base_url=model_base_url)
    client = await connect(settings, plugins=[agents_plugin(provider)], timeout=30)
    async with build_worker(client, settings, interceptors=[]), \
            build_sandbox_worker(client, settings, interceptors=[]):
        yield HarnessClient(client, settings)
