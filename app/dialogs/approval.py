"""The approval dialog: it renders an ApprovalRequest (app/approval_request.py) and
forwards the human's clicks to it; the request owns the state.

Layout, top to bottom, one method each so more context can be added in its own section
(a strategy's code, say):  _summary (the trade, the guardrail's reasons, what the agent
saw, the countdown and what happens at expiry)  ->  _answer_box (quantity and reason)
->  _status (sending…, refused, failed)  ->  _buttons.

Trust: no key approves by accident. No button is a default or auto-default one, and
Enter/Return do nothing here; approving is a click or the named Alt+A, and it sends
exactly the share count the box shows (the button says it). Non-modal (no nested event
loop); deleted on close with its timer (the request lives on in the desk's queue).
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from app import approval_request as states
from app.approval_request import ApprovalRequest
from app.format import money
from app.theme import tone

HINT = "Alt+A approves the shares shown, Alt+R rejects; Esc closes and decides nothing."


def _wrapped(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def expiry_text(request: ApprovalRequest) -> str:
    if request.clock_waits:
        return ("The market clock is stopped until you decide. At expiry the trade is "
                "rejected as expired: no order is placed.")
    return "At expiry the trade is rejected as expired: no order is placed."


class ApprovalDialog(QDialog):
    def __init__(self, request: ApprovalRequest, parent=None) -> None:
        super().__init__(parent)
        self.request = request
        self.pending = request.pending
        self.requested = request.requested
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setModal(False)
        intent = self.pending.intent
        self.base_title = (f"Approval needed: {intent.side.value.upper()} "
                           f"{intent.quantity:,} {intent.symbol}")
        self.setWindowTitle(self.base_title)
        self.setAccessibleName(self.base_title)
        layout = QVBoxLayout(self)
        self.form = QFormLayout()
        layout.addWidget(self._headline())
        self._summary(self.form)
        self._answer_box(self.form)
        layout.addLayout(self.form)
        layout.addWidget(self._status())
        layout.addLayout(self._buttons())
        self.setMinimumWidth(560)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(1000)
        self._tick()
        request.changed.connect(self.render)
        self.render()

    # ---------------------------------------------------------------- sections

    def _headline(self) -> QLabel:
        intent, check = self.pending.intent, self.pending.check
        headline = QLabel(f"{intent.side.value.upper()} {intent.quantity:,} {intent.symbol} "
                          f"@ {money(check.price)}  =  {money(check.notional)}")
        headline.setStyleSheet("font-size: 14pt; font-weight: 700;")
        return headline

    def _summary(self, form: QFormLayout) -> None:
        pending, intent, check = self.pending, self.pending.intent, self.pending.check
        form.addRow("Trade", QLabel(f"{pending.trade_id}  (tick {pending.tick}, "
                                    f"{pending.date})"))
        form.addRow("Symbol / side", QLabel(f"{intent.symbol} / {intent.side.value}"))
        form.addRow("Quantity", QLabel(f"{intent.quantity:,} shares"))
        form.addRow("Price", QLabel(money(check.price)))
        form.addRow("Notional", QLabel(money(check.notional)))
        form.addRow("Why a human", _wrapped("\n".join(f"• {r}" for r in check.reasons)
                                            or "• the guardrail asks for approval"))
        form.addRow("Agent's rationale", _wrapped(intent.rationale))
        decision = self.request.decision
        news = decision.news if decision is not None else []
        form.addRow("Headlines it saw", _wrapped("\n".join(f"• {h}" for h in news[:6])
                                                 or "none"))
        self.countdown = QLabel()
        self.countdown.setStyleSheet(f"font-weight: 600; color: {tone('warn')};")
        self.countdown.setAccessibleName("Time left to decide")
        form.addRow("Expires in", self.countdown)
        self.expiry = _wrapped(expiry_text(self.request))
        form.addRow("", self.expiry)

    def _answer_box(self, form: QFormLayout) -> None:
        self.quantity = QSpinBox()
        self.quantity.setRange(1, max(1, self.requested))
        self.quantity.setValue(self.requested)
        self.quantity.setSuffix(" shares")
        self.quantity.setGroupSeparatorShown(True)
        self.quantity.setAccessibleName("Shares to approve")
        self.quantity.setKeyboardTracking(True)
        form.addRow("Approve quantity", self.quantity)
        self.reason = QLineEdit(placeholderText="optional: why (kept in the journal)")
        self.reason.setAccessibleName("Reason")
        form.addRow("Reason", self.reason)
        self.quantity.valueChanged.connect(self._quantity_changed)

    def _status(self) -> QLabel:
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Approval status")
        self.status.hide()
        self.error = self.status  # the older name, kept for callers
        return self.status

    def _buttons(self) -> QHBoxLayout:
        self.reject_button = QPushButton("&Reject")
        self.approve_button = QPushButton()
        for button in (self.reject_button, self.approve_button):
            button.setAutoDefault(False)  # a focused button must not turn Enter into a click
            button.setDefault(False)
        self.approve_button.setAccessibleName("Approve the shares shown")
        self.reject_button.setAccessibleName("Reject the trade")
        self.reject_button.clicked.connect(lambda: self._send(False))
        self.approve_button.clicked.connect(lambda: self._send(True))
        hint = QLabel(HINT)
        hint.setStyleSheet(f"color: {tone('muted')};")
        row = QHBoxLayout()
        row.addWidget(hint, 1)
        row.addWidget(self.reject_button)
        row.addWidget(self.approve_button)
        self._quantity_changed(self.quantity.value())
        return row

    # ---------------------------------------------------------------- behaviour

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()  # never an answer: QDialog would click a default button
            return
        super().keyPressEvent(event)

    def _quantity_changed(self, value: int) -> None:
        fewer = "" if value == self.requested else f" of {self.requested:,}"
        self.approve_button.setText(f"&Approve {value:,}{fewer} shares")

    def _send(self, approve: bool) -> None:
        # interpretText: a number typed but not yet committed counts as shown.
        self.quantity.interpretText()
        self.request.send(approve, self.quantity.value(), self.reason.text())

    def render(self) -> None:
        state, message = self.request.state, self.request.message
        answerable = self.request.can_answer()
        for widget in (self.approve_button, self.reject_button, self.quantity, self.reason):
            widget.setEnabled(answerable)
        text, level = {
            states.OPEN: (message, "error"),
            states.SENDING: ("Sending…", "info"),
            states.REFUSED: (f"Refused: {message}", "error"),
            states.FAILED: (f"Could not send: {message}. Nothing was decided; try again.",
                            "error"),
            states.ANSWERED: (message, "ok"),
            states.ABORTED: (f"Closed: {message}", "warn"),
        }[state]
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {tone(level)}; font-weight: 600;")
        self.status.setVisible(bool(text))

    def _tick(self) -> None:
        left = self.pending.expires_at - time.time()
        if left <= 0:
            self.countdown.setText("expired")
            self._timer.stop()
            return
        self.countdown.setText(f"{int(left) // 60}:{int(left) % 60:02d}")

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._timer.stop()
        super().closeEvent(event)

    def done(self, result: int) -> None:  # Esc and reject() end here: stop the timer too
        self._timer.stop()
        super().done(result)
