"""Record the golden histories that every workflow change must still replay.

    .venv/bin/python -m tests.histories.record

Starts a throwaway runtime (dev server + Mockoon), runs short deterministic
agents on an in-process worker, and writes one JSON file per workflow run, in
the format `temporal workflow show -o json` writes, into `VERSION/`. Record
only together with a workflow version change (a new `workflow.patched` id):
bump VERSION, record, and keep every older folder. A golden history that stops
replaying means agents started on that version would break.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from pathlib import Path

import httpx

from engine.agent.providers import HarnessModelProvider
from engine.client import HarnessClient, RequestRejected
from engine.config import Settings
from engine.contracts import AgentConfig, ApprovalPolicy
from engine.discovery.contracts import DiscoverySettings
from engine.models import RiskLimits
from engine.plugin import agents_plugin
from engine.runtime.supervisor import Supervisor
from engine.temporal_connect import connect
from engine.worker import build_sandbox_worker, build_worker
from tests.support.chat_completions_server import ChatCompletionsDouble

HERE = Path(__file__).parent
# The workflow version the recorded histories come from: v1 before any patch, v2 with
# local tool reads and approval policies, v3 with the reconciled book (the agent's own
# broker account, reconciliation, fill deadlines, the day opening before prices move),
# v4 with strategy discovery (child workflows, the winner's signal refreshed in a sandbox),
# v5 with a model turn's tool reads batched into one local activity, v6 with the book that
# survives weeks (book-survives-weeks: the owed account, unsettled orders looked up by id,
# fees read, the bar sent with each order), the carry bounded by bytes (bounded-carry) and
# the strategist turn behind its own patch (a real model's discovery, recorded with the
# chat-completions TEST DOUBLE), a real model's tool turns and final turn, its usage and daily
# budget, and the history byte budget; v7 with the history event budget (runs of two
# symbols end after about 10 ticks).
VERSION = "v7"
DOUBLE_MODEL = "compatible:test-double"  # tests/support/chat_completions_server.py

SCENARIOS = {
    # Orders, holds, a supersede, an expiry, and continue-as-new on the event budget (200
    # events, about 10 ticks here) and on the tick count (12).
    "tick_loop": AgentConfig(
        symbols=["AAPL", "MSFT"], start_date="2004-01-02", max_ticks=30,
        continue_as_new_every=12, approval_expiry_s=1.0,
        limits=RiskLimits(approval_notional=8_000.0),
    ),
    # Every order needs a human: approve, reject, pause/resume, limits changed in flight.
    "human_in_the_loop": AgentConfig(
        symbols=["AAPL"], start_date="2004-01-02", max_ticks=12, tick_interval_s=0.3,
        approval_expiry_s=30.0, limits=RiskLimits(approval_notional=1.0),
    ),
    # Approvals decided by the policy inside the workflow, two symbols.
    "auto_approve": AgentConfig(
        symbols=["AAPL", "MSFT"], start_date="2004-01-02", max_ticks=20, seed=7,
        limits=RiskLimits(approval_notional=8_000.0),
        approval_policy=ApprovalPolicy.AUTO_APPROVE,
    ),
    # Orders that are not clean fills: a partial fill and an order the broker accepts but
    # does not fill (armed before this scenario), each cancelled at its deadline, booked as
    # what filled, and reconciled; a check every 5 ticks.
    "unsettled_orders": AgentConfig(
        symbols=["AAPL"], start_date="2004-01-02", max_ticks=15, fill_deadline_s=0.5,
        reconcile_every=5, limits=RiskLimits(approval_notional=1e9),
    ),
    # The clock stops while the human decides: approve fewer shares, then reject.
    "waiting_human": AgentConfig(
        symbols=["AAPL"], start_date="2004-01-02", max_ticks=40, approval_expiry_s=60.0,
        limits=RiskLimits(approval_notional=1.0), approval_policy=ApprovalPolicy.WAIT,
    ),
    # Discovery first (3 candidates per symbol in bubblewrap sandboxes), then ticks that
    # refresh the winner's signal every 4 ticks, across a continue-as-new.
    "discovery": AgentConfig(
        symbols=["AAPL", "MSFT"], start_date="2004-01-02", max_ticks=10,
        continue_as_new_every=6, approval_policy=ApprovalPolicy.AUTO_APPROVE,
        discovery=DiscoverySettings(candidates=3, sandbox="bwrap", signal_every=4),
    ),
    # A real model (the test double) writes a strategy of its own before discovery.
    "discovery_model": AgentConfig(
        symbols=["AAPL"], start_date="2004-01-02", max_ticks=6, continue_as_new_every=4,
        approval_policy=ApprovalPolicy.AUTO_APPROVE, model=DOUBLE_MODEL,
        discovery=DiscoverySettings(candidates=2, sandbox="bwrap", signal_every=3),
    ),
    # A real model (the chat-completions TEST DOUBLE): tool turns, then the final turn; its
    # daily token budget spent at tick 5 (a HOLD, then a timer to 00:00 UTC, stopped), and
    # a continue-as-new on the history byte budget.
    "real_model": AgentConfig(
        symbols=["AAPL"], start_date="2004-01-02", max_ticks=8, model=DOUBLE_MODEL,
        max_model_tokens_per_day=24, continue_as_new_bytes=64 * 1024,
        approval_policy=ApprovalPolicy.AUTO_APPROVE,
    ),
}


async def _human(harness: HarnessClient, workflow_id: str, *, halve: bool = False) -> None:
    """Answer the first approval yes (for half the shares if `halve`), the second no,
    and steer the agent once."""
    answers = [True, False]
    while True:  # a loaded machine may not have run the first workflow task yet
        try:
            await harness.pause(workflow_id)
            break
        except RequestRejected:
            await asyncio.sleep(0.1)
    await harness.set_limits(workflow_id, RiskLimits(approval_notional=1.0, max_quantity=50_000))
    await harness.resume(workflow_id)
    await harness.steer(workflow_id, "stay disciplined")
    while answers:
        state = await harness.state(workflow_id)
        if state.pending:
            pending = state.pending[0]
            approve = answers.pop(0)
            quantity = max(1, pending.intent.quantity // 2) if halve and approve else None
            await harness.review(
                workflow_id, pending.trade_id, approve=approve, reviewer="golden",
                quantity=quantity,
            )
        await asyncio.sleep(0.1)
    await harness.stop(workflow_id)


async def record(out: Path = HERE / VERSION) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    os.environ.setdefault("HARNESS_OPENAI_API_KEY", "sk-golden-test-double")
    with ChatCompletionsDouble() as double, Supervisor(
            Path(tempfile.mkdtemp()), headless=True, with_worker=False) as supervisor:
        info = supervisor.info
        settings = Settings(
            temporal_address=info.temporal_address, mockoon_url=info.mockoon_url,
            task_queue=f"golden-{uuid.uuid4().hex[:6]}",
            sandbox_task_queue=f"golden-sandbox-{uuid.uuid4().hex[:6]}",
        )
        httpx.post(f"{info.mockoon_url}/__harness/reset", json={"cash": 1e12}).raise_for_status()
        provider = HarnessModelProvider(base_url=double.base_url)
        client = await connect(settings, plugins=[agents_plugin(provider)])
        harness = HarnessClient(client, settings)
        async with build_worker(client, settings), build_sandbox_worker(client, settings):
            for name, config in SCENARIOS.items():
                if name == "unsettled_orders":
                    _arm(info.mockoon_url, "partial")
                workflow_id = await harness.start_agent(
                    config, f"golden-{name}-{uuid.uuid4().hex[:6]}"
                )
                if name == "human_in_the_loop":
                    await _human(harness, workflow_id)
                elif name == "waiting_human":
                    await _human(harness, workflow_id, halve=True)
                elif name == "unsettled_orders":
                    await _arm_after_first_order(harness, workflow_id, info.mockoon_url)
                elif name == "real_model":  # the budget's HOLD, then the sleep is stopped
                    while (await harness.state(workflow_id)).decisions_total < 5:
                        await asyncio.sleep(0.1)
                    await harness.stop(workflow_id)
                await harness.result(workflow_id)
                httpx.delete(f"{info.mockoon_url}/__harness/faults").raise_for_status()
                run_id = await harness.first_run_id(workflow_id)
                index = 0
                while run_id:
                    history = await harness.history(workflow_id, run_id)
                    path = out / f"{name}.run{index}.json"
                    path.write_text(history.to_json() + "\n")
                    written.append(path)
                    run_id = _next_run(history)
                    index += 1
    return written


def _arm(mockoon_url: str, mode: str) -> None:
    faults = {"mode": mode, "count": 1}
    httpx.put(f"{mockoon_url}/__harness/faults", json=faults).raise_for_status()


async def _arm_after_first_order(harness: HarnessClient, workflow_id: str, url: str) -> None:
    """Once the partial fill is booked, the next order is accepted and never filled."""
    while (await harness.state(workflow_id)).counters.orders_filled < 1:
        await asyncio.sleep(0.05)
    _arm(url, "accepted")


def _next_run(history) -> str:
    last = history.events[-1]
    if last.HasField("workflow_execution_continued_as_new_event_attributes"):
        return last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
    return ""


if __name__ == "__main__":
    for path in asyncio.run(record()):
        print(path)
