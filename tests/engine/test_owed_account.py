"""An agent whose own broker account could not be opened at start never trades in the shared
account: the account is still owed, opened on resume, and only then does it trade."""

from __future__ import annotations

import asyncio
import uuid

from engine.contracts import Phase
from engine.models import RiskLimits
from tests.engine.broker_sabotage import sabotaged  # noqa: F401 - the fixture
from tests.engine.conftest import agent_config, assert_book_is_broker, wait_for_state

NO_APPROVALS = RiskLimits(approval_notional=1e9)


async def test_an_account_that_failed_to_open_is_opened_on_resume_before_any_order(
    sabotaged, broker  # noqa: F811
):
    # The first opening gets a 404 (a broker without sub-accounts, or one that is down for
    # longer than the retries): the agent pauses with the reason.
    async with sabotaged(open=["404"]) as harness:
        config = agent_config(max_ticks=8, limits=NO_APPROVALS)
        workflow_id = await harness.start_agent(config, f"test-owed-{uuid.uuid4().hex[:6]}")
        paused = await wait_for_state(harness, workflow_id, lambda s: s.phase == Phase.PAUSED)
        assert paused.pause_reason.startswith("the broker account could not be opened")
        assert paused.tick == 0 and not paused.account_id

        await harness.resume(workflow_id)
        summary = await harness.result(workflow_id)
        state = await harness.state(workflow_id)

    assert summary.phase == Phase.FINISHED
    assert state.account_id, "the account owed was opened on resume"
    assert broker.get(f"/v1/accounts/{state.account_id}").status_code == 200
    assert broker.get("/v2/orders").json() == [], "an order went to the shared account"
    assert summary.counters.orders_filled > 0
    assert_book_is_broker(summary, broker, workflow_id)
    assert summary.book_vs_broker == "agrees"


async def test_a_re_attach_opens_the_owed_account_and_ends_the_pause_it_caused(
    sabotaged, broker  # noqa: F811
):
    async with sabotaged(open=["404"]) as harness:
        config = agent_config(max_ticks=5, limits=NO_APPROVALS)
        workflow_id = await harness.start_agent(config, f"test-owed-ra-{uuid.uuid4().hex[:6]}")
        await wait_for_state(harness, workflow_id, lambda s: s.phase == Phase.PAUSED)

        await harness.temporal.get_workflow_handle(workflow_id).signal("reconcile")
        summary = await asyncio.wait_for(harness.result(workflow_id), 60)
        state = await harness.state(workflow_id)

    assert summary.phase == Phase.FINISHED and state.account_id
    assert broker.get("/v2/orders").json() == []
    assert_book_is_broker(summary, broker, workflow_id)
