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
