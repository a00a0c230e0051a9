"""Enter activates the focused button, choice or checkbox — as Space does.

Keyboard-first workers press Enter on 注册, 全部已收 or 请居民评价 and expect it to act; Qt
only reacts to Space there (outside dialogs). One application filter makes Enter click the
focused button. A push button in a dialog keeps Qt's own rule (Enter presses the focused
or default button), so a dialog's safe default stays what the dialog chose.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QPushButton

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_MODS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | \
    Qt.KeyboardModifier.ShiftModifier


class EnterActivates(QObject):
    """The application's filter (see the module's text)."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(obj, QAbstractButton):
            return False
        assert isinstance(event, QKeyEvent)
        if event.key() not in _ENTER or event.modifiers() & _MODS:
            return False
        if not (obj.hasFocus() and obj.isEnabled() and obj.isVisible()):
            return False
        if isinstance(obj, QPushButton) and isinstance(obj.window(), QDialog):
            return False  # the dialog's own Enter rule
        obj.click()
        return True


_filter: EnterActivates | None = None


def install(app: QApplication | None = None) -> EnterActivates | None:
    """Install the filter on the application once (later calls change nothing)."""
    global _filter
    app = app or QApplication.instance()  # type: ignore[assignment]
    if not isinstance(app, QApplication):
        return None
    if _filter is None or _filter.parent() is not app:
        _filter = EnterActivates(app)
        app.installEventFilter(_filter)
    return _filter
