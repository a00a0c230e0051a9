"""Auto-lock: after some minutes without keyboard or mouse input the window hides the
residents' data and asks for the worker's password again (protected desks only).

A laptop left on the table in a compound shows nothing to the next passer-by. The
password is checked against the keyring, so wrong guesses count towards the lockout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desk.ui.style import restyle
from desk.ui.text import tr

if TYPE_CHECKING:  # (the store's modules load after the lock screen has painted)
    from desk.core.app import DeskContext

_INPUT = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
          QEvent.Type.Wheel, QEvent.Type.TouchBegin}


def signed_in(settings: Any) -> str:
    """Who the lock screen says is signed in: the desk and its worker (settings, or their
    JSON as a dict before the desk is open)."""
    get = settings.get if isinstance(settings, dict) else \
        (lambda key, default="": getattr(settings, key, default))
    code = str(get("desk_code", "") or "")
    name = str(get("desk_name", "") or "") or code
    worker = str(get("worker_name", "") or "")
    if not (name or worker):
        return ""
    place = f"{name}（{code}）" if code and name != code else name
    return (place + " · " if place else "") + tr("经办人") + f"：{worker or '—'}"


class UnlockDialog(QDialog):
    """The lock screen: the app's own full-window screen (not a small prompt) naming the
    desk and the worker signed in, with the password (or PIN) field, the lockout or
    wrong-password message, and 解锁.

    ``check(secret)`` returns an error message or None. It always runs on a worker thread
    — Argon2id takes a good part of a second, and a PIN asks the district for its key
    share — so the window keeps painting and the clock keeps ticking meanwhile; ``slow``
    says which secrets need the network (the waiting message names it)."""

    checked = Signal(object)
    painted = Signal()  # once, just after the screen's first paint reached the screen

    def __init__(self, check: Callable[[str], str | None], parent: QWidget | None = None,
                 slow: Callable[[str], bool] | None = None, *, who: str = "",
                 intro: str = "", quit_button: bool = False):
        super().__init__(parent)
        self.check = check
        self.slow = slow or (lambda _secret: False)
        self.busy = False
        self.checked.connect(self._checked)
        self.setObjectName("lockScreen")
        self.setWindowTitle(tr("办事台已锁定"))
        self.setModal(True)
        outer = QVBoxLayout(self)
        # the card's size (_fit_card) does not become the window's minimum size
        outer.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        outer.setContentsMargins(24, 24, 24, 24)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        card = QFrame()
        card.setObjectName("lockCard")
        card.setProperty("role", "card")
        # its width set by _fit_card, its height from its wrapped lines at that width
        card.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.card = card
        lay = QVBoxLayout(card)
        lay.setContentsMargins(36, 28, 36, 28)
        lay.setSpacing(12)
        brand = QLabel(tr("家门口办事台"))
        brand.setObjectName("lockBrand")
        lay.addWidget(brand)
        title = QLabel(tr("办事台已锁定"))
        title.setObjectName("title")
        lay.addWidget(title)
        self.who = QLabel(who)
        self.who.setObjectName("lockWho")
        self.who.setWordWrap(True)
        self.who.setVisible(bool(who))
        lay.addWidget(self.who)
        prompt = QLabel(intro or tr("长时间无操作，已自动锁定以保护居民信息。"
                                    "请输入工作人员密码（或联网时输入6位 PIN）："))
        prompt.setObjectName("subtitle")
        prompt.setWordWrap(True)
        lay.addWidget(prompt)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(tr("密码或6位 PIN"))
        self.password.setAccessibleName(tr("工作人员密码或 PIN"))
        self.password.returnPressed.connect(self.try_unlock)
        lay.addWidget(self.password)
        self.error = QLabel()
        self.error.setProperty("msg", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        lay.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.quit_button: QPushButton | None = None
        if quit_button:  # at start-up: closing the desk instead of unlocking it
            self.quit_button = QPushButton(tr("退出"))
            self.quit_button.clicked.connect(self._quit)
            buttons.addWidget(self.quit_button)
        self.ok = QPushButton(tr("解锁"))
        self.ok.setProperty("kind", "primary")
        self.ok.setMinimumWidth(160)
        self.ok.clicked.connect(self.try_unlock)
        buttons.addWidget(self.ok)
        lay.addLayout(buttons)
        row.addWidget(card, 1)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.quit_chosen = False
        self._painted = False
        self._worker: threading.Thread | None = None
        self._cover()
        self.password.setFocus()

    def _cover(self) -> None:
        """Cover the locked window (or, at start-up, the screen's usable area)."""
        parent = self.parentWidget()
        if parent is not None and parent.isVisible():
            self.setGeometry(parent.geometry())
            return
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            avail = screen.availableGeometry()
            self.resize(min(1366, avail.width()), max(min(768, avail.height() - 32), 480))

    def _fit_card(self) -> None:
        """The card as wide as the screen allows (up to 560 px) and as tall as its wrapped
        lines need at that width — its own size hint measured them one line wide, so the
        prompt was clipped (large mode, a narrow screen, after a wrong password)."""
        width = min(560, max(240, self.width() - 48))
        layout = self.card.layout()
        if layout is not None:
            self.card.setFixedSize(width, layout.totalHeightForWidth(width))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_card()

    def paintEvent(self, event: Any) -> None:
        super().paintEvent(event)
        if not self._painted:  # the children paint in the same pass; then the flush
            self._painted = True
            QTimer.singleShot(0, self, self.painted.emit)  # (not once the screen is gone)

    def try_unlock(self) -> None:
        """Check the secret on a worker thread; the answer comes back by ``checked``."""
        if self.busy:
            return
        secret = self.password.text()
        if not secret:
            self._show_problem(tr("请输入密码或 PIN"))
            return
        self.busy = True
        self.password.setEnabled(False)
        self.ok.setEnabled(False)
        self.error.setText(tr("正在向区级系统验证 PIN…") if self.slow(secret)
                           else tr("正在验证密码…"))
        restyle(self.error, msg="info")
        self.error.show()
        self._fit_card()
        self._worker = threading.Thread(
            target=lambda: self.checked.emit(self._safe_check(secret)), name="unlock",
            daemon=True)
        self._worker.start()

    def _safe_check(self, secret: str) -> str | None:
        try:
            return self.check(secret)
        except Exception as exc:  # never a traceback on the lock screen
            return tr("无法解锁：{e}").format(e=getattr(exc, "message", None) or exc)

    def _checked(self, problem: str | None) -> None:
        # the worker thread ends at once; wait for it, so that it never holds the last
        # reference to this screen: a QWidget deleted on that thread crashed the process
        # (start-up bench, in the style sheet's re-polish just after unlocking)
        if self._worker is not None:
            self._worker.join(10)
            self._worker = None
        self.busy = False
        self.password.setEnabled(True)
        self.ok.setEnabled(True)
        if problem is None:
            self.error.hide()
            self.accept()
            return
        self._show_problem(problem)

    def _show_problem(self, problem: str) -> None:
        self.error.setText(problem)
        restyle(self.error, msg="error")
        self.error.show()
        self._fit_card()
        self.password.selectAll()
        self.password.setFocus()

    def _quit(self) -> None:
        self.quit_chosen = True
        super().reject()

    def reject(self) -> None:  # Esc must not unlock
        pass


class IdleLock(QObject):
    """Watches application input; calls ``lock()`` after ``minutes`` of idleness, or at
    once by ``lock_now()``."""

    def __init__(self, minutes: float, lock: Callable[[], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lock_now = lock
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


def install(window: QWidget, ctx: DeskContext) -> IdleLock | None:
    """Auto-lock ``window`` for a protected desk (None when the desk has no password);
    the returned watcher's ``lock_now()`` locks at once."""
    from desk.core import keyring
    from desk.core.errors import DeskError

    paths = ctx.paths
    if not keyring.exists(paths.data_dir):
        return None
    minutes = float(getattr(ctx.settings, "idle_lock_minutes", 10) or 10)

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
                           and keyring.has_pin(paths.data_dir),
                           who=signed_in(ctx.settings))
        window.setProperty("locked", True)
        dlg.exec()
        window.setProperty("locked", False)
        if central is not None:
            central.show()
        watcher.paused = False
        watcher.timer.start()

    watcher = IdleLock(minutes, lock, window)
    return watcher
