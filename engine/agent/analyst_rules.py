"""The offline analyst's decision rules: pure, deterministic, no I/O, no Agents SDK.

Given the tick brief and the parsed tool reports (quotes, news, portfolio),
``decide`` returns the one ``TradeIntent`` for the tick. The Agents SDK adapter
that gathers those reports and answers with the intent is
``engine.agent.offline_analyst``.

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
* Odd input never raises: no usable data -> HOLD with why (no symbols in the
  brief -> HOLD on symbol ``UNKNOWN``).
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

from engine.agent.brief import TickBrief
from engine.agent.reports import NewsReport, PortfolioReport, QuoteReport
from engine.models import Side, TradeIntent

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
