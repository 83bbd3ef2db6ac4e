"""Help ▸ About: versions of the app, the Temporal CLI/server, the SDKs and Qt."""

from __future__ import annotations

import subprocess
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout


def _package(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def temporal_cli_version() -> str:
    try:
        from engine.runtime.temporal_server import find_temporal_binary

        out = subprocess.run([find_temporal_binary(), "--version"], capture_output=True,
                             text=True, timeout=5)
        return out.stdout.strip() or out.stderr.strip()
    except Exception as exc:  # noqa: BLE001 - the About box must open regardless
        return f"unknown ({type(exc).__name__})"


def versions() -> dict[str, str]:
    return {
        "Durable Agentic Harness": _package("durable-agentic-harness"),
        "Temporal CLI / dev server": temporal_cli_version(),
        "Temporal Python SDK": _package("temporalio"),
        "OpenAI Agents SDK": _package("openai-agents"),
        "PySide6 / Qt": f"{pyside_version} / {qVersion()}",
        "qasync": _package("qasync"),
    }


class AboutDialog(QDialog):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About")
        rows = "".join(f"<tr><td>{k}</td><td><b>{v}</b></td></tr>" for k, v in versions().items())
        label = QLabel("<h3>Durable Agentic Harness</h3><p>Crash-safe, human-supervised AI "
                       f"agents on Temporal.</p><table cellspacing=6>{rows}</table>")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(buttons)
