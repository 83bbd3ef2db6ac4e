"""When an agent's run ends and continues as new.

A worker that takes an agent over (after a kill, or a restart) replays its current run
before it can answer anything, a `state` query included: the window waits on that replay.
So a run ends at the first tick boundary where any of these holds:

- it has run `AgentConfig.continue_as_new_every` ticks;
- Temporal suggests it (the history is near the server's limits);
- its history passes `continue_as_new_bytes` (real prompts make a tick's history large);
- its history passes `continue_as_new_events`. What a replay costs follows the number of
  events (each one an activation, a payload walk, a command), not the number of ticks: a
  tick writes about 20 events with two symbols and grows with every symbol, with
  approvals, with a real model's tool turns. A tick count alone let the replay after a kill
  grow with the agent's configuration (bench/recovery.py).

Each budget came after agents were already running, so each is a patch (workflow.patched),
asked only once its budget is passed: a history recorded before it, whose run went past
the budget without ending, replays its old path, and runs that never pass it keep their
history unchanged.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from engine.contracts import AgentConfig

HISTORY_BYTE_BUDGET = "history-byte-budget"
HISTORY_EVENT_BUDGET = "history-event-budget"


def run_is_over(config: AgentConfig, ticks_this_run: int) -> bool:
    """True when this run should continue as new now (called at a tick boundary)."""
    info = workflow.info()
    if ticks_this_run >= config.continue_as_new_every or info.is_continue_as_new_suggested():
        return True
    # The order of the checks is part of the history: the byte budget came first.
    if info.get_current_history_size() >= config.continue_as_new_bytes and workflow.patched(
            HISTORY_BYTE_BUDGET):
        return True
    return info.get_current_history_length() >= config.continue_as_new_events and (
        workflow.patched(HISTORY_EVENT_BUDGET))
