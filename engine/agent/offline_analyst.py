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

Decision logic (all numbers below are for seed 0):

* Per symbol, a score in [-1, 1]:
  ``0.5 * trend + 0.25 * momentum + 0.25 * news`` where
  trend = (sma_fast / sma_slow - 1) / 5%, clipped to [-1, 1];
  momentum = mean of (change_pct / 3%, clipped) and the position in the 20-bar
  range mapped to [-1, 1] (at the 20-bar high = +1); news = mean_sentiment.
  Fewer than 5 bars of history scores 0.
* Candidates, most urgent first:
  - stop loss: last <= avg_cost * (1 - 8%) -> sell the whole position;
  - take profit: gain >= 15% and the score is below the buy threshold (the
    trend is fading), or gain >= 30% -> sell half;
  - negative score <= -0.30 on a holding -> sell half (all below -0.55);
  - buy: score >= +0.35, whole shares of a target notional
    ``equity * (3% + 9% * confidence)``, capped by cash, ``max_order_notional``
    and the room left under ``max_position_pct``; below high conviction
    (confidence < 0.75) the order is also kept under ``approval_notional`` so
    only high-conviction orders go to a human.
  Sells obey the same caps as buys (max_order_notional; under the approval
  line below high conviction), so an exit the guardrail would block is split
  over several ticks instead. The single most urgent candidate wins (ties:
  brief order); none -> HOLD on the best-scoring symbol, with the reason.
* limit price: 5 bp through the last price (up to buy, down to sell), rounded
  outward to whole cents. confidence in [0, 1] grows with the distance of the
  score from its threshold.
* ``seed`` != 0 shifts the thresholds a little (seeded ``random.Random``), so
  different seeds give different but reproducible runs.
* A human note containing the word "hold" or "pause" makes it HOLD; any note
  is quoted in the rationale.
* Odd input never raises: no brief -> HOLD on symbol ``UNKNOWN`` with a
  rationale saying the brief was missing; no usable data -> HOLD with why.
