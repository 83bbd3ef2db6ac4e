"""The offline analyst as an Agents SDK model: through ``Runner.run`` (no Temporal server),
through the Model interface directly, and inside the Temporal plugin's model activity
with Temporal's payload conversion, as the worker runs it.

The market, book and tool stand-ins are in ``analyst_market``; the decision over
price paths and its properties are in ``test_analyst_decisions``.
"""

from __future__ import annotations

import pytest
from agents import ModelResponse, ModelSettings, ModelTracing
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage
from temporalio.converter import DataConverter
from temporalio.exceptions import ApplicationError
from temporalio.openai_agents import OpenAIPayloadConverter
from temporalio.openai_agents._invoke_model_activity import (
    ActivityModelInput,
    FunctionToolInput,
    ModelActivity,
    ModelTracingInput,
)
from temporalio.testing import ActivityEnvironment

from engine.agent.brief import INSTRUCTIONS, TickBrief, parse_brief, render_brief
from engine.agent.offline_analyst import (
    OFFLINE_MODEL_LABEL,
    OFFLINE_MODEL_NAME,
    UNKNOWN_SYMBOL,
    OfflineAnalyst,
)
from engine.agent.providers import HarnessModelProvider
from engine.models import Side, TradeIntent
from tests.engine.analyst_market import (
    Book,
    news_from_closes,
    quote_from_closes,
    synthetic_market,
)

# ---- one tick through Runner.run ----------------------------------------------------------------


async def test_one_tick_calls_every_tool_and_returns_a_trade_intent():
    market = synthetic_market()
    intent = await market.tick(market.agent())
    assert isinstance(intent, TradeIntent)
    assert sorted(market.calls) == sorted([
        ("get_portfolio", ""), ("get_quote", "AAPL"), ("get_news", "AAPL"),
        ("get_quote", "MSFT"), ("get_news", "MSFT"),
    ])
    assert intent.symbol in ("AAPL", "MSFT")
    assert intent.rationale


async def test_a_failing_tool_is_tolerated_and_named_in_the_rationale():
    market = synthetic_market()
    market.broken_news.add("MSFT")
    intent = await market.tick(market.agent())
    assert "get_news(MSFT)" in intent.rationale


async def test_a_hold_note_from_the_human_makes_it_hold():
    market = synthetic_market()
    market.i = 60  # mid-rally: it would buy otherwise
    agent = market.agent()
    assert (await market.tick(agent)).side is Side.BUY
    intent = await market.tick(agent, note="Please hold until the earnings call")
    assert intent.side is Side.HOLD and "earnings call" in intent.rationale


# ---- the model interface directly -------------------------------------------------------------


async def call(model: OfflineAnalyst, items, tools=None):
    return await model.get_response(
        None, items, ModelSettings(), tools if tools is not None else [], None, [],
        ModelTracing.DISABLED, previous_response_id=None, conversation_id=None, prompt=None,
    )


async def test_first_turn_is_deterministic_calls_to_offered_tools_only():
    agent = synthetic_market().agent()
    brief = render_brief(TickBrief(tick=4, date="d", symbols=["AAPL", "IBM"]))
    offered = [t for t in agent.tools if t.name != "get_news"]
    response = await call(OfflineAnalyst(), [{"role": "user", "content": brief}], offered)
    assert all(isinstance(o, ResponseFunctionToolCall) for o in response.output)
    assert [o.call_id for o in response.output] == [
        "t4-get_portfolio", "t4-get_quote-AAPL", "t4-get_quote-IBM",
    ]
    assert response.usage.requests == 1


@pytest.mark.parametrize("items", [
    "no brief here",
    [],
    [{"role": "user", "content": [{"type": "input_text", "text": "hello"}]}],
    [{"role": "user", "content": "BRIEF: {not json"}],
    [{"type": "function_call_output", "call_id": "x", "output": "???"}, 42, None, {"type": 3}],
])
async def test_odd_input_gives_a_hold_with_a_reason_and_never_raises(items):
    response = await call(OfflineAnalyst(), items)
    (message,) = response.output
    assert isinstance(message, ResponseOutputMessage)
    intent = TradeIntent.model_validate_json(message.content[0].text)
    assert intent.side is Side.HOLD and intent.symbol == UNKNOWN_SYMBOL
    assert intent.rationale


