"""The journal as a table, newest first: tick, date, intent, verdict with reasons,
approval outcome, order and its client_order_id. Rows are upserted by trade id, because
a decision changes after it is made (its approval is answered, its order fills)."""

from __future__ import annotations

from bisect import bisect_left

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor

from app.format import money

ROOT = QModelIndex()  # the invisible root, as a default argument

COLUMNS = ("Tick", "Date", "Intent", "Verdict", "Approval", "Order", "client_order_id")
TICK_ROLE = Qt.ItemDataRole.UserRole + 1
MAX_ROWS = 5_000  # a session that runs for days keeps its newest decisions on screen
VERDICT_COLOURS = {"block": QColor("#c62828"), "needs_approval": QColor("#b8860b")}


def intent_text(d) -> str:
    i = d.intent
    if i.side.value == "hold":
        return f"hold {i.symbol}"
    price = f" @ {money(i.limit_price)}" if i.limit_price else ""
    return f"{i.side.value.upper()} {i.quantity:,} {i.symbol}{price}"


def verdict_text(d) -> str:
    reasons = "; ".join(d.check.reasons)
    text = d.check.verdict.value.replace("_", " ").lower()
    return f"{text}: {reasons}" if reasons else text


def order_text(d) -> str:
    o = d.order
    if o is None:
        return ""
    if o.status.value == "filled":
        return f"filled {o.filled_quantity:,} @ {money(o.filled_price)}"
    return f"{o.status.value}: {o.reason}"


class DecisionsModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list = []  # engine.contracts.Decision, newest (highest tick) first
        self._keys: list[tuple[int, str]] = []  # (-tick, trade id), sorted like _rows

    def upsert(self, decisions: list) -> None:
        for d in decisions:
            key = (-d.tick, d.trade_id)
            row = bisect_left(self._keys, key)
            if row < len(self._keys) and self._keys[row] == key:
                if self._rows[row] != d:
                    self._rows[row] = d
                    self.dataChanged.emit(self.index(row, 0),
                                          self.index(row, len(COLUMNS) - 1))
                continue
            self.beginInsertRows(QModelIndex(), row, row)
            self._rows.insert(row, d)
            self._keys.insert(row, key)
            self.endInsertRows()
        if len(self._rows) > MAX_ROWS:
            self.beginRemoveRows(QModelIndex(), MAX_ROWS, len(self._rows) - 1)
            del self._rows[MAX_ROWS:], self._keys[MAX_ROWS:]
            self.endRemoveRows()

    def clear(self) -> None:
        self.beginResetModel()
        self._rows, self._keys = [], []
        self.endResetModel()

    def decision(self, trade_id: str):
        return next((d for d in self._rows if d.trade_id == trade_id), None)

    def row_of_tick(self, tick: int) -> int | None:
        row = bisect_left(self._keys, (-tick, ""))
        return row if row < len(self._rows) and self._rows[row].tick == tick else None

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
        d = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            approval = d.approval.value if d.approval else ""
            if d.approval_note and approval:
                approval += f" ({d.approval_note})"
            return (f"t{d.tick}", d.date, intent_text(d), verdict_text(d), approval,
                    order_text(d), d.order.client_order_id if d.order else "")[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return d.intent.rationale if column == 2 else verdict_text(d)
        if role == Qt.ItemDataRole.ForegroundRole and column == 3:
            return VERDICT_COLOURS.get(d.check.verdict.value.lower())
        if role == TICK_ROLE:
            return d.tick
        return None
