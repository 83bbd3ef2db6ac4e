"""The offline analyst driven through the real Agents SDK ``Runner.run`` (no Temporal server).

The three tools here are plain ``function_tool`` stand-ins returning the same
JSON reports the real activities return (those are tested with the activities).
A tiny book in the test applies each intent at its limit price, so the analyst
lives through a price path the way the workflow would let it. The last test
runs it inside the Temporal plugin's model activity, with Temporal's payload
conversion, as the worker does.
"""

from __future__ import annotations

import gzip
import math
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from agents import (
    Agent,
    ModelResponse,
    ModelSettings,
    ModelTracing,
    Runner,
    function_tool,
    set_tracing_disabled,
)
from hypothesis import given, settings
from hypothesis import strategies as st
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
    decide,
)
from engine.agent.providers import HarnessModelProvider
from engine.agent.reports import HoldingReport, NewsReport, PortfolioReport, QuoteReport
from engine.models import Side, TradeIntent

os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")
set_tracing_disabled(True)

LIMITS = {"max_order_notional": 25_000.0, "max_position_pct": 0.40, "approval_notional": 10_000.0}


def quote_from_closes(symbol: str, closes: list[float], date: str = "2001-01-01") -> QuoteReport:
    window = closes[-20:]
    last = closes[-1]
    prev = closes[-2] if len(closes) > 1 else last
    return QuoteReport(
        symbol=symbol, date=date, last=round(last, 2), bid=round(last * 0.9995, 2),
        ask=round(last * 1.0005, 2), change_pct=(last / prev - 1) * 100,
        sma_fast=sum(closes[-5:]) / len(closes[-5:]), sma_slow=sum(window) / len(window),
        high_20=max(window), low_20=min(window), bars=len(window),
    )


def news_from_closes(symbol: str, closes: list[float], date: str = "2001-01-01") -> NewsReport:
    # Stand-in for the generated headlines: sentiment follows the 5-bar return.
    ret = closes[-1] / closes[max(0, len(closes) - 6)] - 1
    return NewsReport(symbol=symbol, date=date, mean_sentiment=round(max(-1, min(1, ret * 8)), 2))


@dataclass
class Book:
    cash: float = 100_000.0
    positions: dict[str, tuple[int, float]] = field(default_factory=dict)

    def report(self, prices: dict[str, float]) -> PortfolioReport:
        held = {s: (q, c) for s, (q, c) in self.positions.items() if q > 0}
        equity = self.cash + sum(q * prices[s] for s, (q, _) in held.items())
        return PortfolioReport(
            cash=round(self.cash, 2), equity=round(equity, 2),
            positions={
                s: HoldingReport(quantity=q, avg_cost=c, market_value=q * prices[s])
                for s, (q, c) in held.items()
            },
            **LIMITS,
        )

    def apply(self, intent: TradeIntent) -> None:
        qty, cost = self.positions.get(intent.symbol, (0, 0.0))
        price = intent.limit_price
        if intent.side is Side.BUY:
            assert intent.quantity * price <= self.cash + 1e-6, intent
            self.cash -= intent.quantity * price
            new_qty = qty + intent.quantity
            new_cost = (qty * cost + intent.quantity * price) / new_qty
            self.positions[intent.symbol] = (new_qty, new_cost)
        elif intent.side is Side.SELL:
            assert 0 < intent.quantity <= qty, intent
            self.cash += intent.quantity * price
            self.positions[intent.symbol] = (qty - intent.quantity, cost)


