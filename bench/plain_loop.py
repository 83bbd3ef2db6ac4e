"""The trading agent's tick loop as a plain Python loop: the same logic, minus Temporal.

Per tick it does exactly what `TradingAgentWorkflow._tick` does, with every piece taken
from the engine: `MarketActivities.fetch_tick_context` (called as a plain coroutine), the
memory updates of `engine.workflows.memory`, the same Agents SDK agent (`build_agent`,
run by `ask_agent`, so the same brief, the same `insane()` check and the same HOLD on bad
output) on the offline analyst `Model` instance, the pure `guardrail.evaluate`,
`BrokerActivities.place_order` for ALLOW and `portfolio.apply_fill`. The agent's tools are
plain `FunctionTool`s over the same `MarketActivities.get_quote/get_news` methods, with the
clock hidden by the engine's own `clocked()`, so the model sees the same schemas and the
same JSON; `get_portfolio` is the engine's tool itself.

It keeps the agent's books the same way too: it opens its own broker account at start
and reconciles with `broker_snapshot` and the same `reconcile()` on the workflow's
schedule (at start, after an outcome that is not a clean fill, every `reconcile_every`
ticks). What it leaves out is what Temporal adds: no
history, no payload conversion, no retries, no continue-as-new. An approval
(NEEDS_APPROVAL) is answered at once (approve, re-check at the latest price, place) as a
human who never hesitates would; the bench configures limits under which no approval is
ever needed, so both legs stay equal.

Run it only where the Temporal plugin's global runner override is not active (no
in-process worker running) or where it delegates anyway (outside a workflow the plugin's
runner falls back to the SDK's default runner).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from agents import Agent, FunctionTool, RunContextWrapper
from agents.function_schema import function_schema

from engine.activities.broker import BrokerActivities
from engine.activities.http import ServiceClients
from engine.activities.market import MarketActivities
from engine.agent.providers import HarnessModelProvider
from engine.agent.tools import ToolContext, clocked, get_portfolio
from engine.broker_contracts import OpenAccountRequest, OrderResult, SnapshotRequest
from engine.config import Settings
from engine.contracts import AgentCarry, AgentConfig, CalendarRequest, Decision, TickRequest
from engine.models import GuardrailResult, Side, TradeIntent, Verdict
from engine.workflows import memory as mem
from engine.workflows import reconcile as rec
from engine.workflows.accounts import account_key
from engine.workflows.agent_step import ask_agent, build_agent


def direct_tool(fn: Callable[..., Awaitable[Any]]) -> FunctionTool:
    """`activity_as_tool(fn)` with the activity call replaced by a direct await.

    Same schema (from the same `function_schema`), same argument parsing and the same
    `str(result)`, so `clocked()` wraps it exactly as it wraps the activity tool. (A plain
    `function_tool` would not do: `clocked()` declares its context as `RunContextWrapper`,
    so the SDK hands it a bare wrapper without the `tool_name` a `function_tool` needs.)
    """
    schema = function_schema(fn)

    async def run_direct(ctx: RunContextWrapper[Any], input: str) -> Any:
        args, _ = schema.to_call_args(schema.params_pydantic_model(**json.loads(input)))
        return str(await fn(*args))

    return FunctionTool(
        name=schema.name,
        description=schema.description or "",
        params_json_schema=schema.params_json_schema,
        on_invoke_tool=run_direct,
        strict_json_schema=True,
    )


def plain_tools(market: MarketActivities) -> list[FunctionTool]:
    """The analyst's tools without activities: same names, schemas and outputs."""
    return [
        clocked(direct_tool(market.get_quote)),
        clocked(direct_tool(market.get_news)),
        get_portfolio,
    ]


def plain_agent(config: AgentConfig, market: MarketActivities) -> Agent[ToolContext]:
    """`build_agent(config)` with the model resolved here and plain tools."""
    model = HarnessModelProvider().get_model(config.model)
    return build_agent(config).clone(model=model, tools=plain_tools(market))


class PlainAgentLoop:
    """One agent, ticked by hand. `await start()`, then `await tick()` as often as wanted."""

    def __init__(self, settings: Settings, config: AgentConfig, loop_id: str) -> None:
        self.config = config
        self.loop_id = loop_id  # plays the workflow id's part in client_order_id
        self._clients = ServiceClients(settings.http_timeout_s)
        self.market = MarketActivities(settings, self._clients)
        self.broker = BrokerActivities(settings)
        self.agent = plain_agent(config, self.market)
        self.memory: AgentCarry | None = None
        self.decisions: list[Decision] = []

    async def start(self) -> None:
        calendar = await self.market.load_calendar(
            CalendarRequest(start_date=self.config.start_date)
        )
        self.memory = mem.fresh(self.config, calendar)
        account = await self.broker.open_account(OpenAccountRequest(
            account_id=account_key(self.loop_id), cash=self.config.starting_cash))
        self.memory.account_id = account.account_id
        self.memory.reconciles = True
        self._reconcile_due = "start"

    async def _reconcile(self) -> None:
        """`BrokerSteps._reconcile`: the broker's word against the book."""
        memory = self.memory
        trigger = self._reconcile_due or f"every {self.config.reconcile_every} ticks"
        snapshot = await self.broker.broker_snapshot(SnapshotRequest(
            account_id=memory.account_id, client_order_id_prefix=f"{self.loop_id}-"))
        note = rec.reconcile(memory, snapshot, trigger)
        assert note.agrees, rec.pause_reason(note)  # the bench's books must agree
        self._reconcile_due = ""

    async def aclose(self) -> None:
        await self._clients.aclose()
        await self.broker._clients.aclose()

    async def tick(self) -> Decision:
        """`TradingAgentWorkflow._tick`, step for step (a data outage raises here)."""
        memory, config = self.memory, self.config
        assert memory is not None, "call start() first"
        if self._reconcile_due or memory.tick - memory.reconciled_tick >= config.reconcile_every:
            await self._reconcile()
        clock = memory.clock.model_copy(update={"tick": memory.tick})
        context = await self.market.fetch_tick_context(
            TickRequest(symbols=config.symbols, clock=clock)
        )
        mem.observe(memory, clock, context, day_opens_first=True)

        intent, model_error = await ask_agent(
            self.agent, memory, config, context, live_limits=True
        )
        decision = mem.new_decision(memory, context, intent, model_error, mem.check(memory, intent))
        mem.record(memory, decision, config.journal_keep)
        if decision.check.verdict == Verdict.ALLOW and intent.side != Side.HOLD:
            decision.order = await self._place(decision.trade_id, intent, decision.check)
        elif decision.check.verdict == Verdict.NEEDS_APPROVAL:
            # Approved at once; like `review_trade`, re-check before the order goes out.
            recheck = mem.check(memory, intent)
            if recheck.verdict != Verdict.BLOCK:
                decision.order = await self._place(decision.trade_id, intent, recheck)
        mem.record_equity(memory, config.equity_keep)
        self.decisions.append(decision)
        return decision

    async def _place(
        self, trade_id: str, intent: TradeIntent, check: GuardrailResult
    ) -> OrderResult:
        request = mem.order_request(
            self.loop_id, trade_id, intent, check, account_id=self.memory.account_id,
            fill_deadline_s=self.config.fill_deadline_s,
            bar_index=self.memory.clock.bar_index(),  # as the workflow: fills at the bar's price
        )
        result = await self.broker.place_order(request)
        mem.book_order(self.memory, intent, result)
        if not result.clean_fill:
            self._reconcile_due = f"after {trade_id}: {result.status.value}"
        return result
