"""The blocking notice shown while the desk doubts its clock (desk.core.clockcheck).

It covers the whole window (nothing can be started underneath) until the worker either
corrects the computer's clock (重新检查) or confirms today's date, which is audited with the
worker's name. The date offered is the clock's, never earlier than the district's last
time. Checked when the window appears, when it is activated again and every minute.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk.core.errors import DeskError
from desk.ui.text import tr

CHECK_MS = 60_000


class ClockNotice(QWidget):
    """An overlay over the main window's content while the clock is in doubt."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.win = window
        self.setObjectName("clockNotice")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("#clockNotice { background: rgba(0, 0, 0, 150); }"
                           "#clockCard { background: palette(window); border-radius: 8px; }")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        card = QFrame()
        card.setObjectName("clockCard")
        card.setMaximumWidth(640)
        lay = QVBoxLayout(card)
        lay.setContentsMargins(24, 20, 24, 20)
        title = QLabel(tr("请先核对日期"))
        title.setObjectName("title")
        lay.addWidget(title)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.message)
        pick = QHBoxLayout()
        pick.addWidget(QLabel(tr("今天的实际日期：")))
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setAccessibleName(tr("今天的实际日期"))
        pick.addWidget(self.date_edit)
        pick.addStretch(1)
        lay.addLayout(pick)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        lay.addWidget(self.error)
        buttons = QHBoxLayout()
        self.recheck_button = QPushButton(tr("已校正电脑时间，重新检查"))
        self.recheck_button.clicked.connect(self.check)
        self.confirm_button = QPushButton(tr("确认今天是这个日期"))
        self.confirm_button.setDefault(True)
        self.confirm_button.clicked.connect(self.confirm)
        buttons.addWidget(self.recheck_button)
        buttons.addStretch(1)
        buttons.addWidget(self.confirm_button)
        lay.addLayout(buttons)
        row.addWidget(card, 3)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        self.hide()
        self.doubt: Any = None
        window.installEventFilter(self)
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_MS)
        self.timer.timeout.connect(self.recheck)
        self.timer.start()

    @property
    def blocking(self) -> bool:
        """Whether the notice is up."""
        return self.isVisible()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.win and isinstance(watched, QWidget):
            if event.type() == QEvent.Type.Resize:
                self.setGeometry(watched.rect())
            elif event.type() == QEvent.Type.WindowActivate:
                self.recheck()  # back from the clock settings, perhaps
            elif event.type() in (QEvent.Type.Close, QEvent.Type.Hide):
                self.timer.stop()
            elif event.type() == QEvent.Type.Show:
                self.timer.start()
        return False

    def check(self) -> None:
        """Ask the desk whether its clock is in doubt; show or hide the notice."""
        day = getattr(self.win.ctx, "desk_day", None)
        if day is None or not self.win.isVisible():  # a closed window's desk is closed
            return
        try:
            doubt = day.pending()
        except DeskError as exc:  # the store could not be read: say so, do not block
            self.win.notify(exc.message)
            return
        self.show_doubt(doubt)

    def recheck(self) -> None:
        """:meth:`check` on the window's background helper when it has one — the periodic
        check and the one when the window is activated read the store too, and an activation
        at start-up read it on the UI thread before the start's own background check did."""
        tasks = getattr(self.win, "tasks", None)
        if tasks is None or getattr(tasks, "closed", False):
            self.check()
        elif self.win.isVisible():  # a closed window's desk is closed
            self.check_in_background(tasks)

    def check_in_background(self, tasks: Any) -> None:
        """:meth:`check` with the store's reading on the background helper ``tasks`` (the
        window's start: at 100,000 encrypted cases it held the first paint ~55 ms)."""
        day = getattr(self.win.ctx, "desk_day", None)
        if day is None:
            return

        def found(doubt: Any) -> None:
            if self.win.isVisible():  # a closed window's desk is closed
                self.show_doubt(doubt)

        def failed(exc: object) -> None:  # the store could not be read: say so, do not block
            self.win.notify(getattr(exc, "message", None) or str(exc))

        tasks.run(day.pending, on_done=found, on_error=failed)

    def show_doubt(self, doubt: Any) -> None:
        """Show the notice for ``doubt`` (a clockcheck.Doubt), or hide it (None)."""
        self.doubt = doubt
        if self.doubt is None:
            self._set_blocked(False)
            return
        self.message.setText(self.doubt.message)
        offer = max(self.doubt.clock_day, self.doubt.floor_day or self.doubt.clock_day)
        self.date_edit.setDate(QDate(offer.year, offer.month, offer.day))
        if self.doubt.floor_day is not None:
            f = self.doubt.floor_day
            self.date_edit.setMinimumDate(QDate(f.year, f.month, f.day))
        self.error.setText("")
        self._set_blocked(True)

    def confirm(self) -> None:
        """The worker confirms the date shown (audited with the worker's name)."""
        q = self.date_edit.date()
        chosen = date(q.year(), q.month(), q.day())
        try:
            self.win.ctx.desk_day.confirm(chosen, self.win.ctx.settings.worker_name)
        except DeskError as exc:
            self.error.setText(exc.message)
            return
        self._set_blocked(False)
        self.win.notify(tr("已确认今天的日期为 {d}，回执和承诺日期按此日期计算").format(
            d=chosen.isoformat()))

    def _set_blocked(self, on: bool) -> None:
        for part in (self.win.centralWidget(), self.win.statusBar()):
            if part is not None:
                part.setEnabled(not on)
        if on:
            self.setGeometry(self.win.rect())
            self.show()
            self.raise_()
            self.date_edit.setFocus()
        else:
            self.hide()
