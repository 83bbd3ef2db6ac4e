"""HTTP to the broker, heartbeating while each call is in flight.

A broker that answers slowly (3.5 s here, a real one on a bad day) must not look like a
dead worker: every call heartbeats every HEARTBEAT_EVERY_S while it waits, and the
workflow's heartbeat timeout is longer than one HTTP call anyway. The account decides the
path: '' is the trading API's one account (`/v2`, Alpaca's paper account), anything else a
sub-account of the broker API (`/v1/trading/accounts/{id}`).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable
from typing import TypeVar

import httpx
from temporalio import activity

from engine.activities.http import ServiceClients, unreachable
from engine.config import Settings

SERVICE = "broker"
HEARTBEAT_EVERY_S = 0.5
T = TypeVar("T")


def heartbeat() -> None:
    if activity.in_activity():
        activity.heartbeat()


async def heartbeating(call: Awaitable[T]) -> T:
    """Await `call`, heartbeating meanwhile (outside an activity: just await it)."""
    if not activity.in_activity():
        return await call
    task = asyncio.ensure_future(call)
    try:
        while True:
            activity.heartbeat()
            done, _ = await asyncio.wait({task}, timeout=HEARTBEAT_EVERY_S)
            if done:
                return task.result()
    finally:
        if not task.done():
            task.cancel()


def account_prefix(account_id: str) -> str:
    return f"/v1/trading/accounts/{account_id}" if account_id else "/v2"


class BrokerHttp:
    def __init__(self, settings: Settings, clients: ServiceClients | None = None) -> None:
        self._settings = settings
        self._clients = clients or ServiceClients(settings.http_timeout_s, _credentials(settings))

    @property
    def _http(self) -> httpx.AsyncClient:
        return self._clients.get(self._settings.broker_base)

    async def _call(self, method: str, path: str, **kwargs) -> httpx.Response:
        try:
            return await heartbeating(self._http.request(method, path, **kwargs))
        except httpx.HTTPError as exc:
            raise unreachable(SERVICE, self._settings.broker_base, exc) from exc


def message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", response.text))[:200]
    except (ValueError, AttributeError):
        return response.text[:200]


def _credentials(settings: Settings) -> dict[str, str]:
    """Alpaca's auth headers, from the worker's environment only (never a payload)."""
    key_id = os.environ.get(settings.broker_key_id_env)
    secret = os.environ.get(settings.broker_secret_env)
    if key_id and secret:
        return {"APCA-API-KEY-ID": key_id, "APCA-API-SECRET-KEY": secret}
    return {}
