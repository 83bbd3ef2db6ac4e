"""Start-up progress, one line per service, shown while the runtime comes up in the
background (the window is on screen before any of it is ready)."""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QPushButton, QWidget

from app.theme import tone

LABELS = {"temporal": "Temporal dev server", "mockoon": "Mockoon (market, news, broker)",
          "worker-1": "Worker", "worker-2": "Standby worker", "agent": "Trading agent"}
SYMBOLS = {"ready": "✓ ready", "starting": "… starting", "planned": "… waiting",
           "restarting": "↻ restarting", "failed": "✖ failed", "exited": "✖ exited",
           "stopped": "■ stopped"}


class StartupPanel(QWidget):
    retry_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._started = time.monotonic()
        grid = QGridLayout(self)
        title = QLabel("Starting the runtime…")
        title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        grid.addWidget(title, 0, 0, 1, 2)
        self.title = title
        self.rows: dict[str, QLabel] = {}
        for row, (key, text) in enumerate(LABELS.items(), start=1):
            grid.addWidget(QLabel(text), row, 0)
            status = QLabel("… waiting")
            grid.addWidget(status, row, 1)
            self.rows[key] = status
        self.bar = QProgressBar()
        self.bar.setRange(0, len(LABELS))
        grid.addWidget(self.bar, len(LABELS) + 1, 0, 1, 2)
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.hide()
        grid.addWidget(self.reason, len(LABELS) + 2, 0, 1, 2)
        self.retry = QPushButton("Retry")
        self.retry.setAccessibleName("Retry starting the runtime")
        self.retry.clicked.connect(self._retry)
        self.retry.hide()
        grid.addWidget(self.retry, len(LABELS) + 3, 0)
        grid.setColumnStretch(1, 1)

    def show_services(self, services: dict) -> None:
        for name, record in services.items():
            if name in self.rows:
                self.rows[name].setText(SYMBOLS.get(record.get("status", ""),
                                                    record.get("status", "")))
        self._progress()

    def agent_ready(self, text: str) -> None:
        self.rows["agent"].setText("✓ " + text)
        self._progress()
        self.title.setText(f"Ready in {time.monotonic() - self._started:.1f} s")

    def failed(self, message: str) -> None:
        """Said in full, with a way out: never "Starting the runtime…" forever."""
        self.show()
        self.title.setText("The runtime could not start")
        self.title.setStyleSheet(f"font-size: 13pt; font-weight: 600; color: {tone('error')};")
        self.reason.setText(message)
        self.reason.show()
        self.retry.show()
        self.retry.setEnabled(True)

    def stopping(self) -> None:
        self.show()
        self.title.setText("Stopping…")
        self.retry.hide()

    def _retry(self) -> None:
        self.retry.setEnabled(False)
        self.title.setText("Starting the runtime…")
        self.title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.reason.hide()
        self.retry_requested.emit()

    def _progress(self) -> None:
        self.bar.setValue(sum(label.text().startswith("✓") for label in self.rows.values()))
