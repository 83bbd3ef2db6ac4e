"""A real model's tick through the workflow (issue 19), against the chat-completions TEST DOUBLE:
tool turns without response_format, a final turn for the intent, honest errors, usage per tick,
the daily budget, live progress of a call. The same path against a real llama-server is in
tests/models/."""

from __future__ import annotations

import asyncio
import uuid

from engine.models import Side
from tests.engine.conftest import DOUBLE_MODEL, agent_config, wait_for_state


async def _run_one(harness, chat_double, mode: str, **config):
    chat_double.mode = mode
    chat_double.requests.clear()
    workflow_id = f"test-real-{mode}-{uuid.uuid4().hex[:6]}"
    try:
        await harness.start_agent(agent_config(max_ticks=1, model=DOUBLE_MODEL, **config),
                                  workflow_id)
        summary = await harness.result(workflow_id)
    finally:
        chat_double.mode = "intent"
    return workflow_id, summary


async def test_tool_turns_go_without_response_format_and_the_final_turn_gets_the_intent(
    harness, chat_double
):
    workflow_id, summary = await _run_one(harness, chat_double, "intent")
    calls = [r.body for r in chat_double.requests
             if r.path.endswith("/chat/completions") and r.body.get("model") == "test-double"
             and not _is_probe(r.body)]
    tool_turns = [b for b in calls if b.get("tools")]
    final = [b for b in calls if not b.get("tools")]
    assert tool_turns and all("response_format" not in b for b in tool_turns)
    assert {t["function"]["name"] for t in tool_turns[0]["tools"]} >= {"get_quote", "get_news"}
    assert len(final) == 1 and final[0]["response_format"]["type"] == "json_schema"
    assert "get_quote" in final[0]["messages"][-1]["content"]  # the tool results, as text
    assert all(b.get("max_tokens") == 512 and b.get("temperature") == 0.2 for b in calls)
    decision = (await harness.decisions(workflow_id)).decisions[0]
    assert decision.model_error == "" and decision.intent.side == Side.BUY
    # Usage per tick: the double answers 1 + 1 tokens a call (tool turn, prose, final).
    assert decision.usage is not None and decision.usage.calls == 3
    assert decision.usage.input_tokens == 3 and decision.usage.output_tokens == 3
    assert summary.usage.calls == 3 and summary.last_model_error == ""


def _is_probe(body: dict) -> bool:
    return body.get("max_tokens") == 48 and body.get("temperature") == 0


async def test_a_broken_rule_is_named_not_called_invalid_json(harness, chat_double):
    workflow_id, summary = await _run_one(harness, chat_double, "confidence_out_of_range")
    decision = (await harness.decisions(workflow_id)).decisions[0]
    assert decision.intent.side == Side.HOLD
    assert "confidence = 1.5: must be at most 1" in decision.model_error, decision.model_error
    assert "Invalid JSON" not in decision.model_error
    assert summary.last_model_error == f"tick 1: {decision.model_error}"


async def test_the_daily_token_budget_holds_the_agent_with_its_reason(harness, chat_double):
    chat_double.mode = "intent"
    workflow_id = f"test-budget-{uuid.uuid4().hex[:6]}"
    await harness.start_agent(agent_config(max_ticks=3, model=DOUBLE_MODEL,
                                           max_model_tokens_per_day=5), workflow_id)
    state = await wait_for_state(harness, workflow_id, lambda s: s.decisions_total >= 2)
    first, second = state.last_decisions[0], state.last_decisions[1]
    assert first.usage.tokens == 6 and first.intent.side == Side.BUY
    assert second.intent.side == Side.HOLD and second.model_error == ""
    assert second.intent.rationale.startswith("model budget reached: 6 of 5 tokens today")
    assert second.usage.calls == 0  # no model call once the budget is spent
    await asyncio.sleep(1.0)  # it sleeps until 00:00 UTC: no third tick meanwhile
    state = await harness.state(workflow_id)
    assert state.decisions_total == 2 and state.usage.total.tokens == 6
    await harness.stop(workflow_id)  # a stop wakes the sleeping agent
    await harness.result(workflow_id)


