"""Whether the tick bench's two legs (a plain loop and the durable workflow) decided the
same things, tick by tick, and ended with the same book."""

from __future__ import annotations

from typing import Any

from engine.contracts import Decision


def decision_key(d: Decision) -> dict[str, Any]:
    """What must match tick by tick: what the agent saw, wanted, the verdict and the fill."""
    return {
        "tick": d.tick, "date": d.date, "seen": d.seen,
        "intent": d.intent.model_dump(mode="json"), "model_error": d.model_error,
        "verdict": d.check.verdict.value, "price": d.check.price,
        "fill": None if d.order is None else
        (d.order.status.value, d.order.filled_quantity, d.order.filled_price),
    }


def compare_decisions(plain: list[Decision], durable: list[Decision]) -> dict[str, Any]:
    by_tick = {d.tick: d for d in plain}
    mismatches = [
        {"tick": d.tick, "plain": decision_key(by_tick[d.tick]) if d.tick in by_tick else None,
         "durable": decision_key(d)}
        for d in durable
        if d.tick not in by_tick or decision_key(by_tick[d.tick]) != decision_key(d)
    ]
    return {"same_decisions": bool(durable) and not mismatches,
            "decisions_compared": len(durable), "mismatches": mismatches[:3]}


def compare_summaries(plain, durable) -> bool:
    fields = ("ticks", "date", "cash", "equity", "realized_pnl", "positions", "orders")
    return all(getattr(plain, f) == getattr(durable, f) for f in fields)
