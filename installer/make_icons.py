"""Render resources/icons/doorstep-desk.svg to PNGs (16…256 px) and a Windows .ico.

Run after editing the SVG: ``QT_QPA_PLATFORM=offscreen python installer/make_icons.py``.
The outputs are committed, so a build never needs this script (nor QtSvg at run time).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def main() -> None:
    app = QGuiApplication([])  # noqa: F841 - QPainter needs a GUI application
    renderer = QSvgRenderer(str(ICONS / "doorstep-desk.svg"))
    for size in SIZES:
        img = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(Qt.GlobalColor.transparent)
        painter = QPainter(img)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        img.save(str(ICONS / f"doorstep-desk-{size}.png"))
    big = Image.open(ICONS / "doorstep-desk-256.png")
    big.save(ICONS / "doorstep-desk.ico", sizes=[(s, s) for s in SIZES])


if __name__ == "__main__":
    main()
