"""The main window with a fake controller: panels render the controller's signals,
clicks select a tick everywhere, the layout is persisted."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QPoint, Qt

from app.main_window import MainWindow
from tests.app.conftest import decision, state

GOLDEN = Path(__file__).parents[1] / "histories" / "v2" / "tick_loop.run0.json"


def make_window(controller, qsettings, qtbot) -> MainWindow:
    window = MainWindow(controller, settings=qsettings)
    qtbot.addWidget(window)
    window.show()
    return window


def test_startup_progress_then_the_agent(controller, qsettings, qtbot):
    window = make_window(controller, qsettings, qtbot)
    assert window.startup.isVisible()
    controller.services_changed.emit({"temporal": {"status": "ready"},
                                      "mockoon": {"status": "starting"},
                                      "worker-1": {"status": "starting", "restarts": 0}})
    assert window.startup.rows["temporal"].text() == "✓ ready"
    assert window.startup.rows["mockoon"].text() == "… starting"
    assert "Temporal ready" in window.status.services.text()
    controller.agent_attached.emit("agent-AAPL-1", False)
    assert not window.startup.isVisible()
    assert window.windowTitle().endswith("agent-AAPL-1")


def test_portfolio_status_and_chart_follow_the_state(controller, qsettings, qtbot):
    window = make_window(controller, qsettings, qtbot)
    controller.runtime_ready.emit({"temporal_address": "127.0.0.1:7233", "namespace": "default",
                                   "ui_url": "", "home": "/tmp", "owned": True})
    controller.state_changed.emit(state(tick=12))
    values = window.portfolio.values
    assert values["equity"].text() == "$101,000.00"
    assert values["return"].text() == "+$1,000.00  (+1.00%)"
    assert values["realized"].text() == "+$250.00  (+0.25% of start)"
    assert values["unrealized"].text() == "+$750.00  (+1.88% of cost)"
    assert window.portfolio.positions.rowCount() == 1
    assert "Offline analyst" in window.status.model.text()
    assert window.status.tick.text() == "tick 12 · 2004-01-20 · running"
    assert "127.0.0.1:7233 / default (embedded)" in window.status.target.text()
    assert window.chart.line.count() == 12
    assert window.chart.line.at(0).y() == 100.1, "plotted in $ thousands"


def test_a_decision_or_a_marker_selects_its_tick_in_the_history(controller, qsettings, qtbot):
    window = make_window(controller, qsettings, qtbot)
    events = json.loads(GOLDEN.read_text())["events"]
    controller.history.tree.add_batch([("run-1", e) for e in events])
    controller.state_changed.emit(state(tick=12))
    controller.decisions_changed.emit([decision(t) for t in range(1, 13)])
    assert window.decisions.rowCount() == 12
    assert len(window.chart.markers["buy"].points()) == 12
    view = window.decisions_view
    row = window.decisions.row_of_tick(5)
    rect = view.visualRect(window.decisions.index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    current = window.history.tree.currentIndex()
    assert current.data() == "tick 5"
    assert not window.history.follow.isChecked(), "looking back stops following the tail"
    window.chart.tick_clicked.emit(7)  # what a click on a marker emits
    assert window.history.tree.currentIndex().data() == "tick 7"
    assert view.currentIndex().row() == window.decisions.row_of_tick(7)


def test_the_detail_pane_shows_decoded_payloads(controller, qsettings, qtbot):
    window = make_window(controller, qsettings, qtbot)
    events = json.loads(GOLDEN.read_text())["events"]
    controller.history.tree.add_batch([("run-1", e) for e in events])
    window.select_tick(2)
    tree = window.history.tree
    tree.setCurrentIndex(tree.model().index(0, 0, tree.currentIndex()))
    detail = json.loads(window.history.detail.toPlainText())
    result = detail["markerRecordedEventAttributes"]["details"]["result"]
    assert result["date"] == "2004-01-05"


def test_crash_marks_and_banner(controller, qsettings, qtbot):
    window = make_window(controller, qsettings, qtbot)
    controller.state_changed.emit(state(tick=12))
    controller.crash_marked.emit(10)
    assert window.chart.markers["crash"].points()[0].x() == 10
    controller.notice.emit("ok", "Worker killed at tick 10 → resumed at tick 10, 2,300 ms "
                                 "after the kill")
    assert window.banner.isVisible() and "resumed at tick 10" in window.banner.label.text()
    window.actions["crash"].trigger()
    assert controller.called("simulate_crash") == [()]


def test_geometry_and_layout_are_persisted(controller, qsettings, qtbot):
    """Width, height and the docks' layout (the old test checked the height only: the
    offscreen screen clamped a width wider than its 800 pixels). The position is the
    window manager's to honour, so it is not asserted."""
    from PySide6.QtWidgets import QDockWidget

    window = make_window(controller, qsettings, qtbot)
    screen = window.screen().availableGeometry()
    size = window.minimumSizeHint().expandedTo(window.minimumSize())
    width = max(size.width(), min(screen.width() - 40, 780))
    height = max(size.height(), min(screen.height() - 20, 560))
    window.resize(width, height)  # not the default 1440x900, and fits the screen
    window.move(QPoint(min(24, screen.width() - width), 12))
    portfolio = window.findChild(QDockWidget, "Portfolio")
    window.resizeDocks([portfolio], [300], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: window.size().width() == width)
    saved_dock = portfolio.width()
    window.close()
    again = make_window(controller, qsettings, qtbot)
    assert (again.width(), again.height()) == (width, height)
    qtbot.waitUntil(lambda: again.findChild(QDockWidget, "Portfolio").width() == saved_dock)


