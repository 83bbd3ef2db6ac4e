"""A TradeIntent from a real model's final answer, or an error that names the broken rule.

The Agents SDK reports any output that fails the schema as "Invalid JSON when parsing model
output", also for valid JSON whose `confidence` is 1.5. For a real model the workflow asks for
the final answer as text and parses it here, so a HOLD says what was wrong:
"confidence = 1.5: must be at most 1". Small models wrap JSON in prose or a ```json fence;
the first JSON object in the text is taken (the parse-the-text fallback). Pure code: it runs
inside the workflow.
"""

from __future__ import annotations

import json

from pydantic import ValidationError

from engine.models import TradeIntent

SHOWN = 80  # characters of a bad value or text quoted in a reason


class IntentTextError(ValueError):
    """The model's text holds no valid TradeIntent; the message says why, for a human."""


def parse_intent(text: str) -> TradeIntent:
    """The TradeIntent in `text`; raises IntentTextError naming the first broken rule."""
    data = _first_object(text or "")
    try:
        return TradeIntent.model_validate(data)
    except ValidationError as exc:
        raise IntentTextError(_broken_rule(exc)) from None


def _first_object(text: str) -> dict:
    stripped = text.strip()
    try:
        whole = json.loads(stripped)
    except ValueError:
        whole = None
    if isinstance(whole, dict):
        return whole
    decoder = json.JSONDecoder()
    for start, char in enumerate(text):
        if char != "{":
            continue
        try:
            found, _ = decoder.raw_decode(text, start)
        except ValueError:
            continue
        if isinstance(found, dict):
            return found
    if not stripped:
        raise IntentTextError("the model answered nothing (no TradeIntent JSON)")
    raise IntentTextError(f"no JSON object in the model's answer: {_quote(stripped)}")


def _broken_rule(exc: ValidationError) -> str:
    rules = []
    for error in exc.errors()[:3]:
        field = ".".join(str(p) for p in error["loc"]) or "intent"
        kind = error.get("type", "")
        if kind == "missing":
            rules.append(f"{field} is missing")
        elif kind == "extra_forbidden":
            rules.append(f"{field} is not a TradeIntent field")
        else:
            rules.append(f"{field} = {_quote(json.dumps(error.get('input')))}: "
                         f"{_rule(error)}")
    more = len(exc.errors()) - len(rules)
    return "; ".join(rules) + (f" (and {more} more)" if more > 0 else "")


def _rule(error: dict) -> str:
    ctx = error.get("ctx") or {}
    kind = error.get("type", "")
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}"
    return error.get("msg", "invalid").lower()


def _quote(text: str) -> str:
    return text if len(text) <= SHOWN else text[: SHOWN - 3] + "..."
