"""The agent against a REAL OpenAI-compatible server (llama-server + SmolLM2-135M, see conftest):
ticks with the model answering, the tool turn and the final turn as the server saw them, the
server killed mid-call, a call cut by max_tokens, and a dummy key that goes nowhere else."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

from engine.agent.providers import HarnessModelProvider
from engine.contracts import AgentConfig
from engine.models import Side
from tests.models.conftest import DUMMY_KEY
from tests.support.llama_server import MODEL

MAX_TOKENS = 128


def _config(**overrides) -> AgentConfig:
    # 128 tokens a call: a TradeIntent needs ~80; a CPU-only CI machine generates slowly.
    values = {"symbols": ["AAPL"], "max_ticks": 3, "start_date": "2004-01-02", "model": MODEL,
              "approval_policy": "auto-approve", "model_max_tokens": MAX_TOKENS}
    values.update(overrides)
    return AgentConfig(**values)


def _chat(proxy, since: int = 0) -> list[dict]:
    """The chat completions that reached the server (not the endpoint probe's)."""
    return [r.body for r in proxy.requests[since:] if r.path.endswith("/chat/completions")
            and isinstance(r.body, dict) and r.body.get("max_tokens") != 48]


async def test_ticks_finish_with_the_model_answering(real_harness, proxy):
    workflow_id = f"llama-ticks-{uuid.uuid4().hex[:6]}"
    await real_harness.start_agent(_config(max_ticks=3), workflow_id)
    summary = await real_harness.result(workflow_id)
    assert summary.ticks == 3
    decisions = (await real_harness.decisions(workflow_id)).decisions
    assert len(decisions) == 3
    for decision in decisions:  # the model answered each tick (whatever it said)
        assert decision.usage is not None and decision.usage.calls >= 1, decision
        assert decision.usage.output_tokens > 0 and decision.usage.input_tokens > 0
        assert "Connection" not in decision.model_error and "timed out" not in (
            decision.model_error)
    assert summary.usage.calls == sum(d.usage.calls for d in decisions)


async def test_the_tool_turn_reaches_the_server_with_tools_and_the_final_turn_gets_the_intent(
    real_harness, proxy
):
    since = len(proxy.requests)
    workflow_id = f"llama-turns-{uuid.uuid4().hex[:6]}"
    await real_harness.start_agent(_config(max_ticks=1), workflow_id)
    await real_harness.result(workflow_id)
    calls = _chat(proxy, since)
    tool_turns = [b for b in calls if b.get("tools")]
    assert tool_turns, calls
    assert {t["function"]["name"] for t in tool_turns[0]["tools"]} == {
        "get_quote", "get_news", "get_portfolio"}
    assert all("response_format" not in b for b in tool_turns)  # tools can be called
    assert all(b["max_tokens"] == MAX_TOKENS and b["temperature"] == 0.2 for b in calls)
    decision = (await real_harness.decisions(workflow_id)).decisions[0]
    final = [b for b in calls if not b.get("tools")]
    if final:  # the model did not already answer the intent in a tool turn
        fmt = final[0]["response_format"]  # by the probe: llama-server takes a schema
        assert fmt["type"] == "json_schema", fmt
        assert fmt["json_schema"]["schema"]["title"] == "TradeIntent"
        assert "tools" not in final[0] and "Tool results:" in final[0]["messages"][-1]["content"]
    # The final turn's answer is the intent, or a HOLD that names what was wrong with it.
    assert decision.model_error == "" or decision.model_error.startswith(
        "model output rejected: "), decision.model_error


async def test_the_server_killed_mid_call_is_a_recorded_hold_and_the_agent_goes_on(
    real_harness, proxy, llama
):
    workflow_id = f"llama-kill-{uuid.uuid4().hex[:6]}"
    await real_harness.start_agent(_config(max_ticks=3, tick_interval_s=3.0), workflow_id)
    for _ in range(600):  # a model call in flight
        pending = await real_harness.pending_work(workflow_id)
        if any(p["activity"] == "invoke_model_activity" for p in pending):
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("no model call started")
    llama.kill()
    state = None
    for _ in range(300):
        state = await real_harness.state(workflow_id)
        if state.decisions_total >= 1:
            break
        await asyncio.sleep(0.2)
    llama.start()  # the server comes back; the agent's next ticks use it
    summary = await real_harness.result(workflow_id)
    decisions = (await real_harness.decisions(workflow_id)).decisions[::-1]
    first = decisions[0]
    assert first.intent.side == Side.HOLD and first.model_error.startswith("model error: ")
    assert "Connection error" in first.model_error or "OpenAI status code" in (
        first.model_error), first.model_error
    assert summary.ticks == 3 and summary.last_model_error
    assert decisions[-1].usage.output_tokens > 0  # a later tick: the model answered again


async def test_a_looping_model_is_cut_by_max_tokens(proxy):
    """A prompt that never ends on its own: the server stops at max_tokens, in seconds,
    instead of generating until the model timeout."""
    from agents import ModelSettings, ModelTracing

    provider = HarnessModelProvider(base_url=proxy.base_url, timeout_s=120.0)
    model = provider.get_model(MODEL)
    started = time.monotonic()
    response = await model.get_response(
        "Count forever.", "Count from 1 to 100000, one number per line, no stopping.",
        ModelSettings(max_tokens=24, temperature=0.2), [], None, [], ModelTracing.DISABLED,
        previous_response_id=None, conversation_id=None, prompt=None)
    elapsed = time.monotonic() - started
    await provider.aclose()
    assert response.usage.output_tokens == 24  # cut by max_tokens, not finished
    assert elapsed < 60, elapsed


async def test_a_dummy_key_reaches_the_server_and_no_history_state_or_log(
    real_harness, proxy, caplog
):
    caplog.set_level(logging.DEBUG)
    since = len(proxy.requests)
    workflow_id = f"llama-key-{uuid.uuid4().hex[:6]}"
    await real_harness.start_agent(_config(max_ticks=1), workflow_id)
    await real_harness.result(workflow_id)
    seen = {r.headers.get("authorization") for r in proxy.requests[since:]}
    assert seen == {f"Bearer {DUMMY_KEY}"}
    history = await real_harness.export_history(workflow_id)
    assert "invoke_model_activity" in history and DUMMY_KEY not in history
    assert DUMMY_KEY not in (await real_harness.state(workflow_id)).model_dump_json()
    assert DUMMY_KEY not in caplog.text
