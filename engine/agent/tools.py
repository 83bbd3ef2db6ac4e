"""The analyst's tools, as the workflow hands them to the Agents SDK.

`get_quote` and `get_news` are Temporal activities made into tools with
`activity_as_tool`, so each call is a durable, retried activity in the event
history. Their activities also take the market clock; the workflow injects it
and hides it from the model's schema, so a model can never ask for a bar from
the future. `get_portfolio` reads workflow state directly: it has no side
effect, so it needs no activity (and costs no event).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from agents import FunctionTool, RunContextWrapper, function_tool
from temporalio.common import RetryPolicy
from temporalio.openai_agents.workflow import activity_as_tool

from engine.activities.market import MarketActivities
from engine.agent.reports import PortfolioReport
from engine.contracts import MarketClock

CLOCK_ARG = "clock"
# These reads take milliseconds; a short timeout is how a dead worker is noticed quickly.
TOOL_TIMEOUT = timedelta(seconds=3)
TOOL_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    maximum_interval=timedelta(seconds=2),
    maximum_attempts=3,
)


@dataclass
class ToolContext:
    """The run context of one tick's agent run (never sent to the model)."""

    clock: MarketClock
    portfolio: PortfolioReport


def clocked(tool: FunctionTool) -> FunctionTool:
    """Hide the `clock` argument from the model and fill it in from the run context."""
    schema = copy.deepcopy(tool.params_json_schema)
    schema.get("properties", {}).pop(CLOCK_ARG, None)
    if CLOCK_ARG in schema.get("required", []):
        schema["required"].remove(CLOCK_ARG)
    schema.get("$defs", {}).pop(MarketClock.__name__, None)
    if not schema.get("$defs"):
        schema.pop("$defs", None)
    invoke_activity = tool.on_invoke_tool

    # `ctx` is typed Any on purpose: the Agents SDK reads a RunContextWrapper annotation and
    # would then hand a wrapped function tool a context without its tool_name.
    async def invoke(ctx: Any, raw: str) -> Any:
        try:
            args = json.loads(raw or "{}")
        except json.JSONDecodeError:
            return await invoke_activity(ctx, raw)  # let the tool report the bad input
        if isinstance(args, dict):
            args[CLOCK_ARG] = ctx.context.clock.model_dump()
            raw = json.dumps(args)
        return await invoke_activity(ctx, raw)

    return FunctionTool(
        name=tool.name,
        description=tool.description,
        params_json_schema=schema,
        on_invoke_tool=invoke,
        strict_json_schema=tool.strict_json_schema,
    )


@function_tool
async def get_portfolio(ctx: RunContextWrapper[ToolContext]) -> str:
    """Your cash, equity, open positions and risk limits right now."""
    return ctx.context.portfolio.model_dump_json()


def analyst_tools() -> list[FunctionTool]:
    options = {"start_to_close_timeout": TOOL_TIMEOUT, "retry_policy": TOOL_RETRY}
    return [
        clocked(activity_as_tool(MarketActivities.get_quote, **options)),
        clocked(activity_as_tool(MarketActivities.get_news, **options)),
        get_portfolio,
    ]
