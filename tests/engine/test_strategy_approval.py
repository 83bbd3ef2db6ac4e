"""A strategy the model wrote is traded only once a human approves it: its signal is
withheld (not refreshed, not in the agent's brief) while the approval is pending, and
the reviewer sees its code, the worker's scorecard and a diff against the nearest
shipped family. Real server, real Mockoon, real bubblewrap sandboxes; the model is the
chat-completions TEST DOUBLE (a real LLM is out of reach here)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest
from temporalio.api.enums.v1 import EventType

from engine.cli import main
from engine.client import RequestRejected
from engine.contracts import AgentConfig, ApprovalPolicy
from engine.discovery.contracts import DiscoverySettings, StrategyApproval
from engine.discovery.review import review_of
from engine.models import RiskLimits
from tests.engine.discovery_support import discovery_client
from tests.support import chat_completions_server

# The model's code: a 3-day reversal, which beats the one family candidate on these bars
# (out-of-sample Sharpe 1.29 against 0.01), so the written code is the winner. (The double
# passes lookback=15 to every strategy it writes; this one takes it and ignores it.)
WRITTEN = ("def signal(bars, lookback=15):\n"
           "    close = bars['close']\n"
           "    return (close < close.shift(3)).astype(float)\n")
SCHEDULED = EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED


@pytest.fixture
async def with_model(engine_settings, chat_double, monkeypatch):
    monkeypatch.setenv("HARNESS_OPENAI_API_KEY", "sk-harness-test-strategist")
    monkeypatch.setattr(chat_completions_server, "DOUBLE_STRATEGY", WRITTEN)
    chat_double.mode = "intent"
    async for client in discovery_client(engine_settings, model_base_url=chat_double.base_url):
        yield client


async def _pick(harness, workflow_id: str, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = await harness.state(workflow_id)
        if "AAPL" in state.strategies:
            return state, state.strategies["AAPL"]
        await asyncio.sleep(0.2)
    raise AssertionError("the agent never picked a strategy")


def _events_of(history, name: str) -> list:
    return [e for e in history if e.event_type == SCHEDULED
            and e.activity_task_scheduled_event_attributes.activity_type.name == name]


async def test_a_written_winner_waits_for_a_human_then_trades(with_model, runtime_no_worker,
                                                             capsys):
    config = AgentConfig(
        symbols=["AAPL"], start_date="2004-01-02", max_ticks=12, tick_interval_s=0.5,
        model="compatible:test-double", approval_policy=ApprovalPolicy.AUTO_APPROVE,
        limits=RiskLimits(approval_notional=1e9),
        discovery=DiscoverySettings(candidates=1, sandbox="bwrap", signal_every=2),
    )
    workflow_id = await with_model.start_agent(config, f"agent-approve-{uuid.uuid4().hex[:6]}")
    state, pick = await _pick(with_model, workflow_id)
    assert pick.winner.family == "written", pick.ranked
    assert pick.approval == StrategyApproval.PENDING
    await asyncio.sleep(2.0)  # a few ticks: none may refresh or show the pending signal
    handle = with_model.temporal.get_workflow_handle(workflow_id)
    before = [e async for e in handle.fetch_history_events()]
    assert _events_of(before, "run_backtest") == []
    briefs = _events_of(before, "invoke_model_activity")
    assert not any(b"Backtested strategy for AAPL" in
                   e.activity_task_scheduled_event_attributes.input.payloads[0].data
                   for e in briefs)

    review = review_of(pick)  # what the human reads first
    assert review.code == WRITTEN and "+    return (close < close.shift(3))" in review.diff
    assert review.nearest_family in ("momentum", "sma_cross", "ema_cross", "macd",
                                     "rsi_reversion", "bollinger_reversion")
    assert "out-of-sample" in review.scorecard and "sharpe" in review.scorecard

    # As a user would: `harness why` shows it, `harness approve` shows it and answers.
    home = ["--home", str(runtime_no_worker.home)]
    capsys.readouterr()
    assert await asyncio.to_thread(main, [*home, "why", workflow_id, "strategy:AAPL"]) == 0
    shown = capsys.readouterr().out
    assert "approval: pending" in shown and WRITTEN in shown and "+++ model-written.py" in shown
    assert await asyncio.to_thread(main, [*home, "approve", workflow_id, "strategy:AAPL",
                                          "--reviewer", "tester", "--reason", "read the code"]) == 0
    out, err = capsys.readouterr()
    assert WRITTEN in err and "out-of-sample" in err  # read before the answer went
    answer = json.loads(out)
    assert (answer["approval"], answer["note"]) == ("approved", "approved by tester: read the code")
    with pytest.raises(RequestRejected, match="not waiting for approval"):
        await with_model.review_strategy(workflow_id, "AAPL", approve=False)
    with pytest.raises(RequestRejected, match="no strategy for 'MSFT'"):
        await with_model.review_strategy(workflow_id, "MSFT", approve=True)

    await with_model.result(workflow_id)
    after = [e async for e in handle.fetch_history_events()]
    assert _events_of(after, "run_backtest"), "the approved strategy's signal was refreshed"
    last_brief = _events_of(after, "invoke_model_activity")[-1]
    assert (b"Backtested strategy for AAPL"
            in last_brief.activity_task_scheduled_event_attributes.input.payloads[0].data)


async def test_the_auto_reject_policy_never_trades_on_written_code(with_model):
    config = AgentConfig(
        symbols=["AAPL"], start_date="2004-01-02", max_ticks=3,
        model="compatible:test-double", approval_policy=ApprovalPolicy.AUTO_APPROVE,
        discovery=DiscoverySettings(candidates=1, sandbox="bwrap", signal_every=1,
                                    strategy_approval="auto-reject"),
    )
    workflow_id = await with_model.start_agent(config, f"agent-reject-{uuid.uuid4().hex[:6]}")
    await with_model.result(workflow_id)
    pick = (await with_model.state(workflow_id)).strategies["AAPL"]
    assert (pick.winner.family, pick.approval) == ("written", StrategyApproval.REJECTED)
    handle = with_model.temporal.get_workflow_handle(workflow_id)
    assert _events_of([e async for e in handle.fetch_history_events()], "run_backtest") == []
