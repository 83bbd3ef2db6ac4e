"""The trading agent discovers a strategy per symbol before its first tick, keeps the
ranked table in its state, and sees the winner's signal, refreshed in the sandbox on
bars up to today only."""

from __future__ import annotations

import uuid

import pytest
from temporalio.api.enums.v1 import EventType

from engine.contracts import AgentConfig, ApprovalPolicy
from engine.discovery.contracts import DiscoverySettings
from engine.models import RiskLimits
from tests.engine.discovery_support import discovery_client

SCHEDULED = EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
CHILD = EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED


@pytest.fixture(scope="module")
async def harness(engine_settings):
    async for client in discovery_client(engine_settings):
        yield client


async def test_agent_discovers_then_trades_with_the_winner_signal(harness):
    config = AgentConfig(
        symbols=["AAPL", "MSFT"], start_date="2004-01-02", max_ticks=7, seed=1,
        approval_policy=ApprovalPolicy.AUTO_APPROVE, limits=RiskLimits(approval_notional=1e9),
        discovery=DiscoverySettings(candidates=3, sandbox="bwrap", signal_every=3),
    )
    workflow_id = await harness.start_agent(config, f"agent-disc-{uuid.uuid4().hex[:6]}")
    summary = await harness.result(workflow_id)
    assert summary.ticks == 7
    state = await harness.state(workflow_id)
    assert set(state.strategies) == {"AAPL", "MSFT"}
    for _symbol, pick in state.strategies.items():
        assert len(pick.ranked) == 3 and pick.winner is not None
        assert pick.winner.name == pick.ranked[0].name
        assert pick.winner.last_date < "2004-01-02"  # discovery saw only the past
        assert pick.signal in (0.0, 1.0) and not pick.signal_error
        assert pick.signal_tick == 7  # refreshed at ticks 1, 4 and 7
        assert pick.signal_date == state.date  # today's bar, and no later one

    progress = await harness.agent_discovery_progress(workflow_id, ["AAPL", "MSFT"])
    assert [(p.symbol, p.done, p.total, p.finished) for p in progress] == [
        ("AAPL", 3, 3, True), ("MSFT", 3, 3, True)]

    events = [e async for e in harness.temporal.get_workflow_handle(workflow_id)
              .fetch_history_events()]
    children = [e.start_child_workflow_execution_initiated_event_attributes.workflow_id
                for e in events if e.event_type == CHILD]
    assert sorted(children) == [f"{workflow_id}-discovery-AAPL", f"{workflow_id}-discovery-MSFT"]
    refreshes = [e for e in events if e.event_type == SCHEDULED
                 and e.activity_task_scheduled_event_attributes.activity_type.name
                 == "run_backtest"]
    assert len(refreshes) == 2 * 3
    # The brief the model read carried the winner's signal.
    briefs = [e for e in events if e.event_type == SCHEDULED
              and e.activity_task_scheduled_event_attributes.activity_type.name
              == "invoke_model_activity"]
    payload = briefs[-1].activity_task_scheduled_event_attributes.input.payloads[0].data
    assert b"Backtested strategy for AAPL" in payload


async def test_agent_without_discovery_runs_none(harness):
    config = AgentConfig(symbols=["AAPL"], start_date="2004-01-02", max_ticks=2)
    workflow_id = await harness.start_agent(config, f"agent-nodisc-{uuid.uuid4().hex[:6]}")
    await harness.result(workflow_id)
    state = await harness.state(workflow_id)
    assert state.strategies == {}
    events = [e async for e in harness.temporal.get_workflow_handle(workflow_id)
              .fetch_history_events()]
    assert not any(e.event_type == CHILD for e in events)
    assert not any(e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
                   and b"strategy-discovery" in e.SerializeToString() for e in events)


@pytest.fixture
async def with_model(engine_settings, chat_double, monkeypatch):
    """The agent's model is the chat-completions TEST DOUBLE (tests/support): a real model
    is out of reach here. Its key is read by the worker-side provider only."""
    monkeypatch.setenv("HARNESS_OPENAI_API_KEY", "sk-harness-test-strategist")
    chat_double.mode = "intent"
    async for client in discovery_client(engine_settings, model_base_url=chat_double.base_url):
        yield client


async def test_a_model_written_strategy_is_a_candidate_backtested_in_the_sandbox(
        with_model, chat_double):
    config = AgentConfig(
        symbols=["AAPL"], start_date="2004-01-02", max_ticks=1, model="compatible:test-double",
        discovery=DiscoverySettings(candidates=1, sandbox="bwrap"),
    )
    workflow_id = await with_model.start_agent(config, f"agent-written-{uuid.uuid4().hex[:6]}")
    await with_model.result(workflow_id)
    pick = (await with_model.state(workflow_id)).strategies["AAPL"]
    names = {r.name: r for r in pick.ranked}
    assert set(names) == {"written-double_momentum", "sma_cross-fast=10-slow=50"}
    assert names["written-double_momentum"].ok, names["written-double_momentum"].reason
    assert names["written-double_momentum"].family == "written"
    offered = [{t["function"]["name"] for t in r.body.get("tools") or []}
               for r in chat_double.requests if isinstance(r.body, dict)]
    assert {"write_strategy"} in offered  # the strategist's turn