class Market:
    """Price paths per symbol, a cursor (the tick), the book, and the three tool stand-ins."""

    def __init__(self, paths: dict[str, list[float]], dates: list[str] | None = None) -> None:
        self.paths = paths
        self.dates = dates
        self.i = 20
        self.book = Book()
        self.calls: list[tuple[str, str]] = []
        self.broken_news: set[str] = set()

    def closes(self, symbol: str) -> list[float]:
        return self.paths[symbol][: self.i + 1]

    def date(self) -> str:
        return self.dates[self.i] if self.dates else f"day-{self.i}"

    def prices(self) -> dict[str, float]:
        return {s: round(p[self.i], 2) for s, p in self.paths.items()}

    def agent(self, model: OfflineAnalyst | None = None) -> Agent:
        market = self

        @function_tool
        def get_quote(symbol: str) -> str:
            """The price now and the recent trend."""
            market.calls.append(("get_quote", symbol))
            return quote_from_closes(symbol, market.closes(symbol), market.date()).model_dump_json()

        @function_tool
        def get_news(symbol: str) -> str:
            """Today's headlines with their sentiment."""
            market.calls.append(("get_news", symbol))
            if symbol in market.broken_news:
                raise RuntimeError("news service down")
            return news_from_closes(symbol, market.closes(symbol), market.date()).model_dump_json()

        @function_tool
        def get_portfolio() -> str:
            """The agent's own book and its limits."""
            market.calls.append(("get_portfolio", ""))
            return market.book.report(market.prices()).model_dump_json()

        return Agent(
            name="analyst", instructions=INSTRUCTIONS, model=model or OfflineAnalyst(),
            tools=[get_quote, get_news, get_portfolio], output_type=TradeIntent,
        )

    async def tick(self, agent: Agent, seed: int = 0, note: str = "") -> TradeIntent:
        brief = TickBrief(tick=self.i, date=self.date(), symbols=list(self.paths), seed=seed,
                          note=note)
        result = await Runner.run(agent, render_brief(brief))
        intent = result.final_output
        assert isinstance(intent, TradeIntent)
        return intent

    async def run(self, ticks: int, seed: int = 0) -> list[TradeIntent]:
        agent = self.agent()
        intents = []
        for _ in range(ticks):
            intent = await self.tick(agent, seed)
            self.book.apply(intent)
            intents.append(intent)
            self.i += 1
        return intents


def synthetic_path(start: float, legs: list[tuple[int, float]], wiggle: float) -> list[float]:
    """Piecewise geometric drift with a deterministic wiggle: rallies, crashes, sideways."""
    prices, p, day = [], start, 0
    for days, drift in legs:
        for _ in range(days):
            p *= 1 + drift + wiggle * math.sin(day * 0.9)
            prices.append(p)
            day += 1
    return prices


def synthetic_market() -> Market:
    return Market({
        "AAPL": synthetic_path(30.0, [(30, 0.0), (60, 0.012), (50, -0.015), (60, 0.0)], 0.006),
        "MSFT": synthetic_path(25.0, [(40, 0.002), (50, -0.008), (60, 0.010), (50, -0.002)], 0.004),
    })


def load_real_market(symbols: list[str], start_date: str) -> Market:
    import bokeh_sampledata

    path = Path(bokeh_sampledata.__file__).parent / "_data" / "stocks.csv.gz"
    closes: dict[str, dict[str, float]] = {s: {} for s in symbols}
    with gzip.open(path, "rt") as fh:
        header = fh.readline().strip().split(",")
        col = {name: k for k, name in enumerate(header)}
        for line in fh:
            row = line.strip().split(",")
            if row[col["Ticker"]] in closes and row[col["Date"]] >= start_date:
                closes[row[col["Ticker"]]][row[col["Date"]]] = float(row[col["Adj Close"]])
    dates = sorted(set.intersection(*(set(c) for c in closes.values())))
    return Market({s: [closes[s][d] for d in dates] for s in symbols}, dates)


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


# ---- a price path --------------------------------------------------------------------------------


async def test_over_a_price_path_it_buys_sells_holds_and_sometimes_needs_approval():
    market = synthetic_market()
    intents = await market.run(170)
    sides = Counter(i.side for i in intents)
    assert sides[Side.BUY] >= 3 and sides[Side.SELL] >= 3 and sides[Side.HOLD] >= 10, sides
    big = [i for i in intents if i.side is Side.BUY and i.quantity * i.limit_price >= 10_000]
    assert big, "no approval-sized order on the path"
    assert all(i.confidence >= 0.75 for i in big)  # only high conviction goes to a human
    for i in intents:
        if i.side is not Side.HOLD:
            assert i.quantity >= 1 and i.limit_price == round(i.limit_price, 2)
            assert i.quantity * i.limit_price <= LIMITS["max_order_notional"] + 1e-6


