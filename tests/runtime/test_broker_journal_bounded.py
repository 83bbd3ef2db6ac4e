"""The embedded broker's memory and journal stay bounded over a long run, on the real path:
an in-process Supervisor, its journal sink, a real Mockoon placing real orders.

A sub-account keeps its newest `keep` settled orders (and every open one); older settled
orders are pruned from the mock's memory and from the journal, which the sink compacts while
it runs. A pruned order answers 404 (never another order: orders are addressed by id), and a
restart restores the same book: cash, positions, fees and the open orders.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx

from engine.runtime import broker_journal
from engine.runtime.supervisor import Supervisor
from tests.mockoon.test_broker import order
from tests.runtime.helpers import wait_until

ACCOUNT = "agent-k"
AGENT = f"/v1/trading/accounts/{ACCOUNT}"


def journaled(supervisor: Supervisor, seq: int) -> None:
    path = broker_journal.journal_path(supervisor.home)
    wait_until(lambda: any(e["seq"] >= seq for e in broker_journal.read_entries(path)),
               15, f"journal entry {seq}")


def restart_mockoon(supervisor: Supervisor, restarts: int) -> None:
    supervisor.kill_service("mockoon")
    assert supervisor.wait_for(lambda i: i.services["mockoon"]["restarts"] == restarts
                               and i.services["mockoon"]["status"] == "ready", 60)


def test_settled_orders_are_pruned_and_the_journal_stays_flat(tmp_path: Path) -> None:
    path = broker_journal.journal_path(tmp_path)
    with Supervisor(tmp_path, headless=True, with_worker=False) as supervisor:
        url = supervisor.info.mockoon_url
        with httpx.Client(base_url=url, timeout=30) as api:
            keep = api.get("/__harness/state").json().get("keep", 100)
            api.post("/v1/accounts", json={"id": ACCOUNT, "cash": 10_000_000}
                     ).raise_for_status()
            first = api.post(f"{AGENT}/orders", json=order("k-first", qty=2, limit_price=5)
                             ).json()
            # Open at the broker, half filled: never pruned, however old.
            still_open = api.post(f"{AGENT}/orders", json=order("k-open", qty=10,
                                                                 limit_price=5),
                                  headers={"X-Harness-Fault": "partial"}).json()
            assert still_open["status"] == "partially_filled"
            api.post(f"/__harness/accounts/{ACCOUNT}/fees",
                     json={"amount": 0.37, "description": "regulatory"}).raise_for_status()
            spent = 2 * 5 + 5 * 5 + 0.37
            sizes: list[int] = []
            total = 4 * keep
            for n in range(total):
                placed = api.post(f"{AGENT}/orders",
                                  json=order(f"k{n}", qty=1, limit_price=4 + n % 3))
                assert placed.status_code == 200, placed.text
                spent += float(placed.json()["filled_avg_price"])
                sizes.append(path.stat().st_size)
            broker = api.get("/__harness/state").json()
        mine = [o for o in broker["orders"] if o["account_id"] == ACCOUNT]
        # Before: every order ever placed stayed (4 keep + 2), and the journal grew with them.
        assert len(mine) <= keep + 2, f"{len(mine)} orders held, keep {keep}"  # + newest, open
        assert any(o["client_order_id"] == "k-open" for o in mine), "an open order is kept"
        assert mine[-1]["client_order_id"] == f"k{total - 1}"
        second, last = max(sizes[keep:2 * keep]), max(sizes[3 * keep:])
        print(json.dumps({"journal_max_second_quarter": second, "journal_max_last": last}))
        assert last <= 1.2 * second, (second, last)
        journaled(supervisor, broker["seq"])

        with httpx.Client(base_url=url, timeout=30) as api:
            # A pruned order is gone (404), by client_order_id and by id; never another one.
            gone = api.get(f"{AGENT}/orders:by_client_order_id",
                           params={"client_order_id": "k-first"})
            assert gone.status_code == 404, gone.text
            assert api.get(f"{AGENT}/orders/{first['id']}").status_code == 404
            cash = float(api.get(f"{AGENT}/account").json()["cash"])
            assert round(cash, 2) == round(10_000_000 - spent, 2), (cash, spent)

        restart_mockoon(supervisor, 1)  # replays the compacted, pruned journal
        with httpx.Client(base_url=url, timeout=30) as api:
            after = api.get("/__harness/state").json()
            assert after["accounts"] == broker["accounts"]  # cash and fees
            assert after["positions"] == broker["positions"]
            assert after["orders"] == broker["orders"]
            again = api.post(f"{AGENT}/orders", json=order("k-next", qty=1, limit_price=4))
            assert again.json()["id"] > mine[-1]["id"], "ids are never reused"
            # The open order is still addressed by its id after the restart.
            api.delete(f"{AGENT}/orders/{still_open['id']}").raise_for_status()
            assert api.get(f"{AGENT}/orders/{still_open['id']}").json()["status"] == "canceled"
        sink = supervisor._journal  # noqa: SLF001 - its index is what this bounds
        assert len(sink._orders) <= keep + 3, len(sink._orders)  # noqa: SLF001


def test_concurrent_changes_replay_to_the_same_state(tmp_path: Path) -> None:
    """Orders, cancels and late fills sent at once: each journal entry is the change its own
    request made (the callback body renders with the answer, before the next request)."""
    with Supervisor(tmp_path, headless=True, with_worker=False) as supervisor:
        url = supervisor.info.mockoon_url
        with httpx.Client(base_url=url, timeout=30) as api:
            api.post("/v1/accounts", json={"id": ACCOUNT, "cash": 1_000_000}
                     ).raise_for_status()
        errors: list[str] = []

        def trader(name: str) -> None:
            with httpx.Client(base_url=url, timeout=30) as api:
                for n in range(15):
                    fault = {"X-Harness-Fault": "partial"} if n % 3 else {}
                    placed = api.post(f"{AGENT}/orders", headers=fault,
                                      json=order(f"{name}-{n}", qty=4, limit_price=5 + n % 2))
                    if placed.status_code != 200:
                        errors.append(placed.text)
                        continue
                    oid = placed.json()["id"]
                    if n % 3 == 1:
                        api.delete(f"{AGENT}/orders/{oid}")
                    elif n % 3 == 2:
                        api.post(f"/__harness/accounts/{ACCOUNT}/orders/{oid}/fill",
                                 json={"price": 5.5})

        threads = [threading.Thread(target=trader, args=(f"t{i}",)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        with httpx.Client(base_url=url, timeout=30) as api:
            broker = api.get("/__harness/state").json()
        journaled(supervisor, broker["seq"])
        path = broker_journal.journal_path(tmp_path)
        entries = broker_journal.read_entries(path)
        assert len({e["seq"] for e in entries}) == len(entries), "one entry per change"
        folded = broker_journal.fold({}, entries)
        assert folded["accounts"][ACCOUNT] == broker["accounts"][ACCOUNT]
        assert folded["positions"][ACCOUNT] == broker["positions"][ACCOUNT]
        assert folded["orders"] == broker["orders"]
        restart_mockoon(supervisor, 1)
        with httpx.Client(base_url=url, timeout=30) as api:
            after = api.get("/__harness/state").json()
        assert (after["accounts"], after["positions"], after["orders"]) == (
            broker["accounts"], broker["positions"], broker["orders"])


def test_a_restarted_broker_keeps_the_keep_and_the_order_count_it_was_reset_to(
    tmp_path: Path
) -> None:
    """`keep` and the order counter are broker state like the rest: a broker reset to keep 3
    settled orders keeps 3 after a crash, not the default; and its counter goes on from the
    orders placed since the reset, not from those before it (the order census counts every
    number the broker skips as an order it never saw)."""
    with Supervisor(tmp_path, headless=True, with_worker=False) as supervisor:
        url = supervisor.info.mockoon_url
        with httpx.Client(base_url=url, timeout=30) as api:
            for n in range(8):  # before the reset: forgotten by it, counter included
                api.post("/v2/orders", json=order(f"before{n}", qty=1, limit_price=4)
                         ).raise_for_status()
            api.post("/__harness/reset", json={"cash": 1_000_000, "keep": 3}).raise_for_status()
            api.post("/v1/accounts", json={"id": ACCOUNT, "cash": 1_000_000}).raise_for_status()
            for n in range(5):
                api.post(f"{AGENT}/orders", json=order(f"r{n}", qty=1, limit_price=4)
                         ).raise_for_status()
            journaled(supervisor, api.get("/__harness/state").json()["seq"])
        restart_mockoon(supervisor, 1)
        with httpx.Client(base_url=url, timeout=30) as api:
            restored = api.get("/__harness/state").json()
            assert (restored["keep"], restored["oseq"]) == (3, 5), restored
            for n in range(5, 10):
                api.post(f"{AGENT}/orders", json=order(f"r{n}", qty=1, limit_price=4)
                         ).raise_for_status()
            held = [o["client_order_id"] for o in api.get("/__harness/state").json()["orders"]
                    if o["account_id"] == ACCOUNT]
    assert held == ["r6", "r7", "r8", "r9"], held  # the newest 3 and the one just placed
