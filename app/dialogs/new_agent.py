"""Agent ▸ New agent…: symbols, start date, cash, model, tick interval and strategy
discovery (on/off, candidates, sandbox), validated in the form before anything is sent."""

from __future__ import annotations

import re

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
)

from engine.discovery.contracts import SANDBOX_CHOICES, DiscoverySettings

SYMBOLS = ("AAPL", "MSFT", "IBM", "GOOG")
FIRST_DATE, LAST_DATE = QDate(2000, 3, 27), QDate(2013, 3, 1)  # the shipped tape
MODELS = ("offline-analyst", "openai:gpt-4o-mini", "compatible:llama3.1")
PREVIOUS = (("keeps running (Agent ▸ Switch agent… shows it again)", "keep"),
            ("is paused", "pause"), ("is stopped for good", "stop"))
MODEL_PATTERN = re.compile(r"^(offline-analyst|(openai|compatible):[\w.\-:/]+)$")


def _candidate_bounds() -> tuple[int, int]:
    """The engine's own bounds (DiscoverySettings.candidates): the form refuses exactly
    what the engine would."""
    meta = DiscoverySettings.model_fields["candidates"].metadata
    return (next(m.ge for m in meta if hasattr(m, "ge")),
            next(m.le for m in meta if hasattr(m, "le")))


MIN_CANDIDATES, MAX_CANDIDATES = _candidate_bounds()


def validate(values: dict) -> list[str]:
    """Problems with the form's values, one message per field (empty: valid)."""
    problems = []
    if not values["symbols"]:
        problems.append("Symbols: pick at least one")
    if not MODEL_PATTERN.match(values["model"]):
        problems.append("Model: offline-analyst, openai:<model> or compatible:<model>")
    if values["starting_cash"] <= 0:
        problems.append("Cash: must be above zero")
    if values["tick_interval_s"] < 0:
        problems.append("Tick interval: zero (as fast as possible) or more")
    discovery = values.get("discovery")
    if discovery is not None:
        if not MIN_CANDIDATES <= discovery["candidates"] <= MAX_CANDIDATES:
            problems.append(f"Candidates: {MIN_CANDIDATES} to {MAX_CANDIDATES} per symbol")
        if discovery["sandbox"] not in SANDBOX_CHOICES:
            problems.append(f"Sandbox: one of {', '.join(SANDBOX_CHOICES)}")
    return problems


class NewAgentDialog(QDialog):
    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("New agent")
        self.symbols = {s: QCheckBox(s) for s in SYMBOLS}
        row = QHBoxLayout()
        for box in self.symbols.values():
            row.addWidget(box)
        self.symbols["AAPL"].setChecked(True)
        self.start = QDateEdit(QDate(2004, 1, 2))
        self.start.setDateRange(FIRST_DATE, LAST_DATE)
        self.start.setDisplayFormat("yyyy-MM-dd")
        self.start.setCalendarPopup(True)
        self.cash = QDoubleSpinBox()
        self.cash.setRange(0, 1e9)
        self.cash.setDecimals(2)
        self.cash.setPrefix("$ ")
        self.cash.setGroupSeparatorShown(True)
        self.cash.setValue(100_000)
        from app import app_settings

        defaults = app_settings.load()  # File ▸ Settings… chose the model and interval
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.addItems(MODELS)
        self.model.setCurrentText(defaults.model)
        self.interval = QDoubleSpinBox()
        self.interval.setRange(0, 3600)
        self.interval.setSuffix(" s")
        self.interval.setValue(defaults.tick_interval_s)
        # Discovery, on by default as for the window's first agent (app/defaults.py).
        self.discover = QCheckBox("Backtest candidate strategies in sandboxes first")
        self.discover.setChecked(True)
        self.candidates = QSpinBox()
        self.candidates.setRange(0, 999)  # out-of-range values get the form's message
        self.candidates.setValue(DiscoverySettings().candidates)
        self.candidates.setSuffix(" per symbol")
        self.sandbox = QComboBox()
        self.sandbox.addItems(SANDBOX_CHOICES)  # auto: Docker if it works here, else bwrap
        self.sandbox.setCurrentText(DiscoverySettings().sandbox)
        form = QFormLayout()
        form.addRow("Symbols", row)
        form.addRow("Start date", self.start)
        form.addRow("Starting cash", self.cash)
        form.addRow("Model", self.model)
        form.addRow("Tick interval", self.interval)
        form.addRow("Discovery", self.discover)
        form.addRow("Candidates", self.candidates)
        form.addRow("Sandbox", self.sandbox)
        # The agent shown now does not stop by itself when another starts: ask.
        self.previous = QComboBox()
        for text, key in PREVIOUS:
            self.previous.addItem(text, key)
        self.previous.setAccessibleName("What becomes of the agent shown now")
        current = getattr(controller, "workflow_id", None)
        if current:
            form.addRow(f"Agent {current}", self.previous)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b71c1c;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.addButton("Start agent", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._start)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        for box in self.symbols.values():
            box.toggled.connect(self._check)
        self.model.currentTextChanged.connect(self._check)
        self.cash.valueChanged.connect(self._check)
        self.discover.toggled.connect(self._check)
        self.candidates.valueChanged.connect(self._check)
        self.sandbox.currentTextChanged.connect(self._check)
        self._check()

    def values(self) -> dict:
        values = {
            "symbols": [s for s, box in self.symbols.items() if box.isChecked()],
            "start_date": self.start.date().toString("yyyy-MM-dd"),
            "starting_cash": self.cash.value(),
            "model": self.model.currentText().strip(),
            "tick_interval_s": self.interval.value(),
            "discovery": {"candidates": self.candidates.value(),
                          "sandbox": self.sandbox.currentText()}
            if self.discover.isChecked() else None,
        }
        from app.defaults import window_policy

        return values | window_policy()

    def _check(self) -> bool:
        for widget in (self.candidates, self.sandbox):  # they mean nothing without discovery
            widget.setEnabled(self.discover.isChecked())
        problems = validate(self.values())
        self.error.setText("\n".join(problems))
        self.ok.setEnabled(not problems)
        return not problems

    def _start(self) -> None:
        if self._check():
            self.controller.new_agent(self.values(), self.previous.currentData())
            self.close()
