"""The approval dialog and its queue, driven by clicking and typing, fake controller."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from app.approval_request import ApprovalRequest
from app.dialogs.approval import ApprovalDialog
from app.dialogs.approval_desk import ApprovalDesk
from tests.app.conftest import decision, pending

WID = "agent-test"


def make_desk(controller, qtbot, decisions=None):
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    known = {d.trade_id: d for d in decisions or []}
    return ApprovalDesk(controller, window, known.get)


def labels(dialog) -> str:
    return " ".join(label.text() for label in dialog.findChildren(QLabel))


def test_the_dialog_shows_the_trade_a_countdown_and_what_expiry_does(qtbot):
    dialog = ApprovalDialog(ApprovalRequest(WID, pending(expires_in=125), decision(4)))
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.isModal()
    assert "BUY 500 AAPL" in dialog.windowTitle()
    text = labels(dialog)
    assert "$10,000.00" in text and "approval threshold" in text
    assert "AAPL beats estimates" in text and "5-bar mean" in text
    assert dialog.countdown.text() in ("2:04", "2:05")
    assert "At expiry the trade is rejected as expired: no order is placed." in text
    assert "market clock is stopped" not in text


def test_the_dialog_says_when_the_clock_waits(controller, qtbot):
    from tests.app.conftest import state

    controller.state = state(approval_policy="wait")
    desk = make_desk(controller, qtbot)
    controller.approvals_changed.emit(WID, [pending()])
    assert "The market clock is stopped until you decide." in labels(desk.dialog)


def test_approve_and_reject_send_exactly_what_the_box_shows(controller, qtbot):
    desk = make_desk(controller, qtbot)
    controller.approvals_changed.emit(WID, [pending("t4-AAPL")])
    dialog = desk.dialog
    assert dialog.approve_button.text() == "&Approve 500 shares"
    qtbot.keyClicks(dialog.reason, "looks fine")
    qtbot.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)
    assert controller.answers() == [(WID, "t4-AAPL", True, 500, "looks fine")]
    assert not dialog.approve_button.isEnabled(), "no double answer while one is in flight"
    assert dialog.status.text() == "Sending…"

    request = desk.queue[0]
    request.refused("trade t4-AAPL has expired")
    assert dialog.status.isVisible() and "has expired" in dialog.status.text()
    assert dialog.approve_button.isEnabled()

    dialog.quantity.clear()
    qtbot.keyClicks(dialog.quantity, "200")
    assert dialog.approve_button.text() == "&Approve 200 of 500 shares"
    qtbot.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)
    assert controller.answers()[-1] == (WID, "t4-AAPL", True, 200, "looks fine")

    request.refused("x")
    qtbot.mouseClick(dialog.reject_button, Qt.MouseButton.LeftButton)
    assert controller.answers()[-1] == (WID, "t4-AAPL", False, None, "looks fine")


def test_several_approvals_queue_and_none_is_lost(controller, qtbot):
    desk = make_desk(controller, qtbot)
    waiting = []
    desk.waiting_changed.connect(waiting.append)
    controller.approvals_changed.emit(WID, [pending("t4-AAPL"), pending("t5-MSFT", tick=5)])
    assert desk.dialog.pending.trade_id == "t4-AAPL"
    assert "(1 more waiting)" in desk.dialog.windowTitle()
    assert waiting[-1] == 2
    qtbot.mouseClick(desk.dialog.approve_button, Qt.MouseButton.LeftButton)
    desk.queue[0].answered("approved: order filled")
    assert desk.dialog.pending.trade_id == "t5-MSFT"
    assert "more waiting" not in desk.dialog.windowTitle()
    assert waiting[-1] == 1
    controller.approvals_changed.emit(WID, [pending("t5-MSFT", tick=5)])  # the agent agrees
    assert desk.dialog.pending.trade_id == "t5-MSFT"


def test_a_trade_that_stops_being_pending_closes_its_dialog_and_says_why(controller, qtbot):
    superseded = decision(4, filled=False, approval="superseded")
    superseded.approval_note = "superseded by t5-AAPL"
    desk = make_desk(controller, qtbot, [superseded])
    controller.approvals_changed.emit(WID, [pending("t4-AAPL")])
    request = desk.queue[0]
    with qtbot.waitSignal(desk.closed_by_agent) as closed:
        controller.approvals_changed.emit(WID, [])
    assert closed.args == ["t4-AAPL", "superseded (superseded by t5-AAPL)"]
    assert desk.dialog is None and request.state == "aborted"


def test_closing_the_dialog_answers_nothing_and_it_can_be_reopened(controller, qtbot):
    desk = make_desk(controller, qtbot)
    controller.approvals_changed.emit(WID, [pending("t4-AAPL")])
    desk.dialog.reject()  # Esc / the window's close button
    assert controller.called("review") == []
    assert desk.dialog is None
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
    controller.approvals_changed.emit(WID, [pending("t4-AAPL")])
    assert tray.messages == [], "visible window: the dialog is enough"
    window.hide()
    controller.approvals_changed.emit(WID, [pending("t4-AAPL"), pending("t6-MSFT", tick=6)])
    assert tray.messages == [("Trade needs approval", "buy 500 AAPL")]
    assert desk.dialog is not None
