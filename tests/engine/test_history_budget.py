"""A run whose history passes AgentConfig.continue_as_new_bytes continues as new, whatever
continue_as_new_every says (real prompts make a tick's history large: issue 19)."""

from __future__ import annotations

import uuid

from tests.engine.conftest import agent_config

BUDGET = 64 * 1024  # the smallest allowed


async def test_a_run_continues_as_new_when_its_history_passes_the_byte_budget(harness):
    workflow_id = f"test-bytes-{uuid.uuid4().hex[:6]}"
    await harness.start_agent(agent_config(max_ticks=40, continue_as_new_every=1000,
                                           continue_as_new_bytes=BUDGET), workflow_id)
    summary = await harness.result(workflow_id)
    assert summary.ticks == 40
    histories = await harness.run_histories(workflow_id)
    assert len(histories) > 1, "one run: the byte budget never continued it as new"
    sizes = [len(h.to_json()) for h in histories]
    tick_bytes = sum(sizes) / 40
    # Each run ends at the first tick boundary past the budget (its JSON is a bit larger
    # than the server's byte count): no run grows far beyond it.
    assert all(size < BUDGET * 1.5 + 4 * tick_bytes for size in sizes[:-1]), sizes
    assert summary.counters.runs == len(histories)
