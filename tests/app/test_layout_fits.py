"""The window at its default size with realistic figures: every position's value fits its
column (no "$1,234,5…"), and a long crash narration stays on one line of the banner instead
of pushing the chart down. Geometry from QFontMetrics and the widgets' own sizes, not pixels
of a screenshot."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QStyle

from app.main_window import MainWindow
from app.recovery import describe_proof
from engine.contracts import HoldingView
from tests.app.conftest import state

WORKFLOW = "agent-AAPL-MSFT-IBM-GOOG-s0-20261205-194003-354918"
HOLDINGS = [  # a big account: seven-figure values, a deep loss, a five-digit share count
    HoldingView(symbol="GOOG", quantity=8_357, avg_cost=160.12, price=147.73,
                market_value=1_234_567.89, unrealized_pnl=-103_542.17),
    HoldingView(symbol="AAPL", quantity=12_500, avg_cost=98.40, price=101.25,
                market_value=1_265_625.00, unrealized_pnl=35_625.00),
    HoldingView(symbol="MSFT", quantity=950, avg_cost=410.55, price=398.02,
                market_value=378_119.00, unrealized_pnl=-11_903.50),
]


def shown(qtbot, controller, qsettings) -> MainWindow:
    window = MainWindow(controller, settings=qsettings)  # fresh settings: the default size
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    controller.state_changed.emit(state(holdings=HOLDINGS, equity=2_990_464.67,
                                        cash=112_152.78, unrealized_pnl=-79_820.67,
                                        realized_pnl=-12_345.67))
    qtbot.wait(50)
    return window


def test_every_position_value_fits_its_column_at_the_default_size(controller, qsettings,
                                                                   qtbot):
    window = shown(qtbot, controller, qsettings)
    assert (window.width(), window.height()) == (1440, 900)
    table = window.portfolio.table
    model = table.model()
    fm = QFontMetrics(table.font())
    # The delegate draws text inside the cell less a margin on each side.
    margin = 2 * (table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1)
    for column in range(model.columnCount()):
        header = model.headerData(column, Qt.Orientation.Horizontal)
        for row in range(model.rowCount()):
            text = model.index(row, column).data()
            assert fm.horizontalAdvance(text) + margin <= table.columnWidth(column), \
                (header, text, table.columnWidth(column))
    assert "$1,234,567.89" in [model.index(r, 4).data() for r in range(model.rowCount())]
    assert "-$103,542.17" in [model.index(r, 5).data() for r in range(model.rowCount())]
    used = sum(table.columnWidth(c) for c in range(model.columnCount()))
    assert used <= table.viewport().width(), "no column hidden past the panel's edge"
    assert table.horizontalScrollBar().maximum() == 0


def test_a_crash_narration_does_not_crowd_the_window(controller, qsettings, qtbot):
    window = shown(qtbot, controller, qsettings)
    window.banner.say("ok", "agent resumed")
    qtbot.wait(50)
    one_line = (window.banner.height(), window.chart.height())
    proof = {"tick": 212, "in_flight": [{"activity": "place_order", "attempt": 1,
                                         "worker": "worker-1@harness-7f3a 41873"}],
             "orders": {f"{WORKFLOW}-t212-{s}": 1 for s in ("AAPL", "MSFT", "IBM", "GOOG")}}
    text = describe_proof(proof)
    window.banner.say("ok", text)
    qtbot.wait(50)
    assert (window.banner.height(), window.chart.height()) == one_line
    assert (window.width(), window.height()) == (1440, 900)
    label = window.banner.label
    assert QFontMetrics(label.font()).horizontalAdvance(label.shown_text()) <= label.width()
    assert "exactly once" in label.shown_text(), "the verdict comes first, never cut"
    assert label.toolTip() == text and window.banner.messages()[-1] == ("ok", text)


def test_the_chart_key_shows_every_entry_whole(controller, qsettings, qtbot):
    window = shown(qtbot, controller, qsettings)
    key = window.chart.key
    assert not window.chart.chart().legend().isVisible()  # its one row cut "Eq…", "▲ …"
    text = key.text()
    for entry in ("Equity", "Buy&nbsp;filled", "Sell&nbsp;filled", "Approval&nbsp;asked",
                  "Worker&nbsp;killed"):
        assert entry in text
    assert key.isVisible() and key.heightForWidth(key.width()) <= key.height()
