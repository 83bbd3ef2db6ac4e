"""The approval re-check treats what is new as the first check would: a reason the human
has not seen goes back to the human; and the order never costs more than was approved."""

from __future__ import annotations

import uuid

from engine.broker_contracts import OrderStatus
from engine.contracts import ApprovalPolicy, ApprovalStatus, Phase
from engine.models import GuardrailResult, RiskLimits, Side, Verdict
from engine.workflows.recheck import (
    approved_notional,
    new_reasons,
    over_approved,
    shares_within,
)
from tests.engine.conftest import agent_config, assert_book_is_broker, orders_for, wait_for_state
from tests.engine.guardrail_cases import intent

EVERYTHING_NEEDS_APPROVAL = RiskLimits(approval_notional=1.0)


async def test_a_reason_that_appears_after_the_yes_goes_back_to_the_human(harness, broker):
    config = agent_config(max_ticks=150, limits=EVERYTHING_NEEDS_APPROVAL,
                          approval_policy=ApprovalPolicy.WAIT)
    workflow_id = await harness.start_agent(config, f"test-recheck-{uuid.uuid4().hex[:6]}")
    state = await wait_for_state(harness, workflow_id,
                                 lambda s: s.phase == Phase.AWAITING_APPROVAL, timeout=90)
    pending = state.pending[0]
    # After the agent asked, the human's own desk raises the confidence bar: a new reason.
    await harness.set_limits(workflow_id, EVERYTHING_NEEDS_APPROVAL.model_copy(
        update={"approval_min_confidence": 0.99}))

    first = await harness.review(workflow_id, pending.trade_id, approve=True)
    assert first.status == ApprovalStatus.PENDING, first
    assert "new since the approval: confidence" in first.note and first.order is None
    assert orders_for(broker, workflow_id) == []
    state = await harness.state(workflow_id)
    assert [p.trade_id for p in state.pending] == [pending.trade_id]

    second = await harness.review(workflow_id, pending.trade_id, approve=True)
    assert second.status == ApprovalStatus.APPROVED and second.order.status == OrderStatus.FILLED
    assert [o["client_order_id"] for o in orders_for(broker, workflow_id)] == [
        f"{workflow_id}-{pending.trade_id}"]
    await harness.stop(workflow_id)
    summary = await harness.result(workflow_id)
    assert_book_is_broker(summary, broker, workflow_id)


def test_reasons_are_compared_by_kind_not_by_their_figures():
    approved = GuardrailResult(verdict=Verdict.NEEDS_APPROVAL, price=10.0, notional=1_000.0,
                               reasons=["order notional $1,000.00 reaches the $500.00 "
                                        "approval threshold"])
    later = GuardrailResult(verdict=Verdict.NEEDS_APPROVAL, price=10.5, notional=1_050.0, reasons=[
        "order notional $1,050.00 reaches the $500.00 approval threshold",
        'today\'s AAPL headline "AAPL faces SEC probe" mentions restricted term "sec probe"'])
    assert new_reasons(approved, later) == [later.reasons[1]]


def test_the_cap_keeps_the_order_within_the_approved_notional():
    approved = GuardrailResult(verdict=Verdict.NEEDS_APPROVAL, price=10.0, notional=1_000.0)
    limit = approved_notional(approved, intent(quantity=100))
    assert limit == 1_000.0
    assert shares_within(limit, 10.01, 100) == 99  # 99 x 10.01 = 990.99 <= 1,000
    assert shares_within(limit, 9.0, 100) == 100  # cheaper: never more than approved shares
    assert shares_within(limit, 1_000.01, 100) == 0


def test_a_sale_at_a_higher_price_is_not_shrunk_a_buy_is():
    approved = GuardrailResult(verdict=Verdict.NEEDS_APPROVAL, price=10.0, notional=1_000.0)
    now = GuardrailResult(verdict=Verdict.NEEDS_APPROVAL, price=10.5, notional=1_050.0)
    limit = approved_notional(approved, intent(quantity=100))
    assert not over_approved(intent(side=Side.SELL, quantity=100), now, limit, sells_too=False)
    assert over_approved(intent(side=Side.BUY, quantity=100), now, limit, sells_too=False)
