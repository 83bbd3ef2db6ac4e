"""A `reconcile` signal (a re-attach) that lands in a run's first activation is not dropped:
the run checks its book before its first tick. Signal-with-start is how Temporal delivers a
signal in the first activation for certain; the carry is the one a real run continued with."""

from __future__ import annotations

import uuid

from engine.contracts import AgentInput
from engine.workflows.trading_agent import TradingAgentWorkflow
from tests.engine.conftest import agent_config, wait_for_state


async def test_a_reconcile_signal_in_a_continued_runs_first_activation_is_honoured(harness):
    config = agent_config(max_ticks=3, continue_as_new_every=2, reconcile_every=1000)
    first = await harness.start_agent(config, f"test-firstsig-a-{uuid.uuid4().hex[:6]}")
    await harness.result(first)
    histories = await harness.run_histories(first)
    assert len(histories) == 2
    continued = histories[0].events[-1].workflow_execution_continued_as_new_event_attributes
    [carried] = await harness.temporal.data_converter.decode(
        continued.input.payloads, [AgentInput])
    assert carried.carry is not None and carried.carry.reconcile_due == ""

    second = f"test-firstsig-b-{uuid.uuid4().hex[:6]}"
    await harness.temporal.start_workflow(
        TradingAgentWorkflow.run, carried, id=second, task_queue=harness.settings.task_queue,
        start_signal="reconcile")
    state = await wait_for_state(harness, second, lambda s: s.reconciliations[-1].tick >= 2)
    assert state.reconciliations[-1].trigger == "re-attach", state.reconciliations[-1]
    assert state.reconciliations[-1].tick == 2, "checked before the run's first tick"
    await harness.stop(second)
    await harness.result(second)
