"""The mock broker remembers across a Mockoon SIGKILL and a whole runtime restart."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from engine.runtime import broker_journal
from engine.runtime.supervisor import Supervisor
from tests.mockoon.test_broker import order

AGENT = "/v1/trading/accounts/agent-r"


def trade(url: str) -> dict:
    """Open an account and leave a filled, a partially filled and a cancelled order."""
    with httpx.Client(base_url=url, timeout=10) as api:
        api.post("/v1/accounts", json={"id": "agent-r", "cash": 5000}).raise_for_status()
        api.post(f"{AGENT}/orders", json=order("r1", qty=10, limit_price=12.34)).raise_for_status()
        partial = api.post(f"{AGENT}/orders", json=order("r2", qty=7, limit_price=10),
                           headers={"X-Harness-Fault": "partial"}).json()
        api.post(f"{AGENT}/orders", json=order("r3", side="sell", qty=4, limit_price=13))
        api.delete(f"{AGENT}/orders/{partial['id']}").raise_for_status()
        api.post("/v2/orders", json=order("v2-1", qty=1)).raise_for_status()
        return api.get("/__harness/state").json()


def state(url: str) -> dict:
    with httpx.Client(base_url=url, timeout=10) as api:
        return api.get("/__harness/state").json()


def wait_journaled(home: Path, seq: int) -> None:
    """Callbacks land a moment after the answers: wait for the journal to catch up."""
    from tests.runtime.helpers import wait_until

    path = broker_journal.journal_path(home)
    wait_until(lambda: any(e["seq"] >= seq for e in broker_journal.read_entries(path)),
               10, f"journal entry {seq}")


def test_a_sigkilled_mockoon_comes_back_with_every_account_and_order(tmp_path: Path) -> None:
    with Supervisor(tmp_path, headless=True, with_worker=False) as supervisor:
        url = supervisor.info.mockoon_url
        before = trade(url)
        wait_journaled(tmp_path, before["seq"])
        supervisor.kill_service("mockoon")
        assert supervisor.wait_for(lambda i: i.services["mockoon"]["restarts"] == 1
                                   and i.services["mockoon"]["status"] == "ready", 30)
        after = state(url)
        assert after == before
        with httpx.Client(base_url=url, timeout=10) as api:
            # 5000 - 10 x 12.34 - 3 (of 7) x 10 + 4 x 13
            assert api.get(f"{AGENT}/account").json()["cash"] == "4898.60"
            again = api.post(f"{AGENT}/orders", json=order("r1", qty=1))
            assert again.status_code == 422, "a client_order_id is still taken after a restart"


def test_the_next_runtime_on_the_same_home_restores_the_broker(tmp_path: Path) -> None:
    with Supervisor(tmp_path, headless=True, with_worker=False) as supervisor:
        before = trade(supervisor.info.mockoon_url)
        wait_journaled(tmp_path, before["seq"])
    with Supervisor(tmp_path, headless=True, with_worker=False) as supervisor:
        assert state(supervisor.info.mockoon_url) == before
    journal = broker_journal.journal_path(tmp_path).read_text().splitlines()
    assert len(journal) == 1 and json.loads(journal[0])["reset"], "compacted into a snapshot"


def test_fold_orders_entries_by_seq_and_skips_a_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    entries = [
        {"seq": 2, "accounts": {"a": {"id": "a", "cash": 90}}, "positions": {},
         "orders": [{"seq": 1, "status": "filled"}]},
        {"seq": 1, "accounts": {"a": {"id": "a", "cash": 100}}, "positions": {}, "orders": []},
        {"seq": 3, "accounts": {}, "positions": {}, "orders": [{"seq": 1, "status": "canceled"}]},
    ]
    path.write_text("".join(json.dumps(e) + "\n" for e in entries) + '{"seq": 4, "acc')
    folded = broker_journal.fold({"accounts": {}, "positions": {}, "orders": [], "seq": 0},
                                 broker_journal.read_entries(path))
    assert folded["accounts"] == {"a": {"id": "a", "cash": 90}}
    assert folded["orders"] == [{"seq": 1, "status": "canceled"}] and folded["seq"] == 3
