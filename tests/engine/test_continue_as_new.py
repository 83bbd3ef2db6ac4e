"""Continue-as-new carries the whole memory: a run that continues every few ticks
ends in exactly the state of one that never does, and no run's history grows big."""

from __future__ import annotations

import uuid

from engine.contracts import Phase
from engine.models import RiskLimits
from tests.engine.conftest import agent_config, wait_for_state

# Small enough that approvals are opened and carried across runs as well.
LIMITS = RiskLimits(approval_notional=4_000.0)


def _comparable(state) -> dict:
    data = state.model_dump(mode="json")
    # Reconciliations differ by design (each new run checks the book once more); the
    # test asserts they all agreed instead.
    for key in ("workflow_id", "run_id", "history_length", "account_id", "reconciliations"):
        data.pop(key)
    data["counters"].pop("runs")
    for decision in data["last_decisions"]:
        if decision["order"]:
            decision["order"].pop("client_order_id")
            decision["order"].pop("broker_order_id")
    return data


async def test_state_after_continue_as_new_equals_state_without_it(harness):
    # Runs bounded in ticks only here (no event budget), to compare one run with seven.
    common = {"symbols": ["AAPL", "IBM"], "max_ticks": 45, "limits": LIMITS,
              "start_date": "2004-01-02", "continue_as_new_events": 10**6}
    straight = await harness.start_agent(
        agent_config(continue_as_new_every=1000, **common), f"test-can-off-{uuid.uuid4().hex[:6]}"
    )
    hopping = await harness.start_agent(
        agent_config(continue_as_new_every=7, **common), f"test-can-on-{uuid.uuid4().hex[:6]}"
    )
    for workflow_id in (straight, hopping):
        # The last open approval keeps a run draining until it is answered: stop both
        # there, so both cancel it the same way.
        state = await wait_for_state(
            harness, workflow_id, lambda s: s.tick == 45 and s.phase != Phase.RUNNING
        )
        if state.phase == Phase.DRAINING:
            await harness.stop(workflow_id)
    one, many = await harness.result(straight), await harness.result(hopping)
    assert one.counters.runs == 1
    assert many.counters.runs == 7  # 45 ticks, a new run every 7
    states = [await harness.state(straight), await harness.state(hopping)]
    assert _comparable(states[0]) == _comparable(states[1])
    for state in states:
        assert state.reconciliations and all(n.agrees for n in state.reconciliations)
    page_one = await harness.decisions(straight, limit=500)
    page_many = await harness.decisions(hopping, limit=500)
    assert [d.intent for d in page_one.decisions] == [d.intent for d in page_many.decisions]
    assert [d.check for d in page_one.decisions] == [d.check for d in page_many.decisions]


async def test_every_run_stays_far_below_the_history_limit(harness):
    config = agent_config(max_ticks=450, continue_as_new_every=200, approval_expiry_s=1.0)
    workflow_id = await harness.start_agent(config, f"test-can-size-{uuid.uuid4().hex[:6]}")
    summary = await harness.result(workflow_id)
    # At least every 200 ticks; sooner when a run's history passes its byte budget
    # (AgentConfig.continue_as_new_bytes), which a 200-tick offline run may.
    assert summary.ticks == 450 and summary.counters.runs >= 3
    run_ids, lengths = [], {}
    async for run_id, event in harness.stream_history(workflow_id):
        if run_id not in lengths:
            run_ids.append(run_id)
        lengths[run_id] = event.event_id
    assert len(run_ids) == summary.counters.runs
    assert max(lengths.values()) < 10_000, lengths
