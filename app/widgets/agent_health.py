"""Why the agent is where it is, and what to do: a self-pause's reason, a service outage,
the reconciliations it made with the broker, and its counters. The status bar only has
room for a word; this panel says the sentence, and hides when there is nothing to say."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.theme import tone

WHAT_TO_DO = {
    "paused": "Read the reason, fix what it names (limits: Agent ▸ Risk limits…), then "
              "Agent ▸ Resume (Ctrl+R).",
    "outage": "Nothing to do: the agent waits at its tick and continues by itself once the "
              "service answers (the status bar shows each service).",
}


def counters_line(counters) -> str:
    c = counters
    approvals = ", ".join(f"{k} {v}" for k, v in sorted(c.approvals.items())) or "none"
    return (f"ticks {c.ticks} · buys {c.buys} · sells {c.sells} · holds {c.holds} · "
            f"blocked {c.blocked} · filled {c.orders_filled} · rejected {c.orders_rejected} · "
            f"failed {c.orders_failed} · model errors {c.model_errors} · late fills "
            f"{c.late_fills} · approvals: {approvals} · runs {c.runs}")


class AgentHealth(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.attention = QLabel()
        self.attention.setWordWrap(True)
        self.attention.setAccessibleName("Why the agent waits")
        self.counters = QLabel()
        self.counters.setWordWrap(True)
        self.counters.setAccessibleName("Agent counters")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.attention)
        layout.addWidget(self.counters)
        self.attention.hide()

    def show_state(self, state) -> None:
        parts = []
        if state.pause_reason and state.phase.value == "paused":
            parts.append(f"<b>Paused by itself:</b> {html.escape(state.pause_reason)}<br>"
                         f"<i>What to do:</i> {WHAT_TO_DO['paused']}")
        if state.outage:
            parts.append(f"<b>Waiting on a service:</b> {html.escape(state.outage)}<br>"
                         f"<i>What to do:</i> {WHAT_TO_DO['outage']}")
        # Only the reconciliations that changed or found something: a routine check at start
        # that agreed with the broker is nothing to act on.
        for note in [n for n in state.reconciliations if n.findings or n.adopted][-3:]:
            parts.append(f"<b>Reconciled with the broker:</b> {html.escape(_note(note))}")
        self.attention.setText("<br>".join(parts))
        self.attention.setStyleSheet(f"color: {tone('warn')};")
        self.attention.setVisible(bool(parts))
        self.counters.setText(counters_line(state.counters))
        self.counters.setStyleSheet(f"color: {tone('muted')};")


def _note(note) -> str:
    if hasattr(note, "model_dump"):
        data = note.model_dump()
        return "; ".join(f"{k}: {v}" for k, v in data.items() if v not in (None, "", [], {}))
    return str(note)
