"""The mouse wheel never changes an answer.

Scrolling a long form with the pointer over a drop-down used to change the choice behind
the worker's back (and with it the required materials). One event filter on the
application guards every drop-down, spin box, date field and slider: they take the wheel
only while focused on purpose (clicked or reached with Tab — the wheel itself no longer
gives focus); otherwise the wheel scrolls the page they sit in, as it does everywhere else.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QScrollBar,
    QWidget,
)

_GUARDED = (QComboBox, QAbstractSpinBox, QAbstractSlider)


def guarded(obj: QObject) -> bool:
    """True for a widget whose value the wheel could change (scroll bars are not)."""
    return isinstance(obj, _GUARDED) and not isinstance(obj, QScrollBar)


def _page_of(w: QWidget) -> QAbstractScrollArea | None:
    """The scroll area ``w`` sits in (a drop-down's own list is not one of its pages)."""
    p = w.parentWidget()
    while p is not None:
        if isinstance(p, QAbstractScrollArea):
            return p
        p = p.parentWidget()
    return None


class WheelGuard(QObject):
    """The application's filter (see the module's text)."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Polish and guarded(obj):
            w = obj  # the wheel must not focus it (Qt would, then let it change the value)
            assert isinstance(w, QWidget)
            if w.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                w.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            return False
        if kind != QEvent.Type.Wheel or not guarded(obj):
            return False
        w = obj
        assert isinstance(w, QWidget) and isinstance(event, QWheelEvent)
        if w.hasFocus():
            return False  # focused on purpose: the wheel is the worker's choice
        area = _page_of(w)
        if area is not None:
            vp = area.viewport()
            pos = vp.mapFromGlobal(event.globalPosition().toPoint())
            page = QWheelEvent(pos.toPointF(), event.globalPosition(), event.pixelDelta(),
                               event.angleDelta(), event.buttons(), event.modifiers(),
                               event.phase(), event.inverted())
            QApplication.sendEvent(vp, page)
        event.accept()
        return True


_guard: WheelGuard | None = None


def install(app: QApplication | None = None) -> WheelGuard | None:
    """Install the guard on the application once (later calls change nothing)."""
    global _guard
    app = app or QApplication.instance()  # type: ignore[assignment]
    if not isinstance(app, QApplication):
        return None
    if _guard is None or _guard.parent() is not app:
        _guard = WheelGuard(app)
        app.installEventFilter(_guard)
    return _guard
