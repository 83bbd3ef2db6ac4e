"""Sub-accounts (Alpaca broker-API shape), partial and unfilled orders, cancel, late fills."""

from __future__ import annotations

import pytest

from tests.mockoon.test_broker import order

AGENT = "/v1/trading/accounts/agent-a"


def open_account(api, account_id: str, cash: float) -> dict:
    answer = api.post("/v1/accounts", json={"id": account_id, "cash": cash})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_each_account_has_its_own_cash_positions_and_orders(api):
    assert open_account(api, "agent-a", 5000)["id"] == "agent-a"
    open_account(api, "agent-b", 700)
    assert api.post(f"{AGENT}/orders", json=order("x1", qty=100, limit_price=10)).status_code == 200
    # agent-b cannot spend agent-a's money, and the same client_order_id is its own there.
    poor = api.post("/v1/trading/accounts/agent-b/orders", json=order("x1", qty=100,
                                                                       limit_price=10))
    assert poor.status_code == 403 and "buying power" in poor.json()["message"]
    assert api.get(f"{AGENT}/account").json()["cash"] == "4000.00"
    assert api.get("/v1/trading/accounts/agent-b/account").json()["cash"] == "700.00"
    assert api.get("/v2/account").json()["cash"] == "100000.00"
    assert [p["qty"] for p in api.get(f"{AGENT}/positions").json()] == ["100"]
    assert api.get("/v1/trading/accounts/agent-b/positions").json() == []
    assert api.get("/v2/orders").json() == []
    assert [o["client_order_id"] for o in api.get(f"{AGENT}/orders").json()] == ["x1"]
    assert api.get("/v1/accounts/agent-b").json()["status"] == "ACTIVE"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [({"id": "", "cash": 1}, 422, "id is required"),
     ({"id": "a.b", "cash": 1}, 422, "dot"),
     ({"id": "ok", "cash": 0}, 422, "cash must be a positive number"),
     ({"id": "taken", "cash": 1}, 409, "already exists")],
)
def test_bad_or_taken_account_ids_are_refused(api, body, status, message):
    open_account(api, "taken", 1)
    answer = api.post("/v1/accounts", json=body)
    assert answer.status_code == status and message in answer.json()["message"]


def test_an_unknown_account_is_404_on_every_trading_route(api):
    for path in ("/account", "/positions", "/orders"):
        answer = api.get(f"/v1/trading/accounts/nobody{path}")
        assert answer.status_code == 404 and "account not found" in answer.json()["message"]


def test_a_partial_fill_stays_open_until_cancelled_and_keeps_what_filled(api):
    open_account(api, "agent-a", 5000)
    placed = api.post(f"{AGENT}/orders", json=order("p1", qty=11, limit_price=10),
                      headers={"X-Harness-Fault": "partial"}).json()
    assert (placed["status"], placed["filled_qty"], placed["qty"]) == ("partially_filled", "5",
                                                                        "11")
    assert [o["id"] for o in api.get(f"{AGENT}/orders", params={"status": "open"}).json()] == [
        placed["id"]]
    assert api.delete(f"{AGENT}/orders/{placed['id']}").status_code == 204
    after = api.get(f"{AGENT}/orders/{placed['id']}").json()
    assert (after["status"], after["filled_qty"]) == ("canceled", "5")
    assert api.get(f"{AGENT}/orders", params={"status": "open"}).json() == []
    assert api.get(f"{AGENT}/account").json()["cash"] == "4950.00"
    again = api.delete(f"{AGENT}/orders/{placed['id']}")
    assert again.status_code == 422 and "not cancelable" in again.json()["message"]


def test_an_accepted_order_fills_nothing_until_it_fills_late(api):
    open_account(api, "agent-a", 5000)
    api.put("/__harness/faults", json={"mode": "accepted"}).raise_for_status()
    placed = api.post(f"{AGENT}/orders", json=order("u1", qty=3, limit_price=10)).json()
    assert (placed["status"], placed["filled_qty"], placed["filled_avg_price"]) == (
        "accepted", "0", None)
    assert api.get(f"{AGENT}/positions").json() == []
    assert placed["filled_at"] is None and placed["submitted_at"]
    late = api.post(f"/__harness/accounts/agent-a/orders/{placed['id']}/fill")
    assert late.status_code == 200 and late.json()["status"] == "filled"
    assert late.json()["filled_at"] >= placed["submitted_at"], "a late fill stamps its time"
    assert api.get(f"{AGENT}/account").json()["cash"] == "4970.00"
    assert [p["qty"] for p in api.get(f"{AGENT}/positions").json()] == ["3"]


def test_the_state_round_trips_through_the_restore_route(api):
    open_account(api, "agent-a", 5000)
    api.post(f"{AGENT}/orders", json=order("r1", qty=2, limit_price=10)).raise_for_status()
    state = api.get("/__harness/state").json()
    api.post("/__harness/reset").raise_for_status()
    assert api.get(f"{AGENT}/account").status_code == 404
    assert api.put("/__harness/state", json=state).status_code == 200
    assert api.get("/__harness/state").json() == state
    assert api.get(f"{AGENT}/account").json()["cash"] == "4980.00"
    nxt = api.post(f"{AGENT}/orders", json=order("r2", qty=1, limit_price=10)).json()
    assert nxt["id"].endswith("000000000002"), "ids continue after a restore"


def test_a_late_fill_at_another_price_moves_the_average_and_the_cash_by_its_own_price(api):
    open_account(api, "agent-a", 5000)
    api.put("/__harness/faults", json={"mode": "partial"}).raise_for_status()
    placed = api.post(f"{AGENT}/orders", json=order("p2", qty=100, limit_price=10)).json()
    assert (placed["filled_qty"], placed["filled_avg_price"]) == ("50", "10")
    late = api.post(f"/__harness/accounts/agent-a/orders/{placed['id']}/fill",
                    json={"price": 10.2})
    assert late.status_code == 200, late.text
    assert (late.json()["filled_qty"], float(late.json()["filled_avg_price"])) == ("100", 10.1)
    assert api.get(f"{AGENT}/account").json()["cash"] == "3990.00"  # 500 + 510 spent


def test_fees_lower_the_cash_and_are_read_as_fee_activities_after_a_page_token(api):
    open_account(api, "agent-a", 5000)
    assert api.get(f"{AGENT}/account/activities/FEE").json() == []
    for amount in (0.37, 1.25):
        charged = api.post("/__harness/accounts/agent-a/fees", json={"amount": amount})
        assert charged.status_code == 200, charged.text
    assert api.get(f"{AGENT}/account").json()["cash"] == "4998.38"
    fees = api.get(f"{AGENT}/account/activities/FEE").json()
    assert [(f["id"], f["activity_type"], f["net_amount"]) for f in fees] == [
        ("00000001", "FEE", "-0.37"), ("00000002", "FEE", "-1.25")]
    later = api.get(f"{AGENT}/account/activities/FEE", params={"page_token": "00000001"})
    assert [f["id"] for f in later.json()] == ["00000002"]
    assert api.get("/v2/account/activities/FEE").json() == [], "fees are per account"
    bad = api.post("/__harness/accounts/agent-a/fees", json={"amount": 0})
    assert bad.status_code == 422
    state = api.get("/__harness/state").json()
    assert len(state["accounts"]["agent-a"]["fees"]) == 2, "the journal carries them"
