"""Fault injection: exactly N order requests fail, then the broker recovers; stalls are slow."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.mockoon.test_broker import order


@pytest.mark.parametrize("status", [500, 503])
def test_armed_faults_fail_exactly_n_order_requests(api, status):
    armed = api.put("/__harness/faults", json={"status": status, "count": 3})
    assert armed.json() == {"count": 3, "mode": str(status)}
    lookup = {"client_order_id": "f1"}
    codes = [api.post("/v2/orders", json=order("f1")).status_code,
             api.get("/v2/orders:by_client_order_id", params=lookup).status_code,
             api.post("/v2/orders", json=order("f1")).status_code,
             api.post("/v2/orders", json=order("f1")).status_code,
             api.get("/v2/orders:by_client_order_id", params=lookup).status_code]
    assert codes == [status, status, status, 200, 200]
    assert [o["client_order_id"] for o in api.get("/v2/orders").json()] == ["f1"]
    assert api.get("/__harness/faults").json() == {"count": 0, "mode": str(status)}


def test_header_fault_is_per_request_and_consumes_nothing(api):
    api.put("/__harness/faults", json={"mode": "503", "count": 1})
    hit = api.post("/v2/orders", json=order("h1"), headers={"X-Harness-Fault": "500"})
    assert hit.status_code == 500 and api.get("/__harness/faults").json()["count"] == 1
    assert api.delete("/__harness/faults").json() == {"count": 0, "mode": ""}
    assert api.post("/v2/orders", json=order("h1")).status_code == 200


def test_lost_answer_still_stores_the_order(api):
    api.put("/__harness/faults", json={"mode": "lost"})
    assert api.post("/v2/orders", json=order("l1")).status_code == 500
    retry = api.post("/v2/orders", json=order("l1"))
    assert retry.status_code == 422 and retry.json()["code"] == 40010001
    assert len(api.get("/v2/orders").json()) == 1


def test_stall_times_out_the_client_then_completes(api):
    api.put("/__harness/faults", json={"mode": "stall", "count": 1})
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        api.post("/v2/orders", json=order("s1"), timeout=1.0)
    assert time.monotonic() - started >= 1.0
    started = time.monotonic()
    assert api.post("/v2/orders", json=order("s1")).status_code == 200  # fault consumed
    assert time.monotonic() - started < 1.0
    time.sleep(2.2)  # the stalled request finishes: a duplicate, so still one order
    assert len(api.get("/v2/orders").json()) == 1
    started = time.monotonic()
    slow = api.get("/v2/orders:by_client_order_id", params={"client_order_id": "s1"},
                   headers={"X-Harness-Fault": "stall"})
    assert slow.status_code == 200 and time.monotonic() - started >= 2.9


@pytest.mark.parametrize("body", [{"mode": "boom"}, {"status": 418}, {"mode": "500", "count": 0}])
def test_bad_fault_settings_are_rejected(api, body):
    assert api.put("/__harness/faults", json=body).status_code == 422


def test_a_422_fault_refuses_the_order_but_not_its_lookup(api):
    api.put("/__harness/faults", json={"mode": "422", "count": 1})
    lookup = {"client_order_id": "u1"}
    assert api.get("/v2/orders:by_client_order_id", params=lookup).status_code == 404
    refused = api.post("/v2/orders", json=order("u1"))
    assert refused.status_code == 422 and refused.json()["code"] == 42210000
    assert api.get("/v2/orders").json() == []
    assert api.get("/__harness/faults").json() == {"count": 0, "mode": "422"}
    assert api.post("/v2/orders", json=order("u1")).status_code == 200


def test_an_unpriced_answer_shows_the_fill_without_its_price_the_order_keeps_it(api):
    api.put("/__harness/faults", json={"mode": "unpriced"}).raise_for_status()
    answer = api.post("/v2/orders", json=order("np1", qty=4, limit_price=10)).json()
    assert (answer["status"], answer["filled_qty"], answer["filled_avg_price"]) == (
        "filled", "4", None)
    stored = api.get("/v2/orders:by_client_order_id", params={"client_order_id": "np1"}).json()
    assert stored["filled_avg_price"] == "10"
    assert api.get("/v2/account").json()["cash"] == "99960.00"
