"""Run under a real X server with a window manager (see tests/app/test_approval_under_x.py):
real key presses through X (xdotool) into the approval dialog. Prints one JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QWidget

from app.dialogs.approval_desk import ApprovalDesk
from app.pyside_refcounts import immortalize_singletons
from app.signals import ControllerSignals
from tests.app.conftest import pending


class Recorder(ControllerSignals):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple] = []
        self.state = None

    def review(self, request) -> None:
        a = request.answer
        self.sent.append((request.trade_id, a.approve, a.quantity, a.reason))


def pump(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def xdotool(app, *args: str) -> None:
    process = subprocess.Popen(["xdotool", *args])
    while process.poll() is None:
        app.processEvents()
        time.sleep(0.01)


def click(app, widget) -> None:
    centre = widget.mapToGlobal(QPoint(widget.width() // 2, widget.height() // 2))
    xdotool(app, "mousemove", "--sync", str(centre.x()), str(centre.y()), "click", "1")
    pump(app, 0.3)


def main() -> None:
    immortalize_singletons()
    app = QApplication(sys.argv[:1])
    controller = Recorder()
    window = QWidget()
    window.resize(400, 300)
    window.show()
    desk = ApprovalDesk(controller, window, {}.get)
    controller.agent_attached.emit("agent-x", False)
    controller.approvals_changed.emit("agent-x", [pending("t4-AAPL", quantity=500)])
    dialog = desk.dialog
    pump(app, 1.5)  # mapped and activated by the window manager
    out = {"focus_at_open": type(app.focusWidget()).__name__ if app.focusWidget() else None,
           "active": app.activeWindow() is dialog}
    click(app, dialog.quantity)
    xdotool(app, "key", "ctrl+a")
    xdotool(app, "type", "200")
    xdotool(app, "key", "Return")
    xdotool(app, "key", "KP_Enter")
    pump(app, 0.5)
    out["after_enter_in_quantity"] = list(controller.sent)
    click(app, dialog.reason)
    xdotool(app, "type", "fine")
    xdotool(app, "key", "Return")
    pump(app, 0.5)
    out["after_enter_in_reason"] = list(controller.sent)
    click(app, dialog.reject_button)  # focus a button: Enter must not click it either
    controller.sent.clear()
    desk.queue[0].failed("test")  # answerable again
    dialog.reject_button.setFocus()
    xdotool(app, "key", "Return")
    pump(app, 0.5)
    out["after_enter_on_focused_button"] = list(controller.sent)
    dialog.reason.setFocus()
    xdotool(app, "key", "alt+a")  # the named shortcut: exactly what the box shows
    pump(app, 0.5)
    out["after_alt_a"] = list(controller.sent)
    out["defaults"] = [b.text() for b in dialog.findChildren(type(dialog.approve_button))
                       if b.isDefault() or b.autoDefault()]
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
