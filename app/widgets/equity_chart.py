"""The equity curve over ticks (QtCharts), with markers for buys, sells, approvals and
crashes. Clicking a marker says which tick it is (the window selects it elsewhere)."""

from __future__ import annotations

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QScatterSeries, QValueAxis
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QLabel

from app import theme

# name: (legend, theme tone, shape, size). Buys and sells differ in shape, not only in
# colour (a colour-blind reader, a grey print): a triangle and a diamond.
MARKERS = {
    "buy": ("▲ Buy filled", "buy", QScatterSeries.MarkerShape.MarkerShapeTriangle, 11),
    "sell": ("◆ Sell filled", "sell", QScatterSeries.MarkerShape.MarkerShapeRotatedRectangle,
             11),
    "approval": ("● Approval asked", "line", QScatterSeries.MarkerShape.MarkerShapeCircle, 9),
    "crash": ("★ Worker killed", "crash", QScatterSeries.MarkerShape.MarkerShapeStar, 16),
}


class EquityChart(QChartView):
    tick_clicked = Signal(int)

    def __init__(self, parent=None) -> None:
        chart = QChart()
        chart.setTitle("Equity by tick (thousands of dollars)")
        # The key is a label under the chart (`self.key`, placed by the window) that wraps:
        # QChart's one-row legend cut every entry to "Eq…", "▲ …" in the central column.
        chart.legend().hide()
        super().__init__(chart, parent)
        self.key = QLabel()
        self.key.setWordWrap(True)
        self.key.setAccessibleName("Chart key")
        self.key.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setAccessibleName("Equity chart")
        self.line = QLineSeries(name="Equity")
        chart.addSeries(self.line)
        self.markers: dict[str, QScatterSeries] = {}
        for key, (legend, _tone, shape, size) in MARKERS.items():
            series = QScatterSeries(name=legend)
            series.setMarkerShape(shape)
            series.setMarkerSize(size)
            series.clicked.connect(lambda point: self.tick_clicked.emit(round(point.x())))
            chart.addSeries(series)
            self.markers[key] = series
        self.x_axis, self.y_axis = QValueAxis(), QValueAxis()
        self.x_axis.setTitleText("tick")
        self.x_axis.setLabelFormat("%d")
        self.y_axis.setLabelFormat("$%.1fk")  # printf has no thousands separator: use k
        chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        for series in [self.line, *self.markers.values()]:
            series.attachAxis(self.x_axis)
            series.attachAxis(self.y_axis)
        self.apply_theme()
        self._equity: dict[int, float] = {}
        self._crashes: list[int] = []
        self._decisions: dict[str, object] = {}

    def apply_theme(self) -> None:
        """The chart follows the window's palette (dark mode included)."""
        dark = theme.is_dark()
        chart = self.chart()
        chart.setTheme(QChart.ChartTheme.ChartThemeDark if dark
                       else QChart.ChartTheme.ChartThemeLight)
        self.line.setPen(QPen(QColor(theme.tone("muted") if not dark else "#cfd8dc"), 2))
        for key, series in self.markers.items():
            colour = QColor(theme.tone(MARKERS[key][1]))
            series.setColor(colour)
            series.setBorderColor(colour)
        line = self.line.pen().color().name()
        entries = [f"<span style='color:{line}'>━</span>&nbsp;Equity"] + [
            f"<span style='color:{theme.tone(tone)}'>{text[0]}</span>&nbsp;"
            f"{text[2:].replace(' ', '&nbsp;')}" for text, tone, _shape, _size in MARKERS.values()]
        self.key.setText(" &nbsp; ".join(entries))

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.PaletteChange:
            self.apply_theme()
        super().changeEvent(event)

    def show_equity(self, series: list[tuple[int, float]]) -> None:
        if not series:
            return
        self._equity = {t: e / 1000 for t, e in series}  # plotted in $ thousands
        self.line.replace([QPointF(t, e) for t, e in self._equity.items()])
        low, high = min(self._equity.values()), max(self._equity.values())
        pad = max((high - low) * 0.1, high * 0.002, 0.001)
        self.x_axis.setRange(series[0][0], max(series[-1][0], series[0][0] + 1))
        self.y_axis.setRange(low - pad, high + pad)
        self._redraw_markers()

    def add_decisions(self, decisions: list) -> None:
        for d in decisions:  # only what draws a marker is kept
            if d.approval is not None or (d.order is not None and
                                          d.order.status.value == "filled"):
                self._decisions[d.trade_id] = d
        self._redraw_markers()

    def mark_crash(self, tick: int) -> None:
        self._crashes.append(tick)
        self._redraw_markers()

    def _at(self, tick: int) -> QPointF | None:
        equity = self._equity.get(tick)
        return None if equity is None else QPointF(tick, equity)

    def _redraw_markers(self) -> None:
        points: dict[str, list[QPointF]] = {key: [] for key in MARKERS}
        for d in self._decisions.values():
            point = self._at(d.tick)
            if point is None:
                continue
            if d.order is not None and d.order.status.value == "filled":
                points["buy" if d.intent.side.value == "buy" else "sell"].append(point)
            if d.approval is not None:
                points["approval"].append(point)
        points["crash"] = [p for p in map(self._at, self._crashes) if p is not None]
        for key, series in self.markers.items():
            series.replace(points[key])
