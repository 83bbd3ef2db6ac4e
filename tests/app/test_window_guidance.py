"""What a first-time user sees at once: the phase and what they can do about it, what is
asked of them, why the agent waits, why it did what it did at a tick; and a window that
reads in dark mode, with names for assistive technology. Fake controller."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from app.main_window import MainWindow
from engine.audit.trail import (
    ApprovalStep,
    EventRef,
    GuardrailStep,
    ModelCall,
    OrderStep,
    TickAudit,
    ToolCall,
)
from engine.contracts import Counters, Phase, ReconcileNote
from tests.app.conftest import decision, pending, state

GOLDEN = Path(__file__).parents[1] / "histories" / "v2" / "tick_loop.run0.json"


def make_window(controller, qsettings, qtbot) -> MainWindow:
    window = MainWindow(controller, settings=qsettings)
    qtbot.addWidget(window)
    window.show()
    return window


def test_the_toolbar_shows_the_phase_and_enables_what_the_phase_allows(controller, qsettings,
                                                                       qtbot):
    window = make_window(controller, qsettings, qtbot)
    bar = window.toolbar
    controller.state_changed.emit(state(phase=Phase.RUNNING))
    assert bar.badge.text() == "Running"
    assert (bar.pause.isEnabled(), bar.resume.isEnabled(), bar.stop.isEnabled()) == (
        True, False, True)
    controller.state_changed.emit(state(phase=Phase.PAUSED))
    assert bar.badge.text() == "Paused"
    assert (bar.pause.isEnabled(), bar.resume.isEnabled()) == (False, True)
    controller.state_changed.emit(state(phase=Phase.FINISHED))
    assert not any(a.isEnabled() for a in (bar.pause, bar.resume, bar.stop))


def test_approvals_waiting_are_counted_and_one_click_away(controller, qsettings, qtbot):
    window = make_window(controller, qsettings, qtbot)
    controller.agent_attached.emit("agent-test", False)
    controller.approvals_changed.emit("agent-test", [pending("t4-AAPL"),
                                                     pending("t5-MSFT", tick=5)])
    button = window.toolbar.approvals
    assert button.text() == "2 approvals waiting" and button.isEnabled()
    window.desk.dialog.close()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.desk.dialog is not None and window.desk.dialog.isVisible()
    controller.approvals_changed.emit("agent-test", [])
    assert button.text() == "No approvals waiting" and not button.isEnabled()


def test_decisions_come_back_to_the_front_when_discovery_ends(controller, qsettings, qtbot):
    window = make_window(controller, qsettings, qtbot)
    decisions = window.findChild(QDockWidget, "Decisions")
    controller.state_changed.emit(state(phase=Phase.DISCOVERING))
    controller.discovery_changed.emit([])
    window.findChild(QDockWidget, "Discovery").raise_()
    assert decisions.visibleRegion().isEmpty(), "discovery in front while it runs"
    controller.state_changed.emit(state(phase=Phase.RUNNING))
    assert not decisions.visibleRegion().isEmpty()


def test_a_self_paused_agent_says_why_and_what_to_do(controller, qsettings, qtbot):
    window = make_window(controller, qsettings, qtbot)
    note = ReconcileNote(tick=11, date="2004-01-19", trigger="a late fill",
                         adopted=["AAPL 100 @ 20.00"], findings=[])
    controller.state_changed.emit(state(
        phase=Phase.PAUSED, pause_reason="drawdown 12% exceeds the 10% limit",
        reconciliations=[note], counters=Counters(ticks=12, buys=3, model_errors=1)))
    text = window.health.attention.text()
    assert window.health.attention.isVisible()
    assert "drawdown 12% exceeds the 10% limit" in text and "Resume" in text
    assert "a late fill" in text
    assert "model errors 1" in window.health.counters.text()
    controller.state_changed.emit(state(phase=Phase.RUNNING))
    assert not window.health.attention.isVisible()


def audit(tick: int) -> TickAudit:
    where = EventRef(run_id="run-1234567890", event_ids=[40, 44], time="2004-01-05T00:00:00Z")
    return TickAudit(
        workflow_id="agent-test", tick=tick, date="2004-01-07", run_id="run-1234567890",
        run_number=1, runs=1, events=where, brief="You manage AAPL. Cash $60,000.",
        model_calls=[ModelCall(model="offline-analyst", attempts=2, answer="BUY 500 AAPL",
                               where=where)],
        tool_calls=[ToolCall(name="get_quote", arguments={"symbol": "AAPL"},
                             result={"last": 20.0}, source="activity", where=where)],
        guardrail=GuardrailStep(verdict="NEEDS_APPROVAL", reasons=["above $10,000"],
                                price=20.0, notional=10_000.0, where=where),
        approval=ApprovalStep(status="approved", reviewer="alice", reason="fine",
                              answered_at="2026-12-05T16:00:00Z", where=where),
        order=OrderStep(client_order_id="agent-test-t4-AAPL", side="buy", symbol="AAPL",
                        quantity=500, status="filled", filled_quantity=500,
                        filled_price=20.0, broker_order_id="b-1", attempts=1, where=where))


def test_selecting_a_decision_answers_why_the_agent_did_it(controller, qsettings, qtbot):
    window = make_window(controller, qsettings, qtbot)
    controller.history.tree.add_batch(
        [("run-1", e) for e in json.loads(GOLDEN.read_text())["events"]])
    controller.decisions_changed.emit([decision(t) for t in range(1, 8)])
    window.decisions_view.setFocus()
    window.decisions_view.selectRow(window.decisions.row_of_tick(4))
    qtbot.waitUntil(lambda: controller.called("audit_tick") == [(4,)])  # debounced: once
    controller.tick_audited.emit(audit(4))
    text = window.why.text.toPlainText()
    for expected in ("You manage AAPL", "offline-analyst, 2 attempt(s)", "BUY 500 AAPL",
                     "get_quote", "NEEDS_APPROVAL", "above $10,000", "by alice",
                     "why: fine", "agent-test-t4-AAPL", "filled", "events 40–44"):
        assert expected in text, expected
    controller.tick_audited.emit(audit(3))  # a late answer for another tick
    assert "Tick 4" in text and "Tick 3" not in window.why.text.toPlainText()


def test_arrow_keys_in_the_decisions_select_the_tick(controller, qsettings, qtbot):
    window = make_window(controller, qsettings, qtbot)
    controller.history.tree.add_batch(
        [("run-1", e) for e in json.loads(GOLDEN.read_text())["events"]])
    controller.decisions_changed.emit([decision(t) for t in range(1, 8)])
    view = window.decisions_view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.visualRect(window.decisions.index(0, 0)).center())  # tick 7
    assert window.history.tree.currentIndex().data() == "tick 7"
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert window.history.tree.currentIndex().data() == "tick 6"
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert window.history.tree.currentIndex().data() == "tick 5"


def test_buy_and_sell_markers_differ_in_shape(controller, qsettings, qtbot):
    window = make_window(controller, qsettings, qtbot)
    markers = window.chart.markers
    assert markers["buy"].markerShape() != markers["sell"].markerShape()


def test_the_positions_table_fits_its_panel(controller, qsettings, qtbot):
    from engine.contracts import HoldingView

    window = make_window(controller, qsettings, qtbot)
    holdings = [HoldingView(symbol=s, quantity=123_456, avg_cost=1_234.56, price=1_300.25,
                            market_value=160_525_678.0, unrealized_pnl=-8_111_222.33)
                for s in ("AAPL", "MSFT", "GOOG")]
    controller.state_changed.emit(state(holdings=holdings))
    dock = window.findChild(QDockWidget, "Portfolio")
    window.resizeDocks([dock], [300], Qt.Orientation.Horizontal)  # a narrow side panel
    table = window.portfolio.table
    qtbot.waitUntil(table.isVisible)
    qtbot.wait(50)  # the layout settles
    header = table.horizontalHeader()
    assert header.length() <= table.viewport().width(), "no column hidden off the right"


def test_large_means_large_by_default():
    """10% of $100k equity was just over the $10,000 default: nearly every buy asked."""
    from app.app_settings import AppSettings
    from app.defaults import window_agent

    limits = window_agent(AppSettings()).limits
    largest_routine_buy = 0.12 * 100_000  # the analyst's top sizing at the start
    assert limits.approval_notional > largest_routine_buy
    assert limits.approval_notional <= limits.max_order_notional


def test_the_window_follows_dark_mode_chart_included(controller, qsettings, qtbot, qapp):
    from PySide6.QtCharts import QChart

    from app import theme

    light = qapp.palette()
    try:
        qapp.setPalette(theme.dark_palette())
        window = make_window(controller, qsettings, qtbot)
        assert theme.is_dark()
        assert window.chart.chart().theme() == QChart.ChartTheme.ChartThemeDark
        controller.notice.emit("error", "boom")
        assert theme.background("error") in window.banner.styleSheet()
    finally:
        qapp.setPalette(light)


def test_widgets_have_accessible_names(controller, qsettings, qtbot):
    window = make_window(controller, qsettings, qtbot)
    for widget in (window.history.tree, window.history.search, window.decisions_view,
                   window.chart, window.portfolio.table, window.toolbar.badge,
                   window.toolbar.approvals, window.why.text, window.banner.log_button):
        assert widget.accessibleName(), type(widget).__name__


def test_the_banner_keeps_a_log_so_an_ok_never_hides_an_error(controller, qsettings, qtbot):
    window = make_window(controller, qsettings, qtbot)
    controller.notice.emit("error", "cannot read the agent: timeout")
    controller.request_done.emit("pause", "agent paused")
    assert window.banner.label.text() == "agent paused"
    assert window.banner.log_button.text() == "Log (1 error)"
    assert ("error", "cannot read the agent: timeout") in window.banner.messages()
    for _ in range(5):  # an outage repeating every second is logged once
        controller.notice.emit("warn", "history stream interrupted")
    assert window.banner.messages().count(("warn", "history stream interrupted")) == 1


def test_stop_asks_first_and_enter_does_not_stop(controller, qsettings, qtbot):
    window = make_window(controller, qsettings, qtbot)
    controller.state_changed.emit(state(phase=Phase.RUNNING))
    window.actions["stop"].trigger()
    box = window.stop_box
    assert box.isVisible() and "for good" in box.text()
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert controller.called("stop_agent") == []


def test_a_failed_start_says_why_and_offers_a_retry(controller, qsettings, qtbot):
    window = make_window(controller, qsettings, qtbot)
    controller.runtime_failed.emit("cannot reach the agent: ConnectionError: refused")
    startup = window.startup
    assert startup.isVisible() and startup.title.text() == "The runtime could not start"
    assert "ConnectionError: refused" in startup.reason.text()
    assert startup.retry.isVisible()
    qtbot.mouseClick(startup.retry, Qt.MouseButton.LeftButton)
    assert controller.called("retry_start") == [()]
    assert startup.title.text() == "Starting the runtime…" and not startup.retry.isEnabled()
