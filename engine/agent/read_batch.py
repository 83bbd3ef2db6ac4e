"""The read-only tool calls of one model turn, run as one local activity.

Why: the model asks for `get_quote` and `get_news` (per symbol) in one answer, and the
Agents SDK invokes those tools concurrently. As one local activity each, the worker
dispatched them one after the other, and each result woke the workflow on its own (an
activation that had nothing to do until the last one came back): measured on
bench/tick.py, the second read started ~2.5 ms after the first under load and the
extra activation cost 3-4 ms per tick. Run together they cost one dispatch, one
activation and one marker per turn, and read exactly the same data.

How, deterministically: an agent hook (`PlanToolReads`) sees each model response
before its tools run and plans a batch from the function calls in it, a fact of the
history (the model's answer is an activity result). The first batched tool to run
starts the batch's local activity; every batched tool awaits its own result from it.
A call the plan does not hold (arguments the tool will refuse, say) runs on its own
local activity as before, so a tool's errors stay its own. A read that fails for good
fails the whole batch, and with it the tick's agent run, as a failed read did before.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from agents import Agent, AgentHooks, ModelResponse, RunContextWrapper
from temporalio import workflow

from engine.contracts import MarketClock, ToolRead, ToolReadsRequest

READ_TOOLS = ("get_quote", "get_news")  # read-only, each taking a symbol (and the clock)
ACTIVITY = "read_tools"


def read_key(tool: str, arguments: str) -> tuple[str, str] | None:
    """(tool, symbol) of a call's JSON arguments, or None if it is not a plain read."""
    if tool not in READ_TOOLS:
        return None
    try:
        args = json.loads(arguments or "{}")
    except (TypeError, ValueError):
        return None
    symbol = args.get("symbol") if isinstance(args, dict) else None
    return (tool, symbol) if isinstance(symbol, str) and symbol.strip() else None


@dataclass
class ReadBatch:
    """The planned reads of one model turn; started by the first tool that needs it."""

    clock: MarketClock
    options: dict[str, Any]
    keys: list[tuple[str, str]] = field(default_factory=list)
    _task: asyncio.Task | None = None

    def holds(self, key: tuple[str, str] | None) -> bool:
        return key is not None and key in self.keys

    async def result(self, key: tuple[str, str]) -> str:
        if self._task is None:
            request = ToolReadsRequest(
                reads=[ToolRead(tool=tool, symbol=symbol) for tool, symbol in self.keys],
                clock=self.clock,
            )
            self._task = asyncio.ensure_future(workflow.execute_local_activity(
                ACTIVITY, request, result_type=list[str], **self.options))
        # Shielded: a sibling tool cancelled by the SDK must not cancel the others' reads.
        results = await asyncio.shield(self._task)
        return results[self.keys.index(key)]


class PlanToolReads(AgentHooks[Any]):
    """Plans each model turn's batch from the function calls of its response."""

    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options

    async def on_llm_end(self, context: RunContextWrapper[Any], agent: Agent[Any],
                         response: ModelResponse) -> None:
        run_context = context.context
        if not hasattr(run_context, "reads"):
            return
        batch = ReadBatch(clock=run_context.clock, options=self._options)
        for item in response.output:
            if getattr(item, "type", None) != "function_call":
                continue
            key = read_key(item.name, item.arguments)
            if key is not None and key not in batch.keys:
                batch.keys.append(key)
        run_context.reads = batch if batch.keys else None
