"""Broker: Alpaca-shaped limit orders that fill at their limit, idempotent on client_order_id."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

ORDER_KEYS = {"id", "client_order_id", "symbol", "qty", "filled_qty", "side", "type",
              "limit_price", "filled_avg_price", "status", "time_in_force"}


def order(coid: str, **overrides) -> dict:
    return {"symbol": "AAPL", "qty": 10, "side": "buy", "type": "limit", "limit_price": 4.25,
            "time_in_force": "day", "client_order_id": coid, **overrides}


def test_limit_order_fills_at_its_limit(api):
    answer = api.post("/v2/orders", json=order("wf-1:t1:AAPL"))
    assert answer.status_code == 200
    placed = answer.json()
    assert ORDER_KEYS <= set(placed)
    assert placed["status"] == "filled" and placed["client_order_id"] == "wf-1:t1:AAPL"
    assert placed["filled_qty"] == placed["qty"] == "10"  # strings, as Alpaca sends them
    assert placed["filled_avg_price"] == placed["limit_price"] == "4.25"
    assert placed["id"] == "00000000-0000-4000-8000-000000000001"
    assert api.get("/v2/orders").json() == [placed]
    assert api.get(f"/v2/orders/{placed['id']}").json() == placed


def test_duplicate_client_order_id_is_rejected_and_not_stored(api):
    assert api.post("/v2/orders", json=order("dup")).status_code == 200
    again = api.post("/v2/orders", json=order("dup", qty=99))
    assert again.status_code == 422
    assert again.json() == {"code": 40010001, "message": "client_order_id must be unique"}
    assert len(api.get("/v2/orders").json()) == 1
    found = api.get("/v2/orders:by_client_order_id", params={"client_order_id": "dup"})
    assert found.status_code == 200 and found.json()["qty"] == "10"
    missing = api.get("/v2/orders:by_client_order_id", params={"client_order_id": "nope"})
    assert missing.status_code == 404 and missing.json()["code"] == 40410000


@pytest.mark.parametrize("overrides,status,words", [
    ({"qty": 0}, 422, "qty"), ({"qty": -3}, 422, "qty"), ({"client_order_id": ""}, 422,
                                                          "client_order_id"),
    ({"side": "hold"}, 422, "side"), ({"type": "market"}, 422, "market orders"),
    ({"limit_price": "abc"}, 422, "limit_price"), ({"symbol": "XYZ"}, 422, "symbol"),
    ({"time_in_force": "forever"}, 422, "time_in_force"),
    ({"side": "sell"}, 403, "insufficient qty"), ({"qty": 10**6}, 403, "buying power"),
])
def test_invalid_orders_answer_with_a_reason(api, overrides, status, words):
    answer = api.post("/v2/orders", json=order("bad", **overrides))
    assert answer.status_code == status and words in answer.json()["message"]
    assert api.get("/v2/orders").json() == []


def test_account_and_positions_follow_fills(api):
    api.post("/v2/orders", json=order("b1", qty=10, limit_price=4))
    api.post("/v2/orders", json=order("s1", qty=4, side="sell", limit_price=5))
    account = api.get("/v2/account").json()
    assert account["status"] == "ACTIVE" and account["currency"] == "USD"
    assert account["cash"] == "99980.00" and account["equity"] == "100004.00"  # 6 @ cost 4
    [position] = api.get("/v2/positions").json()
    assert position["symbol"] == "AAPL" and position["qty"] == "6"
    assert position["avg_entry_price"] == "4.0000" and position["cost_basis"] == "24.00"
    marked = api.get("/v2/positions", params={"index": 0}).json()[0]
    assert marked["current_price"] == "4.1867" and marked["market_value"] == "25.12"
    assert api.get("/v2/account", params={"index": 0}).json()["equity"] == "100005.12"


def test_reset_forgets_everything(api):
    api.post("/v2/orders", json=order("r1"))
    assert api.post("/__harness/reset", json={"cash": 5000}).json()["cash"] == "5000.00"
    assert api.get("/v2/orders").json() == [] and api.get("/v2/positions").json() == []
    assert api.get("/v2/account").json()["cash"] == "5000.00"


def test_the_order_list_honours_limit_and_direction_as_alpaca_does(api):
    for n in range(1, 56):
        api.post("/v2/orders", json=order(f"l{n}", qty=1)).raise_for_status()
    ids = [o["client_order_id"] for o in api.get("/v2/orders").json()]
    assert ids == [f"l{n}" for n in range(55, 5, -1)], "default: the newest 50, newest first"
    oldest = api.get("/v2/orders", params={"limit": 3, "direction": "asc"}).json()
    assert [o["client_order_id"] for o in oldest] == ["l1", "l2", "l3"]
    newest = api.get("/v2/orders", params={"limit": 2, "status": "closed"}).json()
    assert [o["client_order_id"] for o in newest] == ["l55", "l54"]
    for bad in ({"limit": 0}, {"limit": 501}, {"direction": "up"}):
        answer = api.get("/v2/orders", params=bad)
        assert answer.status_code == 422, (bad, answer.text)


def test_the_order_list_honours_after_and_until_on_submitted_at_as_alpaca_does(api):
    placed = []
    for n in range(4):
        placed.append(api.post("/v2/orders", json=order(f"t{n}", qty=1)).json())
        time.sleep(0.01)  # distinct milliseconds
    stamps = [o["submitted_at"] for o in placed]
    assert all(stamps) and stamps == sorted(stamps, key=datetime.fromisoformat), stamps
    assert all(o["created_at"] == o["submitted_at"] for o in placed)

    def listed(**params) -> list[str]:
        answer = api.get("/v2/orders", params={"direction": "asc", **params})
        assert answer.status_code == 200, answer.text
        return [o["client_order_id"] for o in answer.json()]

    assert listed(after=stamps[1]) == ["t2", "t3"], "after is exclusive"
    assert listed(until=stamps[2]) == ["t0", "t1"], "until is exclusive"
    assert listed(after=stamps[0], until=stamps[3]) == ["t1", "t2"]
    assert listed(after="2000-01-01T00:00:00Z") == ["t0", "t1", "t2", "t3"]
    # A cancel and a later fill stamp their own times.
    api.put("/__harness/faults", json={"mode": "accepted"}).raise_for_status()
    resting = api.post("/v2/orders", json=order("t-rest", qty=2)).json()
    api.delete("/__harness/faults").raise_for_status()
    assert resting["filled_at"] is None and resting["canceled_at"] is None
    api.delete(f"/v2/orders/{resting['id']}").raise_for_status()
    canceled = api.get(f"/v2/orders/{resting['id']}").json()
    assert canceled["canceled_at"] and canceled["updated_at"] == canceled["canceled_at"]
    assert datetime.fromisoformat(canceled["canceled_at"]) >= datetime.fromisoformat(
        resting["submitted_at"])
    for bad in ({"after": "yesterday"}, {"until": "2026-13-45"}):
        answer = api.get("/v2/orders", params=bad)
        assert answer.status_code == 422 and "timestamp" in answer.text, (bad, answer.text)


def test_at_a_bar_a_limit_order_fills_only_when_marketable_and_at_the_better_price(api):
    # AAPL closes at 4.1867 on bar 0: a buy pays 4.19 (the close on a cent, up), a sale
    # gets 4.18; a buy under the close or a sale over it rests, nothing filled.
    at_bar = {"index": 0}
    buy = api.post("/v2/orders", params=at_bar, json=order("m1", limit_price=4.30)).json()
    assert (buy["status"], buy["filled_qty"], buy["filled_avg_price"]) == ("filled", "10", "4.19")
    assert buy["limit_price"] == "4.3"
    assert api.get("/v2/account").json()["cash"] == "99958.10"
    sell = api.post("/v2/orders", params=at_bar,
                    json=order("m2", side="sell", qty=4, limit_price=4.00)).json()
    assert (sell["status"], sell["filled_avg_price"]) == ("filled", "4.18")
    low = api.post("/v2/orders", params=at_bar, json=order("m3", limit_price=4.10)).json()
    assert (low["status"], low["filled_qty"], low["filled_avg_price"]) == ("new", "0", None)
    high = api.post("/v2/orders", params=at_bar,
                    json=order("m4", side="sell", qty=2, limit_price=4.25)).json()
    assert (high["status"], high["filled_qty"]) == ("new", "0")
    assert api.get("/v2/account").json()["cash"] == "99974.82"  # 41.90 out, 16.72 in
    assert api.delete(f"/v2/orders/{low['id']}").status_code == 204
    # Without a bar, the old rule: the limit order fills at its limit.
    plain = api.post("/v2/orders", json=order("m5", limit_price=4.10)).json()
    assert (plain["status"], plain["filled_avg_price"]) == ("filled", "4.1")
