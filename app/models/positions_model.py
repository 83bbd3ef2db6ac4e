"""The open positions as a table: quantity, average cost, last price, unrealised P&L."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from app.format import money, pct, pnl_colour, ratio_pct, signed_money

ROOT = QModelIndex()  # the invisible root, as a default argument

COLUMNS = ("Symbol", "Qty", "Avg cost", "Last", "Value", "Unreal. $", "Unreal. %")


class PositionsModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list = []  # engine.contracts.HoldingView

    def set_holdings(self, holdings: list) -> None:
        if holdings == self._rows:
            return
        self.beginResetModel()  # a handful of rows: a reset is simplest and cheap
        self._rows = list(holdings)
        self.endResetModel()

    def rowCount(self, parent = ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent = ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        h = self._rows[index.row()]
        cost = h.quantity * h.avg_cost
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (h.symbol, f"{h.quantity:,}", money(h.avg_cost), money(h.price),
                    money(h.market_value), signed_money(h.unrealized_pnl),
                    pct(ratio_pct(h.unrealized_pnl, cost)))[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column >= 5:
            return pnl_colour(h.unrealized_pnl)
        return None
