"""Renders the README's screenshots offscreen, against a real runtime in a temp home:
the main window mid-run (after an approval and a simulated crash) and the approval dialog.

    .venv/bin/python docs/screenshots.py      # writes docs/main-window.png, docs/approval.png
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))


async def until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.05)
    return value


def main() -> None:
    import qasync
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from app.controller import Controller
    from app.defaults import window_agent
    from app.main_window import MainWindow
    from app.pyside_refcounts import immortalize_singletons

    immortalize_singletons()  # as the app does (a PySide6 6.12 refcount bug)
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    home = tempfile.mkdtemp(prefix="harness-shots-")
    controller = Controller(home, agent_config=window_agent())
    window = MainWindow(controller, settings=QSettings(f"{home}/w.ini",
                                                       QSettings.Format.IniFormat))
    window.resize(1600, 940)
    window.show()
    banners: list[str] = []
    controller.notice.connect(lambda _l, text: banners.append(text))

    async def scenario() -> None:
        controller.start()
        dialog = await until(lambda: window.desk.dialog, 180, "an approval")
        await asyncio.sleep(0)  # let it lay out before the grab
        dialog.grab().save(str(DOCS / "approval.png"))
        QTest.mouseClick(dialog.approve_button, Qt.MouseButton.LeftButton)

        def reached(tick: int):
            # The clock waits for each approval (the `wait` policy): approve as they come.
            open_dialog = window.desk.dialog
            if open_dialog is not None and open_dialog.approve_button.isEnabled():
                QTest.mouseClick(open_dialog.approve_button, Qt.MouseButton.LeftButton)
            return controller.state and controller.state.tick >= tick

        await until(lambda: reached(14), 180, "ticks")
        window.actions["crash"].trigger()
        await until(lambda: any("resumed at tick" in b for b in banners), 90, "recovery")
        tick = controller.state.tick
        await until(lambda: reached(tick + 6), 90, "ticks after the crash")
        banners.clear()
        await until(lambda: not controller.history.tree or controller.pump.pending() == 0, 10,
                    "the tree to catch up")
        history = window.history
        history.follow.setChecked(False)
        orders = [n for g in controller.history.tree.runs[-1].children for n in g.children
                  if n.detail.startswith("place_order  client_order_id")]
        if orders:
            node = orders[-1]
            window.select_tick(node.tick)
            index = history.proxy.mapFromSource(controller.history.index_of(node))
            history.tree.setCurrentIndex(index)
            history.tree.scrollTo(index)
        await asyncio.sleep(0.3)
        window.grab().save(str(DOCS / "main-window.png"))
        window.close()
        await controller.shutdown()

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(scenario())
    finally:
        if controller.supervisor is not None:
            controller.supervisor.stop()
    os._exit(0)


if __name__ == "__main__":
    main()
