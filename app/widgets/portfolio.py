"""Portfolio panel: equity, cash, realised and unrealised P&L (dollars and percent),
and the positions table."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.format import money, pct, pnl_colour, ratio_pct, signed_money
from app.models.positions_model import PositionsModel
from app.theme import tone


class PortfolioPanel(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        grid = QGridLayout()
        self.values: dict[str, QLabel] = {}
        rows = (("equity", "Equity"), ("return", "Total return"), ("cash", "Cash"),
                ("realized", "Realised P&L"), ("unrealized", "Unrealised P&L"))
        for row, (key, title) in enumerate(rows):
            name = QLabel(title)
            name.setStyleSheet(f"color: {tone('muted')};")
            value = QLabel("—")
            value.setObjectName(key)
            value.setAccessibleName(title)
            value.setStyleSheet("font-weight: 600; font-size: 11pt;")
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            self.values[key] = value
        grid.setColumnStretch(1, 1)
        self.positions = PositionsModel(self)
        table = QTableView()
        table.setModel(self.positions)
        table.verticalHeader().hide()
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        # Each column is as wide as its widest figure (a shared width cut "$1,234,567.89" to
        # "$1,234,5…"); the last one takes what is left, and the panel is never narrower than
        # the columns need (no sideways scrolling in a side panel).
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.positions.columnCount() - 1,
                                    QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        header.sectionResized.connect(lambda *_: self._fit_width())
        table.setAlternatingRowColors(True)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setAccessibleName("Positions")
        self.table = table
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(QLabel("Positions"))
        layout.addWidget(table, 1)

    def show_state(self, state) -> None:
        start = state.starting_cash
        cost = sum(h.quantity * h.avg_cost for h in state.holdings)
        self._set("equity", money(state.equity))
        self._set("return", f"{signed_money(state.equity - start)}  "
                            f"({pct(ratio_pct(state.equity - start, start))})" if start else "—",
                  state.equity - start)
        self._set("cash", money(state.cash))
        self._set("realized", f"{signed_money(state.realized_pnl)}  "
                              f"({pct(ratio_pct(state.realized_pnl, start))} of start)",
                  state.realized_pnl)
        self._set("unrealized", f"{signed_money(state.unrealized_pnl)}  "
                                f"({pct(ratio_pct(state.unrealized_pnl, cost))} of cost)",
                  state.unrealized_pnl)
        self.positions.set_holdings(state.holdings)

    def _fit_width(self) -> None:
        """The table's minimum width: every column at its content's width, the frame and a
        vertical scroll bar (many positions), so the dock gives the panel room for them."""
        table, header = self.table, self.table.horizontalHeader()
        needed = sum(max(table.sizeHintForColumn(c), header.sectionSizeHint(c))
                     for c in range(self.positions.columnCount()))
        needed += 2 * table.frameWidth() + table.verticalScrollBar().sizeHint().width()
        if needed != table.minimumWidth():
            table.setMinimumWidth(needed)

    def _set(self, key: str, text: str, signed: float | None = None) -> None:
        label = self.values[key]
        label.setText(text)
        colour = pnl_colour(signed) if signed is not None else None
        weight = "font-weight: 600; font-size: 11pt;"
        label.setStyleSheet(weight + (f" color: {colour.name()};" if colour else ""))
