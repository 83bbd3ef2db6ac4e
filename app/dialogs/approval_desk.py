"""The queue of approval dialogs: one dialog at a time, the others wait their turn (none
is lost); a trade that stops being pending closes its dialog and the window says why;
a tray notification when the window is hidden or minimised."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from app.dialogs.approval import ApprovalDialog


class ApprovalDesk(QObject):
    closed_by_agent = Signal(str, str)  # trade id, why (expired, superseded, ...)

    def __init__(self, controller, window: QWidget, decision_of: Callable[[str], object],
                 tray: QSystemTrayIcon | None = None) -> None:
        super().__init__(window)
        self.controller = controller
        self.window = window
        self.decision_of = decision_of
        self.tray = tray
        self.queue: list = []  # PendingApproval, oldest first; queue[0] is on screen
        self.dialog: ApprovalDialog | None = None
        self._answered: set[str] = set()
        controller.approvals_changed.connect(self.update_pending)
        controller.review_answered.connect(self._answered_ok)
        controller.review_refused.connect(self._refused)

    def update_pending(self, pending: list) -> None:
        open_ids = {p.trade_id for p in pending}
        for gone in [p for p in self.queue if p.trade_id not in open_ids]:
            self.queue.remove(gone)
            if gone.trade_id not in self._answered:
                decision = self.decision_of(gone.trade_id)
                why = decision.approval.value if decision and decision.approval else "closed"
                note = decision.approval_note if decision else ""
                self.closed_by_agent.emit(gone.trade_id, why + (f" ({note})" if note else ""))
        known = {p.trade_id for p in self.queue}
        fresh = [p for p in pending if p.trade_id not in known]
        self.queue.extend(fresh)
        if fresh:
            self._notify(fresh)
        self._show_head()

    def _show_head(self) -> None:
        head = self.queue[0] if self.queue else None
        if self.dialog is not None and (head is None or self.dialog.pending.trade_id
                                        != head.trade_id):
            self.dialog.close()
            self.dialog = None
        if head is not None and self.dialog is None:
            state = getattr(self.controller, "state", None)
            waits = getattr(state, "approval_policy", "") == "wait"
            self.dialog = ApprovalDialog(head, self.decision_of(head.trade_id), self.window,
                                         clock_waits=waits)
            self.dialog.answer.connect(self._send)
            self.dialog.rejected.connect(self._dismissed)  # Esc: it stays queued
            self.dialog.show()
        if self.dialog is not None:
            waiting = len(self.queue) - 1
            base = self.dialog.windowTitle().split("  (")[0]
            self.dialog.setWindowTitle(base + (f"  ({waiting} more waiting)" if waiting else ""))

    def reopen(self) -> None:
        """Bring back a dialog the human closed (closing answers nothing)."""
        if self.dialog is not None:
            self.dialog.show()
            self.dialog.raise_()
        self._show_head()

    def _send(self, trade_id: str, approve: bool, quantity, reason: str) -> None:
        self.controller.review(trade_id, approve, quantity, reason)

    def _answered_ok(self, trade_id: str, _outcome: str) -> None:
        self._answered.add(trade_id)
        self.queue = [p for p in self.queue if p.trade_id != trade_id]
        self._show_head()

    def _refused(self, trade_id: str, message: str) -> None:
        if self.dialog is not None and self.dialog.pending.trade_id == trade_id:
            self.dialog.refused(message)

    def _dismissed(self) -> None:
        self.dialog = None  # reopened with the next change; nothing is answered by closing

    def _notify(self, fresh: list) -> None:
        hidden = not self.window.isVisible() or self.window.isMinimized()
        if self.tray is None or not hidden:
            return
        p = fresh[0]
        self.tray.showMessage("Trade needs approval",
                              f"{p.intent.side.value} {p.intent.quantity:,} {p.intent.symbol}",
                              QSystemTrayIcon.MessageIcon.Warning, 10_000)
