"""Random limits, reviews, steering notes and agent configs through the real client and
the real worker: each one refused leaves the agent's event history exactly as it was (an
update's validator runs before anything is written; a signal and a start are checked
before they are sent), and no refused config creates a workflow."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from temporalio.service import RPCError, RPCStatusCode

from engine.cli.settings import settings_for
from engine.client import HarnessClient, RequestRejected
from engine.contracts import AgentConfig, ApprovalPolicy, Phase
from engine.models import RiskLimits
from engine.validation import InvalidInput
from tests.cli.helpers import poll_async

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
LIMIT_FIELDS = sorted(RiskLimits.model_fields)
NUMBERS = st.one_of(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15,
                              max_value=1e15), st.integers(-10, 10**9))
SYMBOLS = st.lists(st.sampled_from(["AAPL", "MSFT", "TSLA", "", "a b", "GOOG"]), max_size=4)


@pytest.fixture(scope="module")
async def paused_agent(runtime):
    """A live agent, paused and parked: its history only grows when something is accepted."""
    client = await HarnessClient.connect(settings_for(runtime, runtime.home))
    workflow_id = f"cli-validators-{uuid.uuid4().hex[:8]}"
    config = AgentConfig(symbols=["AAPL"], start_date="2004-01-02", tick_interval_s=0.2,
                         approval_policy=ApprovalPolicy.AUTO_REJECT)
    await client.start_agent(config, workflow_id)

    async def ticking() -> bool:  # pause is refused while the agent is still starting
        return (await client.state(workflow_id)).tick >= 1
    await poll_async(ticking, 120, f"{workflow_id} to tick")
    await client.pause(workflow_id)
    async def parked() -> bool:
        return (await client.state(workflow_id)).phase == Phase.PAUSED
    await poll_async(parked, 120, f"{workflow_id} to park")
    yield client, workflow_id
    await client.stop(workflow_id)


async def history_length(client: HarnessClient, workflow_id: str) -> int:
    """The length once nothing is in flight: an accepted signal or update is followed by a
    workflow task whose events land a moment later, and must not count against the next
    example."""
    handle = client.temporal.get_workflow_handle(workflow_id)
    length = 0

    async def settled() -> bool:
        nonlocal length
        described = await handle.describe()
        length = described.history_length
        raw = described.raw_description
        return not raw.HasField("pending_workflow_task") and not raw.pending_activities
    await poll_async(settled, 30, f"{workflow_id} to settle")
    return length


async def _send_and_check(client, workflow_id: str, name: str, payload) -> None:
    before = await history_length(client, workflow_id)
    try:
        await client._update(workflow_id, name, payload)
    except RequestRejected as exc:
        assert "\n" not in str(exc).strip()
        assert await history_length(client, workflow_id) == before, (name, payload, str(exc))
        return
    # Accepted: it was a valid request, and wrote its events.
    assert await history_length(client, workflow_id) > before


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(LIMIT_FIELDS + ["bogus"]),
                               st.one_of(NUMBERS, SYMBOLS), max_size=4))
async def test_random_limits_refused_leave_the_history_unchanged(paused_agent, changes):
    client, workflow_id = paused_agent
    # A raw dict: the workflow's own validator (and its payload decoding) is what decides.
    payload = {**RiskLimits().model_dump(mode="json"), **changes}
    await _send_and_check(client, workflow_id, "set_limits", payload)


@FUZZ
@given(review=st.fixed_dictionaries(
    {"trade_id": st.one_of(st.text(max_size=10), st.sampled_from(["t1-AAPL", "", " "])),
     "approve": st.booleans()},
    optional={"quantity": st.one_of(st.none(), st.integers(-5, 10**6)),
              "reviewer": st.text(max_size=5), "extra": st.integers()}))
async def test_random_reviews_refused_leave_the_history_unchanged(paused_agent, review):
    client, workflow_id = paused_agent
    await _send_and_check(client, workflow_id, "review_trade", review)


@FUZZ
@given(note=st.one_of(st.text(max_size=3), st.text(min_size=501, max_size=520),
                      st.text(alphabet="\x00\x01\x07\x1b", min_size=1, max_size=5)))
async def test_refused_steering_notes_are_never_sent(paused_agent, note):
    client, workflow_id = paused_agent
    before = await history_length(client, workflow_id)
    try:
        await client.steer(workflow_id, note)
    except InvalidInput:
        assert await history_length(client, workflow_id) == before
    else:
        assert note.strip() and len(note) <= 500 and await history_length(
            client, workflow_id) > before


@FUZZ
@given(values=st.fixed_dictionaries({}, optional={
    "symbols": SYMBOLS, "starting_cash": NUMBERS, "tick_interval_s": NUMBERS,
    "model": st.sampled_from(["offline-analyst", "nosuch:x", "openai:", "compatible:a b"]),
    "start_date": st.one_of(st.none(), st.text(max_size=10), st.dates().map(str)),
    "limits": st.fixed_dictionaries({}, optional={"approval_notional": NUMBERS,
                                                  "allowed_symbols": SYMBOLS}),
}))
async def test_refused_configs_start_no_workflow(paused_agent, values):
    client, _ = paused_agent
    workflow_id = f"cli-config-{uuid.uuid4().hex[:8]}"
    try:
        config = AgentConfig.model_validate(values)
        await client.start_agent(config, workflow_id)
    except (InvalidInput, ValueError):
        with pytest.raises(RPCError) as missing:
            await client.temporal.get_workflow_handle(workflow_id).describe()
        assert missing.value.status == RPCStatusCode.NOT_FOUND
    else:
        # A valid one started (the tape is not checked here: the CLI does that); end it.
        await client.temporal.get_workflow_handle(workflow_id).terminate("fuzz: valid")
