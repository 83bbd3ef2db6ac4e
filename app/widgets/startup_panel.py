"""Start-up progress, one line per service, shown while the runtime comes up in the
background (the window is on screen before any of it is ready)."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QWidget

LABELS = {"temporal": "Temporal dev server", "mockoon": "Mockoon (market, news, broker)",
          "worker-1": "Worker", "worker-2": "Standby worker", "agent": "Trading agent"}
SYMBOLS = {"ready": "✓ ready", "starting": "… starting", "planned": "… waiting",
           "restarting": "↻ restarting", "failed": "✖ failed", "exited": "✖ exited",
           "stopped": "■ stopped"}


class StartupPanel(QWidget):
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
        self.title.setText("The runtime could not start")
        self.title.setStyleSheet("font-size: 13pt; font-weight: 600; color: #b71c1c;")
        self.title.setToolTip(message)

    def _progress(self) -> None:
        self.bar.setValue(sum(label.text().startswith("✓") for label in self.rows.values()))
