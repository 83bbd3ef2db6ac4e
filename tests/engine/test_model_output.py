"""Whatever the model says, the agent survives it: bad output is a recorded HOLD.
And the API key reaches the model service, never the history or a log."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from engine.models import Side
from tests.engine.conftest import DOUBLE_MODEL, DUMMY_KEY, agent_config, orders_for

# Each reason names what was wrong (issue 19: not "Invalid JSON" for a broken rule).
GARBAGE = {
    "invalid_json": "model output rejected: no JSON object in the model's answer: I think",
    "schema_violation": "model output rejected: leverage is not a TradeIntent field",
    "unknown_tool": "model error: ModelBehaviorError: Tool place_order_now not found",
    "unknown_symbol": "unknown symbol 'ZZZZ'",
    "absurd_quantity": "absurd quantity 1000000000000",
    "negative_quantity": "model output rejected: quantity = -5: must be at least 0",
    "http_500": "model error: Retryable OpenAI status code: 500",
}


@pytest.mark.parametrize("mode", sorted(GARBAGE))
async def test_garbage_from_the_model_becomes_a_hold_with_its_reason(
    harness, chat_double, broker, mode
):
    chat_double.mode = mode
    workflow_id = f"test-garbage-{mode}-{uuid.uuid4().hex[:6]}"
    try:
        await harness.start_agent(agent_config(max_ticks=1, model=DOUBLE_MODEL), workflow_id)
        summary = await harness.result(workflow_id)
    finally:
        chat_double.mode = "intent"
    assert summary.ticks == 1 and summary.counters.model_errors == 1
    decision = (await harness.decisions(workflow_id)).decisions[0]
    assert decision.intent.side == Side.HOLD
    assert GARBAGE[mode] in decision.model_error, decision.model_error
    assert decision.intent.rationale == decision.model_error
    assert orders_for(broker, workflow_id) == []


async def test_api_key_reaches_the_model_service_and_nothing_else(
    harness, chat_double, runtime_no_worker, caplog
):
    chat_double.requests.clear()
    workflow_id = f"test-secret-{uuid.uuid4().hex[:6]}"
    await harness.start_agent(agent_config(max_ticks=3, model=DOUBLE_MODEL), workflow_id)
    await harness.result(workflow_id)

    seen = {r.headers.get("authorization") for r in chat_double.requests}
    assert seen == {f"Bearer {DUMMY_KEY}"}, "the key must actually be used"

    history = await harness.export_history(workflow_id)
    assert '"TradingAgentWorkflow"' in history and "invoke_model_activity" in history
    assert DUMMY_KEY not in history
    assert DUMMY_KEY not in (await harness.state(workflow_id)).model_dump_json()
    logs = sorted(Path(runtime_no_worker.home, "logs").glob("*.log"))
    assert logs, "the runtime writes logs"
    for log in logs:
        assert DUMMY_KEY not in log.read_text(errors="replace"), log
    assert DUMMY_KEY not in caplog.text
