"""The per-tick user message ("brief") and the agent's system instructions.

The brief is written for two readers at once: a real LLM reads the paragraph,
and the offline analyst (and tests) read the machine line ``BRIEF: {json}``
that always ends the message. ``parse_brief`` finds the last such line, so a
brief embedded in a longer conversation still parses.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, ValidationError

BRIEF_PREFIX = "BRIEF:"

INSTRUCTIONS = """\
You are "analyst", a careful equity trading agent running inside a supervised, durable harness.
Each turn you are given a brief for one market tick (a trading day) and a list of symbols.

How to work:
1. Call get_portfolio() once, and get_quote(symbol) and get_news(symbol) for every symbol in
   the brief. The tools return JSON: prices with 5-bar and 20-bar moving averages, the 20-bar
   high/low, today's headlines with sentiment in [-1, 1], and your cash, positions and limits.
2. Decide on exactly ONE trade intent for this tick, for one symbol from the brief.
3. Answer with the TradeIntent JSON only, no prose around it.

Rules:
- side is "buy", "sell" or "hold". quantity is a whole number of shares (0 for hold).
- Never sell more shares than you hold. Never buy more than your cash allows.
- Keep an order's notional (quantity x price) within max_order_notional and the position within
  max_position_pct of equity. Orders at or above approval_notional wait for a human's approval,
  so only propose them when conviction is high.
- limit_price: a few basis points through the last price (above it to buy, below it to sell),
  rounded to cents; null means "at the last price".
- confidence is a number in [0, 1]. When the evidence is mixed or unclear, hold.
- rationale: one or two sentences that cite the numbers you used (averages, change, news).
- If the brief carries a note from the human supervisor, take it into account.
- A deterministic risk guardrail checks every intent after you. It may block an intent or send
  it for approval, but it never fixes one, so propose only what you would accept as written.
"""


class TickBrief(BaseModel):
    """What the workflow tells the agent at one tick."""

    tick: int = Field(ge=0)
    date: str
    symbols: list[str]
    seed: int = 0
    note: str = Field(default="", description="A human steering note, free text")
    strategies: dict[str, dict] = Field(
        default_factory=dict,
        description="Per symbol, discovery's winning strategy and its signal (exposure 0..1)",
    )


def render_brief(brief: TickBrief) -> str:
    """The user message for one tick: a paragraph for an LLM, then the machine line."""
    symbols = ", ".join(brief.symbols) if brief.symbols else "(none)"
    lines = [
        f"Tick {brief.tick}, market date {brief.date}. Symbols: {symbols}.",
        "Call get_portfolio, then get_quote and get_news for each symbol. Then return exactly "
        "one TradeIntent for this tick: whole shares only, one intent, and hold when unsure.",
    ]
    if brief.note.strip():
        lines.append(f"Note from your human supervisor: {brief.note.strip()}")
    for symbol, pick in sorted(brief.strategies.items()):
        lines.append(f"Backtested strategy for {symbol}: {pick.get('strategy')} wants exposure "
                     f"{pick.get('signal')} (0 = flat, 1 = fully long) as of {pick.get('as_of')}.")
    # Without discovery the machine line is what it always was (the golden histories).
    exclude = None if brief.strategies else {"strategies"}
    lines.append(f"{BRIEF_PREFIX} {brief.model_dump_json(exclude=exclude)}")
    return "\n".join(lines)


def parse_brief(text: str) -> TickBrief | None:
    """The brief in ``text`` (its last ``BRIEF:`` line), or None if there is none or it is bad."""
    if not isinstance(text, str):
        return None
    for line in reversed(text.splitlines()):
        stripped = line.strip()
        if stripped.startswith(BRIEF_PREFIX):
            try:
                return TickBrief.model_validate_json(stripped[len(BRIEF_PREFIX) :].strip())
            except ValidationError:
                return None
    return None
