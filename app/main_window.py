"""The main window: builds the panels, wires the controller's signals to them, and
persists its geometry and layout. It renders; the controller does the work."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.dialogs.approval_desk import ApprovalDesk
from app.dialogs.strategy_desk import StrategyDesk
from app.menus import build_menus
from app.models.decisions_model import DecisionsModel
from app.widgets.agent_health import AgentHealth
from app.widgets.agent_toolbar import AgentToolbar
from app.widgets.banner import Banner
from app.widgets.decisions_view import DecisionsView
from app.widgets.discovery_panel import DiscoveryPanel
from app.widgets.equity_chart import EquityChart
from app.widgets.history_view import HistoryView
from app.widgets.pending_work import PendingWorkList
from app.widgets.portfolio import PortfolioPanel
from app.widgets.startup_panel import StartupPanel
from app.widgets.status_bar import HarnessStatusBar, self_stop_reason
from app.widgets.tick_audit_view import TickAuditView

TITLE = "Durable Agentic Harness"


class MainWindow(QMainWindow):
    closing = Signal()

    def __init__(self, controller, settings: QSettings | None = None, history_model=None,
                 tray=None) -> None:
        super().__init__()
        self.controller = controller
        self.settings = settings or QSettings("durable-agentic-harness", "app")
        self.setWindowTitle(TITLE)
        self.resize(1440, 900)
        self.banner = Banner()
        self._self_stop_said = ""  # the banner says a self-stop's reason once
        self.startup = StartupPanel()
        self.health = AgentHealth()
        self.chart = EquityChart()
        self.decisions = DecisionsModel(self)
        self.decisions_view = DecisionsView(self.decisions)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.startup)
        layout.addWidget(self.health)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.chart.key)
        self.setCentralWidget(central)
        self.portfolio = PortfolioPanel()
        self.pending = PendingWorkList()
        model = history_model if history_model is not None else getattr(
            controller, "history", None)
        self.history = HistoryView(model)
        left = self._dock("Portfolio", self.portfolio, Qt.DockWidgetArea.LeftDockWidgetArea)
        pending = self._dock("Pending work", self.pending, Qt.DockWidgetArea.LeftDockWidgetArea)
        right = self._dock("Event history", self.history, Qt.DockWidgetArea.RightDockWidgetArea)
        # The decisions span the full width below: a row reads left to right, order included.
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        bottom = self._dock("Decisions", self.decisions_view,
                            Qt.DockWidgetArea.BottomDockWidgetArea)
        self.discovery = DiscoveryPanel()
        discovery = self._dock("Discovery", self.discovery, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(bottom, discovery)
        self.why = TickAuditView()
        why = self._dock("Why this tick", self.why, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(bottom, why)
        bottom.raise_()
        self._decisions_dock = bottom
        self._phase = ""
        # First-run proportions; afterwards the user's layout is restored (QSettings).
        self.resizeDocks([left, right], [470, 600], Qt.Orientation.Horizontal)
        self.resizeDocks([left, pending], [420, 150], Qt.Orientation.Vertical)
        self.resizeDocks([bottom], [300], Qt.Orientation.Vertical)
        self.status = HarnessStatusBar()
        self.setStatusBar(self.status)
        self.desk = ApprovalDesk(controller, self, self.decisions.decision, tray)
        self.strategy_desk = StrategyDesk(controller, self)  # model-written strategies
        self.actions = build_menus(self, controller)
        self.toolbar = AgentToolbar(self.actions)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self._banner_bar(self.banner)
        self._wire()
        self._restore()

    def _banner_bar(self, banner) -> None:
        """The banner spans the window's width, under the toolbar: in the central column
        (between the docks) a crash's narration had a third of the width and wrapped."""
        self.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        bar = QToolBar("Messages", self)
        bar.setObjectName("Messages")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.toggleViewAction().setVisible(False)  # shown by its messages, not by the user
        bar.setStyleSheet("QToolBar { border: 0px; padding: 0px; spacing: 0px; }")
        # In a holder: a toolbar governs its own widgets' visibility (through their
        # actions), and the banner hides and shows itself.
        holder = QWidget()
        holder.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(banner)
        bar.addWidget(holder)
        banner.visibility_changed.connect(bar.setVisible)
        bar.setVisible(banner.isVisibleTo(holder))
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.banner_bar = bar

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)  # saveState needs a name per dock
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    def _wire(self) -> None:
        c = self.controller
        c.services_changed.connect(self.startup.show_services)
        c.services_changed.connect(self.status.show_services)
        c.services_changed.connect(self._announce_self_stop)
        c.runtime_ready.connect(self.status.show_target)
        c.runtime_failed.connect(self.startup.failed)
        self.startup.retry_requested.connect(c.retry_start)
        self.desk.waiting_changed.connect(self.toolbar.show_waiting)
        c.tick_audited.connect(self.why.show_audit)
        self.why.audit_requested.connect(c.audit_tick)
        c.crash_proven.connect(self._crash_proven)
        c.runtime_failed.connect(lambda m: self.banner.say("error", f"Runtime failed: {m}"))
        c.agent_attached.connect(self._attached)
        c.state_changed.connect(self._show_state)
        c.agent_answering.connect(self._answering)
        c.model_endpoints_changed.connect(self.status.show_endpoints)
        c.decisions_changed.connect(self.decisions.upsert)
        c.decisions_changed.connect(self.chart.add_decisions)
        c.pending_work_changed.connect(self.pending.show_activities)
        c.discovery_changed.connect(self._discovering)
        c.crash_marked.connect(self.chart.mark_crash)
        c.notice.connect(self.banner.say)
        c.request_failed.connect(lambda action, m: self.banner.say("error", f"{action}: {m}"))
        c.request_done.connect(lambda _action, m: self.banner.say("ok", m))
        c.review_answered.connect(lambda trade, m: self.banner.say("ok", f"{trade} {m}"))
        self.desk.closed_by_agent.connect(
            lambda trade, why: self.banner.say("warn", f"Approval {trade} closed by the "
                                                       f"agent: {why}"))
        self.chart.tick_clicked.connect(self.select_tick)
        self.decisions_view.tick_selected.connect(self.select_tick)
        self.history.export_requested.connect(c.export_history)
        self.history.earlier_requested.connect(c.load_earlier_run)
        self.history.tick_selected.connect(self.why.ask)

    def _announce_self_stop(self, services: dict) -> None:
        reason = self_stop_reason(services)
        if reason and reason != self._self_stop_said:
            self._self_stop_said = reason
            why = reason.removeprefix("stopped the runtime: ")  # the supervisor's own words
            self.banner.say("error", f"The runtime stopped by itself: {why}. The agent "
                                     f"waits at its tick; start the app again once fixed.")

    def _attached(self, workflow_id: str, started: bool) -> None:
        self.decisions.clear()
        self.setWindowTitle(f"{TITLE}: {workflow_id}")
        self.startup.agent_ready(("started " if started else "re-attached to ") + workflow_id)
        self.startup.hide()

    def _show_state(self, state) -> None:
        phase = state.phase.value
        if self._phase == "discovering" and phase != "discovering":
            self._decisions_dock.raise_()  # discovery is over: the decisions matter now
        self._phase = phase
        self.toolbar.show_phase(phase)
        self.health.show_state(state)
        self.portfolio.show_state(state)
        self.pending.show_state(state)
        self.status.show_state(state)
        self.chart.show_equity(state.equity_series)
        self.discovery.show_state(state)

    def _answering(self, workflow_id: str, answers: bool, why: str) -> None:
        if workflow_id != self.controller.workflow_id:
            return  # an agent no longer shown
        if not answers:
            self.toolbar.show_silent(why)
            self.status.show_silent(why)
        elif self._phase:
            self.toolbar.show_phase(self._phase)

    def _discovering(self, progress: list) -> None:
        if not self.discovery.progress.isVisible():  # discovery began: bring it forward once
            self.findChild(QDockWidget, "Discovery").raise_()
        self.discovery.show_progress(progress)

    def select_tick(self, tick: int) -> None:
        """A marker or a decision was clicked: show that tick everywhere."""
        self.history.follow.setChecked(False)  # the user is looking back: stop following
        self.history.select_tick(tick)
        self.decisions_view.select_tick(tick)
        self.why.ask(tick)

    def confirm_stop(self) -> None:
        """Agent ▸ Stop ends the agent for good: asked first, non-modal."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Stop the agent?",
                          "Stop ends the agent for good: it closes its run and cannot be "
                          "resumed (Pause can). Open approvals are dropped.",
                          QMessageBox.StandardButton.Cancel, self)
        stop = box.addButton("Stop for good", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)  # Enter never stops it
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        stop.clicked.connect(self.controller.stop_agent)
        self.stop_box = box
        box.open()

    def _crash_proven(self, proof: dict) -> None:
        from app.recovery import describe_proof

        self.controller.history.tree.annotate(describe_proof(proof), status="ok")

    # ---------------------------------------------------------------- persistence

    def _restore(self) -> None:
        geometry = self.settings.value("geometry")
        state = self.settings.value("window_state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        if getattr(self.controller, "starting", False) and not getattr(
                self.controller, "closing", False):
            # The runtime is still starting: say so while the start is aborted; the
            # window goes once the controller has stopped what it started.
            self.startup.stopping()
            self.banner.say("warn", "Stopping…")
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState())
        self.settings.sync()
        self.closing.emit()
        super().closeEvent(event)
