"""A thin QAbstractItemModel over engine.eventtree.EventTree (run > tick > event).

The tree announces each structural change before and after it happens; this class
turns those announcements into beginInsertRows/endInsertRows and dataChanged. All the
knowledge of events lives in the engine; here only rows, columns, roles and colours.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from engine.eventtree import EventTree, Node

ROOT = QModelIndex()  # the invisible root, as a default argument
KEEP_RUNS = 4  # runs kept in memory (25 ticks each by default): ~100 ticks of history

COLUMNS = ("Event", "Detail", "Time (UTC)", "#")
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1  # lower-case text incl. decoded payloads
NODE_ROLE = Qt.ItemDataRole.UserRole + 2  # the engine node itself
STATUS_COLOURS = {
    "failed": QColor("#c62828"),
    "timeout": QColor("#ef6c00"),
    "retry": QColor("#b8860b"),
    "note": QColor("#6a1b9a"),
}
STATUS_MARKS = {"failed": "✖ ", "timeout": "⏱ ", "retry": "↻ ", "note": "⚡ "}

Index = QModelIndex | QPersistentModelIndex


class HistoryModel(QAbstractItemModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.tree = EventTree(self)
        # Indexes carry id(node) and are resolved through this map, never through
        # QModelIndex.internalPointer(): PySide returns a None it does not own for a null
        # pointer, and a few such calls end in "Fatal Python error: none_dealloc".
        self._nodes: dict[int, Node] = {}
        self._inserting: tuple[Node | None, int, int] | None = None
        self.on_events: list = []  # callables given each batch of new event nodes
        self.keep_runs = KEEP_RUNS

    def reset(self) -> None:
        """A new agent: an empty tree."""
        self.beginResetModel()
        self.tree = EventTree(self)
        self._nodes = {}
        self.endResetModel()

    def drop_old_runs(self) -> int:
        """Keep the newest `keep_runs` runs in memory (older ones: "Earlier run" reloads
        them). Returns how many were dropped."""
        dropped = 0
        while len(self.tree.runs) > self.keep_runs:
            self.tree.drop_run(self.tree.runs[0])
            dropped += 1
        return dropped

    # -- TreeListener ---------------------------------------------------------------------

    def begin_insert(self, parent: Node | None, first: int, last: int) -> None:
        self._inserting = (parent, first, last)
        self.beginInsertRows(self.index_of(parent), first, last)

    def end_insert(self) -> None:
        self.endInsertRows()
        parent, first, last = self._inserting
        self._inserting = None
        if parent is not None and parent.kind == "tick" and self.on_events:
            fresh = parent.children[first:last + 1]
            for callback in self.on_events:
                callback(fresh)

    def begin_remove(self, parent: Node | None, first: int, last: int) -> None:
        self.beginRemoveRows(self.index_of(parent), first, last)
        siblings = self.tree.runs if parent is None else parent.children
        for run in siblings[first:last + 1]:  # the index map must not keep them alive
            self._nodes.pop(id(run), None)
            for group in run.children:
                self._nodes.pop(id(group), None)
                for node in group.children:
                    self._nodes.pop(id(node), None)

    def end_remove(self) -> None:
        self.endRemoveRows()

    def changed(self, node: Node) -> None:
        left = self.index_of(node)
        self.dataChanged.emit(left, left.siblingAtColumn(len(COLUMNS) - 1))

    # -- lookups --------------------------------------------------------------------------

    def index_of(self, node: Node | None, column: int = 0) -> QModelIndex:
        if node is None:
            return QModelIndex()
        return self._index(node.row, column, node)

    def _index(self, row: int, column: int, node: Node) -> QModelIndex:
        self._nodes[id(node)] = node
        return self.createIndex(row, column, node)

    def node(self, index: Index) -> Node | None:
        """The engine node behind an index of this model (None for the root)."""
        return self._nodes.get(index.internalId()) if index.isValid() else None

    def _children(self, parent: Index) -> list[Node]:
        node = self.node(parent)
        return self.tree.runs if node is None else node.children

    # -- QAbstractItemModel ---------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = ROOT) -> QModelIndex:
        children = self._children(parent)
        if parent.column() > 0 or not (0 <= row < len(children)) or not (
                0 <= column < len(COLUMNS)):
            return QModelIndex()
        return self._index(row, column, children[row])

    def parent(self, index: Index = ROOT) -> QModelIndex:  # type: ignore[override]
        node = self.node(index)
        if node is None or node.parent is None:
            return QModelIndex()
        return self._index(node.parent.row, 0, node.parent)

    def rowCount(self, parent: Index = ROOT) -> int:
        if parent.column() > 0:
            return 0
        return len(self._children(parent))

    def columnCount(self, parent: Index = ROOT) -> int:
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        node = self.node(index)
        if node is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return STATUS_MARKS.get(node.status, "") + node.label
            if column == 1:
                return node.detail
            if column == 2:
                return node.time
            return str(node.event_id) if node.event_id is not None else ""
        if role == Qt.ItemDataRole.ForegroundRole and node.status in STATUS_COLOURS:
            return QBrush(STATUS_COLOURS[node.status])
        if role == Qt.ItemDataRole.ToolTipRole and column == 1 and node.detail:
            return node.detail
        if role == SEARCH_ROLE:
            return node.record.search_text() if node.record else node.label.lower()
        if role == NODE_ROLE:
            return node
        return None