"""

from __future__ import annotations

import json
import math
import random
import re
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

from engine.agent.brief import TickBrief, parse_brief
from engine.agent.reports import NewsReport, PortfolioReport, QuoteReport
from engine.models import Side, TradeIntent

OFFLINE_MODEL_NAME = "offline-analyst"
OFFLINE_MODEL_LABEL = "Offline analyst (deterministic, no LLM)"

UNKNOWN_SYMBOL = "UNKNOWN"
LIMIT_BPS = 5
HIGH_CONVICTION = 0.75


@dataclass(frozen=True)
class Thresholds:
    buy: float = 0.35
    sell: float = -0.30
    sell_all: float = -0.55
    take_profit: float = 0.15
    stop_loss: float = 0.08

    @classmethod
    def for_seed(cls, seed: int) -> Thresholds:
        if seed == 0:
            return cls()
        rng = random.Random(seed)  # seeded Mersenne Twister: same numbers on every platform
        sell = -0.30 + rng.uniform(-0.05, 0.05)
        return cls(
            buy=0.35 + rng.uniform(-0.06, 0.06),
            sell=sell,
            sell_all=sell - 0.25,
            take_profit=0.15 + rng.uniform(-0.03, 0.03),
            stop_loss=0.08 + rng.uniform(-0.02, 0.02),
        )


@dataclass(frozen=True)
class Signal:
    symbol: str
    score: float
    trend_pct: float
    range_pos: float
    change_pct: float
    news: float
    summary: str


@dataclass(frozen=True)
class Candidate:
    urgency: float
    order: int
    intent: TradeIntent


def _clip(x: float, lo: float = -1.0, hi: float = 1.0) -> float:
    return max(lo, min(hi, x)) if math.isfinite(x) else 0.0


def score_symbol(quote: QuoteReport, news: NewsReport | None) -> Signal:
    """The combined score for one symbol, with a short human-readable summary."""
    trend_pct = (quote.sma_fast / quote.sma_slow - 1.0) * 100 if quote.sma_slow > 0 else 0.0
    span = quote.high_20 - quote.low_20
    range_pos = _clip((quote.last - quote.low_20) / span, 0.0, 1.0) if span > 0 else 0.5
    momentum = 0.5 * _clip(quote.change_pct / 3.0) + 0.5 * (2 * range_pos - 1)
    sentiment = _clip(news.mean_sentiment) if news else 0.0
    score = 0.5 * _clip(trend_pct / 5.0) + 0.25 * momentum + 0.25 * sentiment
    if quote.bars < 5:
        score = 0.0
    relation = "above" if trend_pct >= 0 else "below"
    summary = (
        f"{quote.symbol}: 5-bar mean {quote.sma_fast:,.2f} {relation} 20-bar mean "
        f"{quote.sma_slow:,.2f} ({trend_pct:+.1f}%), day {quote.change_pct:+.1f}%, "
        f"at {range_pos:.0%} of the 20-bar range, news "
        + (f"{sentiment:+.2f}" if news else "n/a")
        + f" -> score {score:+.2f}"
    )
    return Signal(quote.symbol, score, trend_pct, range_pos, quote.change_pct, sentiment, summary)


def _limit(last: float, side: Side) -> float:
    factor = 1 + LIMIT_BPS / 10_000 if side is Side.BUY else 1 - LIMIT_BPS / 10_000
    cents = last * factor * 100
    # Round outward so the limit is really through the last price, even for cheap shares.
    cents = math.ceil(cents - 1e-9) if side is Side.BUY else math.floor(cents + 1e-9)
    return round(max(cents, 1) / 100, 2)


def _sell(
    sig: Signal, last: float, qty: int, conf: float, why: str, urgency: float, order: int,
    pf: PortfolioReport,
) -> Candidate | None:
    limit = _limit(last, Side.SELL)
    conf = round(_clip(conf, 0.0, 1.0), 2)
    # Same caps as a buy, so the guardrail would accept the exit: within max_order_notional and,
    # below high conviction, under the approval line. The rest goes on a later tick.
    cap = pf.max_order_notional
    if conf < HIGH_CONVICTION and pf.approval_notional > 0:
        cap = min(cap, pf.approval_notional - limit)
    qty = min(qty, int(max(cap, 0.0) // limit))
    if qty < 1:
        return None
    rationale = f"{sig.summary}; {why}; selling {qty:,} shares (≈${qty * limit:,.0f})."
    intent = TradeIntent(
        symbol=sig.symbol, side=Side.SELL, quantity=qty, limit_price=limit,
        confidence=conf, rationale=rationale,
    )
    return Candidate(urgency, order, intent)


def _exit_candidate(
    sig: Signal, quote: QuoteReport, held: int, avg_cost: float, th: Thresholds, order: int,
    pf: PortfolioReport,
) -> Candidate | None:
    gain = quote.last / avg_cost - 1.0 if avg_cost > 0 else 0.0
    if avg_cost > 0 and gain <= -th.stop_loss:
        why = f"stop loss: {gain:+.1%} versus average cost {avg_cost:,.2f}"
        return _sell(sig, quote.last, held, 0.9, why, 3 + abs(gain), order, pf)
    fading = gain >= th.take_profit and sig.score < th.buy
    if avg_cost > 0 and (gain >= 2 * th.take_profit or fading):
        why = f"take profit: {gain:+.1%} versus average cost {avg_cost:,.2f}"
        return _sell(sig, quote.last, max(1, held // 2), 0.7, why, 2 + gain, order, pf)
    if sig.score <= th.sell:
        qty = held if sig.score <= th.sell_all else max(1, held // 2)
        conf = 0.5 + (th.sell - sig.score)
        why = f"score at or below the sell threshold {th.sell:+.2f}"
        return _sell(sig, quote.last, qty, conf, why, 1 + abs(sig.score), order, pf)
    return None


def _buy_candidate(
    sig: Signal, quote: QuoteReport, pf: PortfolioReport, th: Thresholds, order: int
) -> tuple[Candidate | None, str]:
    conf = _clip(0.4 + 0.6 * (sig.score - th.buy) / max(0.9 - th.buy, 1e-6), 0.0, 1.0)
    limit = _limit(quote.last, Side.BUY)
    held_value = pf.positions[sig.symbol].market_value if sig.symbol in pf.positions else 0.0
    equity = max(pf.equity, 0.0)
    caps = {
        "target": equity * (0.03 + 0.09 * conf),
        "cash": pf.cash,
        "max order": pf.max_order_notional,
        "position cap": pf.max_position_pct * equity - held_value,
    }
    if conf < HIGH_CONVICTION and pf.approval_notional > 0:
        caps["approval line"] = pf.approval_notional - limit  # strictly below it
    binding = min(caps, key=lambda k: caps[k])
    qty = int(max(caps[binding], 0.0) // limit)
    if qty < 1:
        return None, f"{sig.symbol} scores {sig.score:+.2f} but there is no room to buy ({binding})"
    notional = qty * limit
    share = notional / equity if equity > 0 else 0.0
    rationale = (
        f"{sig.summary} (buy at {th.buy:+.2f} or more); buying {qty:,} shares "
        f"(≈${notional:,.0f}, {share:.0%} of equity, sized by {binding})."
    )
    intent = TradeIntent(
        symbol=sig.symbol, side=Side.BUY, quantity=qty, limit_price=limit,
        confidence=round(conf, 2), rationale=rationale,
    )
    return Candidate(sig.score, order, intent), ""


def decide(
    brief: TickBrief,
    quotes: dict[str, QuoteReport],
    news: dict[str, NewsReport],
    portfolio: PortfolioReport | None,
    problems: list[str] | None = None,
) -> TradeIntent:
    """The one intent for this tick. Pure and deterministic."""
    problems = list(problems or [])
    note = brief.note.strip()
    suffix = (f" Note: {note!r}." if note else "") + (
        f" Tool problems: {'; '.join(problems)}." if problems else ""
    )
    first = brief.symbols[0] if brief.symbols else UNKNOWN_SYMBOL
    if note and re.search(r"\b(hold|pause)\b", note, re.IGNORECASE):
        return TradeIntent.hold(first, f"Holding as the supervisor's note asks.{suffix}")
    if portfolio is None:
        return TradeIntent.hold(first, f"Holding: no portfolio report to size a trade.{suffix}")
    th = Thresholds.for_seed(brief.seed)
    signals = [score_symbol(quotes[s], news.get(s)) for s in brief.symbols if s in quotes]
    if not signals:
        return TradeIntent.hold(first, f"Holding: no usable quotes this tick.{suffix}")

    candidates: list[Candidate] = []
    blocked: list[str] = []
    for order, sig in enumerate(signals):
        quote = quotes[sig.symbol]
        holding = portfolio.positions.get(sig.symbol)
        if holding and holding.quantity > 0:
            exit_ = _exit_candidate(
                sig, quote, holding.quantity, holding.avg_cost, th, order, portfolio
            )
            if exit_:
                candidates.append(exit_)
                continue
        if sig.score >= th.buy:
            buy, why_not = _buy_candidate(sig, quote, portfolio, th, order)
            if buy:
                candidates.append(buy)
            else:
                blocked.append(why_not)
    if candidates:
        best = min(candidates, key=lambda c: (-c.urgency, c.order))
        return best.intent.model_copy(update={"rationale": best.intent.rationale + suffix})

    top = max(signals, key=lambda s: s.score)  # max() keeps the first of equal scores
    reason = "; ".join(blocked) if blocked else (
        f"no score reaches the buy threshold {th.buy:+.2f} and no holding needs an exit"
    )
    return TradeIntent.hold(top.symbol, f"Holding: {top.summary}; {reason}.{suffix}")


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
