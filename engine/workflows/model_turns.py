"""A real model's tick (openai:/compatible:): tool turns first, then a final turn for the intent.

Why two phases: given `output_type=TradeIntent`, the Agents SDK sends `response_format` WITH the
tools, and llama-server turns `response_format` into a grammar that allows nothing but the
final JSON: the model could never call a tool, and guessed prices it never read. So:

1. tool turns: the tools, no `response_format`, at most TOOL_ROUNDS rounds of tool calls;
2. a final turn without tools: the brief and the tool results as text, asking for the
   TradeIntent JSON. Its `response_format` is only named here (RESPONSE_FORMAT); the worker
   fills in the schema, or falls back to `json_object` or to none, by what the endpoint was
   probed to support (engine/agent/structured_model.py).

The final answer is text parsed by `engine/agent/intent_text.py`, so a rejected answer names
the broken rule. If the model answers the intent already in a tool turn, no final turn runs.
Every model call is bounded by the agent's `model_max_tokens` and runs at its
`model_temperature`. Usage (tokens) of every call that answered is returned for the tick.
Deterministic workflow code: it runs inside the workflow (behind the model-final-turn patch).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from agents import Agent, ModelSettings, RunConfig, Runner, ToolsToFinalOutputResult

    from engine.agent.brief import TickBrief, render_brief
    from engine.agent.intent_text import parse_intent
    from engine.agent.tools import ToolContext, analyst_tools, read_hooks
    from engine.contracts import AgentConfig
    from engine.models import TradeIntent
    from engine.usage import ModelUsage

TOOL_ROUNDS = 2  # rounds of tool calls before the final turn is asked for
RESPONSE_FORMAT = {"type": "json_schema", "json_schema": {"name": "TradeIntent"}}
RESULT_CHARS = 1_500  # of one tool result shown to the final turn (a quote is ~400)

TOOL_INSTRUCTIONS = """\
You are "analyst", a careful equity trading agent. Each turn you get a brief for one market
tick (a trading day). First read the market: call get_portfolio() once, and get_quote(symbol)
and get_news(symbol) for every symbol in the brief. Call the tools; do not guess prices.
"""

FINAL_INSTRUCTIONS = """\
You are "analyst", a careful equity trading agent. From the brief and the tool results, decide
exactly ONE trade intent for this tick and answer with its JSON only:
{"symbol": "AAPL", "side": "buy" | "sell" | "hold", "quantity": <whole shares, 0 for hold>,
 "limit_price": <dollars near the last price, or null>, "confidence": <0..1>,
 "rationale": "<one sentence citing the numbers>"}
Never sell more than you hold or buy more than your cash allows. When unsure, hold.
"""


def is_real_model(model: str) -> bool:
    """openai:/compatible: models take the two-phase path; the offline analyst keeps its own."""
    return model.startswith(("openai:", "compatible:"))


@dataclass
class RealModel:
    """The two agents of a real model's tick, and the tick's usage so far."""

    tool_agent: Agent[ToolContext]
    final_agent: Agent[ToolContext]
    usage: ModelUsage = field(default_factory=ModelUsage)

    @classmethod
    def of(cls, config: AgentConfig) -> RealModel:
        return cls(build_tool_agent(config), build_final_agent(config))

    def fresh(self) -> RealModel:
        return RealModel(self.tool_agent, self.final_agent)


def model_settings(config: AgentConfig) -> ModelSettings:
    return ModelSettings(max_tokens=config.model_max_tokens,
                         temperature=config.model_temperature)


def build_tool_agent(config: AgentConfig) -> Agent[ToolContext]:
    return Agent(
        name="analyst", instructions=TOOL_INSTRUCTIONS, model=config.model,
        tools=analyst_tools(batched=True), hooks=read_hooks(),
        model_settings=model_settings(config), tool_use_behavior=_after_rounds,
    )


def build_final_agent(config: AgentConfig) -> Agent[ToolContext]:
    settings = model_settings(config).resolve(
        ModelSettings(extra_body={"response_format": RESPONSE_FORMAT}))
    return Agent(name="analyst", instructions=FINAL_INSTRUCTIONS, model=config.model,
                 model_settings=settings)


def _after_rounds(context: Any, results: list) -> ToolsToFinalOutputResult:
    """Stop the tool phase after TOOL_ROUNDS rounds of tool calls (the SDK would otherwise
    ask the model again, with the tools, until it stops calling them)."""
    run_context = context.context
    run_context.tool_rounds = getattr(run_context, "tool_rounds", 0) + 1
    done = run_context.tool_rounds >= TOOL_ROUNDS
    return ToolsToFinalOutputResult(is_final_output=done, final_output="" if done else None)


async def run_real_model(real: RealModel, brief: TickBrief, context: ToolContext) -> TradeIntent:
    """The intent of this tick; raises what the runs raise (the caller makes it a HOLD).
    `real.usage` is added to as each phase ends: a failed final turn still counts the first."""
    tool_agent, final_agent, usage = real.tool_agent, real.final_agent, real.usage
    run_config = RunConfig(tracing_disabled=True, workflow_name="trading-agent")
    brief_text = render_brief(brief)
    tools = await Runner.run(tool_agent, input=brief_text, context=context,
                             max_turns=TOOL_ROUNDS + 1, run_config=run_config)
    usage.add_run(tools.context_wrapper.usage)
    answer = tools.final_output if isinstance(tools.final_output, str) else ""
    if answer.strip():  # the model answered in the tool phase: maybe the intent already
        try:
            return parse_intent(answer)
        except ValueError:
            pass
    final = await Runner.run(final_agent, input=final_input(brief_text, tools.to_input_list()),
                             context=context, max_turns=1, run_config=run_config)
    usage.add_run(final.context_wrapper.usage)
    return parse_intent(str(final.final_output or ""))


def final_input(brief_text: str, items: list[Any]) -> str:
    """The final turn's one user message: the brief, then each tool call and its result."""
    calls: dict[str, str] = {}
    lines = [brief_text, "", "Tool results:"]
    for item in items:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "function_call":
            calls[item.get("call_id", "")] = f"{item.get('name')}({item.get('arguments', '')})"
        elif item.get("type") == "function_call_output":
            output = item.get("output")
            text = output if isinstance(output, str) else json.dumps(output)
            lines.append(f"- {calls.get(item.get('call_id', ''), 'tool')} -> "
                         f"{text[:RESULT_CHARS]}")
    if len(lines) == 3:
        lines.append("- (no tool was called: hold unless the brief alone justifies a trade)")
    lines += ["", "Answer with the TradeIntent JSON only."]
    return "\n".join(lines)
