"""Build one tick's audit trail from an agent's runs (pure; see memory.py for the journal)."""

from __future__ import annotations

import json

from engine.audit import outcome
from engine.audit.agent_steps import model_calls, ref, tool_calls
from engine.audit.events import RunView, attrs, event_id, local_activity
from engine.audit.trail import TickAudit
from engine.contracts import Decision


class TickNotFound(LookupError):
    """The agent has not played this tick (yet), in any of the runs given."""


def run_of(runs: list[RunView], tick: int) -> int:
    """The index of the run that played `tick`."""
    for i, run in enumerate(runs):
        if run.has_tick(tick):
            return i
    played = max((r.last_tick for r in runs), default=0)
    who = runs[0].workflow_id if runs else "the agent"
    span = f"ticks 1..{played}" if played else "no tick yet"
    raise TickNotFound(f"agent {who} has played {span}: no tick {tick}")


def build_trail(runs: list[RunView], tick: int, decision: Decision | None,
                notes: list[str] | None = None) -> TickAudit:
    index = run_of(runs, tick)
    run = runs[index]
    span = run.tick_span(tick)
    opening = local_activity(span[0])
    context = opening[1].get("result") if opening else {}
    brief, calls, activities = model_calls(run.run_id, span)
    audit = TickAudit(
        workflow_id=run.workflow_id, tick=tick, date=str((context or {}).get("date", "")),
        run_id=run.run_id, run_number=index + 1, runs=len(runs),
        events=ref(run.run_id, [span[0], span[-1]]), brief=brief, model_calls=calls,
        tool_calls=tool_calls(run.run_id, span, activities), notes=list(notes or []),
    )
    last_answer = max((event_id(e) for a in activities for e in a.events), default=0)
    decided_at = outcome.decision_task(run, span, last_answer)
    if decision is None:
        audit.intent = _answer_json(calls[-1].answer) if calls else {}
        audit.notes.append("the guardrail's verdict is not known: the agent's journal could "
                           "not be rebuilt from this history")
        return audit
    audit.intent = decision.intent.model_dump(mode="json")
    audit.model_error = decision.model_error
    audit.usage = decision.usage.model_dump() if decision.usage else {}
    audit.guardrail = outcome.guardrail(decision, decided_at)
    later = runs[index:]
    audit.approval = outcome.approval(decision, later, _policy(run), decided_at)
    audit.order = outcome.order(decision, later)
    return audit


def _policy(run: RunView) -> str:
    params = attrs(run.events[0]).get("input")
    params = params[0] if isinstance(params, list) and params else params
    config = params.get("config", {}) if isinstance(params, dict) else {}
    return str(config.get("approval_policy", ""))


def _answer_json(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
