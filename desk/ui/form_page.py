"""Filling one case: the form, the materials checklist, the green-channel flag, saving.

Validation runs live through the form engine (pure Python, a few milliseconds). Saving goes
through the background helper; the page only moves on once the store has committed the
case durably (promise 1), and a failed save leaves every typed value in place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desk.core.errors import DeskError, ValidationFailed
from desk.core.residents import DuplicateApplication
from desk.ui.catalog_text import item_name
from desk.ui.form import FormView
from desk.ui.materials import MaterialsPanel
from desk.ui.problems import problem_text
from desk.ui.style import restyle
from desk.ui.text import esc, kind_label, tr
from forms.engine import Problem, Result
from forms.model import Item

if TYPE_CHECKING:
    from desk.ui.preview import Room
    from desk.ui.services import Services

log = logging.getLogger(__name__)


def _tidy_failed(exc: object) -> None:
    log.warning("tidy after a case save failed: %s", type(exc).__name__)


class FormPage(QWidget):
    """One item's form with its materials; ``save()`` is Ctrl+S.

    Given the services (issue 13), and two questions only the window can answer:
    ``store_broken`` (the store failed its corruption check: no saving) and
    ``receipt_spec`` (the receipt page's format and room, for rendering the document ahead
    while the page turns; None: not ahead). What happened it says by signal."""

    caseSaved = Signal(dict)  # the store committed the case
    noticeRequested = Signal(str)  # ← 返回告知: the item's code
    caseRequested = Signal(str)  # 查看已有案件 (issue 23): the earlier case's uuid
    clockDoubted = Signal()  # the save was refused: the desk's clock is in doubt

    def __init__(self, services: Services, item: Item, today: date | None = None,
                 resident: str | None = None, *,
                 store_broken: Callable[[], bool] = lambda: False,
                 receipt_spec: Callable[[], tuple[str, Room]] | None = None) -> None:
        super().__init__()
        self.setObjectName("page")
        self.services = services
        self.store_broken = store_broken
        self.receipt_spec = receipt_spec
        self.item = item
        self.today = today
        self.dirty = self.saving = False
        self.result: Result | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 14, 20, 12)
        outer.setSpacing(10)

        self._header(outer)
        # issue 23: for a known resident, what they gave before is offered only after they
        # agree; the consent and any changed phone or address are recorded on the case
        self.resident = resident
        self.reuse_from = ""
        self.proactive: dict[str, Any] | None = None  # issue 18: the list entry (免申即享)
        self._consent_row(outer)
        self._add_card_reader(outer)
        self.form = FormView(item)
        self.form.edited.connect(self.refresh)
        self.materials = MaterialsPanel(item, today=today, store=services.ctx.store)
        self.materials.edited.connect(self.refresh)
        self.materials.remarks.textChanged.connect(self._mark_dirty)
        outer.addWidget(self._split(), 1)

        bar = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        bar.addWidget(self.summary, 1)
        # issue 23: a refused duplicate shows the earlier case; an item's allowed exceptions
        # (补办, 变更…) may then be chosen and are recorded on the case
        self.existing_button = QPushButton()
        self.existing_button.setObjectName("existingCase")
        self.existing_button.hide()
        self.existing_button.clicked.connect(self._open_existing)
        self.existing_uuid = ""
        self.duplicate_text = ""  # the last refusal, kept on show until the next save
        bar.addWidget(self.existing_button)
        self.exception = QComboBox()
        self.exception.setAccessibleName(tr("重复申请例外"))
        self.exception.addItem(tr("不属于例外"), "")
        for name in (item.once.exceptions if item.once else []):
            self.exception.addItem(tr("按“{name}”办理").format(name=name), name)
        self.exception.hide()
        self.exception.currentIndexChanged.connect(self.refresh)
        bar.addWidget(self.exception)
        self.save_button = QPushButton()
        self.save_button.setProperty("kind", "primary")
        self.save_button.setMinimumWidth(260)
        self.save_button.clicked.connect(self.save)
        bar.addWidget(self.save_button)
        outer.addLayout(bar)

        chain = self.form.focus_chain()
        self.form.fix_tab_order()
        rest = [*self.materials.focus_chain(), self.save_button]
        for a, b in zip([chain[-1], *rest], rest, strict=False):
            QWidget.setTabOrder(a, b)
        self.refresh()
        self.dirty = False

    def _consent_row(self, outer: QVBoxLayout) -> None:
        """居民同意复用已登记的信息, shown for a known resident only (issue 23)."""
        self.consent = QCheckBox(tr("居民同意复用已登记的信息"))
        self.consent.setAccessibleName(tr("居民同意复用已登记的信息"))
        self.consent.toggled.connect(self._consent_given)
        self.reuse_note = QLabel(tr("勾选后，该居民此前登记的姓名、证件、电话、地址、账户等信息"
                                    "将填入表单，请与居民逐项核对，有变化的直接修改。"))
        self.reuse_note.setWordWrap(True)
        self.reuse_note.setObjectName("subtitle")
        consent_row = QHBoxLayout()
        consent_row.addWidget(self.consent)
        consent_row.addWidget(self.reuse_note, 1)
        outer.addLayout(consent_row)
        self.consent.setVisible(self.resident is not None)
        self.reuse_note.setVisible(self.resident is not None)

    def _split(self) -> QSplitter:
        """The form on the left, the materials (scrolling on their own) on the right."""
        right = QScrollArea()
        right.setWidgetResizable(True)
        right.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        right.setFrameShape(QFrame.Shape.NoFrame)
        holder = QWidget()
        rl = QVBoxLayout(holder)
        rl.setContentsMargins(6, 0, 6, 6)
        rl.addWidget(self.materials)
        rl.addStretch(1)
        right.setWidget(holder)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.form)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([580, 420])
        split.setChildrenCollapsible(False)
        return split

    def _header(self, outer: QVBoxLayout) -> None:
        """返回告知, the item's name and facts, and 绿色通道."""
        item = self.item
        head = QHBoxLayout()
        self.back = QPushButton(tr("← 返回告知"))
        self.back.setAccessibleName(tr("返回一次性告知"))
        self.back.clicked.connect(lambda: self.noticeRequested.emit(item.code))
        head.addWidget(self.back)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        # issue 16: item names and fees are catalog text of any length (户籍证明开具（…）,
        # a fee with its subsidy rule): both wrap, so the header never pushes 返回告知 and
        # 绿色通道 out of their room nor the page wider than a 1024 px screen
        title = QLabel(item_name(item))
        title.setObjectName("title")
        title.setWordWrap(True)
        titles.addWidget(title)
        meta = QLabel(f"{item.code} · {item.department} · "
                      f"{kind_label(item.kind, item.promised_days)} · {item.fee}")
        meta.setObjectName("subtitle")
        meta.setWordWrap(True)
        titles.addWidget(meta)
        head.addLayout(titles, 1)
        self.priority = QPushButton(tr("绿色通道"))
        self.priority.setObjectName("priority")
        self.priority.setCheckable(True)
        self.priority.setToolTip(tr("老年人、残疾人、重病等群众优先办理，回执和案件列表中标注"))
        self.priority.setAccessibleName(tr("绿色通道优先办理"))
        self.priority.toggled.connect(self._priority_toggled)
        head.addWidget(self.priority)
        outer.addLayout(head)

    # -- live validation ------------------------------------------------------------------

    def _mark_dirty(self) -> None:
        self.dirty = True

    def _priority_toggled(self, on: bool) -> None:
        self.priority.setText(tr("绿色通道 ✓") if on else tr("绿色通道"))
        self.dirty = True

    def submission(self) -> dict[str, Any]:
        """What the form holds, as the form engine's submission."""
        sub = self.form.values()
        sub.update(self.materials.case_keys())
        if self.priority.isChecked():
            sub["priority"] = True
        if self.exception.currentData():
            sub["duplicate_exception"] = self.exception.currentData()
        if self.resident is not None and self.consent.isChecked():
            sub["reuse_consent"] = True
            if self.reuse_from:
                sub["reuse_from"] = self.reuse_from
        read = sorted(k for k, v in self.card_values.items() if sub.get(k) == v)
        if read:
            sub["identity_read"] = read
            if self.card_valid_to:  # issue 23: the card's own expiry, kept with the case
                sub["identity_valid_to"] = self.card_valid_to
        if self.proactive is not None:  # issue 18: filed from 已确认 on the proactive list
            sub["proactive"] = self.proactive
        return sub

    def _add_card_reader(self, outer: QVBoxLayout) -> None:
        """读卡 (issue 17) fills what the item marks; the case records which fields came
        from the card (a field the worker then changes is no longer "from the card")."""
        from desk.ui.card_read import CardRead

        self.card = CardRead(self.services, self.item)
        self.card.cardRead.connect(self._card_read)
        self.card_values: dict[str, Any] = {}
        self.card_valid_to = ""
        outer.addWidget(self.card)

    def _card_read(self, values: dict[str, Any], card: Any) -> None:
        self.card_values = dict(values)
        self.card_valid_to = str(getattr(card, "valid_to", "") or "")
        self.form.set_values(values)
        self.dirty = True
        self.refresh()

    def _consent_given(self, on: bool) -> None:
        """The resident agreed: fetch what they gave before and fill it in (once)."""
        if not on or self.resident is None:
            return
        self.consent.setEnabled(False)  # consent given is recorded, not taken back here
        from desk.core.residents import ResidentService

        ctx, tasks = self.services.ctx, self.services.tasks
        service = ResidentService(ctx.store)
        pid, item = self.resident, self.item
        tasks.run(lambda: service.reusable_values(pid, item),
                           on_done=self._prefill)
        from desk.core.attachments_reuse import offered_pages  # issue 23: materials on file

        store, cases = ctx.store, ctx.cases
        day, params = cases.desk_day(), cases.catalog.params  # within validity on the day
        tasks.run(lambda: offered_pages(store, pid, item, today=day, params=params),
                  on_done=self.materials.offer_reuse)

    def _prefill(self, offered: dict[str, Any]) -> None:
        values = offered["values"]
        self.reuse_from = offered["from"]
        if values:
            self.form.set_values(values)
            labels = {f.key: f.label for f in self.item.fields}
            names = "、".join(labels.get(k, k) for k in values)
            self.reuse_note.setText(tr("已填入此前登记的：{names}。请与居民逐项核对，"
                                       "有变化的直接修改（电话、地址的变化会记入案件）。")
                                    .format(names=names))
        else:
            self.reuse_note.setText(tr("该居民此前没有可复用的信息。"))
        self.refresh()

    def refresh(self) -> Result:
        """Validate now and show the verdict everywhere."""
        self.dirty = True
        sub = self.submission()
        result = self.services.ctx.cases.check(self.item.code, sub, today=self.today)
        self.result = result
        self.form.show_result(result)
        decision = self.materials.show_result(result, result.data)
        self.save_button.setText({
            "accepted": tr("保存并受理  Ctrl+S"),
            "deferred": tr("容缺受理并保存  Ctrl+S"),
            "correction": tr("保存并出具补正告知  Ctrl+S"),
        }[decision])
        self.save_button.setAccessibleName(self.save_button.text().split("  ")[0])
        n = len(result.errors)
        if n == 0:
            self.summary.setText(tr("表单已填好，可以保存。"))
            self.summary.setProperty("msg", "info")
        elif self.form.show_all:
            items = tr("；").join(esc(problem_text(p, self.item)) for p in result.errors[:4])
            more = tr("等") if n > 4 else ""
            self.summary.setText(tr("还有 {n} 处需要修改：").format(n=n) + items + more)
            self.summary.setProperty("msg", "error")
        else:
            self.summary.setText(tr("还有 {n} 项未填或有误，保存时会逐项提示。").format(n=n))
            self.summary.setProperty("msg", "warning")
        if self.duplicate_text and not self.exception.currentData():
            self.summary.setText(self.duplicate_text)
            self.summary.setProperty("msg", "error")
        restyle(self.summary)
        return result

    # -- saving ---------------------------------------------------------------------------

    def save(self) -> bool:
        """Validate; when clean, save through the background helper (Ctrl+S)."""
        if self.saving:
            return False
        if self.store_broken():
            self.services.dialogs.critical(tr("未保存"),
                                           tr("数据库文件已损坏，暂停保存。请联系技术支持。"))
            return False
        self.form.reveal_all()
        self.duplicate_text = ""
        result = self.refresh()
        if not result.ok:
            self._focus_first_error(result)
            return False
        sub = self.submission()
        ctx = self.services.ctx
        actor = ctx.actor()
        code, today = self.item.code, self.today
        self.saving = True
        self.save_button.setEnabled(False)
        self.save_button.setText(tr("正在保存…"))
        from desk.ui.receipt import render_ahead

        spec = self.receipt_spec() if self.receipt_spec is not None else None
        pages = self.materials.attachments()  # issue 17: staged, claimed by the save
        session = self.materials.session
        reuse = self.materials.reuse_picks()  # issue 23: pages on file, copied into it

        def work(saved: Callable[[object], None]) -> None:
            case = ctx.cases.submit(code, sub, actor, today=today, attachments=pages,
                                    reuse_pages=reuse, session=session)
            saved(case)  # the UI turns to the receipt page meanwhile …
            if spec is not None:
                render_ahead(ctx, case, spec)  # … whose document is made here, at once

        self.services.tasks.run(work, on_progress=self._saved, on_error=self._save_failed)
        return True

    def _show_duplicate(self, exc: DuplicateApplication) -> None:
        """The refusal, with the earlier case one click away and the item's exceptions."""
        prev = exc.existing
        self.duplicate_text = tr("未保存：") + esc(exc.problems[0].message)
        self.summary.setText(self.duplicate_text)
        self.summary.setProperty("msg", "error")
        restyle(self.summary)
        self.existing_uuid = str(prev["uuid"])
        self.existing_button.setText(tr("查看已有案件 {no}").format(no=prev["receipt_no"]))
        self.existing_button.show()
        if exc.once.exceptions:
            self.exception.show()
            self.exception.setFocus(Qt.FocusReason.OtherFocusReason)

    def _open_existing(self) -> None:
        if self.existing_uuid:
            self.caseRequested.emit(self.existing_uuid)

    def _focus_first_error(self, result: Result) -> None:
        w = self.form.first_error_widget(result)
        if w is None and any(p.field == "materials" for p in result.errors):
            w = self.materials.all_button
        if w is not None:
            w.setFocus(Qt.FocusReason.OtherFocusReason)
            self.form.ensureWidgetVisible(w, 40, 80)

    def _saved(self, case: dict[str, Any]) -> None:
        self.saving = False
        self.dirty = False
        # next on the same lane, after the receipt is made: the case's name pieces indexed
        # and the WAL folded, so the next save commits alone (issue 13: the case save no
        # slower than before the redesign); a failure there loses nothing
        self.services.tasks.run(self.services.ctx.cases.tidy, on_error=_tidy_failed)
        self.caseSaved.emit(case)

    def _save_failed(self, exc: object) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        self.refresh()
        if isinstance(exc, DeskError) and exc.kind == "clock_doubt":
            self.clockDoubted.emit()  # a blocking notice; the form keeps its content
            return
        if isinstance(exc, DuplicateApplication):
            self._show_duplicate(exc)
            return
        if isinstance(exc, ValidationFailed):
            self.form.reveal_all()
            result = self.refresh()
            result.errors.extend(p for p in exc.problems if isinstance(p, Problem)
                                 and p not in result.errors)
            self.summary.setText(tr("未保存：") + esc(exc.message))
            self._focus_first_error(result)
            return
        if isinstance(exc, DeskError):
            self.services.dialogs.critical(tr("未保存"), exc.message)
            return
        log.error("save failed: %s", getattr(exc, "__traceback_text__", exc))
        self.services.dialogs.critical(
            tr("未保存"), tr("保存时出现程序错误，案件没有保存，已填写的内容仍在。请重试或联系技术支持。"))
