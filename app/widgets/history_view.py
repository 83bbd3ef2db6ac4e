"""The event-history tree with its filter bar and detail pane.

Follows the tail while the user is at the bottom, and stays put when they have
scrolled up. Selecting a node prints its decoded payloads as pretty JSON (copyable).

Filters (search, type, tick, failures only) are debounced, then matched in slices off
the whole tree, and the tree shows a small model of the matches only (capped):
app/models/history_search.py says why.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication, QIntValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.models.history_model import HistoryModel
from app.models.history_search import (
    MAX_MATCHES,
    Filters,
    Matcher,
    MatchesModel,
    SearchIndex,
)

DEBOUNCE_MS = 60  # typing: one search once the keys rest, not one per key
EVENT_TYPES = ("All events", "ActivityTask", "WorkflowTask", "Marker", "Timer", "Update",
               "Signal", "Note")


class HistoryView(QWidget):
    export_requested = Signal(str)
    earlier_requested = Signal()
    tick_selected = Signal(int)  # the selected node's tick (the "why" pane follows it)
    filtered = Signal(int)  # matches shown after a filter change (-1: filters cleared)

    def __init__(self, model: HistoryModel, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.matches = MatchesModel(model, self)
        self.index = SearchIndex(self)
        model.on_events.append(self.index.add)
        model.modelReset.connect(self.index.clear)
        self.matcher = Matcher(self)
        self.matcher.done.connect(self._show_matches)
        self.filters = Filters()
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._apply_filters)
        self.proxy = _ShownIndex(self)  # docs/screenshots.py maps source indexes through it
        self.search = QLineEdit(placeholderText="Search (also inside payloads)…")
        self.search.setAccessibleName("Search the event history")
        self.event_type = QComboBox()
        self.event_type.addItems(EVENT_TYPES)
        self.tick = QLineEdit(placeholderText="tick")
        self.tick.setValidator(QIntValidator(0, 10**9))
        self.tick.setMaximumWidth(70)
        self.tick.setAccessibleName("Only this tick")
        self.event_type.setAccessibleName("Only this event type")
        self.failures = QCheckBox("Failures only")
        self.note = QLabel()
        self.note.hide()
        self.follow = QCheckBox("Follow the latest events")
        self.follow.setChecked(True)
        export = QPushButton("Export JSON…")
        export.clicked.connect(self._ask_export_path)
        self.earlier = QPushButton("Earlier run")
        self.earlier.setToolTip("Load the run before the oldest one shown (continue-as-new)")
        self.earlier.clicked.connect(self.earlier_requested)
        bar = QHBoxLayout()
        for widget in (self.search, self.event_type, self.tick, self.failures):
            bar.addWidget(widget)
        bar.setStretch(0, 1)
        actions = QHBoxLayout()
        for widget in (self.follow, self.earlier, export):
            actions.addWidget(widget)
        actions.insertStretch(1, 1)
        self.tree = QTreeView()
        self.tree.setAccessibleName("Event history")
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)  # constant-time layout: tens of thousands of rows
        self.tree.setAlternatingRowColors(True)
        self.tree.setIndentation(12)  # three levels deep: keep the event names readable
        header = self.tree.header()
        header.resizeSection(0, 215)
        header.resizeSection(1, 230)
        header.resizeSection(2, 88)
        header.resizeSection(3, 40)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.detail = QPlainTextEdit(readOnly=True)
        self.detail.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.detail.setPlaceholderText("Select an event to see its decoded payloads")
        copy = QPushButton("Copy")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(
            self.detail.toPlainText()))
        detail_box = QWidget()
        detail_layout = QVBoxLayout(detail_box)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.detail)
        detail_layout.addWidget(copy, 0, Qt.AlignmentFlag.AlignRight)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(detail_box)
        self.splitter.setSizes([420, 260])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addLayout(actions)
        layout.addWidget(self.note)
        layout.addWidget(self.splitter, 1)

        for signal in (self.search.textChanged, self.tick.textChanged):
            signal.connect(self._debounce.start)
        self.event_type.currentIndexChanged.connect(self._debounce.start)
        self.failures.toggled.connect(self._debounce.start)
        self.tree.selectionModel().currentChanged.connect(self._show_detail)
        model.rowsAboutToBeInserted.connect(self._note_position)
        model.rowsInserted.connect(self._follow_tail)
        self._refresh = QTimer(self)  # new events under an active filter: search again,
        self._refresh.setSingleShot(True)  # at most once a second
        self._refresh.setInterval(1000)
        self._refresh.timeout.connect(self._apply_filters)
        model.rowsInserted.connect(self.refresh_filters)
        self._at_bottom = True
        self._follow_pending = False
        self._newest_tick: QPersistentModelIndex | None = None
        self._auto_expanded: QPersistentModelIndex | None = None

    # ---------------------------------------------------------------- filters

    def _apply_filters(self) -> None:
        kind = self.event_type.currentText()
        self.filters = Filters.of(
            event_type="" if kind == EVENT_TYPES[0] else kind,
            tick=int(self.tick.text()) if self.tick.text() else None,
            failures_only=self.failures.isChecked(),
            search=self.search.text(),
        )
        self.matcher.cancel()
        if not self.filters.active():
            self.note.hide()
            self._show(self.model)
            self.filtered.emit(-1)
            return
        self.note.setText("Searching…")
        self.note.show()
        self.matcher.start(self.model.tree, self.filters)

    def _show_matches(self, found: list, truncated: bool) -> None:
        self.matches.set_matches(found)
        self._show(self.matches)
        self.tree.expandAll()  # a small model: at most MAX_MATCHES events
        more = f" (the first {MAX_MATCHES:,}: narrow the search)" if truncated else ""
        self.note.setText(f"{len(found):,} matching event{'s' if len(found) != 1 else ''}"
                          f"{more}")
        self.filtered.emit(len(found))

    def _show(self, model) -> None:
        if self.tree.model() is not model:
            self.tree.setModel(model)
            self.tree.selectionModel().currentChanged.connect(self._show_detail)

    def shown_node(self, index: QModelIndex):
        model = self.tree.model()
        return model.node(index) if index.isValid() else None

    def refresh_filters(self, *_args) -> None:
        """New events while a filter is on: search again, at most once a second."""
        if self.filters.active() and not self._refresh.isActive():
            self._refresh.start()

    # ---------------------------------------------------------------- following

    def _note_position(self, *_args) -> None:
        if self.tree.model() is not self.model:
            return
        if self._follow_pending:
            return  # already decided for this turn
        bar = self.tree.verticalScrollBar()
        self._at_bottom = bar.value() >= bar.maximum() - 2

    def _follow_tail(self, parent: QModelIndex, first: int, last: int) -> None:
        # Scrolling lays the whole tree out: once per event-loop turn, never per insert
        # (per insert, loading 20,000 events took 4 s instead of 0.3 s).
        if self.tree.model() is not self.model:
            return  # showing matches: they stay put
        node = self.model.node(parent) if parent.isValid() else None
        if node is None:
            self.tree.expand(self.model.index(last, 0, parent))  # a new run
        elif node.kind == "run":
            self._newest_tick = QPersistentModelIndex(self.model.index(last, 0, parent))
        if not self._follow_pending:
            self._follow_pending = True
            QTimer.singleShot(0, self._catch_up)

    def _catch_up(self) -> None:
        self._follow_pending = False
        if not self.follow.isChecked() or self.tree.model() is not self.model:
            return
        newest = self._newest_tick
        if newest is not None and newest.isValid() and newest != self._auto_expanded:
            if self._auto_expanded is not None and self._auto_expanded.isValid():
                self.tree.collapse(QModelIndex(self._auto_expanded))
            self.tree.expand(QModelIndex(newest))
            self._auto_expanded = newest
        if self._at_bottom:
            self.tree.scrollToBottom()

    def select_tick(self, tick: int) -> bool:
        node = self.model.tree.find_tick(tick)
        if node is None:
            return False
        index = self.proxy.mapFromSource(self.model.index_of(node))
        if not index.isValid():
            return False
        self.tree.expand(index)
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index, QTreeView.ScrollHint.PositionAtTop)
        return True

    # ---------------------------------------------------------------- detail and export

    def _show_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        node = self.shown_node(current)
        if node is not None and node.tick is not None:
            self.tick_selected.emit(node.tick)
        if node is None:
            self.detail.clear()
        elif node.record is not None:
            self.detail.setPlainText(json.dumps(node.record.detail(), indent=2, default=str))
        else:
            self.detail.setPlainText(f"{node.label}  {node.detail}\n"
                                     f"{len(node.children)} entries")

    def _ask_export_path(self) -> None:
        # Non-modal: open() returns at once, no nested event loop.
        dialog = QFileDialog(self, "Export history", "history.json", "JSON (*.json)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(self.export_requested)
        dialog.open()


class _ShownIndex:
    """Maps a source-model index to the model the tree shows now (the source itself, or
    the matches), and back."""

    def __init__(self, view: HistoryView) -> None:
        self.view = view

    def mapFromSource(self, index: QModelIndex) -> QModelIndex:  # noqa: N802 - Qt's name
        shown = self.view.tree.model()
        if shown is self.view.model or not index.isValid():
            return index
        node = self.view.model.node(index)
        return shown.index_of(node) if node is not None else QModelIndex()

    def mapToSource(self, index: QModelIndex) -> QModelIndex:  # noqa: N802 - Qt's name
        shown = self.view.tree.model()
        if shown is self.view.model or not index.isValid():
            return index
        node = shown.node(index)
        return self.view.model.index_of(node) if node is not None else QModelIndex()
