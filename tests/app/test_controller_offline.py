"""The real controller's synchronous parts, without a runtime: export, the About box."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import QLabel

from app.controller import Controller
from app.dialogs.about import AboutDialog, versions

GOLDEN = Path(__file__).parents[1] / "histories" / "v2" / "tick_loop.run0.json"


def test_export_writes_the_temporal_json_format(qapp, tmp_path):
    controller = Controller(tmp_path / "home")
    events = json.loads(GOLDEN.read_text())["events"]
    controller.history.tree.add_batch([("run-1", e) for e in events])
    done = []
    controller.request_done.connect(lambda action, text: done.append(action))
    controller.export_history(str(tmp_path / "out.json"))
    assert json.loads((tmp_path / "out.json").read_text()) == {"events": events}
    assert done == ["export"]


def test_requests_before_the_agent_is_attached_say_so(qapp, tmp_path):
    controller = Controller(tmp_path / "home")
    failures = []
    controller.request_failed.connect(lambda action, text: failures.append((action, text)))
    controller.load_earlier_run()
    assert failures == [("earlier_run", "the oldest run shown is the agent's first")]


def test_about_lists_the_versions(qtbot):
    found = versions()
    assert found["Temporal Python SDK"][0].isdigit()
    assert "temporal version" in found["Temporal CLI / dev server"]
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    text = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "OpenAI Agents SDK" in text and found["Temporal Python SDK"] in text


def test_open_web_ui_hands_the_dev_servers_url_to_the_system_browser(qapp, tmp_path):
    from PySide6.QtCore import QObject, QUrl, Slot
    from PySide6.QtGui import QDesktopServices

    from engine.runtime.state import RuntimeInfo

    class Browser(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.opened: list[str] = []

        @Slot(QUrl)
        def open(self, url: QUrl) -> None:
            self.opened.append(url.toString())

    browser = Browser()
    QDesktopServices.setUrlHandler("http", browser, "open")
    try:
        controller = Controller(tmp_path / "home")
        failures = []
        controller.request_failed.connect(lambda action, text: failures.append(action))
        controller.open_web_ui()
        assert failures == ["web_ui"], "no runtime yet: said, not attempted"
        controller.info = RuntimeInfo(home=tmp_path, temporal_address="127.0.0.1:7233",
                                      namespace="default", ui_url="http://127.0.0.1:8233",
                                      mockoon_url="http://127.0.0.1:3001", supervisor_pid=1)
        controller.open_web_ui()
        assert browser.opened == ["http://127.0.0.1:8233"]
    finally:
        QDesktopServices.unsetUrlHandler("http")
