"""The decisions table; selecting a row says which tick it is."""

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
        self.clicked.connect(lambda index: self.tick_selected.emit(index.data(TICK_ROLE)))

    def select_tick(self, tick: int) -> None:
        row = self.model().row_of_tick(tick)
        if row is not None:
            self.selectRow(row)
            self.scrollTo(self.model().index(row, 0))
