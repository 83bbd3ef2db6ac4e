"""Reconciliation's snapshot does not grow with the orders an agent ever placed: it holds
the account, its positions and the orders still unsettled, looked up one by one."""

from __future__ import annotations

import json
import uuid

from engine.client import HarnessClient
from engine.models import RiskLimits
from tests.engine.conftest import agent_config, assert_book_is_broker

NO_APPROVALS = RiskLimits(approval_notional=1e9)


async def snapshot_sizes(harness: HarnessClient, workflow_id: str) -> list[tuple[int, int]]:
    """(bytes, orders listed) of every broker_snapshot result, in order."""
    sizes = []
    for history in await harness.run_histories(workflow_id):
        snapshots = set()
        for event in history.events:
            if event.HasField("activity_task_scheduled_event_attributes"):
                if event.activity_task_scheduled_event_attributes.activity_type.name == (
                        "broker_snapshot"):
                    snapshots.add(event.event_id)
            elif event.HasField("activity_task_completed_event_attributes"):
                done = event.activity_task_completed_event_attributes
                if done.scheduled_event_id in snapshots:
                    data = done.result.payloads[0].data
                    sizes.append((len(data), len(json.loads(data)["orders"])))
    return sizes


async def test_the_snapshot_stays_the_same_size_however_many_orders_were_placed(
    harness, broker
):
    config = agent_config(symbols=["AAPL", "MSFT"], max_ticks=40, reconcile_every=5,
                          limits=NO_APPROVALS)
    workflow_id = await harness.start_agent(config, f"test-snapsize-{uuid.uuid4().hex[:6]}")
    summary = await harness.result(workflow_id)
    assert summary.counters.orders_filled >= 8, summary.counters
    assert summary.book_vs_broker == "agrees"
    assert_book_is_broker(summary, broker, workflow_id)

    sizes = await snapshot_sizes(harness, workflow_id)
    assert len(sizes) >= 8, sizes
    # Every order filled cleanly: nothing is unsettled, so no order is in any snapshot.
    assert [listed for _, listed in sizes] == [0] * len(sizes), sizes
    assert max(size for size, _ in sizes) <= 200, sizes
