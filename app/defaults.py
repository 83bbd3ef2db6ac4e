"""The agent the window starts when the store has none: the embedded defaults, with the
`wait` approval policy: the market clock stops while a human reads the dialog, so a
newer intent can never supersede it a second after it opened."""

from __future__ import annotations

from engine.cli.feed import default_agent
from engine.contracts import AgentConfig, ApprovalPolicy
from engine.discovery.contracts import DiscoverySettings


def window_policy() -> dict:
    """The approval policy of every agent the window starts."""
    return {"approval_policy": ApprovalPolicy.WAIT}


def window_agent(settings=None) -> AgentConfig:
    """The defaults, with the model and tick interval of the app's settings if given."""
    config = default_agent()
    # The window's agent discovers its strategies first (one candidate per family and
    # symbol, in the best sandbox here); the CLI's and the tests' agents do not, by default.
    update = window_policy() | {"discovery": DiscoverySettings()}
    if settings is not None:
        limits = config.limits.model_copy(update={
            "max_order_notional": settings.max_order_notional,
            "approval_notional": settings.approval_notional})
        update |= {"model": settings.model, "tick_interval_s": settings.tick_interval_s,
                   "limits": limits}
    return config.model_copy(update=update)
