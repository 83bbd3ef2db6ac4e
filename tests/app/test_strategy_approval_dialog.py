"""The strategy approval dialog, offscreen for real: the reviewer sees the model's code,
the diff against the nearest shipped family and the scorecard, then answers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.dialogs.strategy_approval import StrategyApprovalDialog
from engine.discovery.candidates import FAMILIES_DIR
from engine.discovery.contracts import BacktestOutcome, StrategyApproval, StrategyPick
from engine.discovery.review import review_of

click = Qt.MouseButton.LeftButton


def _pick() -> StrategyPick:
    source = (FAMILIES_DIR / "momentum.py").read_text().replace(
        "past > threshold", "past > threshold * 2")
    card = {"sharpe": 1.25, "total_return": 0.4, "max_drawdown": -0.2, "trades": 12.0,
            "win_rate": 0.5, "exposure": 0.6}
    winner = BacktestOutcome(name="written-double", family="written", ok=True, bars=500,
                             in_sample=card, out_of_sample=card, backend="bwrap")
    return StrategyPick(symbol="AAPL", discovery_id="d", winner=winner, source=source,
                        approval=StrategyApproval.PENDING)


def test_it_shows_code_diff_and_scorecard_then_answers(qtbot):
    review = review_of(_pick())
    assert review.nearest_family == "momentum"
    dialog = StrategyApprovalDialog(review)
    qtbot.addWidget(dialog)
    dialog.show()
    tabs = {dialog.tabs.tabText(i): dialog.tabs.widget(i).toPlainText()
            for i in range(dialog.tabs.count())}
    assert tabs["Code"] == review.code
    assert "+    return (past > threshold * 2)" in tabs["Diff vs momentum"].replace(
        "  # NaN (never long) until `lookback` bars", "")
    assert "sharpe 1.25" in tabs["Scorecard"]
    qtbot.keyClicks(dialog.reason, "read it")
    with qtbot.waitSignal(dialog.answer) as answered:
        qtbot.mouseClick(dialog.approve_button, click)
    assert answered.args == ["AAPL", True, "read it"]
    assert not dialog.approve_button.isEnabled()
    dialog.refused("the strategy for AAPL is not waiting for approval (approved)")
    assert dialog.approve_button.isEnabled() and "not waiting" in dialog.error.text()


def test_the_desk_opens_the_dialog_for_a_pending_pick_and_sends_the_answer(
        controller, qtbot, monkeypatch):
    from app.dialogs.strategy_desk import StrategyDesk
    from tests.app.conftest import _recorder, state

    monkeypatch.setattr(type(controller), "review_strategy", _recorder("review_strategy"),
                        raising=False)
    window = QWidget()
    qtbot.addWidget(window)
    desk = StrategyDesk(controller, window)
    shipped = _pick().model_copy(update={"symbol": "MSFT",
                                         "approval": StrategyApproval.NOT_NEEDED})
    controller.state_changed.emit(state(strategies={"MSFT": shipped}))
    assert desk.dialog is None  # a shipped family's pick asks nobody
    controller.state_changed.emit(state(strategies={"AAPL": _pick(), "MSFT": shipped}))
    assert desk.dialog is not None and desk.dialog.review.symbol == "AAPL"
    qtbot.mouseClick(desk.dialog.reject_button, click)
    assert controller.called("review_strategy") == [("AAPL", False, "")]
    controller.review_refused.emit("strategy:AAPL", "not waiting for approval (approved)")
    assert "not waiting" in desk.dialog.error.text()
    controller.review_answered.emit("strategy:AAPL", "rejected by human")
    assert desk.dialog is None
    controller.state_changed.emit(state(strategies={"AAPL": _pick()}))  # a stale state
    assert desk.dialog is None  # answered: not asked again