@pytest.mark.parametrize("start", ["2004-08-19", "2008-01-02"])  # a rally; the crash
async def test_real_closes_over_three_hundred_ticks(start):
    market = load_real_market(["AAPL", "MSFT", "IBM", "GOOG"], start)
    intents = await market.run(300)
    sides = Counter(i.side for i in intents)
    assert min(sides[Side.BUY], sides[Side.SELL], sides[Side.HOLD]) >= 10, sides
    assert any(i.side is Side.BUY and i.quantity * i.limit_price >= 10_000 for i in intents)


async def test_same_seed_same_run_and_other_seeds_differ():
    async def run(seed: int) -> list[str]:
        market = synthetic_market()
        return [i.model_dump_json() for i in await market.run(120, seed)]

    first = await run(7)
    assert first == await run(7)
    assert first != await run(8) or first != await run(0)


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


# ---- properties of the decision ------------------------------------------------------------------

prices = st.floats(min_value=0.5, max_value=2_000, allow_nan=False)


@st.composite
def situations(draw):
    symbols = draw(st.lists(st.sampled_from(["AAPL", "MSFT", "IBM", "GOOG"]), min_size=1,
                            max_size=4, unique=True))
    quotes, news, positions = {}, {}, {}
    for s in symbols:
        lo, hi = sorted([draw(prices), draw(prices)])
        last = draw(st.floats(min_value=lo, max_value=hi))
        quotes[s] = QuoteReport(
            symbol=s, date="d", last=last, bid=last, ask=last,
            change_pct=draw(st.floats(-30, 30)), sma_fast=draw(prices), sma_slow=draw(prices),
            high_20=hi, low_20=lo, bars=draw(st.integers(0, 20)),
        )
        news[s] = NewsReport(symbol=s, date="d", mean_sentiment=draw(st.floats(-1, 1)))
        qty = draw(st.integers(0, 5_000))
        if qty:
            positions[s] = HoldingReport(quantity=qty, avg_cost=draw(prices),
                                         market_value=qty * last)
    cash = draw(st.floats(0, 500_000))
    portfolio = PortfolioReport(
        cash=cash, equity=cash + sum(p.market_value for p in positions.values()),
        positions=positions, max_order_notional=draw(st.floats(100, 50_000)),
        max_position_pct=draw(st.floats(0.05, 1.0)), approval_notional=draw(st.floats(0, 20_000)),
    )
    brief = TickBrief(tick=1, date="d", symbols=symbols, seed=draw(st.integers(0, 2**31)))
    return brief, quotes, news, portfolio


@settings(max_examples=300, deadline=None)
@given(situations())
def test_decisions_always_respect_cash_holdings_and_limits(situation):
    brief, quotes, news, portfolio = situation
    intent = decide(brief, quotes, news, portfolio)
    assert intent == decide(brief, quotes, news, portfolio)  # deterministic
    assert intent.symbol in brief.symbols and 0 <= intent.confidence <= 1
    if intent.side is Side.HOLD:
        assert intent.quantity == 0
        return
    last = quotes[intent.symbol].last
    notional = intent.quantity * intent.limit_price
    assert intent.quantity >= 1
    assert notional <= portfolio.max_order_notional + 1e-6
    if notional >= portfolio.approval_notional > 0:
        assert intent.confidence >= 0.75
    if intent.side is Side.BUY:
        assert intent.limit_price >= last
        assert notional <= portfolio.cash + 1e-6
    else:
        assert intent.quantity <= portfolio.positions[intent.symbol].quantity
        assert intent.limit_price <= last


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
