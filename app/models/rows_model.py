"""A small table model for panels that the state poll refreshes twice a second (Discovery,
Pending work): `set_rows` changes only the rows that changed (dataChanged), and inserts
or removes only at the end, instead of rebuilding every widget item on every poll (which
reset the selection and the scroll position, and allocated a widget item per cell)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

ROOT = QModelIndex()

Row = tuple  # display strings; a cell may be (text, colour) for a coloured one


class RowsModel(QAbstractTableModel):
    def __init__(self, headers: tuple[str, ...], right_aligned: tuple[int, ...] = (),
                 parent=None) -> None:
        super().__init__(parent)
        self.headers = headers
        self.right_aligned = right_aligned
        self.rows: list[Row] = []

    def set_rows(self, rows: list[Row]) -> None:
        old = len(self.rows)
        new = len(rows)
        if new < old:
            self.beginRemoveRows(ROOT, new, old - 1)
            del self.rows[new:]
            self.endRemoveRows()
        for r in range(min(old, new)):
            if self.rows[r] != rows[r]:
                self.rows[r] = rows[r]
                self.dataChanged.emit(self.index(r, 0), self.index(r, len(self.headers) - 1))
        if new > old:
            self.beginInsertRows(ROOT, old, new - 1)
            self.rows.extend(rows[old:])
            self.endInsertRows()

    def text(self, row: int, column: int) -> str:
        cell = self.rows[row][column]
        return cell[0] if isinstance(cell, tuple) else cell

    def rowCount(self, parent=ROOT) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=ROOT) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        cell = self.rows[index.row()][index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return cell[0] if isinstance(cell, tuple) else cell
        if role == Qt.ItemDataRole.ForegroundRole and isinstance(cell, tuple):
            return QBrush(QColor(cell[1]))
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.right_aligned:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
