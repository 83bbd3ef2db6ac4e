"""The status bar: health of each service, restarts, the model (the offline analyst
labelled as such), the Temporal target, the tick and market date."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar

COLOURS = {"ready": "#1b7f3b", "starting": "#b8860b", "restarting": "#ef6c00",
           "planned": "#777", "failed": "#c62828", "exited": "#c62828", "stopped": "#777"}
SHORT = {"temporal": "Temporal", "mockoon": "Mockoon"}


class HarnessStatusBar(QStatusBar):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.services = QLabel("services: starting…")
        self.restarts = QLabel("restarts: 0")
        self.model = QLabel("model: —")
        self.target = QLabel("Temporal: —")
        self.tick = QLabel("tick —")
        for label in (self.services, self.restarts, self.model, self.target, self.tick):
            self.addPermanentWidget(label)

    def show_services(self, services: dict) -> None:
        parts = []
        for name, record in services.items():
            status = record.get("status", "?")
            title = SHORT.get(name, name.replace("worker-", "Worker "))
            parts.append(f"<span style='color:{COLOURS.get(status, '#333')}'>●</span> "
                         f"{title} {status}")
        self.services.setText("  ".join(parts))
        total = sum(int(r.get("restarts", 0)) for r in services.values())
        self.restarts.setText(f"restarts: {total}")

    def show_target(self, runtime: dict) -> None:
        where = "embedded" if runtime.get("owned") else "attached"
        self.target.setText(f"Temporal {runtime['temporal_address']} / "
                            f"{runtime['namespace']} ({where})")

    def show_state(self, state) -> None:
        self.model.setText(f"model: {state.model_label}")
        self.tick.setText(f"tick {state.tick} · {state.date or '—'} · {state.phase.value}")
