"""A real model's final answer: the TradeIntent in it, or the rule it broke, by name."""

from __future__ import annotations

import pytest

from engine.agent.intent_text import IntentTextError, parse_intent
from engine.models import Side

GOOD = ('{"symbol": "AAPL", "side": "buy", "quantity": 5, "limit_price": 4.2, '
        '"confidence": 0.7, "rationale": "up"}')


def test_plain_json_and_json_in_prose_or_a_fence_parse():
    assert parse_intent(GOOD).quantity == 5
    assert parse_intent(f"Sure! Here it is:\n```json\n{GOOD}\n```\nGood luck").side == Side.BUY


@pytest.mark.parametrize(("text", "reason"), [
    (GOOD.replace("0.7", "1.5"), "confidence = 1.5: must be at most 1"),
    (GOOD.replace('"quantity": 5', '"quantity": -5'), "quantity = -5: must be at least 0"),
    (GOOD.replace('"side": "buy"', '"side": "short"'), 'side = "short": input should be'),
    (GOOD.replace(', "rationale": "up"', ''), "rationale is missing"),
    (GOOD.replace('"up"}', '"up", "leverage": 50}'), "leverage is not a TradeIntent field"),
    ("I would buy some AAPL.", "no JSON object in the model's answer: I would buy some AAPL."),
    ("", "the model answered nothing"),
])
def test_a_refusal_names_the_broken_rule(text, reason):
    with pytest.raises(IntentTextError) as refused:
        parse_intent(text)
    assert reason in str(refused.value)
    assert "Invalid JSON" not in str(refused.value)
