"""A one-line coloured banner at the top of the window: recovery narration, errors,
results of requests. The latest message wins; it stays until replaced or closed."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

STYLES = {
    "info": ("#e3f2fd", "#0d47a1"),
    "ok": ("#e8f5e9", "#1b5e20"),
    "warn": ("#fff8e1", "#8d5a00"),
    "error": ("#ffebee", "#b71c1c"),
}


class Banner(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setWordWrap(True)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.setAutoFillBackground(True)
        self.level = ""
        self.hide()

    def say(self, level: str, text: str) -> None:
        background, colour = STYLES.get(level, STYLES["info"])
        self.setStyleSheet(f"background: {background}; color: {colour}; font-weight: 600;")
        self.level = level
        self.label.setText(text)
        self.show()
