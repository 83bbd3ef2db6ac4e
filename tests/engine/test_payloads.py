"""Payloads survive the plugin's converter whole, and carry no secrets by construction."""

from __future__ import annotations

from temporalio.openai_agents import OpenAIPayloadConverter

from engine.contracts import AgentCarry, Counters, Decision, MarketClock, TickContext
from engine.models import GuardrailResult, Portfolio, Quote, RiskLimits, TradeIntent, Verdict


def _round_trip(value):
    converter = OpenAIPayloadConverter()
    [payload] = converter.to_payloads([value])
    [back] = converter.from_payloads([payload], [type(value)])
    return back


def test_fields_filled_in_place_survive_the_converter():
    # The plugin serialises with exclude_unset=True; a default list or dict filled
    # in place used to vanish on the way through (and with it the agent's memory).
    context = TickContext(index=3, date="2004-01-05")
    context.quotes["AAPL"] = Quote(
        symbol="AAPL", index=3, date="2004-01-05", last=1.5, bid=1.49, ask=1.51
    )
    context.missing.append("GOOG")
    assert _round_trip(context) == context


def test_the_carry_round_trips_exactly():
    carry = AgentCarry(
        tick=0,
        clock=MarketClock(start_index=10, bar_count=100, tick=0),
        portfolio=Portfolio(cash=1000.0),
        limits=RiskLimits(),
    )
    carry.tick = 7
    carry.prices["AAPL"] = 1.23
    carry.equity.append((7, 1000.0))
    carry.counters = Counters(buys=2)
    carry.journal.append(
        Decision(
            tick=7, date="2004-01-12", trade_id="t7-AAPL",
            intent=TradeIntent.hold("AAPL", "flat"),
            check=GuardrailResult(verdict=Verdict.ALLOW),
        )
    )
    back = _round_trip(carry)
    assert back == carry
    assert back.journal[0].trade_id == "t7-AAPL" and back.prices == {"AAPL": 1.23}


def test_market_clock_mirrors_at_the_ends_of_the_tape():
    clock = MarketClock(start_index=0, bar_count=4, tick=0)
    path = [clock.bar_index(t) for t in range(9)]
    assert path == [0, 1, 2, 3, 2, 1, 0, 1, 2]
    assert [MarketClock(start_index=0, bar_count=4, tick=t).pass_number() for t in (0, 3, 4)] == [
        1, 1, 2,
    ]
