"""A model turn's read-only tool calls run as one local activity (engine/agent/read_batch.py):
planned from the model's answer, read from the real Mockoon, one marker per turn."""

from __future__ import annotations

import json
import uuid

import pytest
from agents import ModelResponse, RunContextWrapper, Usage
from openai.types.responses import ResponseFunctionToolCall
from temporalio.exceptions import ApplicationError

from engine.activities.market import MarketActivities
from engine.agent.read_batch import ACTIVITY, PlanToolReads, read_key
from engine.agent.reports import PortfolioReport
from engine.agent.tools import ToolContext
from engine.contracts import MarketClock, Phase, ToolRead, ToolReadsRequest
from tests.engine.conftest import agent_config

CLOCK = MarketClock(start_index=1500, bar_count=3000, tick=25)


def call(name: str, arguments: str, n: int) -> ResponseFunctionToolCall:
    return ResponseFunctionToolCall(type="function_call", name=name, arguments=arguments,
                                    call_id=f"c{n}", id=f"fc{n}")


def test_read_key_names_plain_reads_only():
    assert read_key("get_quote", '{"symbol": "AAPL"}') == ("get_quote", "AAPL")
    assert read_key("get_news", '{"symbol": "MSFT", "clock": {}}') == ("get_news", "MSFT")
    assert read_key("get_portfolio", "{}") is None
    assert read_key("get_quote", "{not json") is None
    assert read_key("get_quote", '{"symbol": ""}') is None
    assert read_key("get_quote", '{"symbol": 3}') is None
    assert read_key("get_quote", "[]") is None


async def test_the_plan_holds_each_distinct_read_of_the_answer_in_order():
    context = ToolContext(clock=CLOCK, portfolio=PortfolioReport.model_construct())
    answer = ModelResponse(output=[
        call("get_portfolio", "{}", 1), call("get_quote", '{"symbol": "AAPL"}', 2),
        call("get_news", '{"symbol": "AAPL"}', 3), call("get_quote", '{"symbol": "AAPL"}', 4),
        call("get_quote", "{broken", 5), call("get_news", '{"symbol": "MSFT"}', 6),
    ], usage=Usage(), response_id=None)
    hooks = PlanToolReads({})
    await hooks.on_llm_end(RunContextWrapper(context), None, answer)
    assert context.reads.keys == [("get_quote", "AAPL"), ("get_news", "AAPL"),
                                  ("get_news", "MSFT")]
    assert context.reads.clock == CLOCK
    assert not context.reads.holds(("get_quote", "MSFT")) and not context.reads.holds(None)
    # The next answer (the final one, no reads) replaces the plan.
    final = ModelResponse(output=[], usage=Usage(), response_id=None)
    await hooks.on_llm_end(RunContextWrapper(context), None, final)
    assert context.reads is None


async def test_the_batch_activity_reads_what_the_tools_read_alone(engine_settings):
    market = MarketActivities(engine_settings)
    reads = [ToolRead(tool="get_quote", symbol="AAPL"), ToolRead(tool="get_news", symbol="msft")]
    together = await market.read_tools(ToolReadsRequest(reads=reads, clock=CLOCK))
    alone = [await market.get_quote("AAPL", CLOCK), await market.get_news("msft", CLOCK)]
    assert together == alone
    assert json.loads(together[0])["symbol"] == "AAPL"
    assert json.loads(together[1])["symbol"] == "MSFT"


async def test_the_batch_activity_refuses_a_tool_that_is_not_a_read(engine_settings):
    market = MarketActivities(engine_settings)
    request = ToolReadsRequest(reads=[ToolRead(tool="place_order", symbol="AAPL")], clock=CLOCK)
    with pytest.raises(ApplicationError, match="not a read-only tool: place_order") as raised:
        await market.read_tools(request)
    assert raised.value.non_retryable


async def test_each_turn_of_reads_is_one_local_activity_in_the_history(harness):
    config = agent_config(symbols=["AAPL", "MSFT"], max_ticks=3)
    workflow_id = await harness.start_agent(config, f"test-batch-{uuid.uuid4().hex[:6]}")
    summary = await harness.result(workflow_id)
    assert summary.phase == Phase.FINISHED and summary.ticks == 3
    history = await harness.history(workflow_id)
    markers = []
    for event in history.events:
        data = event.marker_recorded_event_attributes.details.get("data")
        if data is not None and data.payloads:
            markers.append(json.loads(data.payloads[0].data).get("activity_type"))
    assert markers.count(ACTIVITY) == 3  # one per tick: four reads each
    assert "get_quote" not in markers and "get_news" not in markers
    page = await harness.decisions(workflow_id, limit=10)
    assert [d.model_error for d in page.decisions] == ["", "", ""]
