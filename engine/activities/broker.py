"""The broker driver: idempotent limit orders against an Alpaca-v2-shaped API.

Idempotency is end to end: the workflow derives `client_order_id` from its
workflow id, the tick and the symbol, so retries, replays and continue-as-new
all send the same id. This activity looks the id up first and returns the
existing order if there is one; a duplicate-id 422 (our earlier attempt landed
but its answer was lost) is resolved the same way. Other 4xx come back as a
REJECTED result (the agent goes on); 5xx, connection errors and timeouts raise
so Temporal retries with back-off.

An order that is not completely filled by its deadline (a real account outside
market hours holds it; a thin market fills part) is cancelled, and the result is
what actually filled. `lookup_order` is the workflow's last word before it books
an order FAILED: whatever the retries saw, the broker may hold the order.
"""

from __future__ import annotations

import asyncio

from temporalio import activity

from engine.activities.broker_accounts import BrokerAccounts
from engine.activities.broker_http import SERVICE, account_prefix, heartbeat, message
from engine.activities.broker_journaled import order_fields, wait_journaled
from engine.activities.http import check, server_error
from engine.broker_contracts import (
    OPEN_STATUSES,
    OrderLookup,
    OrderRequest,
    OrderResult,
    OrderStatus,
)

POLL_S = 0.25
OPEN = OPEN_STATUSES


class BrokerActivities(BrokerAccounts):
    @activity.defn(name="place_order")
    async def place_order(self, request: OrderRequest) -> OrderResult:
        account = request.account_id
        existing = await self.find_order(request.client_order_id, account)
        if existing is not None:
            return await self._settle(request, existing, reused=True)
        response = await self._call(
            "POST",
            f"{account_prefix(account)}/orders",
            # The bar, for the embedded broker's market (a harness extension): a broker of
            # its own (broker_url, a real Alpaca) has a market and is not sent it.
            params={} if request.bar_index is None or self._settings.broker_url
            else {"index": request.bar_index},
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
            existing = await self.find_order(request.client_order_id, account)
            if existing is not None:
                return await self._settle(request, existing, reused=True)
            return OrderResult(
                client_order_id=request.client_order_id,
                status=OrderStatus.REJECTED,
                reason=f"broker rejected the order ({response.status_code}): {message(response)}",
                requested_quantity=request.quantity,
            )
        return await self._settle(request, response.json(), reused=False)

    @activity.defn(name="lookup_order")
    async def lookup_order(self, lookup: OrderLookup) -> OrderResult:
        """The order as the broker holds it now; FAILED with broker_status '' if it never
        arrived."""
        order = await self.find_order(lookup.client_order_id, lookup.account_id)
        if order is None:
            return OrderResult(client_order_id=lookup.client_order_id, status=OrderStatus.FAILED,
                               reason="the broker has no such order",
                               requested_quantity=lookup.requested_quantity)
        await wait_journaled(self._settings.broker_journal, "orders",
                             lookup.client_order_id, order_fields(order))
        return result_from(order, reused=True, requested=lookup.requested_quantity)

    @activity.defn(name="cancel_order")
    async def cancel_order(self, lookup: OrderLookup) -> OrderResult:
        """Cancel the order if it is still open; the order as it ends up (a fill may win).
        The workflow's answer to a last lookup that found an order it was about to book
        dead."""
        order = await self.find_order(lookup.client_order_id, lookup.account_id)
        if order is None:
            return OrderResult(client_order_id=lookup.client_order_id, status=OrderStatus.FAILED,
                               reason="the broker has no such order",
                               requested_quantity=lookup.requested_quantity)
        if order.get("status") in OPEN:
            path = f"{account_prefix(lookup.account_id)}/orders/{order['id']}"
            order = await self._cancel(path, order)
        await wait_journaled(self._settings.broker_journal, "orders",
                             lookup.client_order_id, order_fields(order))
        result = result_from(order, reused=True, requested=lookup.requested_quantity)
        if result.broker_status == "canceled" and not result.filled_quantity:
            result = result.model_copy(update={"reason": "still open at the broker; cancelled"})
        return result

    async def _settle(self, request: OrderRequest, order: dict, *, reused: bool) -> OrderResult:
        """Wait (heartbeating) for a complete fill until the deadline, then cancel the rest."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + request.fill_deadline_s
        path = f"{account_prefix(request.account_id)}/orders/{order['id']}"
        while order.get("status") in OPEN and loop.time() < deadline:
            heartbeat()
            await asyncio.sleep(POLL_S)
            order = check(SERVICE, await self._call("GET", path)).json()
        if order.get("status") in OPEN:
            order = await self._cancel(path, order)
        await wait_journaled(self._settings.broker_journal, "orders",
                             request.client_order_id, order_fields(order))
        return result_from(order, reused=reused, requested=request.quantity,
                           deadline_s=request.fill_deadline_s)

    async def _cancel(self, path: str, order: dict) -> dict:
        """Cancel what is still open and return the order as it ends up (a fill may win)."""
        response = await self._call("DELETE", path)
        if response.status_code >= 500:
            raise server_error(SERVICE, response)  # retried: the lookup finds the order again
        for _ in range(20):  # a real broker cancels asynchronously (pending_cancel)
            order = check(SERVICE, await self._call("GET", path)).json()
            if order.get("status") not in (*OPEN, "pending_cancel"):
                break
            await asyncio.sleep(POLL_S)
        return order


def result_from(order: dict, *, reused: bool, requested: int = 0,
                deadline_s: float | None = None) -> OrderResult:
    """The order as the book should see it: what filled, at what average price."""
    filled_qty = int(float(order.get("filled_qty") or 0))
    status = str(order.get("status"))
    qty = int(float(order.get("qty") or 0)) or requested
    if filled_qty and filled_qty < qty:
        reason = f"partially filled: {filled_qty} of {qty} (broker status {status})"
    elif filled_qty:
        reason = ""
    elif status == "canceled" and deadline_s is not None:
        reason = f"not filled within {deadline_s:g}s; cancelled"
    else:
        reason = f"not filled (broker status {status})"
    return OrderResult(
        client_order_id=str(order["client_order_id"]),
        status=OrderStatus.FILLED if filled_qty > 0 else OrderStatus.REJECTED,
        broker_order_id=str(order.get("id", "")),
        filled_quantity=filled_qty,
        filled_price=float(order.get("filled_avg_price") or 0.0),
        reason=reason,
        reused=reused,
        requested_quantity=qty,
        broker_status=status,
    )
