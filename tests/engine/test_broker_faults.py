"""Broker faults through the whole workflow: retried 5xx, a lost answer, a 4xx rejection.

Whatever the broker does, the agent keeps ticking, its book follows the fills only, and the
broker never holds two orders for one client_order_id.
"""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

import engine.worker
from engine.activities.broker import BrokerActivities
from engine.broker_contracts import OrderStatus
from engine.client import HarnessClient
from engine.contracts import Phase
from engine.models import RiskLimits
from engine.worker import build_worker
from tests.engine.conftest import agent_config, assert_book_is_broker, orders_for
from tests.engine.test_broker_activity import FaultyClients

# Every order goes straight to the broker: no approvals in these runs.
NO_APPROVALS = RiskLimits(approval_notional=1e9)


def _config(**overrides):
    values = {"symbols": ["AAPL", "MSFT"], "max_ticks": 40, "limits": NO_APPROVALS}
    return agent_config(**(values | overrides))


def _id(name: str) -> str:
    return f"test-faults-{name}-{uuid.uuid4().hex[:6]}"


async def place_order_attempts(harness: HarnessClient, workflow_id: str) -> list:
    """ActivityTaskStarted attributes of every place_order of every run, in order."""
    started = []
    for history in await harness.run_histories(workflow_id):
        place_orders = set()  # event ids start again at 1 in each run
        for event in history.events:
            if event.HasField("activity_task_scheduled_event_attributes"):
                attrs = event.activity_task_scheduled_event_attributes
                if attrs.activity_type.name == "place_order":
                    place_orders.add(event.event_id)
            elif event.HasField("activity_task_started_event_attributes"):
                attrs = event.activity_task_started_event_attributes
                if attrs.scheduled_event_id in place_orders:
                    started.append(attrs)
    return started


def assert_one_order_per_fill(broker, workflow_id: str, summary) -> list[dict]:
    placed = orders_for(broker, workflow_id)
    duplicates = [c for c, n in Counter(o["client_order_id"] for o in placed).items() if n > 1]
    assert duplicates == [], f"the broker holds several orders for {duplicates}"
    assert len(placed) == summary.counters.orders_filled
    return placed


async def test_5xx_answers_are_retried_and_every_order_fills_once(harness, broker):
    broker.put("/__harness/faults", json={"mode": "500", "count": 2}).raise_for_status()
    workflow_id = await harness.start_agent(_config(), _id("500"))
    summary = await harness.result(workflow_id)

    assert summary.phase == Phase.FINISHED and summary.ticks == 40
    assert summary.counters.orders_filled > 0
    assert summary.counters.orders_failed == summary.counters.orders_rejected == 0
    attempts = await place_order_attempts(harness, workflow_id)
    first = attempts[0]
    assert first.attempt == 3, "two injected 500s, then the order went through"
    assert "500" in first.last_failure.message, first.last_failure
    assert all(a.attempt == 1 for a in attempts[1:])
    assert broker.get("/__harness/faults").json()["count"] == 0
    assert_one_order_per_fill(broker, workflow_id, summary)


@pytest.fixture
async def losing_harness(harness, engine_settings, monkeypatch):
    """A worker whose broker client gets its first order's answer lost (stored, then 500)."""
    clients = FaultyClients(engine_settings.http_timeout_s, "lost")
    monkeypatch.setattr(
        engine.worker, "BrokerActivities", lambda s: BrokerActivities(s, clients=clients)
    )
    settings = engine_settings.model_copy(update={"task_queue": f"lost-{uuid.uuid4().hex[:8]}"})
    async with build_worker(harness.temporal, settings):
        yield HarnessClient(harness.temporal, settings)
    await clients.aclose()
    assert clients.pending == [], "the lost fault was never injected"


async def test_a_lost_answer_is_retried_into_the_stored_order_not_a_duplicate(
    losing_harness, broker
):
    workflow_id = await losing_harness.start_agent(_config(), _id("lost"))
    summary = await losing_harness.result(workflow_id)

    assert summary.phase == Phase.FINISHED and summary.ticks == 40
    attempts = await place_order_attempts(losing_harness, workflow_id)
    assert attempts[0].attempt == 2 and "stored but the answer was lost" in (
        attempts[0].last_failure.message
    )
    page = await losing_harness.decisions(workflow_id, limit=500)
    orders = [d.order for d in reversed(page.decisions) if d.order is not None]
    assert orders[0].status == OrderStatus.FILLED and orders[0].reused
    assert not any(o.reused for o in orders[1:])
    placed = assert_one_order_per_fill(broker, workflow_id, summary)
    assert placed[0]["client_order_id"] == orders[0].client_order_id


async def test_a_broker_rejection_is_journaled_and_leaves_the_book_alone(harness, broker):
    # The agent's own account holds what the book holds, so the broker refuses here only
    # because it is told to: every order request answered 422.
    broker.put("/__harness/faults", json={"mode": "422", "count": 10_000}).raise_for_status()
    config = _config()
    workflow_id = await harness.start_agent(config, _id("refused"))
    summary = await harness.result(workflow_id)

    assert summary.phase == Phase.FINISHED and summary.ticks == 40, "the agent kept ticking"
    counters = summary.counters
    assert counters.orders_rejected > 0 and counters.orders_filled == 0
    page = await harness.decisions(workflow_id, limit=500)
    rejected = [d.order for d in page.decisions if d.order is not None]
    assert len(rejected) == counters.orders_rejected
    for order in rejected:
        assert order.status == OrderStatus.REJECTED
        assert "(422)" in order.reason and "injected fault" in order.reason
    assert summary.cash == config.starting_cash
    assert not any(summary.positions.values()), summary.positions
    assert orders_for(broker, workflow_id) == []
    assert_book_is_broker(summary, broker, workflow_id)
    assert summary.book_vs_broker == "agrees"
    attempts = await place_order_attempts(harness, workflow_id)
    assert [a.attempt for a in attempts] == [1] * len(rejected), "a 4xx must not be retried"


async def test_a_422_refusal_is_recorded_and_the_next_order_fills(harness, broker):
    broker.put("/__harness/faults", json={"mode": "422", "count": 1}).raise_for_status()
    workflow_id = await harness.start_agent(_config(), _id("422"))
    summary = await harness.result(workflow_id)

    assert summary.phase == Phase.FINISHED and summary.ticks == 40
    assert summary.counters.orders_rejected == 1 and summary.counters.orders_filled > 0
    page = await harness.decisions(workflow_id, limit=500)
    orders = [d.order for d in reversed(page.decisions) if d.order is not None]
    assert orders[0].status == OrderStatus.REJECTED and "(422)" in orders[0].reason
    assert all(o.status == OrderStatus.FILLED for o in orders[1:])
    attempts = await place_order_attempts(harness, workflow_id)
    assert all(a.attempt == 1 for a in attempts), "a 422 is not retried"
    assert_one_order_per_fill(broker, workflow_id, summary)
