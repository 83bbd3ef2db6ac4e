"""The toolbar a first-time user reads first: what the agent is doing (a phase badge),
what they can do about it (Pause / Resume / Stop, enabled to match the phase) and what is
asked of them ("N approvals waiting", which opens the approval)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QToolBar, QToolButton

from app.theme import tone

# phase -> (badge text, tone, pause, resume, stop enabled)
PHASES = {
    "starting": ("Starting", "info", False, False, True),
    "discovering": ("Discovering strategies", "info", False, False, True),
    "running": ("Running", "ok", True, False, True),
    "awaiting-approval": ("Waiting for you", "warn", True, False, True),
    "paused": ("Paused", "warn", False, True, True),
    "draining": ("Stopping", "muted", False, False, False),
    "stopped": ("Stopped", "muted", False, False, False),
    "finished": ("Finished", "muted", False, False, False),
}


class AgentToolbar(QToolBar):
    def __init__(self, actions: dict, parent=None) -> None:
        super().__init__("Agent", parent)
        self.setObjectName("Agent toolbar")
        self.setMovable(False)
        self.badge = QLabel("Not attached")
        self.badge.setAccessibleName("Agent phase")
        self.badge.setMargin(6)
        self.addWidget(self.badge)
        self.addSeparator()
        self.pause, self.resume, self.stop = (actions["pause"], actions["resume"],
                                              actions["stop"])
        for action in (self.pause, self.resume, self.stop):
            self.addAction(action)
            action.setEnabled(False)
        self.addSeparator()
        self.approvals = QToolButton()
        self.approvals.setDefaultAction(actions["approvals"])
        self.approvals.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.approvals.setAccessibleName("Approvals waiting")
        self.addWidget(self.approvals)
        self.show_waiting(0)

    def show_phase(self, phase: str) -> None:
        text, level, pause, resume, stop = PHASES.get(phase, (phase, "muted", False, False,
                                                              False))
        self.badge.setText(text)
        self.badge.setToolTip("")
        self.badge.setStyleSheet(f"color: {tone(level)}; font-weight: 700; "
                                 f"border: 1px solid {tone(level)}; border-radius: 4px;")
        self.pause.setEnabled(pause)
        self.resume.setEnabled(resume)
        self.stop.setEnabled(stop)

    def show_silent(self, why: str) -> None:
        """The agent does not answer its queries: its phase is unknown, not "Running"."""
        self.badge.setText("Not answering")
        self.badge.setToolTip(why)
        self.badge.setStyleSheet(f"color: {tone('error')}; font-weight: 700; "
                                 f"border: 1px solid {tone('error')}; border-radius: 4px;")

    def show_waiting(self, count: int) -> None:
        action = self.approvals.defaultAction()
        action.setText(f"{count} approval{'s' if count != 1 else ''} waiting" if count
                       else "No approvals waiting")
        action.setEnabled(count > 0)
        self.approvals.setStyleSheet(f"color: {tone('warn')}; font-weight: 700;" if count
                                     else "")
