"""The approval dialog and its queue, driven by clicking and typing, fake controller."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.dialogs.approval import ApprovalDialog
from app.dialogs.approval_desk import ApprovalDesk
from tests.app.conftest import decision, pending


def make_desk(controller, qtbot, decisions=None):
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    known = {d.trade_id: d for d in decisions or []}
    return ApprovalDesk(controller, window, known.get)


def test_the_dialog_shows_the_trade_and_a_countdown(qtbot):
    dialog = ApprovalDialog(pending(expires_in=125), decision(4))
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.isModal()
    assert "BUY 500 AAPL" in dialog.windowTitle()
    text = " ".join(label.text() for label in dialog.findChildren(type(dialog.countdown)))
    assert "$10,000.00" in text and "approval threshold" in text
    assert "AAPL beats estimates" in text and "5-bar mean" in text
    assert dialog.countdown.text() in ("2:04", "2:05")
    assert "market clock is stopped" not in text


def test_the_dialog_says_when_the_clock_waits(controller, qtbot):
    from tests.app.conftest import state

    controller.state = state(approval_policy="wait")
    desk = make_desk(controller, qtbot)
    controller.approvals_changed.emit([pending()])
    labels = " ".join(label.text() for label in desk.dialog.findChildren(type(
        desk.dialog.countdown)))
    assert "The market clock is stopped until you decide." in labels


def test_approve_reject_and_approve_smaller_send_the_review(controller, qtbot):
    desk = make_desk(controller, qtbot)
    controller.approvals_changed.emit([pending("t4-AAPL")])
    dialog = desk.dialog
    qtbot.keyClicks(dialog.reason, "looks fine")
    qtbot.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)
    assert controller.called("review") == [("t4-AAPL", True, None, "looks fine")]
    assert not dialog.approve_button.isEnabled(), "no double answer while one is in flight"

    controller.review_refused.emit("t4-AAPL", "trade t4-AAPL has expired")
    assert dialog.error.isVisible() and "has expired" in dialog.error.text()
    assert dialog.approve_button.isEnabled()

    assert not dialog.approve_smaller.isEnabled(), "the full quantity is not 'smaller'"
    dialog.quantity.clear()
    qtbot.keyClicks(dialog.quantity, "200")
    assert dialog.approve_smaller.text() == "Approve 200 only"
    qtbot.mouseClick(dialog.approve_smaller, Qt.MouseButton.LeftButton)
    assert controller.called("review")[-1] == ("t4-AAPL", True, 200, "looks fine")

    dialog.refused("x")
    qtbot.mouseClick(dialog.reject_button, Qt.MouseButton.LeftButton)
    assert controller.called("review")[-1] == ("t4-AAPL", False, None, "looks fine")


def test_several_approvals_queue_and_none_is_lost(controller, qtbot):
    desk = make_desk(controller, qtbot)
    controller.approvals_changed.emit([pending("t4-AAPL"), pending("t5-MSFT", tick=5)])
    assert desk.dialog.pending.trade_id == "t4-AAPL"
    assert "(1 more waiting)" in desk.dialog.windowTitle()
    qtbot.mouseClick(desk.dialog.approve_button, Qt.MouseButton.LeftButton)
    controller.review_answered.emit("t4-AAPL", "approved: order filled")
    assert desk.dialog.pending.trade_id == "t5-MSFT"
    assert "more waiting" not in desk.dialog.windowTitle()
    controller.approvals_changed.emit([pending("t5-MSFT", tick=5)])  # the agent agrees
    assert desk.dialog.pending.trade_id == "t5-MSFT"


def test_a_trade_that_stops_being_pending_closes_its_dialog_and_says_why(controller, qtbot):
    superseded = decision(4, filled=False, approval="superseded")
    superseded.approval_note = "superseded by t5-AAPL"
    desk = make_desk(controller, qtbot, [superseded])
    controller.approvals_changed.emit([pending("t4-AAPL")])
    dialog = desk.dialog
    with qtbot.waitSignal(desk.closed_by_agent) as closed:
        controller.approvals_changed.emit([])
    assert closed.args == ["t4-AAPL", "superseded (superseded by t5-AAPL)"]
    assert desk.dialog is None and not dialog.isVisible()


def test_closing_the_dialog_answers_nothing_and_it_can_be_reopened(controller, qtbot):
    desk = make_desk(controller, qtbot)
    controller.approvals_changed.emit([pending("t4-AAPL")])
    desk.dialog.reject()  # Esc / the window's close button
    assert controller.called("review") == []
    desk.reopen()
    assert desk.dialog is not None and desk.dialog.isVisible()


class Tray:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    def showMessage(self, title, text, *_args) -> None:  # noqa: N802 - Qt's name
        self.messages.append((title, text))


def test_a_tray_notification_when_the_window_is_hidden(controller, qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    tray = Tray()
    desk = ApprovalDesk(controller, window, {}.get, tray)
    window.show()
    controller.approvals_changed.emit([pending("t4-AAPL")])
    assert tray.messages == [], "visible window: the dialog is enough"
    window.hide()
    controller.approvals_changed.emit([pending("t4-AAPL"), pending("t6-MSFT", tick=6)])
    assert tray.messages == [("Trade needs approval", "buy 500 AAPL")]
    assert desk.dialog is not None
