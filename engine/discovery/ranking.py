"""The deterministic winner: out-of-sample Sharpe, then the shallower drawdown, then the
name (so equal scores still give one answer, every replay the same)."""

from __future__ import annotations

from engine.discovery.contracts import BacktestOutcome


def rank_key(outcome: BacktestOutcome) -> tuple:
    oos = outcome.out_of_sample
    return (
        0 if outcome.ok else 1,  # failures last
        -float(oos.get("sharpe", 0.0)),
        -float(oos.get("max_drawdown", -1.0)),  # drawdowns are negative: closer to 0 wins
        outcome.name,
    )


def rank(outcomes: list[BacktestOutcome]) -> list[BacktestOutcome]:
    return sorted(outcomes, key=rank_key)


def winner(ranked: list[BacktestOutcome]) -> str | None:
    return ranked[0].name if ranked and ranked[0].ok else None
