"""Approve a strategy the model wrote before the agent trades on it: its code, the
worker's scorecard and the diff against the nearest shipped family, then approve or
reject with a reason. Shows an engine.discovery.review.StrategyReviewText; answers
through `answer` (the controller sends it as the review_strategy update).

Non-modal, like the trade approval dialog; it never answers by itself.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
)

from app.widgets.code_view import CodeView


class StrategyApprovalDialog(QDialog):
    answer = Signal(str, bool, str)  # symbol, approve, reason

    def __init__(self, review, parent=None) -> None:
        super().__init__(parent)
        self.review = review
        self.setWindowTitle(f"Approve model-written strategy for {review.symbol}?")
        self.setModal(False)
        headline = QLabel(f"{review.name}: code the model wrote, backtested in the sandbox. "
                          "The agent trades on its signal only once you approve it.")
        headline.setWordWrap(True)
        headline.setStyleSheet("font-weight: 600;")
        self.tabs = QTabWidget()
        self.tabs.addTab(CodeView(review.code), "Code")
        self.tabs.addTab(CodeView(review.diff or "(identical)", diff=True),
                         f"Diff vs {review.nearest_family}")
        self.tabs.addTab(CodeView(review.scorecard), "Scorecard")
        self.reason = QLineEdit(placeholderText="optional: why (kept in the history)")
        self.error = QLabel()
        self.error.setStyleSheet("color: #b71c1c; font-weight: 600;")
        self.error.hide()
        self.approve_button = QPushButton("Approve code")
        self.reject_button = QPushButton("Reject")
        self.reject_button.setDefault(True)  # the safe answer is the default
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.reject_button)
        buttons.addWidget(self.approve_button)
        layout = QVBoxLayout(self)
        layout.addWidget(headline)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.resize(720, 560)
        self.approve_button.clicked.connect(lambda: self._send(True))
        self.reject_button.clicked.connect(lambda: self._send(False))

    def _send(self, approve: bool) -> None:
        self.error.hide()
        for button in (self.approve_button, self.reject_button):
            button.setEnabled(False)
        self.answer.emit(self.review.symbol, approve, self.reason.text().strip())

    def refused(self, message: str) -> None:
        """The validator said no (decided already, unknown symbol): say why."""
        self.error.setText(f"Refused: {message}")
        self.error.show()
        for button in (self.approve_button, self.reject_button):
            button.setEnabled(True)
