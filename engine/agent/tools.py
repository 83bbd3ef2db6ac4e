"""The analyst's tools, as the workflow hands them to the Agents SDK.

`get_quote` and `get_news` are Temporal activities made into tools, so each call
is a durable, retried step in the event history. They are read-only, so they run
as local activities (`local_activity_as_tool`): no schedule/start/complete
events and no extra workflow task per call, only a marker; since the
`batched-tool-reads` patch all reads of one model turn share one local activity
(engine/agent/read_batch.py). Agents started before those changes keep the regular
activities of `activity_as_tool` or one local activity per call (the workflow picks
the set by a patch). Their activities also take the market clock; the workflow
injects it and hides it from the model's schema, so a model can never ask for a
bar from the future. `get_portfolio` reads workflow state directly: it has no
side effect, so it needs no activity (and costs no event).
"""

from __future__ import annotations

import copy
import functools
import inspect
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from agents import FunctionTool, RunContextWrapper, function_tool
from agents.function_schema import function_schema
from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError
from temporalio.openai_agents.workflow import activity_as_tool

from engine.activities.market import MarketActivities
from engine.agent.read_batch import PlanToolReads, ReadBatch, read_key
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
    reads: ReadBatch | None = None  # this model turn's batched reads (read_batch.py)
    tool_rounds: int = 0  # rounds of tool calls so far (engine/workflows/model_turns.py)


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


def local_activity_as_tool(fn: Any, *, batched: bool = False, **options: Any) -> FunctionTool:
    """Like `activity_as_tool`, but the tool runs the activity as a local activity.

    For reads only: a local activity's result is saved when the workflow task
    completes, so after a crash it may run again. `fn` is an `@activity.defn`
    method (its `self` is bound by the worker, as for `activity_as_tool`);
    `options` go to `workflow.execute_local_activity`. `batched`: a call the turn's
    `ReadBatch` holds takes its result from the batch's one local activity.
    """
    name = activity._Definition.must_from_callable(fn).name
    schema = function_schema(_unbound(fn))

    async def invoke(ctx: Any, raw: str) -> str:
        try:
            args_json = json.loads(raw or "{}")
        except json.JSONDecodeError as exc:
            raise ApplicationError(f"Invalid JSON input for tool {schema.name}: {raw}") from exc
        batch = getattr(ctx.context, "reads", None) if batched else None
        key = read_key(schema.name, raw) if batch is not None else None
        if batch is not None and batch.holds(key):
            return await batch.result(key)
        args, _ = schema.to_call_args(schema.params_pydantic_model(**args_json))
        result = await workflow.execute_local_activity(name, args=args, **options)
        return str(result)

    return FunctionTool(
        name=schema.name,
        description=schema.description or "",
        params_json_schema=schema.params_json_schema,
        on_invoke_tool=invoke,
    )


def _unbound(fn: Any) -> Any:
    """The schema of a method without its `self` (which the worker binds)."""
    if next(iter(inspect.signature(fn).parameters), None) != "self":
        return fn
    partial = functools.partial(fn, None)
    # Not update_wrapper: its __wrapped__ would lead inspect.signature back to `self`.
    partial.__name__ = fn.__name__
    partial.__doc__ = fn.__doc__
    partial.__annotations__ = fn.__annotations__
    return partial


TOOL_OPTIONS = {"start_to_close_timeout": TOOL_TIMEOUT, "retry_policy": TOOL_RETRY}


def analyst_tools(*, local_reads: bool = True, batched: bool = False) -> list[FunctionTool]:
    """The analyst's tools; `local_reads=False` is the set of agents started before the
    reads became local activities, `batched=False` before a turn's reads became one
    (their histories must replay unchanged). `batched` needs `read_hooks()` on the agent."""
    if not local_reads:
        as_tool = activity_as_tool
    else:
        as_tool = functools.partial(local_activity_as_tool, batched=batched)
    return [
        clocked(as_tool(MarketActivities.get_quote, **TOOL_OPTIONS)),
        clocked(as_tool(MarketActivities.get_news, **TOOL_OPTIONS)),
        get_portfolio,
    ]


def read_hooks() -> PlanToolReads:
    """The agent hook that plans each turn's batch of reads (engine/agent/read_batch.py)."""
    return PlanToolReads(TOOL_OPTIONS)
