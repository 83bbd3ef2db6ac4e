"""Filtering the history tree: event type, tick, failures only, and free-text search
(which looks inside decoded payloads too). Ticks and runs stay visible when one of
their events matches (recursive filtering), so a match is always shown in context."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel


class HistoryFilter(QSortFilterProxyModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.event_type = ""
        self.tick: int | None = None
        self.failures_only = False
        self.search = ""

    def set_filters(self, *, event_type: str = "", tick: int | None = None,
                    failures_only: bool = False, search: str = "") -> None:
        self.beginFilterChange()
        self.event_type = event_type.strip().lower()
        self.tick = tick
        self.failures_only = failures_only
        self.search = search.strip().lower()
        self.endFilterChange()

    def active(self) -> bool:
        return bool(self.event_type or self.tick is not None or self.failures_only
                    or self.search)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        if not self.active():
            return True
        model = self.sourceModel()
        node = model.node(model.index(source_row, 0, source_parent))
        if node is None or node.kind != "event":
            return False  # shown only through a matching event (recursive filtering)
        if self.tick is not None and node.tick != self.tick:
            return False
        if self.failures_only and node.status in ("ok", "note"):
            return False
        if self.event_type and self.event_type not in node.label.lower():
            return False
        if self.search and (node.record is None or self.search not in node.record.search_text()):
            return False
        return True
