"""Auto-lock: after some minutes without keyboard or mouse input the window hides the
residents' data and asks for the worker's password again (protected desks only).

A laptop left on the table in a compound shows nothing to the next passer-by. The
password is checked against the keyring, so wrong guesses count towards the lockout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk.ui.text import tr

_INPUT = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
          QEvent.Type.Wheel, QEvent.Type.TouchBegin}


class UnlockDialog(QDialog):
    """Asks for the password; ``check(password)`` returns an error message or None.

    When ``slow(secret)`` says a check needs the network (a PIN asks the district for its
    key share), it runs on a worker thread and the dialog shows that it is waiting, so the
    window never freezes on a slow connection."""

    checked = Signal(object)

    def __init__(self, check: Callable[[str], str | None], parent: QWidget | None = None,
                 slow: Callable[[str], bool] | None = None):
        super().__init__(parent)
        self.check = check
        self.slow = slow or (lambda _secret: False)
        self.busy = False
        self.checked.connect(self._checked)
        self.setWindowTitle(tr("办事台已锁定"))
        self.setModal(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(28, 24, 28, 20)
        title = QLabel(tr("办事台已锁定"))
        title.setObjectName("title")
        lay.addWidget(title)
        lay.addWidget(QLabel(tr("长时间无操作，已自动锁定以保护居民信息。"
                                "请输入工作人员密码（或联网时输入6位 PIN）：")))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(tr("工作人员密码或 PIN"))
        self.password.returnPressed.connect(self.try_unlock)
        lay.addWidget(self.password)
        self.error = QLabel()
        self.error.setProperty("msg", "error")
        self.error.hide()
        lay.addWidget(self.error)
        self.ok = QPushButton(tr("解锁"))
        self.ok.setProperty("kind", "primary")
        self.ok.clicked.connect(self.try_unlock)
        lay.addWidget(self.ok)

    def try_unlock(self) -> None:
        """Unlock when the password is right; otherwise say why and stay."""
        if self.busy:
            return
        secret = self.password.text()
        if not self.slow(secret):
            self._checked(self.check(secret))
            return
        self.busy = True
        self.password.setEnabled(False)
        self.ok.setEnabled(False)
        self.error.setText(tr("正在向区级系统验证 PIN…"))
        self.error.show()
        threading.Thread(target=lambda: self.checked.emit(self.check(secret)),
                         name="pin-unlock", daemon=True).start()

    def _checked(self, problem: str | None) -> None:
        self.busy = False
        self.password.setEnabled(True)
        self.ok.setEnabled(True)
        if problem is None:
            self.accept()
            return
        self.error.setText(problem)
        self.error.show()
        self.password.selectAll()
        self.password.setFocus()

    def reject(self) -> None:  # Esc must not unlock
        pass


class IdleLock(QObject):
    """Watches application input; calls ``lock()`` after ``minutes`` of idleness."""

    def __init__(self, minutes: float, lock: Callable[[], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(max(1, int(minutes * 60_000)))
        self.timer.timeout.connect(lock)
        self.paused = False
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT and not self.paused:
            self.timer.start()
        return False

    def stop(self) -> None:
        """Stop watching (window closing)."""
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


def install(window: QWidget, ctx: object) -> IdleLock | None:
    """Auto-lock ``window`` for a protected desk (None when the desk has no password)."""
    from desk.core import keyring
    from desk.core.errors import DeskError

    paths = ctx.paths  # type: ignore[attr-defined]
    if not keyring.exists(paths.data_dir):
        return None
    minutes = float(getattr(ctx.settings, "idle_lock_minutes", 10) or 10)  # type: ignore[attr-defined]

    def check(password: str) -> str | None:
        from desk.core.app import check_secret
        from sync.client.pin import fetch_key_share

        try:
            check_secret(paths, password, fetch_key_share)
        except DeskError as exc:
            return exc.message
        return None

    def lock() -> None:
        central = window.centralWidget() if hasattr(window, "centralWidget") else None
        watcher.paused = True
        if central is not None:
            central.hide()
        dlg = UnlockDialog(check, window, slow=lambda secret: keyring.looks_like_pin(secret)
                           and keyring.has_pin(paths.data_dir))
        window.setProperty("locked", True)
        dlg.exec()
        window.setProperty("locked", False)
        if central is not None:
            central.show()
        watcher.paused = False
        watcher.timer.start()

    watcher = IdleLock(minutes, lock, window)
    window.lock_now = lock  # type: ignore[attr-defined]
    return watcher
