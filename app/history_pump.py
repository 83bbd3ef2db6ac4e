"""Feeds streamed history events into the tree model, at most one insert per event-loop
turn: events arriving in a burst (a re-attach reads thousands at once) are buffered and
applied in slices, so painting and input run between two slices and the window never
freezes. Plain appends are cheap; the insert (and the view's layout) is what costs."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Signal
from shiboken6 import isValid

from app.models.history_model import HistoryModel

SLICE = 400  # events per turn: ~10 ms of tree and view work on a slow machine
# The tree's nodes and event dicts live as long as the tree: after this many more, they
# are moved out of the collector's sight (gc.freeze), or every full collection would walk
# them all again (hundreds of ms with 100,000s of objects: a visible stall).
FREEZE_EVERY = 5_000


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
        self._unfrozen = 0
        self._latest_run: str | None = None

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
        """A new tree: drop what is buffered, and let the collector see the old tree again
        (its parent/child cycles are only freed by the collector)."""
        self._buffer.clear()
        gc.unfreeze()
        self._unfrozen = 0
        self._latest_run = None

    def drain(self) -> None:
        """Apply everything buffered now (before a note that must come after it)."""
        self.model.tree.add_batch(self._buffer)
        self._buffer = []
        self._forget_old_runs()

    def _forget_old_runs(self) -> None:
        """A new latest run (continue-as-new): the oldest beyond the model's keep_runs go
        (memory stays flat over a long session). An earlier run loaded on demand stays
        until the next new run."""
        runs = self.model.tree.runs
        latest = runs[-1].run_id if runs else None
        if latest != self._latest_run:
            self._latest_run = latest
            self.model.drop_old_runs()

    def _flush(self) -> None:
        if not isValid(self.model):  # its window went away with events still buffered
            self._buffer.clear()
            return
        batch, self._buffer = self._buffer[:SLICE], self._buffer[SLICE:]
        self.model.tree.add_batch(batch)
        self._forget_old_runs()
        self._unfrozen += len(batch)
        if self._unfrozen >= FREEZE_EVERY:
            gc.freeze()
            self._unfrozen = 0
        if self._buffer:
            self._timer.start()  # the rest next turn, after the loop has breathed
        self.flushed.emit(len(batch))
