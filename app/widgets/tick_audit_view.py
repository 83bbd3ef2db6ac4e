"""Why did the agent do X at tick N: select a decision, a chart marker or an event, and
this pane asks HarnessClient.audit_tick (through the controller) and shows the brief, each
model call (answer, attempts, tokens), each tool call (arguments, result), the guardrail's
verdict and reasons, the approval (who, when, why) and the order with the broker's answer,
every step with the event ids it was read from (the same story in the Temporal Web UI).

Each model call shows its tokens (the response's usage, recorded in the history) and the
tick its total; a model that reports no usage says so.
"""

from __future__ import annotations

import html
import json

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

DEBOUNCE_MS = 250  # arrow keys through the decisions: ask once the selection rests


def _ids(where) -> str:
    if where is None:
        return ""
    ids = where.event_ids
    span = f"{ids[0]}–{ids[-1]}" if len(ids) > 1 else (str(ids[0]) if ids else "?")
    return f" <span style='color:gray'>(run …{where.run_id[-8:]}, events {span})</span>"


def _json(value) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    return html.escape(text if len(text) < 600 else text[:600] + "…")


def tokens_of(call) -> str:
    """A model call's tokens, from the response's usage as the audit recorded it."""
    usage = getattr(call, "usage", None) or {}
    if not usage.get("input_tokens") and not usage.get("output_tokens"):
        return "tokens: none reported (the offline analyst uses none)"
    cached = usage.get("cached_tokens", 0)
    return (f"tokens: {usage.get('input_tokens', 0):,} in + {usage.get('output_tokens', 0):,} "
            f"out" + (f" ({cached:,} cached)" if cached else ""))


def tick_usage(audit) -> str:
    """The tick's model usage (from the state): calls, tokens and cost if priced."""
    u = audit.usage or {}
    if not u:
        return ""
    cost = f", ${u['cost_usd']:.4f}" if u.get("cost_usd") else ""
    return (f"this tick: {u.get('calls', 0)} call{'s' * (u.get('calls', 0) != 1)}, "
            f"{u.get('input_tokens', 0):,} in ({u.get('cached_tokens', 0):,} cached) + "
            f"{u.get('output_tokens', 0):,} out tokens{cost}")


def render_audit(audit) -> str:
    parts = [f"<h3>Tick {audit.tick} · {html.escape(audit.date)}</h3>",
             f"<p>Run {audit.run_number} of {audit.runs}{_ids(audit.events)}</p>"]
    if audit.brief:
        parts.append(f"<h4>Brief</h4><pre>{html.escape(audit.brief)}</pre>")
    if audit.model_calls:
        parts.append("<h4>Model calls</h4><ul>")
        for call in audit.model_calls:
            what = (f"answer: {html.escape(call.answer)}" if call.answer
                    else f"asked for: {html.escape(', '.join(call.tool_calls))}"
                    if call.tool_calls else "")
            failure = f" <b>failed: {html.escape(call.failure)}</b>" if call.failure else ""
            # "attempt 1: reason" -> "attempt 1 failed: reason", as `harness why` says it
            failure += "".join(f"<br>{html.escape(f.replace(':', ' failed:', 1))}"
                               for f in getattr(call, "earlier_failures", []))
            parts.append(f"<li>{html.escape(call.model)}, {call.attempts} attempt(s), "
                         f"{tokens_of(call)}{_ids(call.where)}<br>{what}{failure}</li>")
        parts.append("</ul>")
        if tick_usage(audit):
            parts.append(f"<p>{html.escape(tick_usage(audit))}</p>")
    if audit.tool_calls:
        parts.append("<h4>Tool calls</h4><ul>")
        for tool in audit.tool_calls:
            result = (f"<b>failed: {html.escape(tool.failure)}</b>" if tool.failure
                      else f"→ {_json(tool.result)}")
            parts.append(f"<li>{html.escape(tool.name)}({_json(tool.arguments)}) {result} "
                         f"<i>[{html.escape(tool.source)}]</i>{_ids(tool.where)}</li>")
        parts.append("</ul>")
    if audit.model_error:
        parts.append(f"<p><b>Model error:</b> {html.escape(audit.model_error)}</p>")
    if audit.intent:
        parts.append(f"<h4>Intent</h4><p>{_json(audit.intent)}</p>")
    g = audit.guardrail
    if g is not None:
        reasons = "".join(f"<li>{html.escape(r)}</li>" for r in g.reasons) or "<li>none</li>"
        parts.append(f"<h4>Guardrail: {html.escape(g.verdict)}</h4><p>price {g.price:,.2f}, "
                     f"notional {g.notional:,.2f}{_ids(g.where)}</p><ul>{reasons}</ul>")
    a = audit.approval
    if a is not None:
        who = a.reviewer or "—"
        parts.append(f"<h4>Approval: {html.escape(a.status)}</h4><p>by {html.escape(who)}"
                     f"{', at ' + html.escape(a.answered_at) if a.answered_at else ''}"
                     f"{', ' + str(a.quantity) + ' shares' if a.quantity else ''}"
                     f"{', why: ' + html.escape(a.reason) if a.reason else ''}"
                     f"{' — ' + html.escape(a.note) if a.note else ''}{_ids(a.where)}</p>")
    o = audit.order
    if o is not None:
        broker = f", broker id {html.escape(o.broker_order_id)}" if o.broker_order_id else ""
        fill = (f"filled {o.filled_quantity} @ {o.filled_price:,.2f}"
                if o.filled_price is not None else "not filled")
        parts.append(f"<h4>Order {html.escape(o.client_order_id)}</h4><p>{o.side} "
                     f"{o.quantity} {html.escape(o.symbol)}: broker says "
                     f"<b>{html.escape(o.status or '?')}</b>, {fill}"
                     f"{broker}"
                     f"{', ' + html.escape(o.reason) if o.reason else ''}, "
                     f"{o.attempts} attempt(s){_ids(o.where)}</p>")
    for note in audit.notes:
        parts.append(f"<p><i>{html.escape(note)}</i></p>")
    return "".join(parts)


class TickAuditView(QWidget):
    audit_requested = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.title = QLabel("Select a decision, a chart marker or an event: why the agent "
                            "did what it did at that tick shows here.")
        self.title.setWordWrap(True)
        self.text = QTextBrowser()
        self.text.setAccessibleName("Why the agent did it")
        self.text.setOpenExternalLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.title)
        layout.addWidget(self.text, 1)
        self.tick: int | None = None
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(lambda: self.audit_requested.emit(self.tick))

    def ask(self, tick: int) -> None:
        if tick == self.tick and not self._debounce.isActive():
            return
        self.tick = tick
        self.title.setText(f"Tick {tick}: reading its history…")
        self._debounce.start()

    def show_audit(self, audit) -> None:
        if audit.tick != self.tick:
            return  # an answer for a tick no longer selected
        self.title.setText(f"Why the agent did what it did at tick {audit.tick}")
        self.text.setHtml(render_audit(audit))
