"""The agent the window starts when the store has none: the embedded defaults, with an
approval policy that gives a human time (the market clock waits while they decide)."""

from __future__ import annotations

from engine.cli.feed import default_agent
from engine.contracts import AgentConfig


def window_policy() -> dict:
    """The approval policy of every agent the window starts."""
    if "approval_policy" in AgentConfig.model_fields:  # lands with the lean-tick change
        return {"approval_policy": "wait"}
    return {}


def window_agent(settings=None) -> AgentConfig:
    """The defaults, with the model and tick interval of the app's settings if given."""
    update = window_policy()
    if settings is not None:
        update |= {"model": settings.model, "tick_interval_s": settings.tick_interval_s}
    return default_agent().model_copy(update=update)
