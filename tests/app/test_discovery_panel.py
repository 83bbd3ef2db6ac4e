"""The Discovery panel in the main window, driven by a fake controller: progress while the
backtests run, then the ranked scorecards and the winner's equity curve."""

from __future__ import annotations

from PySide6.QtWidgets import QDockWidget

from app.main_window import MainWindow
from engine.contracts import Phase
from engine.discovery.contracts import (
    BacktestOutcome,
    CandidateProgress,
    CandidateState,
    DiscoveryProgress,
    RankedRow,
    StrategyPick,
)
from tests.app.conftest import state


def progress(symbol: str, states: list[str]) -> DiscoveryProgress:
    candidates = [CandidateProgress(name=f"{symbol.lower()}-cand-{i}", family="sma_cross",
                                    state=CandidateState(s)) for i, s in enumerate(states)]
    return DiscoveryProgress(symbol=symbol, total=len(states),
                             done=sum(s in ("done", "failed") for s in states),
                             candidates=candidates)


def pick(symbol: str) -> StrategyPick:
    curve = [(f"2003-{m:02d}-01", 1.0 + 0.03 * m - 0.02 * (m % 3)) for m in range(1, 13)]
    winner = BacktestOutcome(name="macd-fast=12-slow=26-smooth=9", family="macd", ok=True,
                             out_of_sample={"sharpe": 1.42, "max_drawdown": -0.08},
                             equity=curve, last_date="2003-12-31", split_date="2003-09-01")
    ranked = [RankedRow(name=winner.name, family="macd", ok=True, oos_sharpe=1.42,
                        oos_return=0.21, oos_max_drawdown=-0.08),
              RankedRow(name="sma_cross-fast=10-slow=50", family="sma_cross", ok=True,
                        oos_sharpe=0.37, oos_return=0.05, oos_max_drawdown=-0.19),
              RankedRow(name="written-spins", family="written", ok=False, reason="timeout")]
    return StrategyPick(symbol=symbol, discovery_id=f"agent-x-discovery-{symbol}",
                        ranked=ranked, winner=winner, source="def signal(bars): ...",
                        signal=1.0, signal_date="2004-01-20")


def test_progress_then_ranked_scorecards_and_the_curve(controller, qsettings, qtbot, tmp_path):
    window = MainWindow(controller, settings=qsettings)
    qtbot.addWidget(window)
    window.show()
    panel = window.discovery
    assert "No strategy discovery" in panel.summary.text()

    controller.discovery_changed.emit([progress("AAPL", ["done", "running", "queued"]),
                                       progress("MSFT", ["failed", "done", "running"])])
    assert window.findChild(QDockWidget, "Discovery").isVisible()
    assert panel.progress.isVisible()
    assert (panel.progress.value(), panel.progress.maximum()) == (3, 6)
    assert panel.summary.text().startswith("Discovering strategies: 3 of 6 backtests done, "
                                           "2 running, 1 queued")
    assert panel.rows.rowCount() == 3
    assert [panel.rows.text(r, 1) for r in range(3)] == ["done", "running", "queued"]
    panel.symbol.setCurrentText("MSFT")
    assert panel.rows.text(0, 1) == "failed"
    window.grab().save(str(tmp_path / "discovering.png"))

    controller.state_changed.emit(state(phase=Phase.RUNNING, symbols=["AAPL", "MSFT"],
                                        strategies={"AAPL": pick("AAPL"),
                                                    "MSFT": pick("MSFT")}))
    assert not panel.progress.isVisible()
    assert "AAPL: macd-fast=12-slow=26-smooth=9" in panel.summary.text()
    assert panel.rows.rowCount() == 3
    assert panel.rows.text(0, 1) == "winner"
    assert panel.rows.text(0, 2) == "1.42"
    assert panel.rows.text(1, 3) == "+5.0%"
    assert panel.rows.text(2, 1) == "failed: timeout"
    assert panel.curve.points[-1] == pick("AAPL").winner.equity[-1]
    assert "signal 1 as of 2004-01-20" in panel.curve.title
    assert panel.curve.split_date == "2003-09-01"
    image = panel.curve.grab().toImage()
    purple = [image.pixelColor(x, y).name() for x in range(image.width())
              for y in range(0, image.height(), 2)].count("#6a1b9a")
    assert purple > 50, "the curve was not drawn"
    window.grab().save(str(tmp_path / "ranked.png"))


def test_an_agent_without_discovery_leaves_the_panel_empty(controller, qsettings, qtbot):
    window = MainWindow(controller, settings=qsettings)
    qtbot.addWidget(window)
    controller.state_changed.emit(state())
    assert "No strategy discovery" in window.discovery.summary.text()
    assert window.discovery.rows.rowCount() == 0


def test_the_window_agent_discovers_and_the_cli_agent_does_not():
    from app.defaults import window_agent
    from engine.cli.feed import default_agent

    assert window_agent().discovery is not None
    assert window_agent().discovery.sandbox == "auto"
    assert default_agent().discovery is None


def test_a_poll_changes_only_the_rows_that_changed(controller, qsettings, qtbot):
    """The panels were rebuilt item by item on every poll (twice a second): selection and
    scroll lost, a widget item allocated per cell. Now one changed candidate is one
    changed row, and an unchanged poll changes nothing."""
    window = MainWindow(controller, settings=qsettings)
    qtbot.addWidget(window)
    panel = window.discovery
    controller.discovery_changed.emit([progress("AAPL", ["done", "running", "queued"])])
    panel.table.selectRow(2)
    changes: list[tuple[int, int]] = []
    resets: list[str] = []
    panel.rows.dataChanged.connect(lambda a, b: changes.append((a.row(), b.row())))
    for signal in (panel.rows.modelReset, panel.rows.rowsRemoved, panel.rows.rowsInserted):
        signal.connect(lambda *_: resets.append("structure"))
    controller.discovery_changed.emit([progress("AAPL", ["done", "running", "queued"])])
    assert changes == [] and resets == []
    controller.discovery_changed.emit([progress("AAPL", ["done", "done", "queued"])])
    assert changes == [(1, 1)] and resets == []
    assert panel.table.selectionModel().isRowSelected(2), "the selection stays"

    pending = window.pending
    pending.show_activities([{"activity": "place_order", "state": "STARTED", "attempt": 1}])
    pending.lines.modelReset.connect(lambda: resets.append("reset"))
    pending.lines.rowsRemoved.connect(lambda *_: resets.append("removed"))
    pending.show_activities([{"activity": "place_order", "state": "STARTED", "attempt": 1}])
    assert resets == [] and pending.texts() == ["place_order: started, attempt 1"]
