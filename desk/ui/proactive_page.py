"""主动服务: the district's list of residents to go to (issue 18), by building.

Each row: where (compound and building), who (name, masked ID), for what (item, the rule in
words), by when, and what the worker found. The buttons answer for the selected resident:
已确认 (the resident agrees: the worker reads or types their ID number, which must match the
list's masked one, and the item's form opens filled from the list; saving that case marks it
免申即享 and records 已确认 linked to it), 不需要 (with the reason), 联系不上, 已迁出, 已故 (both go back to the
district to correct its roster) and 上门服务 (on a date). Answers go to the district with the
next sync. Below the list, 补交提醒: deferred (容缺) materials due within three days or
overdue, each with an SMS-ready text to copy (the product sends no SMS).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk.core.errors import DeskError, ValidationFailed
from desk.core.proactive import prefill
from desk.ui.cells import WrappedCells, filling
from desk.ui.services import Services
from desk.ui.text import tr

COLUMNS = ("楼栋", "姓名", "身份证号", "事项", "原因", "办理期限", "结果")
DECLINE_REASONS = ("已通过其他渠道办理", "本人暂不需要", "经核实不符合条件")


class ProactivePage(QWidget):
    """The proactive list and the worker's answers."""

    formRequested = Signal(str, object)  # item code, the form's values from the list
    answered = Signal(object)  # {entry_id, outcome, at}: counts again, sync soon

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.setObjectName("page")
        self.ctx = services.ctx
        self.dialogs = services.dialogs
        self.entries: list[dict[str, Any]] = []
        self.read_ids: dict[int, str] = {}  # entry → the ID number the worker read
        lay = QVBoxLayout(self)
        lay.setContentsMargins(28, 20, 28, 16)
        lay.setSpacing(10)
        title = QLabel(tr("主动服务名单"))
        title.setObjectName("title")
        lay.addWidget(title)
        self.summary = QLabel()
        self.summary.setObjectName("subtitle")
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        self.table.setAccessibleName(tr("主动服务名单"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.setItemDelegate(WrappedCells(self.table))
        self.table.verticalHeader().hide()
        # each row as tall as its wrapped reason at the width the column has now: rows sized
        # once, when the list is read before the page is first laid out, kept the height of
        # a reason wrapped in a 100 px column (one resident filled the list)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)
        lay.addWidget(self.table, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        lay.addWidget(self.message)
        bar = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, words in (("confirmed", "已确认"), ("declined", "不需要"),
                           ("unreachable", "联系不上"), ("home_visit", "上门服务"),
                           ("moved", "已迁出"), ("deceased", "已故")):
            b = QPushButton(tr(words))
            b.setAccessibleName(tr("所选居民：{w}").format(w=tr(words)))
            if key == "confirmed":
                b.setProperty("kind", "primary")
            b.clicked.connect(lambda _=False, k=key: self.answer(k))
            bar.addWidget(b)
            self.buttons[key] = b
        bar.addStretch(1)
        self.show_done = QPushButton(tr("显示已办结"))
        self.show_done.setCheckable(True)
        self.show_done.toggled.connect(lambda _on: self.reload())
        bar.addWidget(self.show_done)
        lay.addLayout(bar)
        # 容缺 reminders: deferred materials due within three days (or overdue)
        # (the title and its button on one line: in 长辈 mode at 768 px high the line the
        # button had to itself is most of another resident in the list above)
        head_row = QHBoxLayout()
        self.reminders_title = QLabel()
        self.reminders_title.setObjectName("muted")
        self.reminders_title.setWordWrap(True)
        head_row.addWidget(self.reminders_title, 1)
        self.copy_button = QPushButton(tr("复制提醒短信"))
        self.copy_button.setAccessibleName(tr("复制所选的补交提醒短信文字"))
        self.copy_button.clicked.connect(self.copy_reminder)
        head_row.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignBottom)
        lay.addLayout(head_row)
        self.reminders = QListWidget()
        self.reminders.setAccessibleName(tr("补交提醒"))
        self.reminders.setWordWrap(True)
        lay.addWidget(self.reminders)
        self.reload()

    def reload(self) -> None:
        """Read the list again (after a sync or an answer)."""
        self.entries = self.ctx.store.proactive.proactive_list(
            include_done=self.show_done.isChecked())
        with filling(self.table):
            self.table.setRowCount(len(self.entries))
            for row, e in enumerate(self.entries):
                cells = (e["building"], e.get("name", ""), e.get("id_masked", ""),
                         e.get("item_name") or e.get("item_code", ""), e.get("reason", ""),
                         e.get("due", ""), self._result_words(e))
                for col, text in enumerate(cells):
                    cell = QTableWidgetItem(str(text))
                    if col == 4:
                        cell.setToolTip(str(text))
                    self.table.setItem(row, col, cell)
        counts = self.ctx.store.proactive.proactive_counts()
        n = sum(counts.values())
        self.summary.setText(tr("待服务 {n} 人（{where}）。选中一位居民，再点下面的结果；结果在下次同步时"
                                "报给区里。").format(
            n=n, where="、".join(f"{b} {k} 人" for b, k in sorted(counts.items())) or tr("无")))
        if self.entries:
            self.table.selectRow(0)
        self._selected()
        self.reload_reminders()

    def reload_reminders(self) -> None:
        """容缺 materials due within three days (or overdue), each with its SMS text."""
        due = self.ctx.store.proactive.due_reminders(date.today())
        self.reminders.clear()
        for r in due:
            row = QListWidgetItem(tr("{when} {due} · {name} · {item} · 补交：{mats}").format(
                when=_when(str(r["when"])), due=r["due"], name=r["name"], item=r["item_name"],
                mats="、".join(r["materials"])))
            row.setData(Qt.ItemDataRole.UserRole, r["text"])
            row.setToolTip(r["text"])
            self.reminders.addItem(row)
        self.reminders_title.setText(tr("补交提醒 {n} 件（容缺材料三天内到期或已过期；选中后复制短信文字，"
                                        "发送或打印给居民）").format(n=len(due)))
        for w in (self.reminders_title, self.reminders, self.copy_button):
            w.setVisible(bool(due))
        # as tall as its rows (at most three): the list above keeps the room
        line = self.reminders.fontMetrics().height()
        self.reminders.setFixedHeight(int(line * 1.7 * min(max(len(due), 1), 3)) + 10)
        if due:
            self.reminders.setCurrentRow(0)

    def copy_reminder(self) -> None:
        """The selected reminder's text to the clipboard (no SMS gateway in the product)."""
        row = self.reminders.currentItem()
        if row is None:
            return
        QGuiApplication.clipboard().setText(str(row.data(Qt.ItemDataRole.UserRole)))
        self.message.setText(tr("提醒短信已复制，可粘贴到短信或微信发送。"))

    @staticmethod
    def _result_words(e: dict[str, Any]) -> str:
        words = str(e.get("outcome_words") or "")
        if e.get("outcome") == "home_visit" and e.get("visit_date"):
            words += f" {e['visit_date']}"
        if e.get("note"):
            words += f"（{e['note']}）"
        return words

    def current(self) -> dict[str, Any] | None:
        """The selected resident's entry."""
        rows = self.table.selectionModel().selectedRows()
        return self.entries[rows[0].row()] if rows else None

    def _selected(self) -> None:
        for b in self.buttons.values():
            b.setEnabled(self.current() is not None)

    def answer(self, outcome: str) -> None:
        """Record ``outcome`` for the selected resident (asking what it needs)."""
        e = self.current()
        if e is None:
            return
        kw: dict[str, Any] = {}
        if outcome == "confirmed":
            case_uuid = self._confirmed_case(e)
            if case_uuid is None:
                return
            kw["case_uuid"] = case_uuid
        elif outcome == "declined":
            why = self.dialogs.choose(tr("不需要"), tr("原因（可选或自己填写）："),
                                      [tr(r) for r in DECLINE_REASONS])
            if why is None:
                return
            kw["note"] = why
        elif outcome == "home_visit":
            days = [(date.today() + timedelta(days=d)).isoformat() for d in (1, 2, 3, 7)]
            day = self.dialogs.choose(tr("上门服务"), tr("上门日期（年-月-日）："), days)
            if day is None:
                return
            kw["visit_date"] = day
        try:
            done = self.ctx.store.proactive.record_proactive_outcome(
                int(e["entry_id"]), outcome, worker=self.ctx.settings.worker_name, **kw)
        except DeskError as exc:
            self.message.setText(exc.message)
            return
        self.message.setText(tr("已记录：{name} {words}").format(
            name=e.get("name", ""), words=tr(OUTCOME_WORDS[outcome])))
        self.answered.emit(done)
        self.reload()

    def _confirmed_case(self, e: dict[str, Any]) -> str | None:
        """The 免申 case filed for ``e``; None when it is not filed yet (then the worker
        reads the ID number and the form opens filled from the list)."""
        entry_id = int(e["entry_id"])
        number = self.read_ids.get(entry_id)
        if number:
            cases = self.ctx.store.residents.resident_item_cases(number, str(e["item_code"]))
            if cases:  # newest first
                return str(cases[0]["uuid"])
        typed = self.dialogs.choose(tr("已确认"), tr("请读卡或输入居民身份证号，核对是否为 {m}：").format(
            m=e.get("id_masked", "")), [])
        if typed is None:
            return None
        item = self.ctx.catalog.get(str(e["item_code"]))
        try:
            values = prefill(item, e, typed)
        except ValidationFailed as exc:
            self.message.setText(exc.message)
            return None
        self.read_ids[entry_id] = values.get("applicant_id", typed.strip().upper())
        self.message.setText(tr("已核对身份。请在表单中补全其余内容并保存：保存即记为“已确认”，案件标注免申即享。"))
        # the case records the entry (免申即享) and answers 已确认 once saved
        self.formRequested.emit(item.code, {**values, "proactive": {"entry_id": entry_id}})
        return None


OUTCOME_WORDS = {"confirmed": "已确认", "declined": "不需要", "unreachable": "联系不上",
                 "moved": "已迁出", "deceased": "已故", "home_visit": "上门服务"}


def _when(words: str) -> str:
    """The reminder's 已过期 / 今天到期 / ``DATE``前 (desk.core.store_proactive), in the
    UI's language."""
    if words == "已过期":
        return tr("已过期")
    if words == "今天到期":
        return tr("今天到期")
    return tr("{due}前").format(due=words[:-1]) if words.endswith("前") else words
