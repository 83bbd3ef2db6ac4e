"""Audit trails: "why did the agent do X at tick 14?", answered from the event history alone.

`audit_tick(histories, tick)` takes the histories of an agent's runs (from the server, or
exported files) and returns a TickAudit: the brief the model was given and its answers, each
tool call with arguments and result, the guardrail's verdict and reasons, the approval (who,
when), the order with the broker's answer, each with its run and event ids.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from temporalio.client import WorkflowHistory

from engine.audit.build import TickNotFound, build_trail, run_of
from engine.audit.events import RunView, run_view
from engine.audit.trail import TickAudit
from engine.contracts import ApprovalStatus, Decision

__all__ = ["Auditor", "MixedHistories", "TickAudit", "TickNotFound", "audit_tick", "run_views"]


def run_views(histories: Sequence[WorkflowHistory]) -> list[RunView]:
    return [run_view(json.loads(h.to_json()), h.workflow_id) for h in histories]


class MixedHistories(ValueError):
    """Histories of more than one agent were given as one agent's runs."""


class Auditor:
    """Audits ticks of one agent's runs; each run is replayed at most once."""

    def __init__(self, histories: Sequence[WorkflowHistory]) -> None:
        views = run_views(histories)
        agents = sorted({v.workflow_id for v in views})
        if len(agents) > 1:
            raise MixedHistories(f"these histories are of {len(agents)} agents "
                                 f"({', '.join(agents)}): give the runs of one")
        # Files may come in any order (run10 sorts before run2): the carried tick orders them.
        pairs = sorted(zip(views, histories, strict=True), key=lambda p: p[0].start_tick)
        self.runs = [v for v, _ in pairs]
        self.histories = [h for _, h in pairs]
        self._journals: dict[int, list[Decision]] = {}

    async def _journal(self, index: int) -> list[Decision]:
        from engine.audit.memory import journal_after

        if index not in self._journals:
            self._journals[index] = await journal_after(self.histories[index])
        return self._journals[index]

    async def tick(self, tick: int) -> TickAudit:
        from engine.audit.memory import ReplayFailed

        index = run_of(self.runs, tick)  # TickNotFound before any replay
        decision: Decision | None = None
        notes: list[str] = []
        try:
            # The tick's run holds the verdict; an approval still open at its end was
            # answered (or expired) in a later run, whose journal carries the outcome.
            for later in range(index, len(self.histories)):
                found = next((d for d in await self._journal(later) if d.tick == tick), None)
                decision = found or decision
                if decision is not None and decision.approval != ApprovalStatus.PENDING:
                    break
        except ReplayFailed as exc:
            notes.append(str(exc))
        run = self.runs[index]
        if decision is None and not notes and run is self.runs[-1] and tick == run.last_tick:
            notes.append(f"tick {tick} is still under way: the agent has not decided yet")
        if decision is None and not notes:
            notes.append(f"tick {tick} has left the agent's journal (it keeps the last "
                         "journal_keep decisions)")
        return build_trail(self.runs, tick, decision, notes)


async def audit_tick(histories: Sequence[WorkflowHistory], tick: int) -> TickAudit:
    return await Auditor(histories).tick(tick)