async def test_tool_outputs_as_content_lists_and_error_strings_are_read():
    brief = TickBrief(tick=1, date="d", symbols=["AAPL"])
    closes = [10 + 0.2 * k for k in range(25)]
    quote = quote_from_closes("AAPL", closes).model_dump_json()
    aapl = '{"symbol": "AAPL"}'
    items = [
        {"role": "user", "content": [{"type": "input_text", "text": render_brief(brief)}]},
        {"type": "function_call", "call_id": "a", "name": "get_quote", "arguments": aapl},
        {"type": "function_call", "call_id": "b", "name": "get_news", "arguments": aapl},
        {"type": "function_call", "call_id": "c", "name": "get_portfolio", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "a",
         "output": [{"type": "input_text", "text": quote}]},
        {"type": "function_call_output", "call_id": "b", "output": "An error occurred: timeout"},
        {"type": "function_call_output", "call_id": "c",
         "output": Book().report({"AAPL": closes[-1]}).model_dump_json()},
    ]
    response = await call(OfflineAnalyst(), items)
    intent = TradeIntent.model_validate_json(response.output[0].content[0].text)
    assert intent.side is Side.BUY and intent.symbol == "AAPL"
    assert "get_news(AAPL)" in intent.rationale and "news n/a" in intent.rationale


def test_stream_response_says_it_does_not_stream():
    with pytest.raises(NotImplementedError, match="does not stream"):
        OfflineAnalyst().stream_response()


def test_name_and_label():
    assert OFFLINE_MODEL_NAME == "offline-analyst"
    assert "deterministic" in OFFLINE_MODEL_LABEL and "no LLM" in OFFLINE_MODEL_LABEL


# ---- the brief ----------------------------------------------------------------------------------


def test_brief_round_trips_and_reads_for_a_human_too():
    brief = TickBrief(tick=12, date="2004-09-01", symbols=["AAPL", "GOOG"], seed=3, note="careful")
    text = render_brief(brief)
    assert parse_brief(text) == brief
    assert "whole shares" in text and "hold when unsure" in text and "careful" in text
    assert text.splitlines()[-1].startswith("BRIEF: {")
    assert parse_brief("nothing") is None and parse_brief("BRIEF: []") is None
    assert "get_quote" in INSTRUCTIONS and "TradeIntent" in INSTRUCTIONS


# ---- on the worker: the plugin's model activity, with Temporal's payload conversion ------------


async def test_runs_inside_the_plugins_model_activity_with_temporal_payloads():
    converter = DataConverter(payload_converter_class=OpenAIPayloadConverter)

    async def through_temporal(value, as_type):
        return (await converter.decode(await converter.encode([value]), [as_type]))[0]

    activity = ModelActivity(HarnessModelProvider())
    schema = {"type": "object", "properties": {}}
    tools = [FunctionToolInput(name=n, description="", params_json_schema=schema)
             for n in ("get_quote", "get_news", "get_portfolio")]
    market = synthetic_market()
    market.i = 60
    brief = TickBrief(tick=60, date="d", symbols=["AAPL"])
    items: list = [{"role": "user", "content": render_brief(brief)}]

    async def turn(name: str = OFFLINE_MODEL_NAME) -> ModelResponse:
        request = {
            "model_name": name, "system_instructions": INSTRUCTIONS, "input": items,
            "model_settings": ModelSettings(), "tools": tools, "output_schema": None,
            "handoffs": [], "tracing": ModelTracingInput.DISABLED,
        }
        request = await through_temporal(request, ActivityModelInput)
        response = await ActivityEnvironment().run(activity.invoke_model_activity, request)
        return await through_temporal(response, ModelResponse)

    first = await turn()
    assert [o.name for o in first.output] == ["get_portfolio", "get_quote", "get_news"]
    items += first.to_input_items()
    outputs = {
        "get_portfolio": market.book.report(market.prices()).model_dump_json(),
        "get_quote": quote_from_closes("AAPL", market.closes("AAPL")).model_dump_json(),
        "get_news": news_from_closes("AAPL", market.closes("AAPL")).model_dump_json(),
    }
    items += [{"type": "function_call_output", "call_id": o.call_id, "output": outputs[o.name]}
              for o in first.output]
    second = await turn()
    intent = TradeIntent.model_validate_json(second.output[0].content[0].text)
    assert intent.side is Side.BUY and intent.symbol == "AAPL"

    with pytest.raises(ApplicationError) as err:
        await turn("gpt-5")
    assert err.value.non_retryable
