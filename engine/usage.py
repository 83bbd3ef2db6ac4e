"""Model usage (tokens, cost) per tick and per agent, and the daily budget that caps it.

Usage comes from each model response (input, output and cached input tokens). Cost is only
known for models with a price (`AgentConfig.model_price`, copied at start from the price table
in settings, `Settings.model_prices`): local models count tokens only. The budget is per UTC
day of workflow time, so a cap reached at 15:00 lets the agent go on at 00:00 UTC. Pure code:
it runs inside the workflow.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from engine.models import Payload


class ModelPrice(Payload):
    """Dollars per million tokens."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0, description="None: as input")


# The price table's defaults (USD per 1M tokens, OpenAI's list prices); settings may add to
# or override them (`model_prices` in settings.json).
DEFAULT_PRICES: dict[str, ModelPrice] = {
    "gpt-4o-mini": ModelPrice(input=0.15, cached_input=0.075, output=0.60),
    "gpt-4o": ModelPrice(input=2.50, cached_input=1.25, output=10.00),
    "gpt-4.1-mini": ModelPrice(input=0.40, cached_input=0.10, output=1.60),
    "gpt-4.1": ModelPrice(input=2.00, cached_input=0.50, output=8.00),
}


class ModelUsage(Payload):
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def add_run(self, usage: Any) -> None:
        """Add an Agents SDK `Usage` (one run's calls)."""
        self.calls += int(getattr(usage, "requests", 0) or 0)
        self.input_tokens += int(getattr(usage, "input_tokens", 0) or 0)
        self.output_tokens += int(getattr(usage, "output_tokens", 0) or 0)
        details = getattr(usage, "input_tokens_details", None)
        self.cached_tokens += int(getattr(details, "cached_tokens", 0) or 0)

    def add(self, other: ModelUsage) -> None:
        self.calls += other.calls
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cached_tokens += other.cached_tokens
        self.cost_usd = round(self.cost_usd + other.cost_usd, 6)

    def priced(self, price: ModelPrice | None) -> None:
        if price is None:
            return
        cached = min(self.cached_tokens, self.input_tokens)
        cached_rate = price.input if price.cached_input is None else price.cached_input
        self.cost_usd = round(((self.input_tokens - cached) * price.input
                               + cached * cached_rate
                               + self.output_tokens * price.output) / 1e6, 6)

    def line(self) -> str:
        """One line for a terminal: '2 calls, 1,234 in (0 cached) + 56 out tokens, $0.0012'."""
        cost = f", ${self.cost_usd:.4f}" if self.cost_usd else ""
        return (f"{self.calls} call{'s' * (self.calls != 1)}, {self.input_tokens:,} in "
                f"({self.cached_tokens:,} cached) + {self.output_tokens:,} out tokens{cost}")


class UsageBook(Payload):
    """The agent's usage: its total, and today's (the UTC date of workflow time)."""

    total: ModelUsage = Field(default_factory=ModelUsage)
    day: str = ""
    today: ModelUsage = Field(default_factory=ModelUsage)

    def record(self, usage: ModelUsage, day: str) -> None:
        self.roll(day)
        self.total.add(usage)
        self.today.add(usage)

    def roll(self, day: str) -> None:
        if day != self.day:
            self.day, self.today = day, ModelUsage()


def over_budget(book: UsageBook, day: str, max_tokens: int | None,
                max_cost: float | None) -> str:
    """Why the day's model budget is spent ('' if it is not): the reason of the HOLD."""
    book.roll(day)
    today = book.today
    if max_tokens is not None and today.tokens >= max_tokens:
        return (f"model budget reached: {today.tokens:,} of {max_tokens:,} tokens today "
                f"({day} UTC); the agent holds until 00:00 UTC")
    if max_cost is not None and today.cost_usd >= max_cost:
        return (f"model budget reached: ${today.cost_usd:.4f} of ${max_cost:.4f} today "
                f"({day} UTC); the agent holds until 00:00 UTC")
    return ""
