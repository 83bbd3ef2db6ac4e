"""Money and trust in the approval dialog: no keystroke approves by accident, approving
sends exactly what the box shows, and a failed send leaves a usable dialog that says so."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWidget

from app.dialogs.approval_desk import ApprovalDesk
from tests.app.conftest import pending

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def open_dialog(controller, qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    desk = ApprovalDesk(controller, window, {}.get)
    controller.approvals_changed.emit("agent-test", [pending("t4-AAPL", quantity=500)])
    dialog = desk.dialog
    qtbot.waitExposed(dialog)
    return desk, dialog


def test_enter_in_the_quantity_box_or_the_reason_approves_nothing(controller, qtbot):
    _desk, dialog = open_dialog(controller, qtbot)
    dialog.quantity.clear()
    qtbot.keyClicks(dialog.quantity, "200")
    for key in ENTER_KEYS:
        qtbot.keyClick(dialog.quantity, key)
    qtbot.keyClicks(dialog.reason, "fine")
    for key in ENTER_KEYS:
        qtbot.keyClick(dialog.reason, key)
    assert controller.called("review") == [], "Enter sent a review"
    assert not any(b.isDefault() or b.autoDefault() for b in dialog.findChildren(QPushButton))


class LostConnection:
    """Test double for the Temporal client (the connection loss cannot be had on demand
    from the real one): every review fails as a dropped connection does."""

    async def review(self, *_args, **_kwargs):
        raise ConnectionError("connection to 127.0.0.1:7233 lost")


def test_a_failed_send_says_so_and_the_dialog_can_be_used_again(make_controller, qtbot, tmp_path):
    import asyncio

    from app.dialogs.approval import ApprovalDialog

    controller = make_controller()
    controller.client = LostConnection()
    window = QWidget()
    qtbot.addWidget(window)
    desk = ApprovalDesk(controller, window, {}.get)
    controller.approvals_changed.emit("agent-a", [pending("t4-AAPL")])
    dialog: ApprovalDialog = desk.dialog
    shown: list[str] = []
    desk.queue[0].changed.connect(lambda: shown.append(dialog.status.text()))
    loop = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        dialog.approve_button.click()
        loop.run_until_complete(asyncio.gather(*controller._tasks))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    assert shown[0] == "Sending…"
    assert "connection to 127.0.0.1:7233 lost" in shown[-1] and "try again" in shown[-1]
    assert dialog.approve_button.isEnabled() and dialog.reject_button.isEnabled()
    assert desk.queue[0].state == "failed"


def test_answers_go_to_the_agent_that_asked_and_a_switch_closes_its_dialogs(controller,
                                                                             qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    desk = ApprovalDesk(controller, window, {}.get)
    controller.agent_attached.emit("agent-a", False)
    controller.approvals_changed.emit("agent-a", [pending("t4-AAPL")])
    old_dialog, old_request = desk.dialog, desk.queue[0]
    old_dialog.quantity.setValue(100)
    controller.agent_attached.emit("agent-b", True)  # Agent ▸ New agent…
    assert old_request.state == "aborted" and "agent-b" in old_request.message
    assert desk.dialog is None and desk.queue == []
    qtbot.waitUntil(lambda: not _alive(old_dialog), timeout=2000)  # closed and deleted
    assert not old_request.send(True, 100, ""), "an aborted request sends nothing"
    controller.approvals_changed.emit("agent-a", [pending("t4-AAPL")])  # a late poll
    assert desk.queue == [], "the old agent's approvals are not shown for the new one"
    controller.approvals_changed.emit("agent-b", [pending("t9-MSFT", tick=9)])
    desk.dialog.reject_button.click()
    assert controller.answers() == [("agent-b", "t9-MSFT", False, None, "")]


def test_a_closed_dialog_is_deleted_and_its_timer_stops(controller, qtbot):
    desk, dialog = open_dialog(controller, qtbot)
    timer = dialog._timer
    assert timer.isActive()
    dialog.close()
    qtbot.waitUntil(lambda: not _alive(dialog), timeout=2000)
    assert desk.dialog is None
    desk.reopen()
    assert desk.dialog is not None and desk.dialog is not dialog


def _alive(widget) -> bool:
    from shiboken6 import isValid

    return isValid(widget)
