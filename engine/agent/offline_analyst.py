"""The offline analyst: the embedded default model. Deterministic, no LLM.

It implements the Agents SDK ``Model`` interface, so the agent loop, the tools
and the Temporal model activity run exactly as they do with a real LLM. It is
a product feature (labelled in the UI), not a test double.

Conversation, per tick (one ``Runner.run``):

1. Turn 1 (no tool outputs yet after the brief): call ``get_portfolio()`` and
   ``get_quote(symbol)`` + ``get_news(symbol)`` for each symbol of the brief,
   with deterministic call ids ``t<tick>-<tool>[-<symbol>]``. Only tools the
   agent actually offers are called.
2. Turn 2: read the ``function_call_output`` items (JSON reports; a tool error
   string or unparsable output just drops that input) and answer with one
   ``TradeIntent`` as JSON text.

The decision itself (scores, candidates, sizing, limit prices) is pure and
lives in ``engine.agent.analyst_rules``; this module only speaks the ``Model``
protocol. Odd input never raises: no brief -> HOLD on symbol ``UNKNOWN`` with
a rationale saying the brief was missing; any failure -> HOLD with the error.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from agents import (
    AgentOutputSchemaBase,
    Handoff,
    Model,
    ModelResponse,
    ModelSettings,
    ModelTracing,
    Tool,
    TResponseInputItem,
    Usage,
)
from openai.types.responses import (
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseOutputText,
)
from pydantic import ValidationError

from engine.agent.analyst_rules import (
    HIGH_CONVICTION,
    LIMIT_BPS,
    UNKNOWN_SYMBOL,
    Candidate,
    Signal,
    Thresholds,
    decide,
    score_symbol,
)
from engine.agent.brief import TickBrief, parse_brief
from engine.agent.reports import NewsReport, PortfolioReport, QuoteReport
from engine.models import TradeIntent

# The decision rules are re-exported so existing imports from this module keep working.
__all__ = [
    "HIGH_CONVICTION",
    "LIMIT_BPS",
    "OFFLINE_MODEL_LABEL",
    "OFFLINE_MODEL_NAME",
    "UNKNOWN_SYMBOL",
    "Candidate",
    "OfflineAnalyst",
    "Signal",
    "Thresholds",
    "decide",
    "score_symbol",
]

OFFLINE_MODEL_NAME = "offline-analyst"
OFFLINE_MODEL_LABEL = "Offline analyst (deterministic, no LLM)"


# ---- reading the Responses-format input -------------------------------------------------------


def _field(item: Any, key: str) -> Any:
    # Items arrive as dicts (Runner, Temporal payloads) or as pydantic objects (direct callers).
    return item.get(key) if isinstance(item, dict) else getattr(item, key, None)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [_field(p, "text") for p in content]
        return "\n".join(p for p in parts if isinstance(p, str))
    return ""


@dataclass
class _Turn:
    brief: TickBrief | None
    calls: dict[str, tuple[str, dict[str, Any]]]  # call_id -> (tool name, arguments)
    outputs: dict[str, str]  # call_id -> output text


def _read_input(items: str | list[TResponseInputItem]) -> _Turn:
    if isinstance(items, str):
        return _Turn(parse_brief(items), {}, {})
    turn = _Turn(None, {}, {})
    for item in items or []:
        kind = _field(item, "type")
        if kind in (None, "message") and _field(item, "role") == "user":
            brief = parse_brief(_text(_field(item, "content")))
            if brief is not None:  # a newer brief starts a new exchange
                turn = _Turn(brief, {}, {})
        elif kind == "function_call":
            try:
                args = json.loads(_field(item, "arguments") or "{}")
            except (TypeError, ValueError):
                args = {}
            turn.calls[str(_field(item, "call_id"))] = (
                str(_field(item, "name")), args if isinstance(args, dict) else {}
            )
        elif kind == "function_call_output":
            turn.outputs[str(_field(item, "call_id"))] = _text(_field(item, "output"))
    return turn


def _reports(turn: _Turn):
    quotes: dict[str, QuoteReport] = {}
    news: dict[str, NewsReport] = {}
    portfolio: PortfolioReport | None = None
    problems: list[str] = []
    for call_id, text in turn.outputs.items():
        name, args = turn.calls.get(call_id, ("?", {}))
        label = f"{name}({args.get('symbol', '')})"
        try:
            if name == "get_quote":
                q = QuoteReport.model_validate_json(text)
                quotes[q.symbol] = q
            elif name == "get_news":
                n = NewsReport.model_validate_json(text)
                news[n.symbol] = n
            elif name == "get_portfolio":
                portfolio = PortfolioReport.model_validate_json(text)
            else:
                problems.append(f"{label}: unexpected tool")
        except (ValidationError, ValueError):
            problems.append(f"{label}: {' '.join(text.split())[:120]!r}")
    return quotes, news, portfolio, problems


def _planned_calls(brief: TickBrief, offered: set[str]) -> list[ResponseFunctionToolCall]:
    plan: list[tuple[str, str | None]] = [("get_portfolio", None)]
    for symbol in brief.symbols:
        plan += [("get_quote", symbol), ("get_news", symbol)]
    calls = []
    for tool, symbol in plan:
        if tool not in offered:
            continue
        call_id = f"t{brief.tick}-{tool}" + (f"-{symbol}" if symbol else "")
        args = json.dumps({"symbol": symbol} if symbol else {})
        calls.append(ResponseFunctionToolCall(
            type="function_call", call_id=call_id, name=tool, arguments=args, status="completed",
        ))
    return calls


def _message(text: str, msg_id: str) -> ResponseOutputMessage:
    return ResponseOutputMessage(
        id=msg_id, type="message", role="assistant", status="completed",
        content=[ResponseOutputText(type="output_text", text=text, annotations=[])],
    )


class OfflineAnalyst(Model):
    """A deterministic analyst behind the Agents SDK ``Model`` interface."""

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None = None,
        conversation_id: str | None = None,
        prompt: Any | None = None,
    ) -> ModelResponse:
        try:
            output = self._respond(input, tools)
        except Exception as exc:  # never crash the agent loop: explain and hold instead
            intent = TradeIntent.hold(UNKNOWN_SYMBOL, f"Offline analyst failed: {exc!r}")
            output = [_message(intent.model_dump_json(), "msg-offline-error")]
        return ModelResponse(output=output, usage=Usage(requests=1), response_id=None)

    def _respond(self, input: str | list[TResponseInputItem], tools: list[Tool]) -> list[Any]:
        turn = _read_input(input)
        if turn.brief is None:
            intent = TradeIntent.hold(
                UNKNOWN_SYMBOL,
                "Holding: the offline analyst found no 'BRIEF: {json}' line in its input, "
                "so it does not know the tick or the symbols.",
            )
            return [_message(intent.model_dump_json(), "msg-no-brief")]
        if not turn.calls and not turn.outputs:
            offered = {getattr(t, "name", "") for t in tools}
            calls = _planned_calls(turn.brief, offered)
            if calls:
                return calls
        intent = decide(turn.brief, *_reports(turn))
        return [_message(intent.model_dump_json(), f"msg-t{turn.brief.tick}")]

    def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        raise NotImplementedError(
            "The offline analyst does not stream; run the agent with Runner.run, not run_streamed."
        )
