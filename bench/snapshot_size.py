"""Reconciliation's snapshot against the number of orders an account holds: the old way (list
the account's orders, Alpaca's `limit=500` ascending) beside the new one (look up the book's
unsettled orders by client_order_id), on the same broker in one run.

    .venv/bin/python bench/snapshot_size.py [--orders 100 500 1000] [--unsettled 3]

Prints JSON per order count: each snapshot's size in bytes, how many of the unsettled orders
it shows (the listing misses the newest once there are more than 500), and the ratio
listing/lookups. The embedded broker (Mockoon) runs in a throwaway runtime home.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path

import httpx

from engine.activities.broker import BrokerActivities
from engine.broker_contracts import SnapshotRequest
from engine.config import Settings
from engine.runtime.supervisor import Supervisor

ACCOUNT = "bench-snapshot"
PREFIX = "bench-"


def _order(n: int) -> dict:
    return {"symbol": "AAPL", "qty": 1, "side": "buy", "type": "limit", "limit_price": 1,
            "time_in_force": "day", "client_order_id": f"{PREFIX}t{n}-AAPL"}


async def measure(base_url: str, counts: list[int], unsettled: int) -> list[dict]:
    broker = BrokerActivities(Settings(mockoon_url=base_url))
    rows, placed = [], 0
    with httpx.Client(base_url=base_url, timeout=30) as http:
        http.post("/__harness/reset").raise_for_status()
        http.post("/v1/accounts", json={"id": ACCOUNT, "cash": 1e9}).raise_for_status()
        for count in counts:
            while placed < count:
                placed += 1
                http.post(f"/v1/trading/accounts/{ACCOUNT}/orders",
                          json=_order(placed)).raise_for_status()
            newest = [f"{PREFIX}t{n}-AAPL" for n in range(count - unsettled + 1, count + 1)]
            row = {"orders": count}
            for way, ids in (("listing", None), ("lookups", newest)):
                snapshot = await broker.broker_snapshot(SnapshotRequest(
                    account_id=ACCOUNT, client_order_id_prefix=PREFIX, client_order_ids=ids))
                shown = {o.client_order_id for o in snapshot.orders}
                row[way] = {"bytes": len(snapshot.model_dump_json()),
                            "unsettled_shown": len(shown & set(newest))}
            row["ratio_listing_over_lookups"] = round(
                row["listing"]["bytes"] / row["lookups"]["bytes"], 1)
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument("--unsettled", type=int, default=3)
    args = parser.parse_args()
    with Supervisor(Path(tempfile.mkdtemp()), headless=True, with_worker=False) as supervisor:
        rows = asyncio.run(measure(supervisor.info.mockoon_url, sorted(args.orders),
                                   args.unsettled))
    print(json.dumps({"unsettled": args.unsettled, "runs": rows}, indent=2))


if __name__ == "__main__":
    main()