def test_pending_work_says_the_clock_waits_for_the_human(controller, qsettings, qtbot):
    from tests.app.conftest import pending

    window = make_window(controller, qsettings, qtbot)
    controller.pending_work_changed.emit([{"activity": "invoke_model_activity",
                                           "state": "SCHEDULED", "attempt": 3,
                                           "last_heartbeat": None,
                                           "last_failure": "model endpoint timed out",
                                           "next_attempt": None},
                                          {"timer": "durable timer 16: 1s"}])
    controller.state_changed.emit(state(pending=[pending()], approval_policy="wait"))
    lines = window.pending.texts()
    assert lines[0] == ("model call, attempt 3: waiting to retry, last failure: model "
                        "endpoint timed out")
    assert lines[1] == "durable timer 16: 1s"
    assert lines[2].startswith("approval t4-AAPL: buy 500 AAPL ($10,000.00), waiting for you")
    assert lines[3].startswith("market clock stopped")


def test_earlier_run_and_export_buttons_reach_the_controller(controller, qsettings, qtbot):
    window = make_window(controller, qsettings, qtbot)
    qtbot.mouseClick(window.history.earlier, Qt.MouseButton.LeftButton)
    assert controller.called("load_earlier_run") == [()]
    window.history.export_requested.emit("/tmp/h.json")  # what the save dialog emits
    assert controller.called("export_history") == [("/tmp/h.json",)]


def test_clicking_a_marker_on_the_chart_selects_its_tick(controller, qsettings, qtbot):
    window = make_window(controller, qsettings, qtbot)
    events = json.loads(GOLDEN.read_text())["events"]
    controller.history.tree.add_batch([("run-1", e) for e in events])
    controller.state_changed.emit(state(tick=12))
    controller.decisions_changed.emit([decision(6)])
    chart_view = window.chart
    series = chart_view.markers["buy"]
    qtbot.waitUntil(lambda: series.count() == 1)
    scene_point = chart_view.chart().mapToPosition(series.at(0), series)
    view_point = chart_view.mapFromScene(chart_view.chart().mapToScene(scene_point))
    with qtbot.waitSignal(chart_view.tick_clicked) as clicked:
        qtbot.mouseClick(chart_view.viewport(), Qt.MouseButton.LeftButton, pos=view_point)
    assert clicked.args == [6]
    assert window.history.tree.currentIndex().data() == "tick 6"
