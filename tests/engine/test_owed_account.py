"""An agent whose own broker account could not be opened at start never trades in the shared
account: the account is still owed, opened on resume, and only then does it trade."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

from temporalio import workflow

from engine.client import HarnessClient
from engine.contracts import Phase
from engine.models import RiskLimits
from engine.workflows.broker_steps import BOOK_SURVIVES_WEEKS, OWED_ACCOUNT_UPGRADE
from tests.engine.broker_sabotage import sabotaged  # noqa: F401 - the fixture
from tests.engine.conftest import agent_config, assert_book_is_broker, wait_for_state

NO_APPROVALS = RiskLimits(approval_notional=1e9)
UPGRADES = Path(__file__).parents[1] / "histories" / "upgrades"


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


async def test_an_agent_whose_account_failed_before_the_patch_opens_it_on_resume(
    sabotaged, broker, monkeypatch  # noqa: F811
):
    """An agent started before BOOK_SURVIVES_WEEKS kept no debt of an account it could not
    open: resumed on today's code, it would trade in the shared account, unreconciled, for
    good. Its pause reason still says why it stopped; that is enough to owe the account."""
    real_patched = workflow.patched

    def before_book_survives_weeks(patch_id: str) -> bool:  # records no marker, as then
        return False if patch_id == BOOK_SURVIVES_WEEKS else real_patched(patch_id)

    async with sabotaged(open=["404"]) as harness:
        monkeypatch.setattr(workflow, "patched", before_book_survives_weeks)
        config = agent_config(max_ticks=6, limits=NO_APPROVALS)
        workflow_id = await harness.start_agent(config, f"test-owed-old-{uuid.uuid4().hex[:6]}")
        paused = await wait_for_state(harness, workflow_id, lambda s: s.phase == Phase.PAUSED)
        assert paused.pause_reason.startswith("the broker account could not be opened")
        monkeypatch.setattr(workflow, "patched", real_patched)  # the upgrade is deployed

        await harness.resume(workflow_id)
        summary = await harness.result(workflow_id)
        state = await harness.state(workflow_id)
        history = await harness.history(workflow_id)

    assert broker.get("/v2/orders").json() == [], "an order went to the shared account"
    assert state.account_id, "the account owed was opened on resume"
    assert summary.phase == Phase.FINISHED and summary.counters.orders_filled > 0
    assert_book_is_broker(summary, broker, workflow_id)
    assert summary.book_vs_broker == "agrees"
    # The recorded history, with no BOOK_SURVIVES_WEEKS marker and the upgrade's own,
    # replays on today's code (and is kept as a golden: tests/histories/upgrades/).
    assert await HarnessClient.replay_check([history]) == []
    markers = [str(e.marker_recorded_event_attributes) for e in history.events
               if e.HasField("marker_recorded_event_attributes")]
    assert not [m for m in markers if BOOK_SURVIVES_WEEKS in m]
    assert [m for m in markers if OWED_ACCOUNT_UPGRADE in m], markers
    if os.environ.get("HARNESS_RECORD_UPGRADE_GOLDEN"):
        (UPGRADES / "owed_account_before_the_patch.run0.json").write_text(
            history.to_json() + "\n")
