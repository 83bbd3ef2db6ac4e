"""Feeds streamed history events into the tree model, at most one insert per event-loop
turn: events arriving in a burst (a re-attach reads thousands at once) are buffered and
applied in slices, so painting and input run between two slices and the window never
freezes. Plain appends are cheap; the insert (and the view's layout) is what costs."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from app.models.history_model import HistoryModel

SLICE = 400  # events per turn: ~10 ms of tree and view work on a slow machine


class HistoryPump(QObject):
    flushed = Signal(int)  # events applied in this turn

    def __init__(self, model: HistoryModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._buffer: list[tuple[str, dict]] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._flush)

    def push(self, run_id: str, event: dict) -> None:
        self._buffer.append((run_id, event))
        if not self._timer.isActive():
            self._timer.start()

    def extend(self, items: list[tuple[str, dict]]) -> None:
        self._buffer.extend(items)
        if not self._timer.isActive():
            self._timer.start()

    def pending(self) -> int:
        return len(self._buffer)

    def clear(self) -> None:
        self._buffer.clear()

    def drain(self) -> None:
        """Apply everything buffered now (before a note that must come after it)."""
        self.model.tree.add_batch(self._buffer)
        self._buffer = []

    def _flush(self) -> None:
        batch, self._buffer = self._buffer[:SLICE], self._buffer[SLICE:]
        self.model.tree.add_batch(batch)
        if self._buffer:
            self._timer.start()  # the rest next turn, after the loop has breathed
        self.flushed.emit(len(batch))
