"""`harness` with no command opens the window; without a display it runs the headless
feed; without xcb libraries it names the packages; closing leaves no child behind."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from app import launch, platform_check
from engine.runtime.state import runtime_file
from tests.runtime.helpers import REPO, OutputLines, all_dead, env_without, wait_until

HARNESS = [sys.executable, "-c", "from app.launch import run; run()"]  # the console script


def test_which_arguments_open_the_window():
    assert launch.parse_app_args([]).home is None
    assert launch.parse_app_args(["app", "--home", "/x"]).home == "/x"
    assert launch.parse_app_args(["--home", "/x"]).home == "/x"
    assert launch.parse_app_args(["status"]) is None
    assert launch.parse_app_args(["--help"]) is None, "the command list, not the window's"
    assert launch.parse_app_args(["--home", "/x", "status", "--json"]) is None


def test_display_detection():
    assert "no display" in platform_check.no_display_reason({}, "linux")
    assert platform_check.no_display_reason({"DISPLAY": ":0"}, "linux") is None
    assert platform_check.no_display_reason({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert platform_check.no_display_reason({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert platform_check.no_display_reason({}, "darwin") is None
    assert platform_check.uses_xcb({"DISPLAY": ":0"}, "linux")
    assert not platform_check.uses_xcb({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"},
                                       "linux")


def test_missing_xcb_libraries_are_named_as_packages(monkeypatch, capsys):
    missing = ("libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0")
    assert platform_check.missing_xcb_packages(lambda so: so not in missing) == [
        "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1"]
    assert platform_check.missing_xcb_packages(lambda so: True) == []
    # Before Qt is touched, the command says what to install and exits 3.
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(platform_check, "_loadable", lambda so: so not in missing)
    assert launch.main(["app"]) == launch.EXIT_MISSING_DEPENDENCY
    err = capsys.readouterr().err
    assert "apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in err


def _services(home: Path) -> dict:
    try:
        return json.loads(runtime_file(home).read_text())["services"]
    except (OSError, ValueError, KeyError):
        return {}


def _all_ready(home: Path) -> dict:
    services = _services(home)
    ready = services and all(s.get("status") == "ready" for s in services.values())
    return services if ready else {}


def test_without_a_display_it_says_so_and_runs_the_headless_feed(tmp_path):
    env = env_without("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM",
                      HARNESS_HOME=str(tmp_path))
    process = subprocess.Popen(HARNESS, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, cwd=REPO, env=env)
    out = OutputLines(process)
    try:
        out.wait_for("harness: no display available", 30, "the one line")
        out.wait_for("[agent] ", 120, "the headless feed")
        services = _all_ready(tmp_path)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0, "\n".join(out.lines)
    assert not any("Traceback" in line for line in out.lines)
    all_dead([s["pid"] for s in services.values()])


def test_the_window_starts_the_runtime_and_closing_it_leaves_no_child(tmp_path):
    env = env_without("DISPLAY", "WAYLAND_DISPLAY", QT_QPA_PLATFORM="offscreen",
                      HARNESS_HOME=str(tmp_path), HARNESS_APP_CONFIG=str(tmp_path / "a.json"))
    process = subprocess.Popen(HARNESS, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, cwd=REPO, env=env)
    out = OutputLines(process)
    try:
        services = wait_until(lambda: _all_ready(tmp_path), 120, "every service ready")
        assert any("window shown" in line for line in out.lines)
        worker = services["worker-1"]["pid"]
        wait_until(lambda: "worker" in (Path(tmp_path) / "logs" / "worker-1.log").read_text()
                   and len(_services(tmp_path)) >= 3, 30, "the worker log")
    finally:
        process.send_signal(signal.SIGTERM)  # what a session logout or `kill` sends
        process.wait(timeout=60)
    assert process.returncode == 0, "\n".join(out.lines)
    all_dead([s["pid"] for s in services.values()] + [worker])
    assert not runtime_file(tmp_path).exists()


def test_the_window_modules_do_not_load_temporalio():
    """The window paints before the 2 s of temporalio + Agents SDK imports: they happen
    in the controller's background thread, never when the window's modules load."""
    code = ("import sys, app.main, app.controller, app.main_window, app.menus; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('temporalio', 'agents', 'openai')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, env=env_without(QT_QPA_PLATFORM="offscreen"), timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
