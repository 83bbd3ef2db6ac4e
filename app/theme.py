"""One theme for the whole window, built on QPalette: every colour a widget uses comes
from `tone(name)` (status colours) or the application's palette (text, backgrounds), and
both follow the system's dark mode. `follow_system(app)` installs a dark palette when the
desktop asks for one (Qt's colorScheme) and re-applies it when that changes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

# name -> (on a light palette, on a dark palette)
TONES = {
    "ok": ("#1b5e20", "#81c784"),
    "info": ("#0d47a1", "#90caf9"),
    "warn": ("#8d5a00", "#ffcc80"),
    "error": ("#b71c1c", "#ef9a9a"),
    "muted": ("#666666", "#9e9e9e"),
    "buy": ("#1b7f3b", "#66bb6a"),
    "sell": ("#c62828", "#ef5350"),
    "crash": ("#6a1b9a", "#ce93d8"),
    "line": ("#1565c0", "#64b5f6"),
}
BACKGROUNDS = {  # the banner's
    "ok": ("#e8f5e9", "#1f3324"),
    "info": ("#e3f2fd", "#1a2a3a"),
    "warn": ("#fff8e1", "#3a2f17"),
    "error": ("#ffebee", "#3b1c1c"),
}


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def tone(name: str) -> str:
    light, dark = TONES.get(name, TONES["muted"])
    return dark if is_dark() else light


def background(name: str) -> str:
    light, dark = BACKGROUNDS.get(name, BACKGROUNDS["info"])
    return dark if is_dark() else light


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in ((roles.Window, "#202124"), (roles.WindowText, "#e8eaed"),
                         (roles.Base, "#17181a"), (roles.AlternateBase, "#26282b"),
                         (roles.Text, "#e8eaed"), (roles.Button, "#2d2f33"),
                         (roles.ButtonText, "#e8eaed"), (roles.ToolTipBase, "#2d2f33"),
                         (roles.ToolTipText, "#e8eaed"), (roles.Highlight, "#3d6fb6"),
                         (roles.HighlightedText, "#ffffff"), (roles.Link, "#8ab4f8"),
                         (roles.PlaceholderText, "#9aa0a6")):
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, roles.Text, QColor("#6f7377"))
    palette.setColor(QPalette.ColorGroup.Disabled, roles.ButtonText, QColor("#6f7377"))
    return palette


def wants_dark(app) -> bool:
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply(app) -> None:
    """The palette for the system's current scheme (the style's own for light)."""
    app.setPalette(dark_palette() if wants_dark(app) else app.style().standardPalette())


def follow_system(app) -> None:
    apply(app)
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply(app))
