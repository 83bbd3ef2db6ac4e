"""Human in the loop: approve, reject, expire, supersede, re-check, and validators
that refuse without writing a single event."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from engine.broker_contracts import OrderStatus
from engine.client import RequestRejected
from engine.contracts import ApprovalStatus, Phase
from engine.models import RiskLimits, Verdict
from tests.engine.conftest import agent_config, orders_for, wait_for_state

# Every order needs a human: approvals happen on the first trade.
EVERYTHING_NEEDS_APPROVAL = RiskLimits(approval_notional=1.0)


def _id(name: str) -> str:
    return f"test-{name}-{uuid.uuid4().hex[:6]}"


async def _pending_while_paused(harness, workflow_id: str) -> str:
    """A pending trade id, held still: paused, no newer intent can supersede it."""
    await wait_for_state(harness, workflow_id, lambda s: s.pending)
    await harness.pause(workflow_id)
    state = await wait_for_state(
        harness, workflow_id, lambda s: s.phase == Phase.PAUSED and s.pending
    )
    return state.pending[0].trade_id


async def _history_length(harness, workflow_id: str) -> int:
    return len((await harness.history(workflow_id)).events)


async def test_approve_places_the_order_and_a_second_answer_is_refused(harness, broker):
    config = agent_config(
        max_ticks=60, tick_interval_s=0.5, limits=EVERYTHING_NEEDS_APPROVAL
    )
    workflow_id = await harness.start_agent(config, _id("approve"))
    trade_id = await _pending_while_paused(harness, workflow_id)

    result = await harness.review(workflow_id, trade_id, approve=True, reviewer="alice")
    assert result.status == ApprovalStatus.APPROVED
    assert result.check.verdict != Verdict.BLOCK
    assert result.order.status == OrderStatus.FILLED
    assert [o["client_order_id"] for o in orders_for(broker, workflow_id)] == [
        f"{workflow_id}-{trade_id}"
    ]
    with pytest.raises(RequestRejected, match="already approved"):
        await harness.review(workflow_id, trade_id, approve=True)

    await harness.stop(workflow_id)
    summary = await harness.result(workflow_id)
    assert summary.phase == Phase.STOPPED
    assert summary.approvals.get("approved") == 1


async def test_reject_places_nothing(harness, broker):
    config = agent_config(max_ticks=60, tick_interval_s=0.5, limits=EVERYTHING_NEEDS_APPROVAL)
    workflow_id = await harness.start_agent(config, _id("reject"))
    trade_id = await _pending_while_paused(harness, workflow_id)

    result = await harness.review(workflow_id, trade_id, approve=False, reason="too big")
    assert result.status == ApprovalStatus.REJECTED
    await harness.stop(workflow_id)
    await harness.result(workflow_id)
    assert orders_for(broker, workflow_id) == []
    page = await harness.decisions(workflow_id, limit=500)
    decision = next(d for d in page.decisions if d.trade_id == trade_id)
    assert decision.approval == ApprovalStatus.REJECTED
    assert "too big" in decision.approval_note and decision.order is None


async def test_unanswered_approvals_are_superseded_then_expire(harness, broker):
    config = agent_config(
        max_ticks=40, approval_expiry_s=1.5, limits=EVERYTHING_NEEDS_APPROVAL
    )
    workflow_id = await harness.start_agent(config, _id("expire"))
    summary = await harness.result(workflow_id)
    # Newer intents for AAPL superseded older ones; the last one waited, then expired.
    assert summary.approvals.get("superseded", 0) >= 1, summary.approvals
    assert summary.approvals.get("expired") == 1, summary.approvals
    assert orders_for(broker, workflow_id) == []
    page = await harness.decisions(workflow_id, limit=500)
    expired = [d for d in page.decisions if d.approval == ApprovalStatus.EXPIRED]
    assert len(expired) == 1 and expired[0].approval_note == "expired"
    superseded = [d for d in page.decisions if d.approval == ApprovalStatus.SUPERSEDED]
    assert all(d.approval_note.startswith("superseded by t") for d in superseded)


async def test_refused_reviews_leave_no_event(harness):
    config = agent_config(
        max_ticks=500, approval_expiry_s=1.0, limits=EVERYTHING_NEEDS_APPROVAL
    )
    workflow_id = await harness.start_agent(config, _id("validator"))
    await wait_for_state(
        harness, workflow_id, lambda s: s.counters.approvals.get("superseded") and s.pending
    )
    await harness.pause(workflow_id)
    # While paused no new intent arrives, so the open approval can only expire.
    state = await wait_for_state(
        harness, workflow_id,
        lambda s: s.phase == Phase.PAUSED and not s.pending and s.counters.approvals.get("expired"),
    )
    page = await harness.decisions(workflow_id, limit=500)
    expired = next(d.trade_id for d in page.decisions if d.approval == ApprovalStatus.EXPIRED)
    superseded = next(
        d.trade_id for d in page.decisions if d.approval == ApprovalStatus.SUPERSEDED
    )
    held = next(d.trade_id for d in page.decisions if d.approval is None)

    before = await _history_length(harness, workflow_id)
    cases = {
        "t999999-AAPL": "unknown trade id",
        expired: "already expired",
        superseded: "already superseded",
        held: "did not need approval",
    }
    for trade_id, message in cases.items():
        with pytest.raises(RequestRejected, match=message):
            await harness.review(workflow_id, trade_id, approve=True)
    with pytest.raises(RequestRejected, match="above the per-order limit"):
        await harness.set_limits(
            workflow_id, RiskLimits(approval_notional=50_000, max_order_notional=10_000)
        )
    await asyncio.sleep(0.3)
    assert await _history_length(harness, workflow_id) == before
    assert state.tick == (await harness.state(workflow_id)).tick  # still paused
    await harness.stop(workflow_id)
    await harness.result(workflow_id)


async def test_approval_rechecks_at_the_latest_price_and_limits(harness, broker):
    config = agent_config(max_ticks=500, limits=EVERYTHING_NEEDS_APPROVAL)
    workflow_id = await harness.start_agent(config, _id("recheck"))
    await wait_for_state(harness, workflow_id, lambda s: s.pending)
    await harness.pause(workflow_id)
    state = await wait_for_state(
        harness, workflow_id, lambda s: s.phase == Phase.PAUSED and s.pending
    )
    pending = state.pending[0]
    # Tighten the price band in flight: the pending limit price (5 bp through the
    # price it was proposed at) is now outside the band around the latest price.
    await harness.set_limits(
        workflow_id, EVERYTHING_NEEDS_APPROVAL.model_copy(update={"limit_band_pct": 0.0001})
    )
    result = await harness.review(workflow_id, pending.trade_id, approve=True)
    assert result.status == ApprovalStatus.APPROVED
    assert result.order is None
    assert result.check.verdict == Verdict.BLOCK
    assert any("band" in reason for reason in result.check.reasons), result.check.reasons
    assert orders_for(broker, workflow_id) == []
    page = await harness.decisions(workflow_id, limit=500)
    decision = next(d for d in page.decisions if d.trade_id == pending.trade_id)
    assert "blocked at the latest price" in decision.approval_note
    await harness.stop(workflow_id)
    await harness.result(workflow_id)
