"""Opens the strategy approval dialog when the agent's pick for a symbol is a
model-written strategy waiting for a human (engine/workflows/strategy_approval.py), one
symbol at a time; the answer goes out as the controller's review_strategy. Answers and
refusals come back on the review signals, keyed `strategy:SYMBOL`."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from app.dialogs.strategy_approval import StrategyApprovalDialog
from engine.discovery.review import review_of

KEY = "strategy:"


class StrategyDesk(QObject):
    def __init__(self, controller, window: QWidget) -> None:
        super().__init__(window)
        self.controller = controller
        self.window = window
        self.dialog: StrategyApprovalDialog | None = None
        self._answered: set[str] = set()
        controller.state_changed.connect(self.update_state)
        controller.review_answered.connect(self._answered_ok)
        controller.review_refused.connect(self._refused)

    def update_state(self, state) -> None:
        pending = [s for s, p in sorted((getattr(state, "strategies", None) or {}).items())
                   if p.approval.value == "pending" and s not in self._answered]
        if self.dialog is not None and self.dialog.review.symbol not in pending:
            self.dialog.close()  # decided elsewhere (the CLI, another window)
            self.dialog = None
        if self.dialog is None and pending:
            self.dialog = StrategyApprovalDialog(review_of(state.strategies[pending[0]]),
                                                 self.window)
            self.dialog.answer.connect(self.controller.review_strategy)
            self.dialog.rejected.connect(self._dismissed)  # Esc: asked again next state
            self.dialog.show()

    def _answered_ok(self, key: str, _outcome: str) -> None:
        if key.startswith(KEY):
            self._answered.add(key[len(KEY):])
            if self.dialog is not None and self.dialog.review.symbol == key[len(KEY):]:
                self.dialog.close()
                self.dialog = None

    def _refused(self, key: str, message: str) -> None:
        if self.dialog is not None and key == KEY + self.dialog.review.symbol:
            self.dialog.refused(message)

    def _dismissed(self) -> None:
        self.dialog = None
