"""Recording a resident matter (民情诉求, issue 15) in under a minute: what (category and
sub-category from the district's published list, urgency, what was said), who (optional:
left blank the matter is anonymous), where, and how the resident wants the answer. The
deadline is shown as computed from the district's time limit before saving.

A 办不成事 matter starts here from a case's detail page (:meth:`MatterFormPage.start` with
the case): its category is fixed and it carries the case's reference.

The page takes :class:`desk.ui.services.Services` and reports by signal (``matterSaved``,
``cancelled``); it never reaches into the window. The configuration and calendar are read,
and the matter saved, on the background helper. Problems appear beside their fields, in
the UI's language (:func:`desk.ui.matter_words.matter_problem_text`); nothing is saved
unless all is well.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk.core import clock
from desk.core.errors import ValidationFailed
from desk.core.matters import MatterService
from desk.ui.flow import scroll_page, shrinkable
from desk.ui.matter_words import answer_label, due_words, matter_problem_text, urgency_label
from desk.ui.services import Services
from desk.ui.style import restyle
from desk.ui.text import esc, tr, whole
from forms.calendar import WorkCalendar
from forms.matters import ANSWER_BY, CANNOT_DO, URGENCIES, MatterConfig, due_at

log = logging.getLogger(__name__)


def _tidy_failed(exc: object) -> None:
    log.warning("tidy after a matter save failed: %s", type(exc).__name__)


# where each problem's field shows its message (a problem's field → the row it belongs to)
ROWS = ("category", "subcategory", "urgency", "description", "resident.name",
        "resident.phone", "resident.id_number", "place", "answer_by")


class MatterFormPage(QWidget):
    """The form of a new matter."""

    matterSaved = Signal(dict)  # the stored matter (uuid, matter_no, owner, due_at, ...)
    cancelled = Signal()

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.setObjectName("page")
        self.services = services
        self.matters = MatterService(services.ctx.store)
        self.config: MatterConfig | None = None
        self.calendar: WorkCalendar | None = None
        self.from_case: dict[str, Any] | None = None
        self.saving = False
        self.errors: dict[str, QLabel] = {}  # a field → its message under its row
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 16, 24, 12)
        lay.setSpacing(10)
        lay.addLayout(self._build_head())
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.hide()
        lay.addWidget(self.banner)
        lay.addLayout(self._build_form())
        self.other_errors = QLabel()  # a problem with no row of its own (setup, from_case)
        self.other_errors.setWordWrap(True)
        restyle(self.other_errors, msg="error")
        self.other_errors.hide()
        lay.addWidget(self.other_errors)
        lay.addLayout(self._build_bar())
        lay.addStretch(1)
        scroll_page(self)

    # -- building -------------------------------------------------------------------------

    def _build_head(self) -> QHBoxLayout:
        """Back to the matters list, and the page's title."""
        head = QHBoxLayout()
        back = QPushButton(tr("← 民情诉求"))
        back.setAccessibleName(tr("返回民情诉求列表，不保存"))
        back.clicked.connect(self.cancelled.emit)
        head.addWidget(back)
        self.title = QLabel(tr("登记民情诉求"))
        self.title.setObjectName("title")
        head.addWidget(self.title, 1)
        return head

    def _build_form(self) -> QFormLayout:
        """The rows: what, how urgent, what was said, who, where, how to answer."""
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setVerticalSpacing(6)
        self._build_what(form)
        self._build_who(form)
        self._build_where(form)
        self.answer_by = QComboBox()
        self.answer_by.setAccessibleName(tr("答复方式"))
        for a in ANSWER_BY:
            self.answer_by.addItem(answer_label(a), a)
        form.addRow(QLabel(tr("答复方式")), self._with_errors(self.answer_by, "answer_by"))
        return form

    def _build_what(self, form: QFormLayout) -> None:
        """Category and sub-category, urgency with the deadline, and the description."""
        self.category = shrinkable(QComboBox(), 8)
        self.category.setAccessibleName(tr("诉求分类"))
        self.category.setPlaceholderText(tr("请选择"))
        self.category.currentIndexChanged.connect(self._category_changed)
        self.subcategory = shrinkable(QComboBox(), 8)
        self.subcategory.setAccessibleName(tr("子分类"))
        self.subcategory.currentIndexChanged.connect(self._show_due)
        kind = QHBoxLayout()
        kind.addWidget(self.category, 1)
        kind.addWidget(self.subcategory, 1)
        form.addRow(self._req(tr("诉求分类")), self._with_errors(kind, "category",
                                                                  "subcategory"))
        self.urgency = QComboBox()
        self.urgency.setAccessibleName(tr("紧急程度"))
        for u in URGENCIES:
            self.urgency.addItem(urgency_label(u), u)
        self.urgency.setCurrentIndex(URGENCIES.index("一般"))
        self.urgency.currentIndexChanged.connect(self._show_due)
        self.due = QLabel()
        self.due.setObjectName("muted")
        self.due.setWordWrap(True)
        urg = QHBoxLayout()
        urg.addWidget(self.urgency)
        urg.addWidget(self.due, 1)
        form.addRow(self._req(tr("紧急程度")), self._with_errors(urg, "urgency"))
        self.description = QPlainTextEdit()
        self.description.setAccessibleName(tr("诉求内容"))
        self.description.setPlaceholderText(tr("居民反映的问题、诉求或意见"))
        self.description.setTabChangesFocus(True)
        self.description.setMinimumHeight(72)
        self.description.setMaximumHeight(120)
        form.addRow(self._req(tr("诉求内容")), self._with_errors(self.description,
                                                                  "description"))

    def _build_who(self, form: QFormLayout) -> None:
        """The resident (optional: left blank the matter is anonymous)."""
        self.name = self._line(tr("姓名"), 10)
        self.phone = self._line(tr("联系电话"), 12)
        self.id_number = self._line(tr("身份证号"), 18)
        who = QGridLayout()
        who.setHorizontalSpacing(8)
        who.addWidget(self.name, 0, 0)
        who.addWidget(self.phone, 0, 1)
        who.addWidget(self.id_number, 1, 0, 1, 2)
        hint = QLabel(tr("居民信息可不填（匿名登记）；证号和电话在列表和受理单上隐去中间位。"))
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        who.addWidget(hint, 2, 0, 1, 2)
        form.addRow(QLabel(tr("居民")), self._with_errors(
            who, "resident.name", "resident.phone", "resident.id_number", "resident"))

    def _build_where(self, form: QFormLayout) -> None:
        """The place: compound, building, unit, room, or another place."""
        self.compound = self._line(tr("小区"), 8)
        self.building = self._line(tr("楼栋"), 3)
        self.unit = self._line(tr("单元"), 3)
        self.room = self._line(tr("房号"), 4)
        self.other_place = self._line(tr("或其他地点"), 10)
        where = QGridLayout()
        where.setHorizontalSpacing(8)
        where.addWidget(self.compound, 0, 0, 1, 3)
        where.addWidget(self.building, 1, 0)
        where.addWidget(self.unit, 1, 1)
        where.addWidget(self.room, 1, 2)
        where.addWidget(self.other_place, 2, 0, 1, 3)
        form.addRow(QLabel(tr("地点")), self._with_errors(
            where, "place", "place.compound", "place.building", "place.unit", "place.room",
            "place.place"))

    def _build_bar(self) -> QHBoxLayout:
        """The save button, at the right."""
        bar = QHBoxLayout()
        bar.addStretch(1)
        self.save_button = QPushButton(tr("保存并登记  Ctrl+S"))
        self.save_button.setProperty("kind", "primary")
        self.save_button.setAccessibleName(tr("保存诉求"))
        self.save_button.clicked.connect(self.save)
        bar.addWidget(self.save_button)
        return bar

    def _req(self, text: str) -> QLabel:
        label = QLabel(text + " *")
        label.setProperty("req", True)
        return label

    def _line(self, placeholder: str, chars: int) -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        edit.setAccessibleName(placeholder)
        edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance("汉") * (chars // 2 + 2))
        return edit

    def _with_errors(self, inner: Any, *fields: str) -> QWidget:
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(2)
        if isinstance(inner, QWidget):
            v.addWidget(inner)
        else:
            v.addLayout(inner)
        err = QLabel()
        err.setWordWrap(True)
        restyle(err, msg="error")
        err.hide()
        v.addWidget(err)
        for f in fields:
            self.errors[f] = err
        return box

    # -- starting -------------------------------------------------------------------------

    def start(self, from_case: dict[str, Any] | None = None) -> None:
        """A fresh form (for a 办不成事 from ``from_case``); the district's categories and
        the calendar are read on the background helper."""
        self.from_case = from_case
        for edit in (self.name, self.phone, self.id_number, self.compound, self.building,
                     self.unit, self.room, self.other_place):
            edit.clear()
        self.description.clear()
        self.urgency.setCurrentIndex(URGENCIES.index("一般"))
        self.answer_by.setCurrentIndex(ANSWER_BY.index("none"))  # as on the command line
        self._clear_problems()
        self.saving = False
        self.save_button.setEnabled(False)
        if from_case is not None:
            self.title.setText(tr("登记办不成事"))
            self.banner.setText(tr("来自案件 <b>{no}</b>（{item}）：案件被要求补正或不予办理，"
                                   "转为“办不成事”诉求，上报区级协调。").format(
                no=whole(esc(from_case.get("receipt_no"))),
                item=esc(from_case.get("item_name"))))
            restyle(self.banner, banner="warning")
            self.banner.show()
            # the resident of the case (the worker may clear them: anonymous is allowed)
            fields = json.loads(from_case.get("data_json") or "{}").get("fields", {})
            for edit, key in ((self.name, "applicant_name"), (self.phone, "applicant_phone"),
                              (self.id_number, "applicant_id")):
                value = fields.get(key) or (from_case.get(key) if key == "applicant_name"
                                            else "")
                edit.setText(str(value or ""))
        else:
            self.title.setText(tr("登记民情诉求"))
            self.banner.hide()
        store = self.services.ctx.store
        self.services.tasks.run(lambda: (self.matters.config, store.calendar.work_calendar()),
                                on_done=self._configured)

    def _configured(self, res: tuple[MatterConfig, WorkCalendar]) -> None:
        self.config, self.calendar = res
        self.category.blockSignals(True)
        self.category.clear()
        for c in self.config.categories:
            if self.from_case is None or c.name == CANNOT_DO:
                self.category.addItem(c.name, c.name)
        self.category.setEnabled(self.from_case is None)
        self.category.blockSignals(False)
        # a choice made on purpose; a 办不成事 has its one category
        self.category.setCurrentIndex(-1 if self.from_case is None else 0)
        self._category_changed()
        self.save_button.setEnabled(True)
        (self.category if self.from_case is None else self.description).setFocus()

    @property
    def ready(self) -> bool:
        """The district's list has arrived (tests)."""
        return self.config is not None and self.save_button.isEnabled()

    def _category_changed(self) -> None:
        self.subcategory.blockSignals(True)
        self.subcategory.clear()
        cat = self.config.category(self.category.currentData() or "") if self.config else None
        self.subcategory.addItem(tr("（不选）"), None)
        for s in cat.subcategories if cat else ():
            self.subcategory.addItem(s.name, s.name)
        self.subcategory.setEnabled(bool(cat and cat.subcategories))
        self.subcategory.blockSignals(False)
        self._show_due()

    def _show_due(self) -> None:
        """The deadline this matter would get if saved now."""
        category = self.category.currentData()
        if self.config is None or not category:
            self.due.setText(tr("选择分类后显示答复期限"))
            return
        sla = self.config.sla_for(category, self.subcategory.currentData(),
                                  str(self.urgency.currentData()))
        due = due_at(clock.now().replace(microsecond=0), sla, self.calendar)
        self.due.setText(due_words(due, sla.label))

    # -- saving ---------------------------------------------------------------------------

    def submission(self) -> dict[str, Any]:
        """What the worker entered, in the matter service's shape."""
        resident = {k: e.text().strip() for k, e in (("name", self.name), ("phone", self.phone),
                                                     ("id_number", self.id_number))
                    if e.text().strip()}
        place = {k: e.text().strip() for k, e in (
            ("compound", self.compound), ("building", self.building), ("unit", self.unit),
            ("room", self.room), ("place", self.other_place)) if e.text().strip()}
        out: dict[str, Any] = {
            "category": self.category.currentData() or "",
            "urgency": self.urgency.currentData(), "description": self.description.toPlainText(),
            "answer_by": self.answer_by.currentData(), "resident": resident or None,
            "place": place or None}
        if self.subcategory.currentData():
            out["subcategory"] = self.subcategory.currentData()
        if self.from_case is not None:
            out["from_case"] = self.from_case["uuid"]
        return out

    def save(self) -> None:
        """Validate and save on the background helper; problems beside their fields."""
        if self.saving or not self.save_button.isEnabled():
            return
        self._clear_problems()
        body = self.submission()
        actor = self.services.ctx.actor()
        self.saving = True
        self.save_button.setEnabled(False)
        self.services.tasks.run(lambda: self.matters.record(body, actor),
                                on_done=self._saved, on_error=self._failed)

    def _saved(self, matter: dict[str, Any]) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        # next on the same lane: the WAL folded and the search pieces moved, so the next
        # save commits alone (issue 15's save p99); a failure there loses nothing
        self.services.tasks.run(self.matters.tidy, on_error=_tidy_failed)
        self.matterSaved.emit(matter)

    def _failed(self, exc: object) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationFailed):
            self.show_problems(exc.problems)
            return
        self.other_errors.setText(tr("诉求未保存：{e}").format(
            e=getattr(exc, "message", None) or str(exc)))
        self.other_errors.show()

    def show_problems(self, problems: list[Any]) -> None:
        """Each message beside its field; the first such field gets the focus."""
        self._clear_problems()
        by_label: dict[int, list[str]] = {}
        others = []
        for p in problems:
            label = self.errors.get(p.field) or self.errors.get(p.field.split(".")[0])
            text = matter_problem_text(p)
            if label is None:
                others.append(text)
            else:
                by_label.setdefault(id(label), []).append(text)
                label.setText("\n".join(by_label[id(label)]))
                label.show()
        if others:
            self.other_errors.setText("\n".join(others))
            self.other_errors.show()
        first = {"category": self.category, "subcategory": self.subcategory,
                 "urgency": self.urgency, "description": self.description,
                 "resident.name": self.name, "resident.phone": self.phone,
                 "resident.id_number": self.id_number, "answer_by": self.answer_by}
        for p in problems:
            w = first.get(p.field)
            if w is not None:
                w.setFocus()
                break

    def problem_texts(self) -> dict[str, str]:
        """The messages on show, by field (tests)."""
        return {f: lab.text() for f, lab in self.errors.items() if not lab.isHidden()}

    def _clear_problems(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.hide()
        self.other_errors.clear()
        self.other_errors.hide()

    def focus_search(self) -> None:
        """Ctrl+F on this page: the description."""
        self.description.setFocus()
