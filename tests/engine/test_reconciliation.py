"""The invariant, through the real workflow: the book equals the broker's account to the
cent at every check, or the agent pauses with the reason; agents side by side each trade in
their own account, opened with their own starting cash."""

from __future__ import annotations

import asyncio
import uuid

from engine.contracts import Phase
from engine.models import RiskLimits
from tests.engine.conftest import account_path, agent_config, assert_book_is_broker, wait_for_state
from tests.mockoon.test_broker import order

NO_APPROVALS = RiskLimits(approval_notional=1e9)


async def test_two_agents_side_by_side_never_spend_each_others_money(harness, broker):
    # The shared trading account holds what a fresh paper account holds; agents must not
    # trade in it (they would spend the same 100,000 twice).
    broker.post("/__harness/reset", json={"cash": 100_000}).raise_for_status()
    configs = {
        f"test-side-a-{uuid.uuid4().hex[:6]}": agent_config(
            symbols=["AAPL", "MSFT"], max_ticks=30, limits=NO_APPROVALS, starting_cash=100_000),
        f"test-side-b-{uuid.uuid4().hex[:6]}": agent_config(
            symbols=["AAPL", "MSFT"], max_ticks=30, limits=NO_APPROVALS, starting_cash=60_000),
    }
    ids = [await harness.start_agent(config, wid) for wid, config in configs.items()]
    summaries = await asyncio.gather(*(harness.result(wid) for wid in ids))

    for workflow_id, summary in zip(ids, summaries, strict=True):
        assert summary.phase == Phase.FINISHED
        assert summary.counters.orders_filled > 0
        assert summary.counters.orders_rejected == summary.counters.orders_failed == 0
        assert_book_is_broker(summary, broker, workflow_id)
        assert summary.book_vs_broker == "agrees"
        opened = (await harness.state(workflow_id)).account_id
        assert opened and broker.get(f"/v1/accounts/{opened}").status_code == 200
    assert broker.get("/v2/orders").json() == [], "nothing landed in the shared account"
    assert broker.get("/v2/account").json()["cash"] == "100000.00"


async def test_a_difference_the_book_cannot_explain_pauses_the_agent_with_the_reason(
    harness, broker
):
    config = agent_config(max_ticks=400, reconcile_every=2, tick_interval_s=0.05,
                          limits=NO_APPROVALS)
    workflow_id = await harness.start_agent(config, f"test-disagree-{uuid.uuid4().hex[:6]}")
    await wait_for_state(harness, workflow_id, lambda s: s.tick >= 3 and s.account_id)
    # Someone else trades in the agent's account: one IBM share the book knows nothing of.
    sneaked = broker.post(f"{account_path(workflow_id)}/orders",
                          json=order("someone-else-1", symbol="IBM", qty=1, limit_price=80))
    assert sneaked.status_code == 200, sneaked.text

    state = await wait_for_state(harness, workflow_id, lambda s: s.phase == Phase.PAUSED)
    assert state.pause_reason.startswith("book and broker disagree: "), state.pause_reason
    assert "IBM: book 0 shares, broker 1" in state.pause_reason
    assert "cash: book $" in state.pause_reason
    assert not state.reconciliations[-1].agrees
    paused_at = state.tick
    # Resuming re-checks first: still different, so it pauses again without trading.
    await harness.resume(workflow_id)
    again = await wait_for_state(
        harness, workflow_id,
        lambda s: s.phase == Phase.PAUSED and s.reconciliations[-1].trigger == "resume")
    assert again.tick == paused_at
    await harness.stop(workflow_id)
    summary = await harness.result(workflow_id)
    assert "IBM: book 0 shares, broker 1" in summary.book_vs_broker
