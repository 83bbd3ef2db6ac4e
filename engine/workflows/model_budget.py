"""The daily model budget inside the workflow: charge each tick's usage, HOLD once it is spent.

The day is the UTC date of workflow time (deterministic on replay). A tick that finds the
budget spent records a HOLD whose rationale says so, without calling the model, and the loop
then sleeps on a durable timer until 00:00 UTC (a `stop` still wakes it), when it goes on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from engine.contracts import AgentCarry, AgentConfig
    from engine.usage import ModelUsage, over_budget


def utc_day(now: datetime) -> str:
    return now.date().isoformat()


def seconds_to_next_day(now: datetime) -> float:
    midnight = datetime(now.year, now.month, now.day, tzinfo=now.tzinfo) + timedelta(days=1)
    return max(1.0, (midnight - now).total_seconds())


def spent(memory: AgentCarry, config: AgentConfig, now: datetime) -> str:
    """Why this tick may not call the model ('' if it may)."""
    if config.max_model_tokens_per_day is None and config.max_model_cost_per_day is None:
        return ""
    return over_budget(memory.usage, utc_day(now), config.max_model_tokens_per_day,
                       config.max_model_cost_per_day)


def charge(memory: AgentCarry, config: AgentConfig, usage: ModelUsage,
           now: datetime) -> ModelUsage:
    """Price the tick's usage (if the model has a price) and add it to the agent's book."""
    usage.priced(config.model_price)
    memory.usage.record(usage, utc_day(now))
    return usage
