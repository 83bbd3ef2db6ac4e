"""Before Qt is imported: is there a display, and can Qt's xcb plugin load?

Without a display, PySide6 aborts the process ("could not connect to display"); without
some xcb libraries (not carried by the wheel) it aborts with "Could not load the Qt
platform plugin xcb". Both are checked here first, so the command can say what is
wrong in one line instead of dumping core. No Qt import in this module.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable, Mapping

# The system libraries Qt 6's xcb platform plugin links (ldd libqxcb.so), and the Debian
# package of each. On a stock Debian 12 with Xvfb, the first three were missing.
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11-xcb.so.1": "libx11-xcb1",
}


def _loadable(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)  # the same search the dynamic loader does for the plugin
    except OSError:
        return False
    return True


def no_display_reason(env: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """Why no window can open here, or None when one can (or Qt was told what to use)."""
    if not platform.startswith("linux"):
        return None
    qpa = env.get("QT_QPA_PLATFORM", "")
    if qpa and not qpa.startswith(("xcb", "wayland")):
        return None  # offscreen, vnc, ...: chosen on purpose
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return "no display available (neither $DISPLAY nor $WAYLAND_DISPLAY is set)"


def uses_xcb(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    if not platform.startswith("linux"):
        return False
    qpa = env.get("QT_QPA_PLATFORM", "")
    if qpa:
        return qpa.startswith("xcb")
    # Qt prefers wayland when a compositor is there, else xcb.
    return bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")


def missing_xcb_packages(loadable: Callable[[str], bool] | None = None) -> list[str]:
    """Debian packages to install for the xcb plugin to load (empty: all present)."""
    loadable = loadable or _loadable
    return [package for soname, package in XCB_LIBRARIES.items() if not loadable(soname)]
