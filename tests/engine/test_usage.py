"""Usage, cost and the daily budget (pure: they run inside the workflow)."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.config import Settings
from engine.usage import ModelPrice, ModelUsage, UsageBook, over_budget
from engine.workflows.model_budget import seconds_to_next_day


def test_cost_counts_cached_input_at_its_own_price():
    usage = ModelUsage(calls=1, input_tokens=1_000_000, cached_tokens=400_000,
                       output_tokens=100_000)
    usage.priced(ModelPrice(input=0.15, cached_input=0.075, output=0.60))
    assert usage.cost_usd == round(0.6 * 0.15 + 0.4 * 0.075 + 0.1 * 0.60, 6)


def test_only_openai_models_have_a_price_and_settings_override_the_table():
    settings = Settings(model_prices={"gpt-4o-mini": {"input": 1, "output": 2}})
    assert settings.model_price("openai:gpt-4o-mini") == ModelPrice(input=1, output=2)
    assert settings.model_price("openai:gpt-4o").output == 10.0
    assert settings.model_price("compatible:gpt-4o") is None
    assert settings.model_price("offline-analyst") is None


def test_the_budget_is_per_utc_day_and_the_next_day_goes_on():
    book = UsageBook()
    book.record(ModelUsage(calls=2, input_tokens=900, output_tokens=200), "2026-12-05")
    reason = over_budget(book, "2026-12-05", 1_000, None)
    assert reason.startswith("model budget reached: 1,100 of 1,000 tokens today (2026-12-05")
    assert over_budget(book, "2026-12-06", 1_000, None) == ""  # a new day, a new budget
    assert book.total.tokens == 1_100 and book.today.tokens == 0


def test_the_agent_sleeps_until_midnight_utc():
    assert seconds_to_next_day(datetime(2026, 12, 5, 23, 59, 0, tzinfo=UTC)) == 60.0
