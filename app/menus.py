"""The menu bar: File, Agent, Chaos, View, Help. Each action calls the controller or
opens a non-modal dialog (one instance at a time)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from engine.chaos import MODEL_ACTIVITY, ORDER_ACTIVITY


def build_menus(window, controller) -> dict[str, QAction]:
    actions: dict[str, QAction] = {}
    open_dialogs: dict[str, object] = {}

    def add(menu, key: str, text: str, slot, shortcut: str | None = None) -> None:
        action = QAction(text, window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        actions[key] = action

    def dialog(key: str, make):
        def show():
            existing = open_dialogs.get(key)
            if existing is not None:
                existing.show()
                existing.raise_()
                return
            created = make()
            # Deleted on close: a closed dialog keeps no widgets, timers or connections.
            created.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            created.destroyed.connect(lambda *_: open_dialogs.pop(key, None))
            open_dialogs[key] = created
            created.show()  # non-modal: no nested event loop
        return show

    from app.dialogs import about, agents, limits, new_agent, settings, steer

    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    add(file_menu, "settings", "Settings…", dialog(
        "settings", lambda: settings.SettingsDialog(window)), "Ctrl+,")
    add(file_menu, "quit", "Quit", window.close, "Ctrl+Q")

    agent = bar.addMenu("&Agent")
    add(agent, "new_agent", "New agent…", dialog(
        "new_agent", lambda: new_agent.NewAgentDialog(controller, window)), "Ctrl+N")
    add(agent, "switch", "Switch agent…", dialog(
        "switch", lambda: agents.AgentSwitcher(controller, window)), "Ctrl+Shift+O")
    agent.addSeparator()
    add(agent, "pause", "Pause", controller.pause, "Ctrl+P")
    add(agent, "resume", "Resume", controller.resume, "Ctrl+R")
    add(agent, "stop", "Stop…", window.confirm_stop, "Ctrl+Shift+X")
    agent.addSeparator()
    add(agent, "steer", "Steer…", dialog(
        "steer", lambda: steer.SteerDialog(controller, window)), "Ctrl+E")
    add(agent, "limits", "Risk limits…", dialog(
        "limits", lambda: limits.LimitsDialog(controller, window)), "Ctrl+L")
    add(agent, "approvals", "Show pending approval", window.desk.reopen, "Ctrl+Shift+A")

    chaos = bar.addMenu("&Chaos")
    add(chaos, "crash", "Simulate crash (SIGKILL the worker now)", controller.simulate_crash,
        "Ctrl+K")
    add(chaos, "crash_model", "Crash during the next model call",
        lambda: controller.crash_next(MODEL_ACTIVITY))
    add(chaos, "crash_order", "Crash during the next order placement",
        lambda: controller.crash_next(ORDER_ACTIVITY))

    view = bar.addMenu("&View")
    add(view, "web_ui", "Open Temporal Web UI", controller.open_web_ui, "Ctrl+U")
    add(view, "replay", "Verify replay", controller.verify_replay, "Ctrl+Shift+R")

    help_menu = bar.addMenu("&Help")
    add(help_menu, "about", "About", dialog("about", lambda: about.AboutDialog(
        window, window.status.endpoints)))
    return actions
