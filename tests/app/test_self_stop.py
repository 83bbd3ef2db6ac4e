"""A runtime that stops by itself (its disk ran low) says so in the window: the banner and
the status bar give the supervisor's reason, not four red dots. The services' records come
from a real supervisor stopping itself, not from a hand-made dict."""

from __future__ import annotations

from engine.runtime.errors import ServiceStartError
from engine.runtime.preflight import MIN_FREE_RUNNING_ENV
from engine.runtime.supervisor import Supervisor
from tests.app.test_main_window import make_window
from tests.runtime.helpers import wait_until


def test_a_self_stopped_runtime_shows_its_reason(controller, qsettings, qtbot, tmp_path,
                                                  monkeypatch):
    published: list[dict] = []
    supervisor = Supervisor(tmp_path / "home", headless=True, with_worker=False,
                            on_change=lambda info: published.append(dict(info.services)))
    # More free space than any disk has: the supervisor's first check (once a second, the
    # same path as a disk filling up later) stops the runtime, while it starts or just after.
    monkeypatch.setenv(MIN_FREE_RUNNING_ENV, str(2**29))
    try:
        try:
            supervisor.start(timeout=90)
        except ServiceStartError as exc:
            assert "free" in str(exc)
        wait_until(lambda: supervisor.stop_reason, timeout=30, what="the runtime's self-stop")
        # Every service down (stopped, or never spawned if the check came first), each
        # with the reason.
        wait_until(lambda: published and all(
            r.get("status") in ("stopped", "planned") and r.get("error")
            for r in published[-1].values()),
                   timeout=30, what="every service published as down, with the reason")
    finally:
        supervisor.stop()

    window = make_window(controller, qsettings, qtbot)
    controller.services_changed.emit(published[-1])
    assert "free" in supervisor.stop_reason  # the disk check's own words
    assert window.banner.level == "error"
    banner = window.banner.label.text()
    assert banner.startswith("The runtime stopped by itself: only ")  # said once, not twice
    assert supervisor.stop_reason.split(": ", 1)[1] in banner
    assert "runtime stopped by itself" in window.status.services.text()
    assert "mockoon: " in window.status.services.toolTip()

    controller.services_changed.emit(published[-1])  # the same news again: said once
    window.banner.say("info", "something else")
    controller.services_changed.emit(published[-1])
    assert window.banner.level == "info"


def test_an_ordinary_stop_is_not_a_self_stop(controller, qsettings, qtbot):
    window = make_window(controller, qsettings, qtbot)
    controller.services_changed.emit({"temporal": {"status": "stopped"},
                                      "mockoon": {"status": "stopped"}})
    assert window.banner.level != "error"
    assert "stopped by itself" not in window.status.services.text()
