"""The decisions table; selecting a row (a click, or the arrow keys) says which tick it
is."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from app.models.decisions_model import TICK_ROLE, DecisionsModel


class DecisionsView(QTableView):
    tick_selected = Signal(int)

    def __init__(self, model: DecisionsModel, parent=None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(22)  # dense, like a blotter
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        for column, width in enumerate((48, 86, 190, 380, 230, 190)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.setAccessibleName("Decisions, newest first")
        # The current row, however it moved (click, arrows, Page Up/Down): its tick.
        self.selectionModel().currentRowChanged.connect(self._current_changed)
        self._quiet = False

    def _current_changed(self, current, _previous) -> None:
        if current.isValid() and not self._quiet:
            self.tick_selected.emit(current.data(TICK_ROLE))

    def select_tick(self, tick: int) -> None:
        row = self.model().row_of_tick(tick)
        if row is not None:
            self._quiet = True  # selected from elsewhere: no echo back
            try:
                self.selectRow(row)
            finally:
                self._quiet = False
            self.scrollTo(self.model().index(row, 0))
