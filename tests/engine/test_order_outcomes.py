"""Orders that are never lost: a slow broker, a lost answer on the last attempt, a partial
fill, an order the broker accepts but does not fill. Through the real workflow, worker and
Mockoon; after each, the book equals the broker's account to the cent."""

from __future__ import annotations

import uuid

import httpx
import pytest

import engine.worker
from engine.activities.broker import BrokerActivities
from engine.activities.http import ServiceClients
from engine.broker_contracts import OrderStatus
from engine.client import HarnessClient
from engine.contracts import Phase
from engine.models import RiskLimits
from engine.worker import build_worker
from tests.engine.conftest import agent_config, assert_book_is_broker, orders_for
from tests.engine.test_broker_faults import assert_one_order_per_fill, place_order_attempts

NO_APPROVALS = RiskLimits(approval_notional=1e9)


def _config(**overrides):
    values = {"max_ticks": 12, "limits": NO_APPROVALS, "fill_deadline_s": 1.0}
    return agent_config(**(values | overrides))


async def first_order(harness, workflow_id):
    page = await harness.decisions(workflow_id, limit=500)
    return next(d.order for d in reversed(page.decisions) if d.order is not None)


async def test_a_broker_slower_than_the_old_heartbeat_timeout_fills_on_the_first_attempt(
    harness, broker
):
    # The lookup and the post of the first order each take 3.5 s (the old heartbeat timeout
    # was 3 s, with no heartbeat during a call: every attempt timed out, orders were lost).
    broker.put("/__harness/faults", json={"mode": "stall", "count": 2}).raise_for_status()
    workflow_id = await harness.start_agent(_config(), f"test-slow-{uuid.uuid4().hex[:6]}")
    summary = await harness.result(workflow_id)

    assert summary.phase == Phase.FINISHED
    assert broker.get("/__harness/faults").json()["count"] == 0, "both stalls were served"
    attempts = await place_order_attempts(harness, workflow_id)
    assert attempts[0].attempt == 1, attempts[0].last_failure
    order = await first_order(harness, workflow_id)
    assert order.status == OrderStatus.FILLED and order.clean_fill
    assert summary.counters.orders_failed == 0
    assert_one_order_per_fill(broker, workflow_id, summary)
    assert_book_is_broker(summary, broker, workflow_id)
    assert summary.book_vs_broker == "agrees"


class ScriptedFaults(ServiceClients):
    """Real HTTP clients that send `X-Harness-Fault` on order lookups and posts, in order
    (an empty mode: that request goes through untouched)."""

    def __init__(self, timeout_s: float, lookups: list[str], posts: list[str]) -> None:
        super().__init__(timeout_s)
        self.lookups, self.posts = list(lookups), list(posts)

    def get(self, base_url: str) -> httpx.AsyncClient:
        client = super().get(base_url)
        if self._inject not in client.event_hooks["request"]:
            client.event_hooks["request"].append(self._inject)
        return client

    async def _inject(self, request: httpx.Request) -> None:
        path = request.url.path
        queue = (self.lookups if request.method == "GET" and path.endswith("by_client_order_id")
                 else self.posts if request.method == "POST" and path.endswith("/orders")
                 else None)
        if queue:
            mode = queue.pop(0)
            if mode:
                request.headers["X-Harness-Fault"] = mode


@pytest.fixture
async def last_attempt_lost(harness, engine_settings, monkeypatch):
    """Five attempts see the broker down (503 on the lookup); the sixth and last places the
    order and loses the answer."""
    clients = ScriptedFaults(engine_settings.http_timeout_s, ["503"] * 5 + [""], ["lost"])
    monkeypatch.setattr(
        engine.worker, "BrokerActivities", lambda s: BrokerActivities(s, clients=clients)
    )
    settings = engine_settings.model_copy(update={"task_queue": f"last-{uuid.uuid4().hex[:8]}"})
    async with build_worker(harness.temporal, settings):
        yield HarnessClient(harness.temporal, settings)
    await clients.aclose()
    assert clients.lookups == [] and clients.posts == [], "the faults were not all injected"


async def test_an_answer_lost_on_the_last_attempt_is_found_before_failed_is_booked(
    last_attempt_lost, broker
):
    harness = last_attempt_lost
    workflow_id = await harness.start_agent(_config(), f"test-lastlost-{uuid.uuid4().hex[:6]}")
    summary = await harness.result(workflow_id)

    attempts = await place_order_attempts(harness, workflow_id)
    assert attempts[0].attempt == 6, "every attempt failed"
    order = await first_order(harness, workflow_id)
    assert order.status == OrderStatus.FILLED, order
    assert "found at the broker after the order call failed" in order.reason
    assert summary.counters.orders_failed == 0
    assert_one_order_per_fill(broker, workflow_id, summary)
    assert_book_is_broker(summary, broker, workflow_id)
    assert summary.book_vs_broker == "agrees"


@pytest.mark.parametrize("mode", ["partial", "accepted"])
async def test_an_order_not_filled_by_its_deadline_is_cancelled_and_booked_as_filled(
    harness, broker, mode
):
    broker.put("/__harness/faults", json={"mode": mode, "count": 1}).raise_for_status()
    workflow_id = await harness.start_agent(_config(), f"test-{mode}-{uuid.uuid4().hex[:6]}")
    summary = await harness.result(workflow_id)

    order = await first_order(harness, workflow_id)
    placed = {o["client_order_id"]: o for o in orders_for(broker, workflow_id)}
    at_broker = placed[order.client_order_id]
    assert at_broker["status"] == "canceled", "the rest was cancelled at the deadline"
    assert order.filled_quantity == int(at_broker["filled_qty"])
    if mode == "partial":
        assert order.status == OrderStatus.FILLED and not order.clean_fill
        assert order.filled_quantity == order.requested_quantity // 2 > 0
        assert "partially filled" in order.reason
    else:
        assert order.status == OrderStatus.REJECTED and order.filled_quantity == 0
        assert "not filled within 1s; cancelled" in order.reason
    assert not [o for o in placed.values() if o["status"] in ("new", "accepted",
                                                              "partially_filled")]
    state = await harness.state(workflow_id)
    assert any(n.trigger.startswith(f"after {order.client_order_id.split('-')[-2]}")
               for n in state.reconciliations), state.reconciliations
    assert all(n.agrees for n in state.reconciliations)
    assert_book_is_broker(summary, broker, workflow_id)
