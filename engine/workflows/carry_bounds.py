"""Bounds on what a run carries into the next (the `bounded-carry` patch, issue 17 #10).

The carry is one payload: past Temporal's 2 MiB limit every continue-as-new fails, for
good. A count bound alone does not hold it (a verbose model's rationale has no length),
so the carry is bounded twice:
- per entry, when it is recorded: the free text of a decision is clipped, so a count
  bound is also a byte bound (the config bound JOURNAL_KEEP_MAX x the largest entry);
- as a whole, at continue-as-new: the carry is measured and the oldest of what it keeps
  in bulk (decisions, equity points, reconciliation notes) goes until it fits CARRY_BUDGET.
Pure and deterministic: workflow code.
"""

from __future__ import annotations

from engine.contracts import AgentCarry, Decision

CARRY_BUDGET = 192 * 1024  # bytes of JSON: the bench's target is 256 KiB with the config
TEXT_MAX = 600  # characters of one free-text field (a rationale, a model error, a note)
NEWS_MAX = 8  # headlines kept with one decision
HEADLINE_MAX = 200


def clip(text: str, limit: int = TEXT_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip_decision(decision: Decision) -> None:
    """Bound one journal entry's free text (what the model and the news wrote)."""
    intent = decision.intent
    if len(intent.rationale) > TEXT_MAX:
        decision.intent = intent.model_copy(update={"rationale": clip(intent.rationale)})
    decision.model_error = clip(decision.model_error)
    decision.approval_note = clip(decision.approval_note)
    decision.news = [clip(h, HEADLINE_MAX) for h in decision.news[:NEWS_MAX]]


def carry_bytes(memory: AgentCarry) -> int:
    return len(memory.model_dump_json().encode())


def fit_carry(memory: AgentCarry, budget: int = CARRY_BUDGET) -> int:
    """Drop the oldest bulk until the carry fits `budget`; returns its size in bytes.
    What is dropped is history the agent no longer needs (the book itself, the pending
    approvals, the unsettled orders and the day's figures are never touched)."""
    size = carry_bytes(memory)
    while size > budget:
        if len(memory.journal) > 10:
            del memory.journal[: max(1, len(memory.journal) // 4)]
        elif len(memory.equity) > 10:
            half = len(memory.equity) // 2
            memory.equity[:half] = memory.equity[:half:2]
        elif len(memory.reconciliations) > 1:
            del memory.reconciliations[:-1]
        else:
            return size  # nothing left to drop: the rest is the agent's live state
        size = carry_bytes(memory)
    return size
