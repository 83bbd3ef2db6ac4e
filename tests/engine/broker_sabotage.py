"""Real broker calls, some of them broken on purpose, in a scripted order.

`Sabotage` is the worker's real HTTP client to the real Mockoon; a request hook breaks the
next call of a kind as the script says, so a test reaches broker answers that the mock's own
fault modes cannot time (a poll that fails after the order landed, a cancel that does not
take, an account that cannot be opened). Kinds:

- `lookup`  GET  .../orders:by_client_order_id
- `post`    POST .../orders
- `poll`    GET  .../orders/{id}
- `cancel`  DELETE .../orders/{id}
- `open`    POST /v1/accounts

Modes: "" leaves the call alone; "404" sends it to a path the mock does not serve (Mockoon's
HTML 404: a ClientError, not retried); any other mode is sent as `X-Harness-Fault`
(500, 503, stall, lost: honoured by lookups and posts).
"""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

import engine.worker
from engine.activities.broker import BrokerActivities
from engine.activities.http import ServiceClients
from engine.client import HarnessClient
from engine.worker import build_worker

BROKEN_PATH = "/__harness/no-such-route"
_ORDER = re.compile(r"/orders/[^/]+$")


def kind_of(request: httpx.Request) -> str:
    path, method = request.url.path, request.method
    if path.endswith("by_client_order_id"):
        return "lookup"
    if method == "POST" and path.endswith("/orders"):
        return "post"
    if method == "POST" and path == "/v1/accounts":
        return "open"
    if _ORDER.search(path):
        return "cancel" if method == "DELETE" else "poll"
    return ""


class Sabotage(ServiceClients):
    def __init__(self, timeout_s: float, **script: list[str]) -> None:
        super().__init__(timeout_s)
        self.script = {kind: list(modes) for kind, modes in script.items()}

    def get(self, base_url: str) -> httpx.AsyncClient:
        client = super().get(base_url)
        if self._inject not in client.event_hooks["request"]:
            client.event_hooks["request"].append(self._inject)
        return client

    async def _inject(self, request: httpx.Request) -> None:
        queue = self.script.get(kind_of(request))
        if not queue:
            return
        mode = queue.pop(0)
        if mode == "404":
            request.url = request.url.copy_with(path=BROKEN_PATH, query=b"")
        elif mode:
            request.headers["X-Harness-Fault"] = mode

    def unused(self) -> dict[str, list[str]]:
        return {kind: modes for kind, modes in self.script.items() if modes}


@pytest.fixture
def sabotaged(harness, engine_settings, monkeypatch):
    """`async with sabotaged(poll=["404"]) as harness:` a worker on its own task queue whose
    broker calls follow the script; on leaving, every scripted fault was served."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def start(**script: list[str]):
        clients = Sabotage(engine_settings.http_timeout_s, **script)
        monkeypatch.setattr(
            engine.worker, "BrokerActivities", lambda s: BrokerActivities(s, clients=clients))
        settings = engine_settings.model_copy(
            update={"task_queue": f"sabotage-{uuid.uuid4().hex[:8]}"})
        try:
            async with build_worker(harness.temporal, settings):
                yield HarnessClient(harness.temporal, settings)
        finally:
            await clients.aclose()
        assert clients.unused() == {}, f"scripted faults never served: {clients.unused()}"

    return start
