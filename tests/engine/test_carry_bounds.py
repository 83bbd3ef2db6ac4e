"""The continue-as-new carry is bounded by bytes as well as by count (issue 17, #10): a
verbose model (the chat-completions TEST DOUBLE, writing a 100 KB rationale every tick)
must not take the carry past the payload limit, after which every continue-as-new
fails and the agent never ticks again."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from engine.contracts import JOURNAL_KEEP_MAX, AgentInput
from engine.models import RiskLimits
from engine.validation import InvalidInput
from engine.workflows.carry_bounds import CARRY_BUDGET
from tests.engine.conftest import DOUBLE_MODEL, agent_config
from tests.support.chat_completions_server import DEFAULT_INTENT

VERBOSE = "the trend is up and the news is good; " * 2_700  # about 100 KB


async def test_a_verbose_model_still_continues_as_new(harness, chat_double):
    chat_double.intent = {**DEFAULT_INTENT, "rationale": VERBOSE}
    workflow_id = f"test-verbose-{uuid.uuid4().hex[:6]}"
    try:
        await harness.start_agent(agent_config(
            # One continue-as-new, on the tick count (not the history's event budget).
            max_ticks=28, continue_as_new_every=25, continue_as_new_events=10**6,
            model=DOUBLE_MODEL,
            limits=RiskLimits(approval_notional=1e9)), workflow_id)
        # Before: the carry of run 2 was ~2.6 MB, its continue-as-new failed again and
        # again, and the agent never got past tick 25.
        summary = await asyncio.wait_for(harness.result(workflow_id), 180)
    finally:
        chat_double.intent = dict(DEFAULT_INTENT)
    assert summary.ticks == 28
    runs = await harness.run_histories(workflow_id)
    assert len(runs) == 2
    carry = runs[1].events[0].workflow_execution_started_event_attributes.input.payloads[0]
    assert len(carry.data) <= CARRY_BUDGET + 16 * 1024  # + the config beside the carry
    carried = AgentInput.model_validate_json(carry.data).carry
    assert all(len(d.intent.rationale) < 1_000 for d in carried.journal)
    state = await harness.state(workflow_id)
    assert state.counters.ticks == 28 and state.decisions_total == 28


async def test_a_journal_too_long_to_carry_is_refused_at_the_start(harness):
    with pytest.raises(InvalidInput, match="journal_keep"):
        await harness.start_agent(agent_config(journal_keep=JOURNAL_KEEP_MAX + 1),
                                  f"test-keep-{uuid.uuid4().hex[:6]}")
