"""Renders the docs' screenshots against a real runtime in a temp home, at the window's
default size: the main window mid-run (after approvals and a simulated crash), the approval
dialog and the "Why this tick" view; plus, for a person to look at before committing, the
window right after the crash's proof and the whole screen with the window manager's frames.

    .venv/bin/python docs/screenshots.py --x     # under Xvfb + openbox (started here)
    .venv/bin/python docs/screenshots.py         # on $DISPLAY, else offscreen

Writes docs/main-window.png, docs/approval.png, docs/why-this-tick.png, and
crash.png and screen-*.png into --review (default /tmp/harness-shots).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))


async def until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.05)
    return value


@contextlib.contextmanager
def x_server(size: str = "1600x1000"):
    """A real X server (Xvfb) with a window manager (openbox), as a user's desktop has:
    dialogs are placed and activated by the manager, fonts and sizes are X11's."""
    missing = [t for t in ("Xvfb", "openbox") if shutil.which(t) is None]
    if missing:
        sys.exit(f"screenshots: needs {' '.join(missing)} (apt-get install xvfb openbox)")
    number = next(n for n in range(99, 160) if not Path(f"/tmp/.X11-unix/X{n}").exists()
                  and not Path(f"/tmp/.X{n}-lock").exists())
    display = f":{number}"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", f"{size}x24", "-nolisten",
                               "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wm = None
    try:
        deadline = time.monotonic() + 20
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if time.monotonic() > deadline:
                sys.exit("screenshots: Xvfb did not start")
            time.sleep(0.1)
        os.environ.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
        wm = subprocess.Popen(["openbox"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        yield display
    finally:
        for process in (wm, server):
            if process is not None:
                process.terminate()
                process.wait(10)


def render(review: Path) -> None:
    import qasync
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QDockWidget

    from app.controller import Controller
    from app.defaults import window_agent
    from app.main_window import MainWindow
    from app.pyside_refcounts import immortalize_singletons

    immortalize_singletons()  # as the app does (a PySide6 6.12 refcount bug)
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    review.mkdir(parents=True, exist_ok=True)
    home = tempfile.mkdtemp(prefix="harness-shots-")
    config = window_agent().model_copy(update={"discovery": None, "tick_interval_s": 0.5})
    controller = Controller(home, agent_config=config)
    window = MainWindow(controller, settings=QSettings(f"{home}/w.ini",
                                                       QSettings.Format.IniFormat))
    window.show()  # the default size (1440 x 900), as a first start has it
    banners: list[str] = []
    controller.notice.connect(lambda _l, text: banners.append(text))
    proofs: list[dict] = []
    controller.crash_proven.connect(proofs.append)

    def screen(name: str) -> None:
        if app.platformName() == "xcb":  # the frames and placement the window manager gave
            app.primaryScreen().grabWindow(0).save(str(review / f"screen-{name}.png"))

    async def scenario() -> None:
        controller.start()
        dialog = await until(lambda: window.desk.dialog, 180, "an approval")
        await asyncio.sleep(0.3)  # let it lay out (and the manager place it) before the grab
        dialog.grab().save(str(DOCS / "approval.png"))
        screen("approval")
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
        await until(lambda: reached(tick + 3) and proofs, 90, "the crash's proof")
        await asyncio.sleep(0.3)
        window.grab().save(str(review / "crash.png"))
        screen("crash")
        await until(lambda: reached(tick + 6), 90, "ticks after the crash")
        banners.clear()
        await until(lambda: controller.pump.pending() == 0, 10, "the tree to catch up")
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
        screen("main-window")
        if orders:  # the same tick, answered: why the agent placed that order
            window.findChild(QDockWidget, "Why this tick").raise_()
            await until(lambda: "Why the agent did" in window.why.title.text(), 60, "audit")
            await asyncio.sleep(0.3)
            window.grab().save(str(DOCS / "why-this-tick.png"))
            screen("why-this-tick")
        window.close()
        await controller.shutdown()

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(scenario())
    finally:
        if controller.supervisor is not None:
            controller.supervisor.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--x", action="store_true", help="start Xvfb + openbox and use them")
    parser.add_argument("--review", type=Path, default=Path("/tmp/harness-shots"),
                        help="where the shots for review (not the docs') go")
    args = parser.parse_args()
    if args.x:
        with x_server():
            render(args.review)
    else:
        if not os.environ.get("DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        render(args.review)
    sys.stdout.flush()
    os._exit(0)  # the SDK's native threads can abort a normal interpreter exit


if __name__ == "__main__":
    main()
