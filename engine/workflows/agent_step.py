"""One tick's agent run, inside the workflow: brief in, a sane TradeIntent out.

Each model call is the plugin's model activity; each market tool call is an
activity. Whatever the model does wrong (a failed call, output that is not a
TradeIntent, an unknown symbol, an absurd quantity) becomes a HOLD with the
reason recorded: never a crash, never an order.
"""

from __future__ import annotations

import math

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from agents import Agent, AgentOutputSchema, AgentsException, RunConfig, Runner
    from pydantic import ValidationError
    from temporalio.exceptions import ActivityError, ApplicationError
    from temporalio.openai_agents import AgentsWorkflowError

    from engine.agent.brief import INSTRUCTIONS, TickBrief, render_brief
    from engine.agent.intent_text import IntentTextError
    from engine.agent.tools import ToolContext, analyst_tools, read_hooks
    from engine.contracts import AgentCarry, AgentConfig, TickContext
    from engine.models import RiskLimits, Side, TradeIntent
    from engine.workflows.failures import describe_failure
    from engine.workflows.model_turns import RealModel, run_real_model
    from engine.workflows.views import portfolio_report

MAX_TURNS = 4
MODEL_ERRORS = (AgentsException, ActivityError, ApplicationError, ValidationError, ValueError)


def build_agent(config: AgentConfig, *, local_reads: bool = True,
                batched_reads: bool = False) -> Agent[ToolContext]:
    """`batched_reads`: a turn's reads run as one local activity (engine/agent/read_batch.py)."""
    return Agent(
        name="analyst",
        instructions=INSTRUCTIONS,
        model=config.model,
        tools=analyst_tools(local_reads=local_reads, batched=batched_reads),
        hooks=read_hooks() if batched_reads else None,
        # Built once: given the bare type, the SDK regenerates its JSON schema on every
        # run, which was a sixth of the workflow's CPU per tick.
        output_type=AgentOutputSchema(TradeIntent),
    )


async def ask_agent(
    agent: Agent[ToolContext], memory: AgentCarry, config: AgentConfig, context: TickContext,
    *, live_limits: bool = False, strategies: dict[str, dict] | None = None,
    real: RealModel | None = None,
) -> tuple[TradeIntent, str]:
    """Run the agent for this tick; return a sane intent and the model error, if any.

    `live_limits` (the RECONCILED_BOOK patch; older agents replay the old behaviour): the
    sanity check reads the limits in memory (set_limits moves them), not the start-time
    config, and a tool that failed for good is a HOLD however the failure is wrapped.
    `real` (the real-model-turns patch, openai:/compatible: models): tool turns, then a final
    turn for the intent, its usage added to `real.usage` (engine/workflows/model_turns.py)."""
    tradable = [s for s in config.symbols if s in context.quotes]
    fallback = tradable[0] if tradable else config.symbols[0]
    brief = TickBrief(
        tick=memory.tick, date=context.date, symbols=tradable, seed=config.seed, note=memory.note,
        strategies=strategies or {},
    )
    run_context = ToolContext(clock=memory.clock, portfolio=portfolio_report(memory))
    try:
        if real is not None:
            intent = await run_real_model(real, brief, run_context)
        else:
            result = await Runner.run(
                agent,
                input=render_brief(brief),
                context=run_context,
                max_turns=MAX_TURNS,
                run_config=RunConfig(tracing_disabled=True, workflow_name="trading-agent"),
            )
            intent = result.final_output_as(TradeIntent, raise_if_incorrect_type=True)
    except IntentTextError as exc:  # the answer broke a named rule of the TradeIntent
        reason = f"model output rejected: {exc}"
        return TradeIntent.hold(fallback, reason), reason
    except AgentsWorkflowError as exc:
        # The plugin turns a tool or model activity that failed for good into a workflow
        # failure; for the agent that is one failed tick, not the end of its life.
        # A local-activity tool that fails for good raises its own ApplicationError
        # unwrapped, maybe under the SDK's UserError: with the patch, any activity failure
        # in the chain is one failed tick (before it, such a tick failed the workflow).
        failed = _activity_failure(exc) if live_limits else isinstance(
            exc.__cause__, ActivityError)
        if not failed:
            raise
        reason = f"model error: {describe_failure(exc)}"
        return TradeIntent.hold(fallback, reason), reason
    except MODEL_ERRORS as exc:
        reason = f"model error: {describe_failure(exc)}"
        return TradeIntent.hold(fallback, reason), reason
    intent = intent.model_copy(update={"symbol": intent.symbol.strip().upper()})
    problem = insane(intent, context, config, memory.limits if live_limits else config.limits)
    if problem:
        reason = f"model output rejected: {problem}"
        return TradeIntent.hold(fallback, reason), reason
    return intent, ""


def _activity_failure(exc: BaseException) -> bool:
    cause = exc.__cause__
    while cause is not None:
        if isinstance(cause, ActivityError | ApplicationError):
            return True
        cause = cause.__cause__
    return False


def insane(
    intent: TradeIntent, context: TickContext, config: AgentConfig,
    limits: RiskLimits | None = None,
) -> str:
    """Why an intent is not worth showing the guardrail, or '' if it is."""
    limits = limits or config.limits
    symbol = intent.symbol
    if intent.side == Side.HOLD:
        return ""
    if symbol not in config.symbols:
        return f"unknown symbol {intent.symbol!r} (trading {', '.join(config.symbols)})"
    if symbol not in context.quotes:
        return f"{symbol} has no price at {context.date}"
    if intent.quantity <= 0 or intent.quantity > limits.max_quantity:
        return f"absurd quantity {intent.quantity} (allowed 1..{limits.max_quantity})"
    if intent.limit_price is not None and not (
        math.isfinite(intent.limit_price) and intent.limit_price > 0
    ):
        return f"invalid limit price {intent.limit_price}"
    return ""
