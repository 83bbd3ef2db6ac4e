"""The trading agent's strategy steps: discovery before the first tick, and the winner's
signal refreshed in a sandbox as the agent's clock moves.

Versioned: the `strategy-discovery` patch is taken only by agents configured with
discovery, so every other agent's history is exactly what it was before.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from agents import AgentsException, RunConfig, Runner
    from temporalio.exceptions import ActivityError, ApplicationError, ChildWorkflowError
    from temporalio.openai_agents import AgentsWorkflowError

    from engine.agent.strategist import StrategistContext, build_strategist, writes_strategies
    from engine.contracts import AgentCarry, AgentConfig, TickContext
    from engine.discovery.contracts import (
        BacktestOutcome,
        BacktestRequest,
        CandidateSpec,
        DiscoveryRequest,
        DiscoveryResult,
        StrategyPick,
        discovery_id,
        pick_from,
    )
    from engine.workflows.discovery import (
        BACKTEST_HEARTBEAT,
        BACKTEST_RETRY,
        StrategyDiscoveryWorkflow,
    )
    from engine.workflows.failures import describe_failure

STRATEGY_DISCOVERY = "strategy-discovery"


class StrategySteps:
    _config: AgentConfig
    _memory: AgentCarry | None

    def _ask_strategy_approvals(self) -> None:  # StrategyApprovalDesk
        raise NotImplementedError

    async def _discover_strategies(self, start_date: str) -> None:
        """One StrategyDiscoveryWorkflow per symbol, in parallel; a discovery that fails
        leaves that symbol without a strategy (the agent trades on without one)."""
        settings = self._config.discovery
        agent_id = workflow.info().workflow_id

        async def one(symbol: str) -> StrategyPick:
            child = discovery_id(agent_id, symbol)
            request = DiscoveryRequest(
                symbol=symbol, start_date=start_date, candidates=settings.candidates,
                sandbox=settings.sandbox, timeout_s=settings.timeout_s,
                sandbox_queue=settings.sandbox_queue,
                written=await self._written_candidates(symbol, start_date),
            )
            try:
                result = await workflow.execute_child_workflow(
                    StrategyDiscoveryWorkflow.run, request, id=child,
                    parent_close_policy=ParentClosePolicy.TERMINATE,
                    result_type=DiscoveryResult,
                )
            except ChildWorkflowError as exc:
                return StrategyPick(symbol=symbol, discovery_id=child,
                                    signal_error=f"discovery failed: {describe_failure(exc)}")
            return pick_from(result, child)

        picks = await asyncio.gather(*(one(s) for s in self._config.symbols))
        self._memory.strategies = {p.symbol: p for p in picks}
        self._ask_strategy_approvals()  # a model-written winner waits for a human

    async def _written_candidates(self, symbol: str, start_date: str) -> list[CandidateSpec]:
        """Strategies a real model writes for this symbol through its tool (the offline
        analyst writes none). A failed model call costs the model's candidates, never the
        discovery."""
        if not writes_strategies(self._config.model):
            return []
        context = StrategistContext(symbol=symbol)
        try:
            await Runner.run(
                build_strategist(self._config.model), context=context, max_turns=4,
                input=f"Symbol {symbol}. The backtest sees its daily bars before {start_date}. "
                      "Write your strategies now.",
                run_config=RunConfig(tracing_disabled=True, workflow_name="strategist"),
            )
        except (AgentsWorkflowError, AgentsException, ActivityError, ApplicationError) as exc:
            workflow.logger.warning("strategist for %s failed: %s", symbol,
                                    describe_failure(exc))
        return list(context.written)

    async def _refresh_signals(self, context: TickContext) -> None:
        """Every `signal_every` ticks, re-run each winner in the sandbox on the bars up to
        and including today's: its last signal is the one the agent sees. No future bar
        is ever mounted, so even model-written code cannot peek ahead."""
        memory, every = self._memory, self._config.discovery.signal_every
        due = [p for s, p in memory.strategies.items()
               if p.winner is not None and p.source and s in context.quotes and p.trusted
               and (p.signal_tick < 0 or memory.tick - p.signal_tick >= every)]
        if not due:
            return
        await asyncio.gather(*(self._refresh(p, context.date) for p in due))

    async def _refresh(self, pick: StrategyPick, date: str) -> None:
        settings, tick = self._config.discovery, self._memory.tick
        winner = pick.winner
        request = BacktestRequest(
            symbol=pick.symbol, start_date=None, through_date=date,
            candidate=CandidateSpec(name=winner.name, family=winner.family, source=pick.source,
                                    params=winner.params),
            sandbox=settings.sandbox, split=0.7, fee_bps=1.0, slippage_bps=5.0,
            timeout_s=settings.timeout_s, task_queue=settings.sandbox_queue,
            label=f"{workflow.info().workflow_id}-signal-{pick.symbol}-t{tick}",
        )
        pick.signal_tick = tick
        try:
            outcome = await workflow.execute_activity(
                "run_backtest", request, result_type=BacktestOutcome,
                task_queue=settings.sandbox_queue,
                start_to_close_timeout=timedelta(seconds=settings.timeout_s + 60),
                heartbeat_timeout=BACKTEST_HEARTBEAT, retry_policy=BACKTEST_RETRY,
            )
        except ActivityError as exc:
            pick.signal_error = describe_failure(exc)
            return
        if outcome.ok:
            pick.signal, pick.signal_date, pick.signal_error = (
                outcome.signal_now, outcome.last_date, "")
        else:
            pick.signal_error = outcome.error or outcome.reason

    def _signals_for_brief(self) -> dict[str, dict]:
        return {s: {"strategy": p.winner.name, "signal": p.signal, "as_of": p.signal_date}
                for s, p in self._memory.strategies.items()
                if p.winner is not None and p.signal is not None and p.trusted}
