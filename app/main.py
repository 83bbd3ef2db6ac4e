"""The window's entry: show it at once, then bring everything up behind it.

Order matters for `window_shown_s`: Qt and the window's own modules load first (a few
hundred ms); the controller starts the runtime in a thread and imports temporalio and
the Agents SDK (about 2 s) in another, while the window already paints progress.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time

LAUNCHED_AT = time.perf_counter()


def runtime_options(settings) -> dict:
    """Supervisor options from the app's settings: a remote cluster starts no dev server."""
    import os

    from app.app_settings import apply_temporal_target

    return apply_temporal_target(settings, os.environ)


def build_window(home=None):
    """QApplication, controller, window (shown). Returns (app, controller, window)."""
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    from app import app_settings
    from app.controller import Controller
    from app.defaults import window_agent
    from app.main_window import MainWindow
    from app.pyside_refcounts import immortalize_singletons

    immortalize_singletons()  # before any signal: see the module (a PySide6 6.12 bug)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Durable Agentic Harness")
    app.setOrganizationName("durable-agentic-harness")
    from app.icon import APP_ID, app_icon

    icon = app_icon(app.style())
    app.setWindowIcon(icon)  # every window and dialog, and the taskbar
    app.setDesktopFileName(APP_ID)  # Wayland pairs the window with the installed entry
    app.setQuitOnLastWindowClosed(False)  # closing is ours: children are stopped first
    settings = app_settings.load()
    from app import theme

    theme.follow_system(app)  # one palette; dark when the desktop is
    controller = Controller(home, agent_config=window_agent(settings),
                            runtime_options=lambda: runtime_options(settings))
    tray = None
    if QSystemTrayIcon.isSystemTrayAvailable():
        tray = QSystemTrayIcon(icon, app)
        tray.show()
    window = MainWindow(controller, tray=tray)
    window.show()
    return app, controller, window


def _report_first_paint(window) -> None:
    """Log the first paint once (bench/ui.py's window_shown_s waits for this line)."""
    from PySide6.QtCore import QEvent, QObject

    class FirstPaint(QObject):
        def eventFilter(self, watched, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                window.removeEventFilter(self)
                logging.getLogger(__name__).info("window painted %.2f s after launch",
                                                 time.perf_counter() - LAUNCHED_AT)
            return False

    window._first_paint = FirstPaint(window)
    window.installEventFilter(window._first_paint)


def run_window(home=None, verbose: bool = False) -> int:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app, controller, window = build_window(home)
    _report_first_paint(window)
    logging.getLogger(__name__).info("window shown %.2f s after launch",
                                     time.perf_counter() - LAUNCHED_AT)
    import qasync
    from PySide6.QtCore import QTimer

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    closed = asyncio.Event()
    window.closing.connect(closed.set)
    # Ctrl-C / SIGTERM close the window like the user would (children stopped in order).
    # Python runs signal handlers only between bytecodes: a slow timer gives it a turn.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: QTimer.singleShot(0, window.close))
    heartbeat = QTimer()
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(200)

    async def lifetime() -> None:
        controller.start()
        await closed.wait()
        await controller.shutdown()

    with loop:
        loop.run_until_complete(lifetime())
    return 0
