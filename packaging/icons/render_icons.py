"""Render harness.svg into the PNG sizes the freedesktop icon theme, the window and the
tray use, plus .ico (Windows) and .icns (macOS) for the spec. Run once after editing the
SVG (the outputs are committed, so a build needs no SVG renderer):
    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/icons/render_icons.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent
SIZES = (16, 32, 48, 64, 128, 256)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(HERE / "harness.svg"))
    if not renderer.isValid():
        raise SystemExit("harness.svg does not parse")
    for size in SIZES:
        render(renderer, size).save(str(HERE / f"harness-{size}.png"))
    big = render(renderer, 256)
    for suffix in ("ico", "icns"):
        if not big.save(str(HERE / f"harness.{suffix}")):
            print(f"no Qt image plugin writes .{suffix}; skipped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
