"""News headlines written by us, derived deterministically from the adjusted price series.

Every headline only describes bar N itself (its close, its gap, the streak or 52-week range
ending at N), so serving it at index N never leaks the future.
"""

from __future__ import annotations

import hashlib

from prices import Bar

BIG_MOVE = 0.05  # |close-to-close return| that makes a headline
GAP = 0.03  # |open vs previous close|
STREAK = 5  # consecutive higher (lower) closes
YEAR = 252  # bars in a 52-week window
NEUTRAL_ONE_IN = 12  # quiet bars that still get a neutral headline
RESTRICTED_ONE_IN = 150  # bars that get a headline with a restricted term

# Terms a compliance guardrail is expected to block on; README lists them.
RESTRICTED = (
    ("SEC probe", "SEC probe into {s} accounting practices reported"),
    ("trading halt", "Brief trading halt in {s} shares pending news"),
    ("fraud", "{s} named in shareholder fraud lawsuit"),
    ("insider trading", "Regulators examine possible insider trading in {s} options"),
    ("delisting", "Exchange notice raises delisting questions for {s} over late filing"),
)
NEUTRAL = (
    "{s} shares little changed in quiet session",
    "Analysts reiterate views on {s} ahead of earnings season",
    "{s} trades in a narrow range as volume thins",
    "Market watchers weigh sector rotation's effect on {s}",
)


def stable_int(*parts: object) -> int:
    """A seedless, platform-independent hash (Python's hash() is salted per process)."""
    digest = hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()
    return int(digest[:12], 16)  # 48 bits: exact in a JavaScript number


def clamp(value: float) -> float:
    return round(max(-1.0, min(1.0, value)), 2)


def _events(symbol: str, bars: list[Bar], k: int, streak: int) -> list[tuple[str, str, float]]:
    """(kind, headline, sentiment) for bar k of one symbol."""
    bar, prev = bars[k], bars[k - 1]
    ret = bar.close / prev.close - 1
    gap = bar.open / prev.close - 1
    events: list[tuple[str, str, float]] = []
    if abs(ret) >= BIG_MOVE:
        verb = ("soar" if ret >= 0.08 else "jump") if ret > 0 else (
            "plunge" if ret <= -0.08 else "slide")
        events.append(("move", f"{symbol} shares {verb} {abs(ret) * 100:.1f}% to "
                       f"${bar.close:.2f}", clamp(ret * 8)))
    if abs(gap) >= GAP:
        way = "up" if gap > 0 else "down"
        events.append(("gap", f"{symbol} gaps {way} {abs(gap) * 100:.1f}% at the open",
                       clamp(gap * 6)))
    if abs(streak) >= STREAK:
        kind = "winning" if streak > 0 else "losing"
        tone = 0.2 + 0.05 * min(abs(streak), 10)
        events.append(("streak", f"{symbol} extends {kind} streak to {abs(streak)} sessions",
                       clamp(tone if streak > 0 else -tone)))
    if k >= YEAR:
        window = [b.close for b in bars[k - YEAR:k]]
        if bar.close > max(window):
            events.append(("high", f"{symbol} closes at a 52-week high of ${bar.close:.2f}", 0.5))
        elif bar.close < min(window):
            events.append(("low", f"{symbol} sinks to a 52-week low of ${bar.close:.2f}", -0.5))
    if not events and stable_int(symbol, bar.date, "neutral") % NEUTRAL_ONE_IN == 0:
        template = NEUTRAL[stable_int(symbol, bar.date, "which") % len(NEUTRAL)]
        events.append(("neutral", template.format(s=symbol), clamp(ret * 4)))
    if stable_int(symbol, bar.date) % RESTRICTED_ONE_IN == 0:
        _term, template = RESTRICTED[stable_int(symbol, bar.date, "term") % len(RESTRICTED)]
        severity = 0.6 + (stable_int(symbol, bar.date, "severity") % 4) / 10
        events.append(("restricted", template.format(s=symbol), -severity))
    return events


def news_item(symbol: str, bar: Bar, prev: Bar, kind: str, headline: str, sentiment: float):
    change = (bar.close / prev.close - 1) * 100
    summary = (f"{symbol} closed at ${bar.close:.2f} ({change:+.2f}%) on "
               f"{bar.volume / 1e6:.1f}M shares.")
    return {
        "id": stable_int(symbol, bar.date, kind),
        "headline": headline,
        "summary": summary,
        "author": "harness-newsroom",
        "source": "harness",
        "created_at": bar.date,
        "updated_at": bar.date,
        "url": "",
        "symbols": [symbol],
        "sentiment": sentiment,
    }


def symbol_news(symbol: str, bars: list[Bar], origin: int) -> dict[str, list[dict]]:
    """Headlines keyed by market-clock index (as a string: it is a JSON object key)."""
    news: dict[str, list[dict]] = {}
    streak = 0
    for k in range(1, len(bars)):
        up = bars[k].close > bars[k - 1].close
        down = bars[k].close < bars[k - 1].close
        streak = (max(streak, 0) + 1) if up else (min(streak, 0) - 1) if down else 0
        items = [news_item(symbol, bars[k], bars[k - 1], kind, headline, sentiment)
                 for kind, headline, sentiment in _events(symbol, bars, k, streak)]
        if items:
            news[str(origin + k)] = items
    return news
