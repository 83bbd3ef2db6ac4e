"""The mock prunes a sub-account's old settled orders (never an open one) and addresses
orders by id, so a pruned order answers 404 and never another order."""

from __future__ import annotations

from tests.mockoon.test_broker import order

AGENT = "/v1/trading/accounts/agent-p"


def test_old_settled_orders_are_pruned_open_ones_kept(api) -> None:
    api.post("/__harness/reset", json={"keep": 2}).raise_for_status()
    assert api.get("/__harness/state").json()["keep"] == 2
    api.post("/v1/accounts", json={"id": "agent-p", "cash": 10000}).raise_for_status()
    opened = api.post(f"{AGENT}/orders", json=order("p-open", qty=4),
                      headers={"X-Harness-Fault": "accepted"}).json()
    placed = [api.post(f"{AGENT}/orders", json=order(f"p{n}", qty=1)).json() for n in range(5)]
    state = api.get("/__harness/state").json()
    held = [o["client_order_id"] for o in state["orders"]]
    # Pruned before each placement: the newest 2 settled, the new one, and the open one.
    assert held == ["p-open", "p2", "p3", "p4"], held
    assert state["oseq"] == 6
    listed = api.get(f"{AGENT}/orders", params={"limit": 3}).json()
    assert [o["client_order_id"] for o in listed] == ["p4", "p3", "p2"]
    ascending = api.get(f"{AGENT}/orders", params={"direction": "asc", "limit": 2}).json()
    assert [o["client_order_id"] for o in ascending] == ["p-open", "p2"]
    for gone in placed[:2]:
        assert api.get(f"{AGENT}/orders/{gone['id']}").status_code == 404
        by_coid = api.get(f"{AGENT}/orders:by_client_order_id",
                          params={"client_order_id": gone["client_order_id"]})
        assert by_coid.status_code == 404
    # Addressed by id: the open order is cancelled and filled orders looked up where they sit.
    assert api.get(f"{AGENT}/orders/{placed[3]['id']}").json()["client_order_id"] == "p3"
    assert api.delete(f"{AGENT}/orders/{opened['id']}").status_code == 204
    assert api.get(f"{AGENT}/orders/{opened['id']}").json()["status"] == "canceled"
    after = api.post(f"{AGENT}/orders", json=order("p5", qty=1)).json()
    assert after["id"].endswith("000000000007"), "ids are never reused"
    held = [o["client_order_id"] for o in api.get("/__harness/state").json()["orders"]]
    assert held == ["p3", "p4", "p5"], held  # the cancelled one is settled now, and old
