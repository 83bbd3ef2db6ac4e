"""The approval dialog: what the agent wants, why the guardrail asks a human, what the
agent saw, a live countdown; approve, approve fewer shares, or reject, with a reason.

Non-modal (no nested event loop). It never answers by itself: the desk closes it when
the trade is no longer pending (expired, superseded) and says why.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer, Signal
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

from app.format import money


def _wrapped(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


class ApprovalDialog(QDialog):
    answer = Signal(str, bool, object, str)  # trade id, approve, quantity or None, reason

    def __init__(self, pending, decision=None, parent=None, clock_waits: bool = False) -> None:
        super().__init__(parent)
        self.pending = pending
        intent, check = pending.intent, pending.check
        self.requested = intent.quantity
        side = intent.side.value.upper()
        self.setWindowTitle(f"Approval needed: {side} {intent.quantity:,} {intent.symbol}")
        self.setModal(False)
        headline = QLabel(f"{side} {intent.quantity:,} {intent.symbol} @ {money(check.price)}"
                          f"  =  {money(check.notional)}")
        headline.setStyleSheet("font-size: 14pt; font-weight: 700;")
        self.countdown = QLabel()
        self.countdown.setStyleSheet("font-weight: 600; color: #8d5a00;")
        form = QFormLayout()
        form.addRow("Trade", QLabel(f"{pending.trade_id}  (tick {pending.tick}, "
                                    f"{pending.date})"))
        form.addRow("Symbol / side", QLabel(f"{intent.symbol} / {intent.side.value}"))
        form.addRow("Quantity", QLabel(f"{intent.quantity:,} shares"))
        form.addRow("Price", QLabel(money(check.price)))
        form.addRow("Notional", QLabel(money(check.notional)))
        form.addRow("Why a human", _wrapped("\n".join(f"• {r}" for r in check.reasons)
                                            or "• the guardrail asks for approval"))
        form.addRow("Agent's rationale", _wrapped(intent.rationale))
        news = decision.news if decision is not None else []
        form.addRow("Headlines it saw", _wrapped("\n".join(f"• {h}" for h in news[:6])
                                                 or "none"))
        form.addRow("Expires in", self.countdown)
        if clock_waits:
            waiting = QLabel("The market clock is stopped until you decide.")
            waiting.setStyleSheet("color: #0d47a1;")
            form.addRow("", waiting)
        self.quantity = QSpinBox()
        self.quantity.setRange(1, max(1, intent.quantity))
        self.quantity.setValue(intent.quantity)
        self.quantity.setSuffix(" shares")
        self.quantity.setGroupSeparatorShown(True)
        form.addRow("Approve quantity", self.quantity)
        self.reason = QLineEdit(placeholderText="optional: why (kept in the journal)")
        form.addRow("Reason", self.reason)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b71c1c; font-weight: 600;")
        self.error.setWordWrap(True)
        self.error.hide()
        self.approve_button = QPushButton("Approve")
        self.approve_button.setDefault(True)
        self.approve_smaller = QPushButton()
        self.reject_button = QPushButton("Reject")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.reject_button, self.approve_smaller, self.approve_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(headline)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.setMinimumWidth(520)

        self.approve_button.clicked.connect(lambda: self._send(True, None))
        self.approve_smaller.clicked.connect(lambda: self._send(True, self.quantity.value()))
        self.reject_button.clicked.connect(lambda: self._send(False, None))
        self.quantity.valueChanged.connect(self._quantity_changed)
        self._quantity_changed(self.quantity.value())
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(1000)
        self._tick()

    def _quantity_changed(self, value: int) -> None:
        smaller = value < self.requested
        self.approve_smaller.setText(f"Approve {value:,} only" if smaller else "Approve fewer")
        self.approve_smaller.setToolTip("" if smaller else "Lower the quantity above first")
        self.approve_smaller.setEnabled(smaller)

    def _tick(self) -> None:
        left = self.pending.expires_at - time.time()
        if left <= 0:
            self.countdown.setText("expired")
            return
        self.countdown.setText(f"{int(left) // 60}:{int(left) % 60:02d}")

    def _send(self, approve: bool, quantity: int | None) -> None:
        self.error.hide()
        self._set_busy(True)
        self.answer.emit(self.pending.trade_id, approve, quantity, self.reason.text().strip())

    def _set_busy(self, busy: bool) -> None:
        for button in (self.approve_button, self.reject_button):
            button.setEnabled(not busy)
        self.approve_smaller.setEnabled(not busy and self.quantity.value() < self.requested)

    def refused(self, message: str) -> None:
        """The validator said no: show why, let the human try something else."""
        self.error.setText(f"Refused: {message}")
        self.error.show()
        self._set_busy(False)
