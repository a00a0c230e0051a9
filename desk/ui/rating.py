"""The resident's 好差评 screen: five big buttons, an optional reason, one rating per case.

The screen is for the resident, not the worker: nothing is pre-selected, skipping is
allowed (rating is voluntary, GB/T 39734-2020 §4.1), and once submitted the rating cannot
be changed here or anywhere else (the store refuses a second one).
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk.core.errors import DeskError
from desk.ui.services import Services
from desk.ui.text import esc, rating_label, tr, whole

log = logging.getLogger(__name__)


class RatingPage(QWidget):
    """Rate one case."""

    ratingGiven = Signal(object)  # the case with its rating (the worker takes the desk back)
    doneRequested = Signal()  # 暂不评价 or 完成: on to the next resident

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.setObjectName("page")
        self.cases = services.ctx.cases
        self.tasks = services.tasks
        self.case: dict[str, Any] | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(60, 30, 60, 24)
        # (fits a 1024×640 screen in 长辈 mode in Noto Sans CJK too, whose lines are a fifth
        # taller than WenQuanYi's: with 16 px between rows and a four-line box the page needed
        # 554 px of the 533 there, and its box was squeezed to one line under its label)
        lay.setSpacing(12)
        self.title = QLabel(tr("请您对本次服务进行评价"))
        self.title.setObjectName("title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.title)
        self.subtitle = QLabel()
        self.subtitle.setObjectName("subtitle")
        self.subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subtitle.setWordWrap(True)
        lay.addWidget(self.subtitle)
        grid = QGridLayout()
        grid.setSpacing(14)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[int, QPushButton] = {}
        for col, level in enumerate((5, 4, 3, 2, 1)):
            b = QPushButton(f"{rating_label(level)}")
            b.setCheckable(True)
            b.setProperty("rating", str(level))
            b.setAccessibleName(tr("评价：{label}").format(label=rating_label(level)))
            b.setShortcut(str(6 - level))  # keys 1..5 from the left
            self.group.addButton(b, level)
            self.buttons[level] = b
            grid.addWidget(b, 0, col)
        self.group.idToggled.connect(self._chosen)
        lay.addLayout(grid)
        reason_label = QLabel(tr("有什么意见或建议？（选填）"))
        lay.addWidget(reason_label)
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.reason.setAccessibleName(tr("评价理由或建议"))
        self.reason.setPlaceholderText(tr("例如：材料一次说清楚了，不用跑第二趟"))
        self.reason.setFixedHeight(self.fontMetrics().height() * 3 + 20)
        lay.addWidget(self.reason)
        self.message = QLabel()
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        lay.addWidget(self.message)
        lay.addStretch(1)
        bar = QHBoxLayout()
        self.skip = QPushButton(tr("暂不评价"))
        self.skip.setAccessibleName(tr("暂不评价，返回"))
        self.skip.clicked.connect(self.doneRequested)
        bar.addWidget(self.skip)
        bar.addStretch(1)
        self.submit = QPushButton(tr("提交评价"))
        self.submit.setProperty("kind", "primary")
        self.submit.setMinimumWidth(260)
        self.submit.setEnabled(False)
        self.submit.clicked.connect(self.submit_rating)
        bar.addWidget(self.submit)
        self.done_button = QPushButton(tr("完成，办理下一件"))
        self.done_button.setProperty("kind", "primary")
        self.done_button.clicked.connect(self.doneRequested)
        self.done_button.hide()
        bar.addWidget(self.done_button)
        lay.addLayout(bar)

    def show_case(self, case: dict[str, Any]) -> None:
        """Ask for a rating of ``case`` (read-only if it already has one)."""
        self.case = case
        self.subtitle.setText(tr("{item} · 受理编号 {no}").format(
            item=case.get("item_name", ""), no=whole(case.get("receipt_no", ""))))
        self.reason.clear()
        self.group.setExclusive(False)
        for b in self.buttons.values():
            b.setChecked(False)
        self.group.setExclusive(True)
        if case.get("rating"):
            self._locked(int(case["rating"]), str(case.get("rating_reason") or ""),
                         tr("本案件已评价，评价不能修改。"))
            return
        for b in self.buttons.values():
            b.setEnabled(True)
        self.reason.setReadOnly(False)
        self.submit.show()
        self.submit.setEnabled(False)
        self.skip.show()
        self.done_button.hide()
        self.message.setText(tr("评价自愿，您的评价将用于改进服务，工作人员不能修改。"))
        self.message.setProperty("msg", "")
        self.buttons[5].setFocus()

    def _chosen(self, level: int, on: bool) -> None:
        if on:
            self.submit.setEnabled(True)
            if level <= 2:
                self.reason.setPlaceholderText(tr("请告诉我们哪里做得不好，我们会回访并改进"))

    def submit_rating(self) -> None:
        """Save the rating through the background helper."""
        level = self.group.checkedId()
        if self.case is None or level not in self.buttons:
            return
        uuid = self.case["uuid"]
        reason = self.reason.toPlainText().strip()
        self.submit.setEnabled(False)
        cases = self.cases
        self.tasks.run(lambda: cases.rate(uuid, level, reason),
                       on_done=lambda _: self._saved(level, reason), on_error=self._failed)

    def _saved(self, level: int, reason: str) -> None:
        if self.case is not None:
            self.case = dict(self.case, rating=level, rating_reason=reason)
        self._locked(level, reason, tr("谢谢您的评价！"))
        self.ratingGiven.emit(self.case)

    def _failed(self, exc: object) -> None:
        if isinstance(exc, DeskError) and exc.kind == "rated":
            self._locked(self.group.checkedId(), "", exc.message)
            return
        log.error("rating failed: %s", getattr(exc, "__traceback_text__", exc))
        self.submit.setEnabled(True)
        text = exc.message if isinstance(exc, DeskError) else tr("请稍后再试。")
        # store errors already say what failed ("磁盘空间已满，评价未保存。…"): say it once
        self.message.setText(esc(text) if "评价未保存" in text
                             else tr("评价未保存：{e}").format(e=esc(text)))

    def _locked(self, level: int, reason: str, text: str) -> None:
        """Show a rating that can no longer change."""
        for lv, b in self.buttons.items():
            b.setChecked(lv == level)
            b.setEnabled(lv == level)
        self.reason.setPlainText(reason)
        self.reason.setReadOnly(True)
        self.submit.hide()
        self.skip.hide()
        self.done_button.show()
        self.done_button.setFocus()
        self.message.setText(text)
