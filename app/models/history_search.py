"""Filtering the history tree without freezing the window: event type, tick, failures
only, and free-text search (inside decoded payloads too).

The old way (a recursive QSortFilterProxyModel over the whole tree, then expandAll on
every keystroke) cost a Python callback per row and a quadratic expansion: 5.7 s per
keystroke at 2,048 events, frozen at 20,480. Here:

- `SearchIndex` decodes each event's search text ahead of time, in slices of a few ms
  while the window is idle (decoding is what costs: ~0.1 ms an event);
- `Matcher` scans the engine's tree in plain Python, in time-bounded slices, and stops at
  MAX_MATCHES (the view says when there were more);
- `MatchesModel` shows only the matches, grouped by their tick: a small model, so the
  view expands all of it at no cost.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, Qt, QTimer, Signal

from engine.eventtree import Node

MAX_MATCHES = 500
SLICE_S = 0.012  # the longest piece of work per event-loop turn
ROOT = QModelIndex()  # the invisible root, as a default argument
_GROUP = 1 << 20  # index ids: group g -> (g + 1) * _GROUP, its event e -> + e + 1


@dataclass(frozen=True)
class Filters:
    event_type: str = ""
    tick: int | None = None
    failures_only: bool = False
    search: str = ""

    @classmethod
    def of(cls, event_type: str = "", tick: int | None = None, failures_only: bool = False,
           search: str = "") -> Filters:
        return cls(event_type.strip().lower(), tick, failures_only, search.strip().lower())

    def active(self) -> bool:
        return bool(self.event_type or self.tick is not None or self.failures_only
                    or self.search)

    def accepts(self, node: Node) -> bool:
        if self.tick is not None and node.tick != self.tick:
            return False
        if self.failures_only and node.status in ("ok", "note"):
            return False
        if self.event_type and self.event_type not in node.label.lower():
            return False
        if self.search and (node.record is None or self.search not in
                            node.record.search_text()):
            return False
        return True


def event_nodes(tree):
    """Every event of the tree, oldest first (notes included: they can be searched)."""
    for run in tree.runs:
        for group in run.children:
            yield from group.children


class SearchIndex(QObject):
    """Decodes search texts of new events while the window has nothing else to do."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cold: deque[Node] = deque()
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._warm)

    def add(self, nodes) -> None:
        self._cold.extend(n for n in nodes if n.record is not None)
        if self._cold and not self._timer.isActive():
            self._timer.start()

    def clear(self) -> None:
        self._cold.clear()

    def cold(self) -> int:
        return len(self._cold)

    def _warm(self) -> None:
        deadline = time.perf_counter() + SLICE_S
        while self._cold and time.perf_counter() < deadline:
            self._cold.popleft().record.search_text()
        if self._cold:
            self._timer.start()


class Matcher(QObject):
    """One search over the tree, in slices; `done` with the matches (capped)."""

    done = Signal(object, bool)  # [Node], truncated

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._step)
        self._nodes = None
        self._filters = Filters()
        self._found: list[Node] = []

    def start(self, tree, filters: Filters) -> None:
        self._nodes = event_nodes(tree)
        self._filters = filters
        self._found = []
        self._step()  # the first slice at once: a small history is done in it

    def cancel(self) -> None:
        self._timer.stop()
        self._nodes = None

    def running(self) -> bool:
        return self._nodes is not None

    def _step(self) -> None:
        if self._nodes is None:
            return
        deadline = time.perf_counter() + SLICE_S
        accepts, found = self._filters.accepts, self._found
        for count, node in enumerate(self._nodes):
            if accepts(node):
                found.append(node)
                if len(found) > MAX_MATCHES:
                    self._finish(True)
                    return
            if count % 64 == 0 and time.perf_counter() > deadline:
                self._timer.start()
                return
        self._finish(False)

    def _finish(self, truncated: bool) -> None:
        self._nodes = None
        self.done.emit(self._found[:MAX_MATCHES], truncated)


class MatchesModel(QAbstractItemModel):
    """The matches only, under their tick: tick > event (the source model's columns and
    roles, delegated to it for each event)."""

    def __init__(self, source, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.groups: list[tuple[Node, list[Node]]] = []

    def set_matches(self, matches: list[Node]) -> None:
        self.beginResetModel()
        groups: dict[int, tuple[Node, list[Node]]] = {}
        for node in matches:
            parent = node.parent
            groups.setdefault(id(parent), (parent, []))[1].append(node)
        self.groups = list(groups.values())
        self.endResetModel()

    def node(self, index: QModelIndex) -> Node | None:
        if not index.isValid():
            return None
        group, event = divmod(index.internalId(), _GROUP)
        tick, events = self.groups[group - 1]
        return events[event - 1] if event else tick

    def index_of(self, node: Node) -> QModelIndex:
        for g, (tick, events) in enumerate(self.groups):
            if tick is node:
                return self.createIndex(g, 0, (g + 1) * _GROUP)
            if node in events:
                e = events.index(node)
                return self.createIndex(e, 0, (g + 1) * _GROUP + e + 1)
        return QModelIndex()

    def index(self, row: int, column: int, parent: QModelIndex = ROOT) -> QModelIndex:
        if column < 0 or column >= self.columnCount() or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, (row + 1) * _GROUP) \
                if row < len(self.groups) else QModelIndex()
        group, event = divmod(parent.internalId(), _GROUP)
        if event or parent.column() > 0 or row >= len(self.groups[group - 1][1]):
            return QModelIndex()
        return self.createIndex(row, column, group * _GROUP + row + 1)

    def parent(self, index: QModelIndex = ROOT) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        group, event = divmod(index.internalId(), _GROUP)
        return self.createIndex(group - 1, 0, group * _GROUP) if event else QModelIndex()

    def rowCount(self, parent: QModelIndex = ROOT) -> int:
        if not parent.isValid():
            return len(self.groups)
        group, event = divmod(parent.internalId(), _GROUP)
        return 0 if event or parent.column() > 0 else len(self.groups[group - 1][1])

    def columnCount(self, parent: QModelIndex = ROOT) -> int:
        return self.source.columnCount()

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        return self.source.headerData(section, orientation, role)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        node = self.node(index)
        if node is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole and index.column() == 0 and node.kind == "tick":
            run = node.parent
            return f"{node.label}  (run {run.row + 1})" if run is not None else node.label
        return self.source.data(self.source.index_of(node, index.column()), role)
