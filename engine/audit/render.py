"""A tick's audit trail as text for a terminal: the story in order, each step with its
run and event ids (`harness why`)."""

from __future__ import annotations

import json
from typing import Any

from engine.audit.trail import EventRef, TickAudit

WIDTH = 160  # a long tool result is cut here in text; --json has it whole


def render(audit: TickAudit) -> str:
    lines = [
        f"agent {audit.workflow_id}  tick {audit.tick}  {audit.date}",
        f"run {audit.run_number} of {audit.runs}: {audit.run_id}  "
        f"(events {_span(audit.events)} of that run)",
        "",
        "brief given to the model:",
        *("  " + line for line in audit.brief.splitlines()),
    ]
    for n, call in enumerate(audit.model_calls, 1):
        head = f"model call {n} ({call.model}{_attempts(call.attempts)}) {_at(call.where)}"
        if call.usage:
            head += (f" [{call.usage['input_tokens']:,} in + {call.usage['output_tokens']:,} "
                     "out tokens]")
        if call.failure:
            lines.append(f"{head}: FAILED: {call.failure}")
        elif call.tool_calls:
            lines.append(f"{head}: asked for {', '.join(call.tool_calls)}")
        else:
            lines.append(f"{head}: answered {_cut(call.answer)}")
        # "attempt 1: reason" -> "  attempt 1 failed: reason"
        lines += [f"  {failed.replace(':', ' failed:', 1)}" for failed in call.earlier_failures]
    for tool in audit.tool_calls:
        where = _at(tool.where) if tool.where else "(reads the agent's memory: no event)"
        outcome = f"FAILED: {tool.failure}" if tool.failure else _cut(_text(tool.result))
        lines.append(f"tool {tool.name}({_text(tool.arguments)}) {where} -> {outcome}")
    intent = audit.intent
    if intent:
        price = intent.get("limit_price")
        lines.append(
            f"intent: {intent.get('side')} {intent.get('quantity')} {intent.get('symbol')}"
            + (f" limit {price}" if price is not None else "")
            + f" (confidence {intent.get('confidence')}): {intent.get('rationale', '')}")
    if audit.model_error:  # recorded as "model error: ..." or "model output rejected: ..."
        lines.append(audit.model_error if audit.model_error.startswith("model ")
                     else f"model error: {audit.model_error}")
    if audit.usage:
        usage = audit.usage
        cost = f", ${usage.get('cost_usd', 0):.4f}" if usage.get("cost_usd") else ""
        lines.append(f"model usage this tick: {usage.get('calls', 0)} calls, "
                     f"{usage.get('input_tokens', 0):,} in ({usage.get('cached_tokens', 0):,} "
                     f"cached) + {usage.get('output_tokens', 0):,} out tokens{cost}")
    if audit.guardrail:
        g = audit.guardrail
        reasons = "; ".join(g.reasons) or "no rule objected"
        lines.append(f"guardrail (run by the workflow task {_at(g.where)}): {g.verdict} at "
                     f"${g.price:,.2f} (notional ${g.notional:,.2f}): {reasons}")
    if audit.approval:
        a = audit.approval
        who = f" by {a.reviewer}" if a.reviewer else ""
        when = f" at {a.answered_at}" if a.answered_at else ""
        where = f" {_at(a.where)}" if a.where else ""
        lines.append(f"approval: {a.status}{who}{when}{where}: {a.note}")
    if audit.order:
        o = audit.order
        price = f" limit {o.limit_price}" if o.limit_price is not None else ""
        fill = f", filled {o.filled_quantity} @ {o.filled_price}" if o.filled_quantity else ""
        broker = f", broker order {o.broker_order_id}" if o.broker_order_id else ""
        reason = f" ({o.reason})" if o.reason else ""
        where = f" {_at(o.where)}" if o.where else ""
        lines.append(f"order {o.client_order_id}{where}: {o.side} {o.quantity} {o.symbol}"
                     f"{price}{_attempts(o.attempts)} -> {o.status}{fill}{broker}{reason}")
    elif intent and intent.get("side") != "hold":
        lines.append("order: none placed")
    lines += [f"note: {note}" for note in audit.notes]
    return "\n".join(lines)


def _span(ref: EventRef) -> str:
    ids = ref.event_ids
    return f"{ids[0]}-{ids[-1]}" if ids else "?"


def _at(ref: EventRef | None) -> str:
    if ref is None or not ref.event_ids:
        return ""
    label = "event" if len(ref.event_ids) == 1 else "events"
    return f"[{label} {', '.join(map(str, ref.event_ids))}]"


def _attempts(n: int) -> str:
    return f", {n} attempts" if n > 1 else ""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _cut(text: str) -> str:
    return text if len(text) <= WIDTH else text[: WIDTH - 3] + "..."
