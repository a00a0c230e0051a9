"""Where and how large the window opens."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget


def fit_screen(window: QWidget, avail: QRect | None = None) -> None:
    """Open at 1366×768 or the screen's available area (``avail``, else the window's
    screen), whichever is smaller (a 1366×768 laptop's task bar leaves ~728 px: a 768 px
    window would hide the status bar under it); the minimum fits a 1024×640 screen with its
    task bar."""
    if avail is None:
        screen = window.screen() or QGuiApplication.primaryScreen()
        avail = screen.availableGeometry() if screen is not None else None
    size = QSize(1366, 768)
    if avail is not None:
        # the window manager's title bar and frame (~32 px) come on top of the client
        # area this size sets
        size = size.boundedTo(QSize(avail.width(), max(avail.height() - 32, 480)))
    window.setMinimumSize(QSize(960, 560).boundedTo(size))
    window.resize(size)
    if avail is not None:
        window.move(avail.topLeft())
