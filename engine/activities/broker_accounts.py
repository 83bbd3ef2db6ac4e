"""Broker accounts: open the agent's own account, and read what the broker says it owns.

One account per agent (Alpaca's broker API: `/v1/accounts`, trading under
`/v1/trading/accounts/{id}`), opened with the agent's starting cash, so agents side by side
never spend each other's money. `broker_snapshot` is reconciliation's view: cash, each
position's quantity, and the agent's own orders (by client_order_id prefix, so an account
shared with others, like a lone paper account, still shows only this agent's orders). With
`client_order_ids` only those orders, each looked up by its id: the orders the book still
watches, so the snapshot stays small however many orders the agent ever placed.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from engine.activities.broker_http import SERVICE, BrokerHttp, account_prefix, message
from engine.activities.broker_journaled import wait_journaled
from engine.activities.http import check
from engine.broker_contracts import (
    BrokerAccount,
    BrokerOrder,
    BrokerSnapshot,
    OpenAccountRequest,
    SnapshotRequest,
)

FEE_PAGE = 100  # Alpaca's largest page of account activities


class BrokerAccounts(BrokerHttp):
    @activity.defn(name="open_account")
    async def open_account(self, request: OpenAccountRequest) -> BrokerAccount:
        if not self._settings.broker_sub_accounts:
            # A plain trading account (an Alpaca paper account): the agent trades in it.
            account = check(SERVICE, await self._call("GET", "/v2/account")).json()
            return BrokerAccount(account_id="", cash=float(account["cash"]), opened=False)
        response = await self._call(
            "POST", "/v1/accounts", json={"id": request.account_id, "cash": request.cash}
        )
        opened = response.status_code < 300
        if response.status_code == 409:  # ours already: this is a retry or a re-attach
            opened = False
        elif not opened:
            check(SERVICE, response)
        trading = await self._call("GET", f"{account_prefix(request.account_id)}/account")
        if trading.status_code == 404:
            raise ApplicationError(
                f"broker account {request.account_id} cannot be opened: {message(response)}",
                type="ClientError", non_retryable=True,
            )
        cash = float(check(SERVICE, trading).json()["cash"])
        await wait_journaled(self._settings.broker_journal, "accounts", request.account_id)
        return BrokerAccount(account_id=request.account_id, cash=cash, opened=opened)

    async def find_order(self, client_order_id: str, account_id: str = "") -> dict | None:
        """The order with this client_order_id in the account, or None."""
        response = await self._call(
            "GET", f"{account_prefix(account_id)}/orders:by_client_order_id",
            params={"client_order_id": client_order_id},
        )
        if response.status_code == 404:
            return None
        return check(SERVICE, response).json()

    async def _fees_after(self, prefix: str, after: str) -> tuple[float, int, str]:
        """(dollars, how many, the newest id) of the FEE activities after `after`, every
        page of them, summed here so the snapshot stays small however many there were."""
        cents, count, last = 0, 0, after
        while True:
            params = {"direction": "asc", "page_size": FEE_PAGE}
            if last:
                params["page_token"] = last
            page = check(SERVICE, await self._call(
                "GET", f"{prefix}/account/activities/FEE", params=params)).json()
            for activity_ in page:
                cents -= round(float(activity_["net_amount"]) * 100)  # a fee is negative
                count, last = count + 1, str(activity_["id"])
            if len(page) < FEE_PAGE:
                return cents / 100, count, (last if count else "")

    @activity.defn(name="broker_snapshot")
    async def broker_snapshot(self, request: SnapshotRequest) -> BrokerSnapshot:
        prefix = account_prefix(request.account_id)
        account = check(SERVICE, await self._call("GET", f"{prefix}/account")).json()
        held = check(SERVICE, await self._call("GET", f"{prefix}/positions")).json()
        if request.client_order_ids is not None:
            found = [await self.find_order(coid, request.account_id)
                     for coid in request.client_order_ids]
            listed = [o for o in found if o is not None]
        else:  # before book-survives-weeks: Alpaca's first 500, so it missed the newest
            listed = check(SERVICE, await self._call(
                "GET", f"{prefix}/orders", params={"status": "all", "limit": 500,
                                                   "direction": "asc"})).json()
        orders = [
            BrokerOrder(
                client_order_id=str(o["client_order_id"]),
                broker_order_id=str(o.get("id", "")),
                symbol=str(o["symbol"]),
                side=str(o["side"]),
                quantity=int(float(o.get("qty") or 0)),
                filled_quantity=int(float(o.get("filled_qty") or 0)),
                filled_price=float(o.get("filled_avg_price") or 0.0),
                status=str(o.get("status")),
            )
            for o in listed
            if str(o.get("client_order_id", "")).startswith(request.client_order_id_prefix)
        ]
        fees, count, last = (0.0, 0, "") if request.fees_after is None else (
            await self._fees_after(prefix, request.fees_after))
        return BrokerSnapshot(
            fees=fees, fee_count=count, last_fee_id=last,
            cash=round(float(account["cash"]), 2),
            positions={str(p["symbol"]): int(float(p["qty"])) for p in held
                       if int(float(p["qty"]))},
            orders=orders,
        )
