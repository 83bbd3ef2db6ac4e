"""`harness run --id X` when agent X already runs: follow it only when asked (`--attach`),
and never with options that differ from the ones it runs with (they would be ignored
without a word, and the user would think the agent runs with them)."""

from __future__ import annotations

from engine.contracts import AgentConfig, AgentInput
from engine.validation import InvalidInput

# Options of `harness run` -> the AgentConfig field each one sets.
COMPARED = {
    "symbols": "symbols",
    "ticks": "max_ticks",
    "seed": "seed",
    "model": "model",
    "start_date": "start_date",
    "cash": "starting_cash",
    "interval": "tick_interval_s",
    "approve": "approval_policy",
}


async def running_config(harness, workflow_id: str) -> AgentConfig | None:
    """The config the agent's current run started with, or None if it does not run.
    Read from the run's first event: continue-as-new carries the config along."""
    from temporalio.service import RPCError, RPCStatusCode

    try:
        if not await harness.is_running(workflow_id):
            return None
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    handle = harness.temporal.get_workflow_handle(workflow_id)
    async for event in handle.fetch_history_events(page_size=1):
        payloads = event.workflow_execution_started_event_attributes.input.payloads
        (params,) = await harness.temporal.data_converter.decode(payloads, [AgentInput])
        return params.config
    return None


def refuse_differences(workflow_id: str, wanted: AgentConfig, explicit: set[str],
                       running: AgentConfig) -> None:
    """Raise InvalidInput for the first option given on the command line that differs."""
    for option, field in COMPARED.items():
        if option not in explicit:
            continue
        mine, theirs = getattr(wanted, field), getattr(running, field)
        if mine != theirs:
            raise InvalidInput(
                f"--{option.replace('_', '-')}", _as_typed(mine),
                f"agent {workflow_id} already runs with {_as_typed(theirs)!r}; leave the "
                "option out to follow it, or pick another --id for a new agent")


def _as_typed(value: object) -> object:
    """A config value as it is written on the command line (AAPL,MSFT; auto-approve)."""
    if isinstance(value, list):
        return ",".join(value)
    return getattr(value, "value", value)
