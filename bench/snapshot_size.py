"""Reconciliation's snapshot against the number of orders an account holds: the old way (list
the account's orders, Alpaca's `limit=500` ascending) beside the new one (look up the book's
unsettled orders by client_order_id), on the same broker in one run.

    .venv/bin/python bench/snapshot_size.py [--orders 100 500 1000] [--unsettled 3] [--save]

Prints JSON per order count: each snapshot's size in bytes, how many of the unsettled orders
it shows (the listing misses the newest once there are more than 500), and the ratio
listing/lookups. The embedded broker (Mockoon) runs in a throwaway runtime home.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

import httpx

if __package__ in (None, ""):  # run as `python bench/snapshot_size.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results import add_save_flag, emit
from engine.activities.broker import BrokerActivities
from engine.broker_contracts import SnapshotRequest
from engine.config import Settings
from engine.runtime.supervisor import Supervisor

ACCOUNT = "bench-snapshot"
PREFIX = "bench-"


def _order(n: int) -> dict:
    return {"symbol": "AAPL", "qty": 1, "side": "buy", "type": "limit", "limit_price": 1,
            "time_in_force": "day", "client_order_id": f"{PREFIX}t{n}-AAPL"}


async def measure(base_url: str, counts: list[int], unsettled: int) -> dict[str, dict]:
    """{"orders_N": {listing_bytes, lookups_bytes, *_unsettled_shown, ratio}} per order count."""
    broker = BrokerActivities(Settings(mockoon_url=base_url))
    rows, placed = {}, 0
    with httpx.Client(base_url=base_url, timeout=30) as http:
        # The broker prunes settled orders beyond 100 per account: keep them all here, so the
        # listing shows what it would on a broker that never forgets (as Alpaca).
        http.post("/__harness/reset", json={"keep": 10 ** 6}).raise_for_status()
        http.post("/v1/accounts", json={"id": ACCOUNT, "cash": 1e9}).raise_for_status()
        for count in counts:
            while placed < count:
                placed += 1
                http.post(f"/v1/trading/accounts/{ACCOUNT}/orders",
                          json=_order(placed)).raise_for_status()
            newest = [f"{PREFIX}t{n}-AAPL" for n in range(count - unsettled + 1, count + 1)]
            row: dict = {"orders": count}
            for way, ids in (("listing", None), ("lookups", newest)):
                snapshot = await broker.broker_snapshot(SnapshotRequest(
                    account_id=ACCOUNT, client_order_id_prefix=PREFIX, client_order_ids=ids))
                shown = {o.client_order_id for o in snapshot.orders}
                row[f"{way}_bytes"] = len(snapshot.model_dump_json())
                row[f"{way}_unsettled_shown"] = len(shown & set(newest))
            row["ratio_listing_over_lookups"] = round(
                row["listing_bytes"] / row["lookups_bytes"], 1)
            rows[f"orders_{count}"] = row
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument("--unsettled", type=int, default=3)
    add_save_flag(parser)
    args = parser.parse_args()
    with Supervisor(Path(tempfile.mkdtemp()), headless=True, with_worker=False) as supervisor:
        rows = asyncio.run(measure(supervisor.info.mockoon_url, sorted(args.orders),
                                   args.unsettled))
    emit({"unsettled": args.unsettled, **rows}, args)


if __name__ == "__main__":
    main()
