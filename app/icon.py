"""The application's icon and desktop id, shared by the window, the tray and the bundle's
desktop entry (packaging/linux/), so all three show the same picture under the same name."""

from __future__ import annotations

import sys
from pathlib import Path

# Reverse DNS, as freedesktop and macOS want it: the .desktop file's name, the icon's theme
# name, the .app's bundle identifier. Wayland matches the window to the entry by it.
APP_ID = "io.github.durable_agentic_harness.Harness"


def icon_dir() -> Path:
    """Where the PNGs are: inside a bundle, or in the source tree's packaging/icons."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "icons"
    return Path(__file__).resolve().parents[1] / "packaging" / "icons"


def app_icon(style=None):
    """Every size of the shipped icon; the installed theme icon, else Qt's stock one, if
    the files are not there (a wheel installed without the source tree)."""
    from PySide6.QtGui import QIcon

    icon = QIcon()
    for png in sorted(icon_dir().glob("harness-*.png")):
        icon.addFile(str(png))
    if icon.isNull():
        icon = QIcon.fromTheme(APP_ID)
    if icon.isNull() and style is not None:
        from PySide6.QtWidgets import QStyle

        icon = style.standardIcon(QStyle.StandardPixmap.SP_ComputerIcon)
    return icon
