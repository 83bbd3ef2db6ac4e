"""The queue of approvals of the agent the window shows: one ApprovalRequest per open
trade, one dialog at a time (the others wait their turn, none is lost); a trade that
stops being pending aborts its request and the window says why; switching to another
agent aborts every request of the old one (an answer can never reach the wrong agent:
each request carries its workflow id); a tray notification when the window is hidden.

Dialogs are views: deleted when closed (their timers with them), re-created on reopen.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from app import approval_request as states
from app.approval_request import ApprovalRequest
from app.dialogs.approval import ApprovalDialog


class ApprovalDesk(QObject):
    closed_by_agent = Signal(str, str)  # trade id, why (expired, superseded, ...)
    waiting_changed = Signal(int)  # approvals waiting for the human

    def __init__(self, controller, window: QWidget, decision_of: Callable[[str], object],
                 tray: QSystemTrayIcon | None = None) -> None:
        super().__init__(window)
        self.controller = controller
        self.window = window
        self.decision_of = decision_of
        self.tray = tray
        self.workflow_id: str | None = None
        self.queue: list[ApprovalRequest] = []  # oldest first; queue[0] is on screen
        self.dialog: ApprovalDialog | None = None
        controller.approvals_changed.connect(self.update_pending)
        controller.agent_attached.connect(self._agent_shown)

    # ---------------------------------------------------------------- the agent's set

    def update_pending(self, workflow_id: str, pending: list) -> None:
        if workflow_id != self.workflow_id:
            if self.workflow_id is not None:
                return  # a late answer about an agent no longer shown
            self.workflow_id = workflow_id
        open_ids = {p.trade_id for p in pending}
        for gone in [r for r in self.queue if r.trade_id not in open_ids]:
            self.queue.remove(gone)
            if gone.state != states.ANSWERED:
                decision = self.decision_of(gone.trade_id)
                why = decision.approval.value if decision and decision.approval else "closed"
                note = decision.approval_note if decision else ""
                why += f" ({note})" if note else ""
                gone.abort(why)
                self.closed_by_agent.emit(gone.trade_id, why)
        known = {r.trade_id for r in self.queue}
        fresh = [self._request(p) for p in pending if p.trade_id not in known]
        self.queue.extend(fresh)
        if fresh:
            self._notify(fresh)
        self._show_head()

    def _request(self, pending) -> ApprovalRequest:
        state = getattr(self.controller, "state", None)
        waits = getattr(state, "approval_policy", "") == "wait"
        request = ApprovalRequest(self.workflow_id, pending, self.decision_of(pending.trade_id),
                                  clock_waits=waits, parent=self)
        request.submitted.connect(self.controller.review)
        request.changed.connect(lambda r=request: self._request_changed(r))
        return request

    def _agent_shown(self, workflow_id: str, _started: bool) -> None:
        """Another agent on screen: the old agent's requests end here, unanswered."""
        if workflow_id == self.workflow_id:
            return
        for request in self.queue:
            request.abort(f"the window switched to agent {workflow_id}")
        self.queue = []
        self.workflow_id = workflow_id
        self._show_head()

    def _request_changed(self, request: ApprovalRequest) -> None:
        if request.state == states.ANSWERED and request in self.queue:
            self.queue.remove(request)
            self._show_head()
        self.waiting_changed.emit(self.waiting())

    def waiting(self) -> int:
        return sum(1 for r in self.queue if r.can_answer())

    # ---------------------------------------------------------------- the dialog

    def _show_head(self) -> None:
        head = self.queue[0] if self.queue else None
        if self.dialog is not None and (head is None or self.dialog.request is not head):
            self.dialog.close()  # deleted on close
            self.dialog = None
        if head is not None and self.dialog is None:
            self.dialog = ApprovalDialog(head, self.window)
            self.dialog.finished.connect(self._dismissed)  # Esc, the close button: queued
            self.dialog.show()
        if self.dialog is not None:
            waiting = len(self.queue) - 1
            self.dialog.setWindowTitle(self.dialog.base_title + (
                f"  ({waiting} more waiting)" if waiting else ""))
        self.waiting_changed.emit(self.waiting())

    def reopen(self) -> None:
        """Bring back a dialog the human closed (closing answers nothing)."""
        if self.dialog is not None:
            self.dialog.show()
            self.dialog.raise_()
            self.dialog.activateWindow()
        self._show_head()

    def _dismissed(self, _result: int) -> None:
        self.dialog = None  # reopened with the next change; nothing is answered by closing

    def _notify(self, fresh: list[ApprovalRequest]) -> None:
        hidden = not self.window.isVisible() or self.window.isMinimized()
        if self.tray is None or not hidden:
            return
        intent = fresh[0].pending.intent
        self.tray.showMessage("Trade needs approval",
                              f"{intent.side.value} {intent.quantity:,} {intent.symbol}",
                              QSystemTrayIcon.MessageIcon.Warning, 10_000)
