"""The real controller's synchronous parts, without a runtime: export, the About box."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import QLabel

from app.dialogs.about import AboutDialog, versions

GOLDEN = Path(__file__).parents[1] / "histories" / "v2" / "tick_loop.run0.json"


def test_export_writes_the_temporal_json_format(make_controller, tmp_path):
    controller = make_controller()
    events = json.loads(GOLDEN.read_text())["events"]
    controller.history.tree.add_batch([("run-1", e) for e in events])
    done = []
    controller.request_done.connect(lambda action, text: done.append(action))
    controller.export_history(str(tmp_path / "out.json"))
    assert json.loads((tmp_path / "out.json").read_text()) == {"events": events}
    assert done == ["export"]


def test_requests_before_the_agent_is_attached_say_so(make_controller):
    """Each request reaches the "not attached" path (the old test only reached the
    earlier-run check, which answered something else)."""
    import asyncio

    controller = make_controller()
    failures = []
    controller.request_failed.connect(lambda action, text: failures.append((action, text)))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        controller.load_earlier_run()
        controller.pause()
        controller.resume()
        controller.stop_agent()
        controller.steer("careful")
        controller.set_limits({"approval_notional": 1.0})
        controller.verify_replay()
        controller.audit_tick(3)
        controller.list_agents()
        loop.run_until_complete(asyncio.gather(*controller._tasks))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    assert sorted(failures) == sorted(
        (action, "the agent is not attached yet") for action in (
            "earlier_run", "pause", "resume", "stop", "steer", "set_limits", "verify_replay",
            "audit", "list_agents"))


def test_export_to_a_missing_folder_says_so(make_controller, tmp_path):
    controller = make_controller()
    failures, done = [], []
    controller.request_failed.connect(lambda action, text: failures.append((action, text)))
    controller.request_done.connect(lambda action, text: done.append(action))
    target = tmp_path / "no-such-folder" / "out.json"
    controller.export_history(str(target))
    assert done == [] and len(failures) == 1
    action, text = failures[0]
    assert action == "export" and str(target) in text and "No such file" in text


class RecordedHistory:
    """Test double for the Temporal client's history stream (a recorded history, played
    slowly enough that a second click lands while the first load runs)."""

    def __init__(self, events) -> None:
        self.events = events

    async def stream_history_json(self, workflow_id, run_id, follow_runs=True):
        import asyncio

        for event in self.events:
            await asyncio.sleep(0.001)
            yield run_id, event


def test_earlier_run_clicked_twice_quickly_loads_once_and_says_so(make_controller):
    import asyncio

    from app.session import AgentSession

    events = json.loads(GOLDEN.read_text())["events"]
    first = dict(events[0])
    attrs = dict(first.get("workflowExecutionStartedEventAttributes", {}))
    attrs["continuedExecutionRunId"] = "run-0"
    first["workflowExecutionStartedEventAttributes"] = attrs
    controller = make_controller()
    controller.client = RecordedHistory(events)
    controller.history.tree.add_batch([("run-1", e) for e in [first, *events[1:]]])
    session = AgentSession(controller, "agent-x")
    controller.session = session
    said = []
    controller.request_failed.connect(lambda action, text: said.append(("failed", text)))
    controller.request_done.connect(lambda action, text: said.append(("done", text)))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        controller.load_earlier_run()
        controller.load_earlier_run()  # the second click, while the first loads
        loop.run_until_complete(asyncio.gather(*controller._tasks))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    assert said == [("failed", "already loading run run-0"),
                    ("done", f"loaded run run-0: {len(events)} events")]


def test_about_lists_the_versions(qtbot):
    found = versions()
    assert found["Temporal Python SDK"][0].isdigit()
    assert "temporal version" in found["Temporal CLI / dev server"]
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    text = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "OpenAI Agents SDK" in text and found["Temporal Python SDK"] in text


def test_open_web_ui_hands_the_dev_servers_url_to_the_system_browser(make_controller, tmp_path):
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
        controller = make_controller()
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


def test_about_opens_before_the_temporal_cli_answers(qtbot, monkeypatch):
    """`temporal --version` (up to 5 s) ran on the UI thread: the window froze until it
    answered. The dialog now opens at once and fills the version in."""
    import threading

    from app.dialogs import about

    answer = threading.Event()
    monkeypatch.setattr(about, "temporal_cli_version",
                        lambda: "temporal version 9.9.9" if answer.wait(10) else "late")
    dialog = about.AboutDialog()  # would block here until the CLI answered
    qtbot.addWidget(dialog)
    assert "…" in dialog.label.text() and not answer.is_set()
    answer.set()
    qtbot.waitUntil(lambda: "temporal version 9.9.9" in dialog.label.text(), timeout=5000)


class TwoAgents:
    """Test double for the Temporal client: agent-a's earlier run streams slowly; agent-b
    has no history yet; state queries fail (no worker needed for this test)."""

    def __init__(self, events) -> None:
        self.events = events

    async def stream_history_json(self, workflow_id, run_id, follow_runs=True):
        import asyncio

        if workflow_id != "agent-a" or follow_runs:
            await asyncio.sleep(3600)  # the live stream: nothing new
        for event in self.events:
            await asyncio.sleep(0.002)
            yield run_id, event

    async def current_run_id(self, workflow_id):
        return f"{workflow_id}-run"

    async def state(self, workflow_id):
        raise ConnectionError("no worker")

    async def pending_work(self, workflow_id):
        raise ConnectionError("no worker")


def test_switching_agents_cancels_the_old_agents_loader(make_controller):
    """The earlier-run loader of the old agent kept running after New agent…: its events
    landed in the new agent's tree."""
    import asyncio

    events = json.loads(GOLDEN.read_text())["events"]
    first = dict(events[0])
    first["workflowExecutionStartedEventAttributes"] = dict(
        first.get("workflowExecutionStartedEventAttributes", {}),
        continuedExecutionRunId="agent-a-run0")
    controller = make_controller()
    controller.client = TwoAgents(events)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        async def scenario():
            controller._attach("agent-a", False)
            controller.history.tree.add_batch([("agent-a-run", e) for e in [first, *events[1:]]])
            controller.load_earlier_run()
            await asyncio.sleep(0.1)  # the loader is streaming agent-a's earlier run
            controller._attach("agent-b", True)  # Agent ▸ New agent…
            await asyncio.sleep(1.0)
            controller.pump.drain()

        loop.run_until_complete(scenario())
        for task in list(controller._tasks):
            task.cancel()
        loop.run_until_complete(asyncio.sleep(0))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    runs = [run.run_id for run in controller.history.tree.runs]
    assert runs == [], f"the new agent's tree holds the old agent's runs: {runs}"
