"""A live console feed of the agent, for `harness up --agent`.

Runs in its own thread with its own event loop, beside the supervisor's main
thread: it re-attaches to the running agent (or starts one on the embedded
defaults) and prints each new decision and each approval waiting for a human.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from engine.config import Settings
from engine.contracts import AgentConfig, AgentStateView, Decision

POLL_S = 1.0


def default_agent() -> AgentConfig:
    """The embedded defaults: four stocks from 2004, one bar a second, forever."""
    return AgentConfig(
        symbols=["AAPL", "MSFT", "IBM", "GOOG"], start_date="2004-01-02", tick_interval_s=1.0
    )


class AgentFeed:
    def __init__(self, settings: Settings, say: Callable[[str], None] = print) -> None:
        self._settings = settings
        self._say = say
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._main, name="agent-feed", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)

    def _main(self) -> None:
        try:
            asyncio.run(self._follow())
        except Exception as exc:  # noqa: BLE001 - the feed must never take the runtime down
            self._say(f"[agent] feed stopped: {type(exc).__name__}: {exc}")

    async def _follow(self) -> None:
        from engine.client import HarnessClient  # heavy: only when the feed runs

        harness = await HarnessClient.connect(self._settings, timeout=30)
        workflow_id, started = await harness.ensure_agent(default_agent())
        self._say(f"[agent] {'started' if started else 're-attached to'} {workflow_id}")
        self._say(f"[agent] state: harness state {workflow_id}")
        seen_tick, announced = 0, set()
        while not self._stopping.is_set():
            state = await harness.state(workflow_id)
            # The newest decision may still be placing its order: print it next time. Read
            # the journal, not just the state's last few decisions, so a slow poll skips none.
            if state.tick - 1 > seen_tick:
                page = await harness.decisions(workflow_id, limit=min(500, state.tick - seen_tick))
                settled = [d for d in reversed(page.decisions) if seen_tick < d.tick < state.tick]
                for decision in settled:
                    self._say(describe_decision(decision))
                seen_tick = max([seen_tick] + [d.tick for d in settled])
            for line in _new_approvals(state, announced):
                self._say(line)
            await asyncio.sleep(POLL_S)


def describe_decision(d: Decision) -> str:
    intent = d.intent
    what = "hold" if intent.side.value == "hold" else (
        f"{intent.side.value} {intent.quantity} {intent.symbol}"
    )
    outcome = d.check.verdict.value
    if d.order is not None:
        outcome = f"{d.order.status.value} @ {d.order.filled_price:,.2f}"
    return f"[agent] t{d.tick} {d.date} {what:<20} {outcome:<18} {intent.rationale[:70]}"


def _new_approvals(state: AgentStateView, announced: set[str]) -> list[str]:
    lines = []
    for pending in state.pending:
        if pending.trade_id in announced:
            continue
        announced.add(pending.trade_id)
        lines.append(
            f"[agent] needs approval: {pending.trade_id} ${pending.check.notional:,.2f} -> "
            f"harness approve {state.workflow_id} {pending.trade_id}  (or reject)"
        )
    return lines
