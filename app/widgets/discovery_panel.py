"""The Discovery panel: while the agent backtests its candidates, a progress bar (done /
total) and each candidate's state; then the ranked scorecards per symbol and the winner's
equity curve over the bars discovery saw. It renders what the controller hands it."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.models.rows_model import RowsModel

COLUMNS = ("Candidate", "State", "OOS Sharpe", "OOS return", "OOS drawdown")
STATE_COLOURS = {"pending": "#757575", "queued": "#757575", "running": "#1565c0", "done": "#1b7f3b",
                 "failed": "#c62828", "winner": "#6a1b9a"}


class CurveView(QWidget):
    """A winner's equity curve (growth of 1.0 by date), drawn with QPainter."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setMinimumSize(160, 40)
        self.points: list[tuple[str, float]] = []
        self.title = ""
        self.split_date = ""

    def show_curve(self, title: str, points: list[tuple[str, float]],
                   split_date: str = "") -> None:
        self.title, self.points, self.split_date = title, list(points), split_date
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        area = QRectF(self.rect()).adjusted(48, 22, -12, -22)
        painter.setPen(QColor("#37474f"))
        painter.drawText(QRectF(8, 2, self.width() - 16, 18), Qt.AlignmentFlag.AlignLeft,
                         self.title or "Winner's equity curve: no strategy yet")
        if len(self.points) < 2:
            return
        values = [v for _, v in self.points]
        low, high = min(values + [1.0]), max(values + [1.0])
        span = (high - low) or 1.0

        def at(i: int, v: float) -> QPointF:
            x = area.left() + area.width() * i / (len(values) - 1)
            return QPointF(x, area.bottom() - area.height() * (v - low) / span)

        painter.setPen(QPen(QColor("#b0bec5"), 1, Qt.PenStyle.DashLine))  # break-even
        painter.drawLine(at(0, 1.0), at(len(values) - 1, 1.0))
        path = QPainterPath(at(0, values[0]))
        for i, v in enumerate(values[1:], 1):
            path.lineTo(at(i, v))
        split = next((i for i, (d, _) in enumerate(self.points) if d >= self.split_date), None) \
            if self.split_date else None
        if split is not None:  # the ranking reads only what lies right of this line
            x = at(split, low).x()
            painter.setPen(QPen(QColor("#90a4ae"), 1, Qt.PenStyle.DotLine))
            painter.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))
            painter.setPen(QColor("#546e7a"))
            painter.drawText(QRectF(x + 4, area.top(), 160, 16), Qt.AlignmentFlag.AlignLeft,
                             "out-of-sample →")
        painter.setPen(QPen(QColor("#6a1b9a"), 2))
        painter.drawPath(path)
        painter.setPen(QColor("#37474f"))
        painter.drawText(QRectF(0, area.top() - 8, 44, 16), Qt.AlignmentFlag.AlignRight,
                         f"{high:.2f}x")
        painter.drawText(QRectF(0, area.bottom() - 8, 44, 16), Qt.AlignmentFlag.AlignRight,
                         f"{low:.2f}x")
        painter.drawText(QRectF(area.left(), area.bottom() + 4, 120, 16),
                         Qt.AlignmentFlag.AlignLeft, self.points[0][0])
        painter.drawText(QRectF(area.right() - 120, area.bottom() + 4, 120, 16),
                         Qt.AlignmentFlag.AlignRight, self.points[-1][0])


class DiscoveryPanel(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.summary = QLabel("No strategy discovery for this agent.")
        self.summary.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m backtests")
        self.progress.hide()
        self.symbol = QComboBox()
        self.symbol.currentTextChanged.connect(self._show_symbol)
        self.rows = RowsModel(COLUMNS, right_aligned=(2, 3, 4), parent=self)
        self.table = QTableView()
        self.table.setModel(self.rows)
        self.table.setAccessibleName("Candidate strategies")
        self.table.verticalHeader().hide()
        self.table.setMinimumHeight(40)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.curve = CurveView()
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.progress, 1)
        top.addWidget(self.symbol)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addLayout(top)
        # Side by side, not stacked: the panel shares its dock area with the decisions and
        # must not raise the window's minimum height.
        body = QHBoxLayout()
        body.addWidget(self.table, 3)
        body.addWidget(self.curve, 2)
        layout.addLayout(body, 1)
        self._progress: dict[str, object] = {}
        self._picks: dict[str, object] = {}

    # ------------------------------------------------------------ inputs

    def show_progress(self, progress: list) -> None:
        """[DiscoveryProgress], one per symbol, while the backtests run."""
        self._progress = {p.symbol: p for p in progress}
        total = sum(p.total for p in progress)
        done = sum(p.done for p in progress)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setVisible(total > 0)
        states = [c.state.value for p in progress for c in p.candidates]
        # Queued: started, but waiting for a free sandbox (one per core runs at a time).
        self.summary.setText(f"Discovering strategies: {done} of {total} backtests done, "
                             f"{states.count('running')} running, {states.count('queued')} "
                             "queued, each in its own sandbox.")
        self._symbols(list(self._progress))

    def show_state(self, state) -> None:
        """The agent's state: its ranked tables once discovery has finished."""
        picks = getattr(state, "strategies", None) or {}
        if not picks or state.phase.value == "discovering":
            return
        self._picks, self._progress = dict(picks), {}
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.progress.hide()
        winners = [f"{s}: {p.winner.name}" if p.winner else f"{s}: none" for s, p in
                   sorted(picks.items())]
        self.summary.setText("Winners (out-of-sample Sharpe, then drawdown): "
                             + "; ".join(winners))
        self._symbols(sorted(picks))

    # ------------------------------------------------------------ rendering

    def _symbols(self, symbols: list[str]) -> None:
        current = self.symbol.currentText()
        if [self.symbol.itemText(i) for i in range(self.symbol.count())] != symbols:
            self.symbol.blockSignals(True)
            self.symbol.clear()
            self.symbol.addItems(symbols)
            if current in symbols:
                self.symbol.setCurrentText(current)
            self.symbol.blockSignals(False)
        self._show_symbol(self.symbol.currentText())

    def _show_symbol(self, symbol: str) -> None:
        if symbol in self._progress:
            rows = [(c.name, c.state.value, None, None, None)
                    for c in self._progress[symbol].candidates]
            self._fill(rows)
            self.curve.show_curve("", [])
        elif symbol in self._picks:
            pick = self._picks[symbol]
            winner = pick.winner.name if pick.winner else None
            self._fill([(r.name, "winner" if r.name == winner else
                         ("done" if r.ok else f"failed: {r.reason}"),
                         r.oos_sharpe if r.ok else None, r.oos_return if r.ok else None,
                         r.oos_max_drawdown if r.ok else None) for r in pick.ranked])
            if pick.winner:
                signal = "" if pick.signal is None else \
                    f", signal {pick.signal:g} as of {pick.signal_date}"
                self.curve.show_curve(f"{symbol} {pick.winner.name}{signal}",
                                      pick.winner.equity, pick.winner.split_date)

    def _fill(self, rows: list[tuple]) -> None:
        """Rows change in place (a poll that changes one candidate's state repaints one
        row; the selection and scroll position stay)."""
        self.rows.set_rows([
            (name, (state, STATE_COLOURS.get(state.split(":")[0], "#000")),
             "" if sharpe is None else f"{sharpe:.2f}",
             "" if ret is None else f"{ret:+.1%}",
             "" if dd is None else f"{dd:.1%}")
            for name, state, sharpe, ret, dd in rows])
