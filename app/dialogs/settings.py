"""File ▸ Settings…: model provider and key, Temporal target, tick interval; validated
field by field. The key goes to the OS keyring only; if there is none, the dialog says
so and stores nothing (no secret is ever written to a file in clear)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from app import app_settings
from engine.agent.secrets import KeyringUnavailable, set_api_key

FIELD_LABELS = {"model": "Model", "openai_base_url": "Endpoint base URL",
                "temporal_mode": "Temporal", "temporal_address": "Remote address",
                "namespace": "Namespace", "tick_interval_s": "Tick interval",
                "max_order_notional": "Max order ($)", "approval_notional": "Ask a human above ($)"}


APPROVAL_HELP = ("Orders above this amount wait for your approval. The offline analyst "
                 "buys 3% to 12% of equity by its confidence: at a $100,000 start, $15,000 "
                 "(the default) asks only for orders larger than any routine one. Lower it "
                 "to review more trades.")


class SettingsDialog(QDialog):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        current = app_settings.load()
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.addItems(["offline-analyst", "openai:gpt-4o-mini", "compatible:llama3.1"])
        self.model.setCurrentText(current.model)
        self.base_url = QLineEdit(current.openai_base_url)
        self.base_url.setPlaceholderText("http://127.0.0.1:11434/v1 (compatible endpoints)")
        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("stored in the OS keyring, never in a file")
        self.mode = QComboBox()
        self.mode.addItems(["embedded", "remote"])
        self.mode.setCurrentText(current.temporal_mode)
        self.address = QLineEdit(current.temporal_address)
        self.namespace = QLineEdit(current.namespace)
        self.tls = QCheckBox("TLS")
        self.temporal_key = QLineEdit()
        self.temporal_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.temporal_key.setPlaceholderText("remote cluster API key: OS keyring, never a file")
        self.tls.setChecked(current.temporal_tls)
        self.interval = QDoubleSpinBox()
        self.interval.setRange(0, 3600)
        self.interval.setSuffix(" s")
        self.interval.setValue(current.tick_interval_s)
        self.max_order = self._money(current.max_order_notional)
        self.approval = self._money(current.approval_notional)
        self.approval.setToolTip(APPROVAL_HELP)
        self.max_order.setToolTip("No single order above this amount is ever placed.")
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, widget in (("model", self.model), ("openai_base_url", self.base_url),
                            ("api_key", self.api_key), ("temporal_mode", self.mode),
                            ("temporal_address", self.address), ("namespace", self.namespace),
                            ("temporal_tls", self.tls), ("temporal_key", self.temporal_key),
                            ("tick_interval_s", self.interval),
                            ("max_order_notional", self.max_order),
                            ("approval_notional", self.approval)):
            form.addRow(FIELD_LABELS.get(key, {"api_key": "Model API key", "temporal_tls": "",
                                               "temporal_key": "Temporal API key"}.get(key, key)),
                        widget)
            error = QLabel()
            error.setStyleSheet("color: #b71c1c;")
            error.hide()
            form.addRow("", error)
            self.errors[key] = error
        explained = QLabel(APPROVAL_HELP)  # said in the form, not only in a tooltip
        explained.setWordWrap(True)
        form.addRow("", explained)
        self.result_label = QLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.result_label)
        layout.addWidget(buttons)

    def values(self) -> app_settings.AppSettings:
        return app_settings.AppSettings(
            model=self.model.currentText().strip(), openai_base_url=self.base_url.text().strip(),
            temporal_mode=self.mode.currentText(), temporal_address=self.address.text().strip(),
            namespace=self.namespace.text().strip(), temporal_tls=self.tls.isChecked(),
            tick_interval_s=self.interval.value(), max_order_notional=self.max_order.value(),
            approval_notional=self.approval.value())

    @staticmethod
    def _money(value: float) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setRange(0, 1e9)
        box.setDecimals(2)
        box.setPrefix("$ ")
        box.setGroupSeparatorShown(True)
        box.setValue(value)
        return box

    def save(self) -> bool:
        values = self.values()
        problems = app_settings.validate(values)
        for key, label in self.errors.items():
            label.setText(problems.get(key, ""))
            label.setVisible(key in problems)
        if problems:
            return False
        key = self.api_key.text().strip()
        provider = values.model.partition(":")[0]
        provider = provider if provider in ("openai", "compatible") else "openai"
        for field, store, secret in (("api_key", lambda k: set_api_key(provider, k), key),
                                     ("temporal_key", app_settings.set_temporal_key,
                                      self.temporal_key.text().strip())):
            if not secret:
                continue
            try:
                store(secret)
            except KeyringUnavailable as exc:
                self.errors[field].setText(str(exc))
                self.errors[field].show()
                return False
        key = key or self.temporal_key.text().strip()
        self.api_key.clear()  # secrets are not kept in the widgets either
        self.temporal_key.clear()
        path = app_settings.save(values)
        self.result_label.setText(f"Saved to {path}" + (" (key in the OS keyring)" if key
                                                         else ""))
        return True
