"""The broker driver: idempotent limit orders against an Alpaca-v2-shaped API.

Idempotency is end to end: the workflow derives `client_order_id` from its
workflow id, the tick and the symbol, so retries, replays and continue-as-new
all send the same id. This activity looks the id up first and returns the
existing order if there is one; a duplicate-id 422 (our earlier attempt landed
but its answer was lost) is resolved the same way. Other 4xx come back as a
REJECTED result (the agent goes on); 5xx, connection errors and timeouts raise
so Temporal retries with back-off.
"""

from __future__ import annotations

import asyncio
import os

import httpx
from temporalio import activity

from engine.activities.http import ServiceClients, check, server_error, unreachable
from engine.config import Settings
from engine.contracts import OrderRequest, OrderResult, OrderStatus

SERVICE = "broker"
FILL_POLLS = 10  # a real paper account may take a moment to fill a marketable limit order


class BrokerActivities:
    def __init__(self, settings: Settings, clients: ServiceClients | None = None) -> None:
        self._settings = settings
        self._clients = clients or ServiceClients(settings.http_timeout_s, _credentials(settings))

    @property
    def _http(self) -> httpx.AsyncClient:
        return self._clients.get(self._settings.broker_base)

    async def _call(self, method: str, path: str, **kwargs) -> httpx.Response:
        try:
            return await self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise unreachable(SERVICE, self._settings.broker_base, exc) from exc

    async def find_order(self, client_order_id: str) -> dict | None:
        response = await self._call(
            "GET", "/v2/orders:by_client_order_id", params={"client_order_id": client_order_id}
        )
        if response.status_code == 404:
            return None
        return check(SERVICE, response).json()

    @activity.defn(name="place_order")
    async def place_order(self, request: OrderRequest) -> OrderResult:
        existing = await self.find_order(request.client_order_id)
        if existing is not None:
            return await self._settle(existing, reused=True)
        response = await self._call(
            "POST",
            "/v2/orders",
            json={
                "symbol": request.symbol,
                "qty": str(request.quantity),
                "side": request.side,
                "type": "limit",
                "limit_price": f"{request.limit_price:.2f}",
                "time_in_force": "day",
                "client_order_id": request.client_order_id,
            },
        )
        if response.status_code >= 500:
            raise server_error(SERVICE, response)
        if response.status_code >= 400:
            # Our own earlier attempt may have landed: then this is that order.
            existing = await self.find_order(request.client_order_id)
            if existing is not None:
                return await self._settle(existing, reused=True)
            return OrderResult(
                client_order_id=request.client_order_id,
                status=OrderStatus.REJECTED,
                reason=f"broker rejected the order ({response.status_code}): {_message(response)}",
            )
        return await self._settle(response.json(), reused=False)

    async def _settle(self, order: dict, *, reused: bool) -> OrderResult:
        """Wait (heartbeating) for a fill if the broker has not filled the order yet."""
        for _ in range(FILL_POLLS):
            if order.get("status") in ("filled", "canceled", "rejected", "expired"):
                break
            if activity.in_activity():
                activity.heartbeat()
            await asyncio.sleep(0.5)
            response = await self._call("GET", f"/v2/orders/{order['id']}")
            order = check(SERVICE, response).json()
        return _result(order, reused=reused)


def _result(order: dict, *, reused: bool) -> OrderResult:
    filled_qty = int(float(order.get("filled_qty") or 0))
    status = OrderStatus.FILLED if filled_qty > 0 else OrderStatus.REJECTED
    return OrderResult(
        client_order_id=str(order["client_order_id"]),
        status=status,
        broker_order_id=str(order.get("id", "")),
        filled_quantity=filled_qty,
        filled_price=float(order.get("filled_avg_price") or 0.0),
        reason="" if filled_qty else f"not filled (broker status {order.get('status')})",
        reused=reused,
    )


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", response.text))[:200]
    except ValueError:
        return response.text[:200]


def _credentials(settings: Settings) -> dict[str, str]:
    """Alpaca's auth headers, from the worker's environment only (never a payload)."""
    key_id = os.environ.get(settings.broker_key_id_env)
    secret = os.environ.get(settings.broker_secret_env)
    if key_id and secret:
        return {"APCA-API-KEY-ID": key_id, "APCA-API-SECRET-KEY": secret}
    return {}
