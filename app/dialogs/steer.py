"""Agent ▸ Steer…: a note for the agent's next brief (the `steer` signal)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout

MAX_NOTE = 500  # the workflow keeps at most this many characters


class SteerDialog(QDialog):
    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Steer the agent")
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("e.g. Be cautious with AAPL this week.")
        self.count = QLabel(f"0 / {MAX_NOTE}")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.send = self.buttons.addButton("Send note", QDialogButtonBox.ButtonRole.AcceptRole)
        self.send.setEnabled(False)
        self.buttons.accepted.connect(self._send)
        self.buttons.rejected.connect(self.close)
        self.note.textChanged.connect(self._changed)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("A note the agent reads in its next brief:"))
        layout.addWidget(self.note)
        layout.addWidget(self.count)
        layout.addWidget(self.buttons)

    def _changed(self) -> None:
        length = len(self.note.toPlainText().strip())
        self.count.setText(f"{length} / {MAX_NOTE}")
        self.send.setEnabled(0 < length <= MAX_NOTE)

    def _send(self) -> None:
        self.controller.steer(self.note.toPlainText().strip())
        self.close()
