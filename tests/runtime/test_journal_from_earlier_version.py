"""A home written by an earlier version keeps its broker: the journal in journals/v0.2.0.jsonl
was written by version 0.2.0's Mockoon and sink (orders addressed by their index then, none
pruned): five filled orders, one resting, a fee. Today's broker, which addresses orders by
id and prunes settled ones, must come back from it with the same account, positions and
orders (journals/v0.2.0.view.json, read from 0.2.0's own broker), find and cancel the
resting order, and give a new order an id no earlier order had."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx

from engine.runtime import broker_journal
from engine.runtime.supervisor import Supervisor
from tests.mockoon.test_broker import order

RECORDED = Path(__file__).parent / "journals"
AGENT = "/v1/trading/accounts/agent-u"


def _view(api: httpx.Client) -> dict:
    orders = api.get(f"{AGENT}/orders", params={"status": "all", "limit": 500}).json()
    return {"account": api.get(f"{AGENT}/account").json(),
            "positions": api.get(f"{AGENT}/positions").json(),
            "orders": {o["client_order_id"]: [o["status"], o["filled_qty"], o["id"]]
                       for o in orders}}


def test_a_journal_from_version_0_2_0_restores_the_same_broker(tmp_path: Path) -> None:
    journal = broker_journal.journal_path(tmp_path)
    journal.parent.mkdir(parents=True)
    shutil.copyfile(RECORDED / "v0.2.0.jsonl", journal)
    expected = json.loads((RECORDED / "v0.2.0.view.json").read_text())
    with Supervisor(tmp_path, headless=True, with_worker=False) as supervisor:
        with httpx.Client(base_url=supervisor.info.mockoon_url, timeout=10) as api:
            assert _view(api) == expected
            found = api.get(f"{AGENT}/orders:by_client_order_id",
                            params={"client_order_id": "u-open"})
            assert found.status_code == 200 and found.json()["status"] == "new"
            assert api.delete(f"{AGENT}/orders/{found.json()['id']}").status_code == 204
            placed = api.post(f"{AGENT}/orders", json=order("u-new", qty=1, limit_price=10))
            assert placed.status_code == 200
            earlier = {o[2] for o in expected["orders"].values()}
            assert placed.json()["id"] not in earlier
