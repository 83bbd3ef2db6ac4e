"""Agent ▸ Risk limits…: the `set_limits` update; the workflow's validator may refuse,
and its message is shown inline (the dialog stays open)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
)

# field: (label, minimum, maximum, decimals, scale); percentages are shown as percent.
FIELDS = {
    "max_order_notional": ("Max order notional ($)", 1, 1e9, 2, 1),
    "approval_notional": ("Ask a human above ($)", 0, 1e9, 2, 1),
    "max_daily_notional": ("Max daily notional ($)", 1, 1e10, 2, 1),
    "max_position_pct": ("Max position (% of equity)", 0.1, 100, 1, 100),
    "daily_loss_limit_pct": ("Daily loss limit (%)", 0.1, 100, 1, 100),
    "limit_band_pct": ("Limit price band (%)", 0.1, 50, 1, 100),
}


class LimitsDialog(QDialog):
    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Risk limits")
        state = getattr(controller, "state", None)
        current = state.limits.model_dump() if state is not None else {}
        form = QFormLayout()
        self.inputs: dict[str, QDoubleSpinBox] = {}
        for name, (label, low, high, decimals, scale) in FIELDS.items():
            box = QDoubleSpinBox()
            box.setRange(low, high)
            box.setDecimals(decimals)
            box.setGroupSeparatorShown(True)
            if name in current:
                box.setValue(current[name] * scale)
            form.addRow(label, box)
            self.inputs[name] = box
        self.max_quantity = QSpinBox()
        self.max_quantity.setRange(1, 10**9)
        self.max_quantity.setValue(int(current.get("max_quantity", 100_000)))
        form.addRow("Max quantity (shares)", self.max_quantity)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b71c1c; font-weight: 600;")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Apply
                                   | QDialogButtonBox.StandardButton.Close)
        self.apply = buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.apply.clicked.connect(self._apply)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        controller.request_failed.connect(self._failed)
        controller.request_done.connect(self._done)

    def values(self) -> dict:
        out = {name: box.value() / FIELDS[name][4] for name, box in self.inputs.items()}
        out["max_quantity"] = self.max_quantity.value()
        return out

    def _apply(self) -> None:
        self.error.clear()
        self.apply.setEnabled(False)
        self.controller.set_limits(self.values())

    def _failed(self, action: str, message: str) -> None:
        if action == "set_limits":
            self.error.setText(message)
            self.apply.setEnabled(True)

    def _done(self, action: str, _message: str) -> None:
        if action == "set_limits":
            self.close()