async def test_a_model_call_in_flight_shows_its_progress_in_pending_work(harness, chat_double):
    chat_double.mode, chat_double.stall_s = "stall", 8.0
    workflow_id = f"test-progress-{uuid.uuid4().hex[:6]}"
    try:
        await harness.start_agent(agent_config(max_ticks=1, model=DOUBLE_MODEL), workflow_id)
        progress = None
        for _ in range(100):
            rows = [r for r in await harness.pending_work(workflow_id)
                    if r["activity"] == "invoke_model_activity" and r.get("progress")]
            if rows and rows[0]["progress"]["elapsed_s"] >= 1.0:
                progress = rows[0]["progress"]
                break
            await asyncio.sleep(0.2)
        assert progress is not None, "no heartbeat with the call's progress"
        assert progress["attempt"] == 1 and progress["phase"] == "calling"
        assert progress["max_tokens"] == 512
        await harness.result(workflow_id)
    finally:
        chat_double.mode, chat_double.stall_s = "intent", 30.0


async def test_a_timed_out_call_fails_once_with_its_reason_not_three_times(
    engine_settings, chat_double, broker
):
    """Model timeout as a setting: the call gives up 2 s before the activity's timeout, for
    good, and the tick is a HOLD saying so (before: the 90 s call was retried 3 times)."""
    from datetime import timedelta

    from engine.agent.providers import HarnessModelProvider
    from engine.client import HarnessClient
    from engine.plugin import agents_plugin
    from engine.temporal_connect import connect
    from engine.worker import build_worker

    settings = engine_settings.model_copy(update={
        "task_queue": f"engine-timeout-{uuid.uuid4().hex[:6]}", "model_timeout_s": 6.0})
    provider = HarnessModelProvider(base_url=chat_double.base_url, timeout_s=6.0)
    client = await connect(settings, plugins=[agents_plugin(
        provider, timeout=timedelta(seconds=settings.model_timeout_s))], timeout=30)
    chat_double.mode, chat_double.stall_s = "stall", 30.0
    chat_double.requests.clear()
    workflow_id = f"test-timeout-{uuid.uuid4().hex[:6]}"
    try:
        async with build_worker(client, settings):
            harness = HarnessClient(client, settings)
            await harness.start_agent(agent_config(max_ticks=1, model=DOUBLE_MODEL), workflow_id)
            summary = await asyncio.wait_for(harness.result(workflow_id), 60)
            decision = (await harness.decisions(workflow_id)).decisions[0]
    finally:
        chat_double.mode = "intent"
    assert decision.intent.side == Side.HOLD and summary.counters.model_errors == 1
    assert "model call timed out after 4 s (max_tokens 512); not retried" in (
        decision.model_error), decision.model_error
    # Not retried after it timed out (before: three attempts of the full timeout). Under a
    # heavy load a first attempt may lose its heartbeat and be retried: at most two.
    assert len(chat_double.requests) < 3


async def test_why_shows_each_failed_attempt_and_says_model_error_once(harness, chat_double):
    from engine.audit.render import render

    workflow_id, _ = await _run_one(harness, chat_double, "http_500")
    text = render(await harness.audit_tick(workflow_id, 1))
    assert "3 attempts" in text and "FAILED: Retryable OpenAI status code: 500" in text
    # Temporal keeps the last failure before the final attempt: attempt 2's.
    assert "  attempt 2 failed: Retryable OpenAI status code: 500" in text, text
    assert "model error: model error" not in text
    assert "model error: Retryable OpenAI status code: 500" in text


async def test_why_and_state_show_the_usage_of_each_call_and_the_tick(harness, chat_double):
    from engine.audit.render import render

    workflow_id, _ = await _run_one(harness, chat_double, "intent")
    text = render(await harness.audit_tick(workflow_id, 1))
    assert "[1 in + 1 out tokens]" in text
    assert "model usage this tick: 3 calls, 3 in (0 cached) + 3 out tokens" in text
    state = await harness.state(workflow_id)
    assert state.usage.total.calls == 3 and state.last_decisions[-1].usage.tokens == 6
