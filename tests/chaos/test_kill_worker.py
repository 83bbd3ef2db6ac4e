"""Durability with the real worker process: SIGKILL it mid-run, twice; the supervisor restarts
it and the agent finishes exactly as a crash-free run of the same config does, with one broker
order per fill. Recovery times are printed (run with -s), never asserted.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter

from temporalio.api.enums.v1 import EventType

from engine.client import HarnessClient
from engine.contracts import AgentConfig
from engine.models import RiskLimits
from tests.engine.conftest import orders_for, wait_for_state

TICKS = 120
KILL_AT = (20, 70)  # ticks at (or after) which the worker is killed
CONFIG = AgentConfig(
    symbols=["AAPL", "MSFT"], start_date="2004-01-02", max_ticks=TICKS,
    # Runs end on the history's event budget (about 10 ticks here): the kills also
    # straddle continue-as-new.
    limits=RiskLimits(approval_notional=1e9),  # no approvals: nobody is there to answer
)


async def journal(harness: HarnessClient, workflow_id: str) -> list[tuple]:
    """Per tick: what the agent saw and wanted, the verdict, and what the broker did."""
    page = await harness.decisions(workflow_id, limit=500)
    assert page.total == len(page.decisions) == TICKS
    return [
        (d.tick, d.seen, d.intent.model_dump(), d.model_error, d.check.model_dump(),
         d.order and (d.order.status, d.order.filled_quantity, d.order.filled_price))
        for d in reversed(page.decisions)
    ]


async def tick_times(harness: HarnessClient, workflow_id: str) -> list[float]:
    """Wall-clock times of every tick's market-data read (a local-activity marker), all runs."""
    times = []
    async for _, event in harness.stream_history(workflow_id):
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            times.append(event.event_time.ToDatetime().timestamp())
    return times


async def test_killed_worker_resumes_with_the_same_decisions_and_no_duplicate_order(
    harness, broker, runtime_supervisor
):
    reference_id = await harness.start_agent(CONFIG, f"chaos-ref-{uuid.uuid4().hex[:6]}")
    reference = await harness.result(reference_id)

    workflow_id = await harness.start_agent(CONFIG, f"chaos-kill-{uuid.uuid4().hex[:6]}")
    kills = []
    for tick in KILL_AT:
        await wait_for_state(harness, workflow_id, lambda s, t=tick: s.tick >= t, timeout=120)
        assert runtime_supervisor.wait_for(
            lambda info: info.services["worker-1"]["status"] == "ready", timeout=60
        ), "the worker was not restarted"
        kills.append(time.time())
        assert runtime_supervisor.kill_worker() is not None
    summary = await harness.result(workflow_id)

    assert summary.ticks == TICKS
    assert await journal(harness, workflow_id) == await journal(harness, reference_id)
    assert (summary.cash, summary.positions, summary.realized_pnl) == (
        reference.cash, reference.positions, reference.realized_pnl
    )
    # A kill adds events (the failed-over tasks), so a run may end a tick sooner than the
    # reference's: everything but the number of runs is the same.
    assert summary.counters.model_copy(update={"runs": 0}) == (
        reference.counters.model_copy(update={"runs": 0}))
    assert summary.counters.runs > 1 and reference.counters.runs > 1
    for run_id, run in ((reference_id, reference), (workflow_id, summary)):
        placed = orders_for(broker, run_id)
        assert max(Counter(o["client_order_id"] for o in placed).values()) == 1
        assert len(placed) == run.counters.orders_filled > 0

    times = await tick_times(harness, workflow_id)
    recovery = [min(t for t in times if t > kill) - kill for kill in kills]
    print(f"\nrecovery after SIGKILL (kill -> next tick's market read): "
          f"{', '.join(f'{r:.2f} s' for r in recovery)}")
