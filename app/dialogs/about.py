"""Help ▸ About: versions of the app, the Temporal CLI/server, the SDKs and Qt, and what
each probed model endpoint supports."""

from __future__ import annotations

import html
import subprocess
import threading
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Signal, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from engine.agent.endpoint_records import describe

CLI = "Temporal CLI / dev server"


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


def versions(cli: bool = True) -> dict[str, str]:
    return {
        "Durable Agentic Harness": _package("durable-agentic-harness"),
        CLI: temporal_cli_version() if cli else "…",
        "Temporal Python SDK": _package("temporalio"),
        "OpenAI Agents SDK": _package("openai-agents"),
        "PySide6 / Qt": f"{pyside_version} / {qVersion()}",
        "qasync": _package("qasync"),
    }


class AboutDialog(QDialog):
    """Opens at once: the Temporal CLI's version (a subprocess, up to 5 s) is asked in a
    thread and filled in when it answers."""

    cli_found = Signal(str)

    def __init__(self, parent=None, endpoints: list | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About")
        self.found = versions(cli=False)
        # What each model endpoint supports, as this home's workers probed it.
        self.endpoints = [describe(r) for r in endpoints or []]
        self.label = QLabel()
        self.label.setAccessibleName("Versions")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(buttons)
        self._render()
        self.cli_found.connect(self._cli)  # queued: emitted from the thread
        threading.Thread(target=self._ask_cli, name="about-temporal-version",
                         daemon=True).start()

    def _ask_cli(self) -> None:
        version = temporal_cli_version()
        try:
            self.cli_found.emit(version)
        except RuntimeError:
            pass  # the dialog was closed (and deleted) first

    def _cli(self, version: str) -> None:
        self.found[CLI] = version
        self._render()

    def _render(self) -> None:
        rows = "".join(f"<tr><td>{k}</td><td><b>{html.escape(v)}</b></td></tr>"
                       for k, v in self.found.items())
        rows += "".join(f"<tr><td>Model endpoint</td><td>{html.escape(line)}</td></tr>"
                        for line in self.endpoints)
        self.label.setText("<h3>Durable Agentic Harness</h3><p>Crash-safe, human-supervised "
                           f"AI agents on Temporal.</p><table cellspacing=6>{rows}</table>")
