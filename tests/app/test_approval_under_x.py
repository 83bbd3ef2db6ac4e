"""The approval dialog's keys under a real X server and window manager (Xvfb + openbox),
driven by real key presses (xdotool): Enter in the quantity box, in the reason or on a
focused button approves nothing; Alt+A approves exactly the shares shown.

Needs `xvfb openbox xdotool` (Debian packages): .ci/run must install them. Without them
the test is skipped locally, and fails when CI=true (CI must run it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = ("Xvfb", "openbox", "xdotool")


def _display_number() -> int:
    for number in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(
                f"/tmp/.X{number}-lock").exists():
            return number
    raise RuntimeError("no free X display number")


@pytest.fixture
def x_display():
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must install {' '.join(missing)} (apt-get install xvfb openbox "
                        f"xdotool)")
        pytest.skip(f"needs {', '.join(missing)}")
    display = f":{_display_number()}"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x1024x24", "-nolisten",
                               "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, DISPLAY=display)
    try:
        deadline = time.monotonic() + 20
        while not Path(f"/tmp/.X11-unix/X{display[1:]}").exists():
            assert time.monotonic() < deadline, "Xvfb did not start"
            time.sleep(0.1)
        wm = subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        try:
            yield env
        finally:
            wm.terminate()
            wm.wait(10)
    finally:
        server.terminate()
        server.wait(10)


def test_enter_never_approves_and_alt_a_sends_what_the_box_shows(x_display):
    env = dict(x_display, QT_QPA_PLATFORM="xcb")
    out = subprocess.run([sys.executable, "-m", "tests.app.x11.approval_keys"], cwd=REPO,
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["active"], "the window manager activated the dialog"
    assert seen["after_enter_in_quantity"] == []
    assert seen["after_enter_in_reason"] == []
    assert seen["after_enter_on_focused_button"] == []
    assert seen["after_alt_a"] == [["t4-AAPL", True, 200, "fine"]]
    assert seen["defaults"] == []
