"""One resident matter (民情诉求, issue 15): what was raised, by whom (masked) and where,
its owner (首问负责) and deadline, what the district answered, and its history — the
recording, every hand-over with its reason, closing on the spot, and each district step
received by pull (派单, 签收, 反馈, 回访, 办结, 延期).

Actions: 移交 (to another worker, the 社区 or the district, with a reason — the matter stays
open), 当场办结 (what was done and the resident's satisfaction), 已转告居民 (the district's
answer passed on) and printing the 受理单.

The page takes :class:`desk.ui.services.Services` and reports by signal (``matterChanged``,
``printRequested``, ``backRequested``); every read and write runs on the background helper.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desk.core import clock
from desk.core.errors import DeskError, ValidationFailed
from desk.core.matters import MatterService, public_matter
from desk.ui.flow import FlowLayout, scroll_page
from desk.ui.matter_words import (
    answer_label,
    district_matter_label,
    history_html,
    history_rows,
    matter_problem_text,
    place_text,
    resident_text,
    satisfaction_label,
    short_time,
    sla_label,
    sla_text,
    status_words,
    urgency_label,
)
from desk.ui.services import Services
from desk.ui.style import restyle
from desk.ui.text import esc, tr, whole
from forms.matters import SATISFACTION

if TYPE_CHECKING:
    from desk.core.store import Store


class MatterDetailPage(QWidget):
    """The detail view of one matter."""

    matterChanged = Signal(dict)  # handed over, closed or its answer passed on
    printRequested = Signal(dict)  # print this matter's 受理单
    backRequested = Signal()
    caseRequested = Signal(str)  # the case a 办不成事 came from

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.setObjectName("page")
        self.services = services
        self.matters = MatterService(services.ctx.store)
        self.matter: dict[str, Any] | None = None
        self.history_entries: list[tuple[str, str, str]] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 16, 24, 12)
        lay.setSpacing(10)
        head = QHBoxLayout()
        back = QPushButton(tr("← 民情诉求"))
        back.setAccessibleName(tr("返回民情诉求列表"))
        back.clicked.connect(self.backRequested.emit)
        head.addWidget(back)
        self.title = QLabel()
        self.title.setObjectName("title")
        self.title.setWordWrap(True)
        self.title.setMinimumWidth(120)
        head.addWidget(self.title, 1)
        lay.addLayout(head)
        actions = FlowLayout()
        self.print_button = QPushButton(tr("打印受理单  Ctrl+P"))
        self.print_button.setAccessibleName(tr("打印民情诉求受理单"))
        self.print_button.clicked.connect(self.print_document)
        self.handover_button = QPushButton(tr("移交"))
        self.handover_button.setAccessibleName(tr("移交给其他负责人（需说明原因）"))
        self.handover_button.clicked.connect(lambda: self._open_card("handover"))
        self.close_button = QPushButton(tr("当场办结"))
        self.close_button.setAccessibleName(tr("当场办结并请居民评价"))
        self.close_button.clicked.connect(lambda: self._open_card("close"))
        self.passed_button = QPushButton(tr("已转告居民"))
        self.passed_button.setAccessibleName(tr("区级答复已转告居民"))
        self.passed_button.clicked.connect(self.answer_passed)
        self.case_button = QPushButton(tr("查看来源案件"))
        self.case_button.clicked.connect(self._open_case)
        for b in (self.print_button, self.handover_button, self.close_button,
                  self.passed_button, self.case_button):
            actions.addWidget(b)
        lay.addLayout(actions)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.banner)
        self.handover_card = self._handover_card()
        lay.addWidget(self.handover_card)
        self.close_card = self._close_card()
        lay.addWidget(self.close_card)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.body = QTextBrowser()
        self.body.setAccessibleName(tr("诉求内容"))
        self.body.setMinimumHeight(220)
        split.addWidget(self.body)
        self.history = QTextBrowser()
        self.history.setAccessibleName(tr("办理记录"))
        split.addWidget(self.history)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        lay.addWidget(split, 1)
        scroll_page(self)

    # -- cards ------------------------------------------------------------------------------

    def _card(self, title: str) -> tuple[QFrame, QVBoxLayout]:
        card = QFrame()
        card.setProperty("role", "card")
        v = QVBoxLayout(card)
        v.setContentsMargins(14, 10, 14, 12)
        t = QLabel(title)
        t.setObjectName("sectionTitle")
        v.addWidget(t)
        card.hide()
        return card, v

    def _error(self) -> QLabel:
        err = QLabel()
        err.setWordWrap(True)
        restyle(err, msg="error")
        err.hide()
        return err

    def _handover_card(self) -> QFrame:
        card, v = self._card(tr("移交（首问负责：移交后由接手人负责，诉求不会因此办结）"))
        self.to_edit = QLineEdit()
        self.to_edit.setPlaceholderText(tr("接手人"))
        self.to_edit.setToolTip(tr("接手人：工作人员、社区或区级"))
        self.to_edit.setAccessibleName(tr("接手人"))
        v.addWidget(self.to_edit)
        row = QHBoxLayout()
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText(tr("移交原因"))
        self.reason_edit.setAccessibleName(tr("移交原因"))
        row.addWidget(self.reason_edit, 1)
        self.handover_ok = QPushButton(tr("确认移交"))
        self.handover_ok.setProperty("kind", "primary")
        self.handover_ok.clicked.connect(self.hand_over)
        row.addWidget(self.handover_ok)
        v.addLayout(row)
        self.handover_error = self._error()
        v.addWidget(self.handover_error)
        return card

    def _close_card(self) -> QFrame:
        card, v = self._card(tr("当场办结"))
        self.result_edit = QPlainTextEdit()
        self.result_edit.setPlaceholderText(tr("办理结果：已解答的问题、已调解的纠纷……"))
        self.result_edit.setAccessibleName(tr("办理结果"))
        self.result_edit.setTabChangesFocus(True)
        self.result_edit.setMaximumHeight(80)
        v.addWidget(self.result_edit)
        row = QHBoxLayout()
        ask = QLabel(tr("请居民评价："))
        row.addWidget(ask)
        self.satisfaction = QButtonGroup(self)
        self.satisfaction.setExclusive(True)
        for s in SATISFACTION:
            b = QPushButton(satisfaction_label(s))
            b.setCheckable(True)
            b.setProperty("kind", "chip")
            b.setProperty("value", s)
            b.setAccessibleName(tr("居民评价：{s}").format(s=satisfaction_label(s)))
            self.satisfaction.addButton(b)
            row.addWidget(b)
        row.addStretch(1)
        self.close_ok = QPushButton(tr("确认办结"))
        self.close_ok.setProperty("kind", "primary")
        self.close_ok.clicked.connect(self.close_on_the_spot)
        row.addWidget(self.close_ok)
        v.addLayout(row)
        self.close_error = self._error()
        v.addWidget(self.close_error)
        return card

    def _open_card(self, which: str) -> None:
        card = self.handover_card if which == "handover" else self.close_card
        for c in (self.handover_card, self.close_card):
            c.setVisible(c is card and not card.isVisible())
        if self.handover_card.isVisible():
            self.to_edit.setFocus()
        elif self.close_card.isVisible():
            self.result_edit.setFocus()

    # -- loading ----------------------------------------------------------------------------

    def load(self, uuid: str) -> None:
        """Read the matter and its history in the background, then show them."""
        store = self.services.ctx.store
        self.title.setText(tr("正在打开…"))
        self.services.tasks.run(lambda: _read(store, uuid), on_done=self._loaded)

    def _loaded(self, res: tuple[dict[str, Any] | None, list[dict[str, Any]]]) -> None:
        m, history = res
        if m is None:
            self.title.setText(tr("没有找到该诉求"))
            self.matter = None
            return
        self.show_matter(m, history)

    def show_matter(self, m: dict[str, Any], history: list[dict[str, Any]]) -> None:
        """Show ``m`` (a stored matter) with its ``history`` (the store's entries)."""
        self.matter = m
        category = m["category"] + (f" · {m['subcategory']}" if m.get("subcategory") else "")
        self.title.setText(f"{m['matter_no']} · {category}")
        self.history_entries = history_rows(m, history)
        self.history.setHtml(history_html(self.history_entries))
        self.body.setHtml(self._summary(m))
        open_ = m["status"] == "open"
        handling = m.get("district_status") in ("dispatched", "signed", "answered", "redo",
                                                 "closed", "extended")
        self.handover_button.setVisible(open_)
        self.close_button.setVisible(open_ and not handling)
        self.passed_button.setVisible(bool(m.get("district_answer"))
                                      and not m.get("answer_seen_at"))
        self.case_button.setVisible(bool(m.get("from_case")))
        for card in (self.handover_card, self.close_card):
            card.hide()
        self.to_edit.clear()
        self.reason_edit.clear()
        self.result_edit.clear()
        for b in self.satisfaction.buttons():
            b.setChecked(False)
        for err in (self.handover_error, self.close_error):
            err.hide()
        self._banner(m)

    def _banner(self, m: dict[str, Any]) -> None:
        shown = public_matter(m, clock.now())
        bits, kind = [], "info"
        if m["status"] == "closed":
            kind = "ok"
            bits.append(tr("已当场办结，居民评价：<b>{s}</b>").format(
                s=esc(satisfaction_label(m.get("satisfaction")))))
        else:
            state = shown.get("sla_state")
            due = short_time(m.get("district_due_at") or m["due_at"])
            bits.append(tr("负责人 <b>{owner}</b> · 答复期限 {due}").format(
                owner=esc(m["owner"]), due=esc(due)) + (
                f" · <b>{esc(sla_label(state))}</b>" if state in ("due_soon", "overdue")
                else ""))
            if state == "overdue":
                kind = "error"
            elif state == "due_soon":
                kind = "warning"
        if m.get("district_answer") and not m.get("answer_seen_at"):
            bits.append(tr("区级答复（请转告居民）：") + esc(m["district_answer"]))
            if kind == "info":
                kind = "warning"
        if m.get("sync_state") in ("rejected", "conflict"):
            kind = "error"
            bits.append(tr("上传被退回：") + esc(m.get("sync_error") or ""))
        self.banner.setText("<br>".join(bits))
        restyle(self.banner, banner=kind)

    def _summary(self, m: dict[str, Any]) -> str:
        rows = [
            (tr("诉求编号"), m["matter_no"]),
            (tr("受理时间"), short_time(m["created_at"])),
            (tr("状态"), status_words(m)),
            (tr("分类"), m["category"] + (f" · {m['subcategory']}" if m.get("subcategory")
                                          else "")),
            (tr("紧急程度"), urgency_label(m["urgency"])),
            (tr("居民"), resident_text(m.get("resident_json"))),
            (tr("地点"), place_text(m.get("place_json")) or "—"),
            (tr("首问负责人"), m["worker"]),
            (tr("当前负责人"), m["owner"]),
            (tr("时限"), sla_text(m.get("sla_json"))),
            (tr("答复期限"), short_time(m.get("district_due_at") or m["due_at"])),
            (tr("答复方式"), answer_label(m.get("answer_by"))),
        ]
        if m.get("from_receipt_no"):
            rows.append((tr("来源案件"), whole(m["from_receipt_no"])))
        if m.get("district_status"):
            rows.append((tr("区级状态"), district_matter_label(m["district_status"])))
        if m.get("district_department"):
            rows.append((tr("承办部门"), m["district_department"]))
        if m.get("district_answer"):
            rows.append((tr("区级答复"), m["district_answer"]))
        if m.get("result"):
            rows.append((tr("办理结果"), m["result"]))
        table = "".join(f"<tr><td style='white-space:nowrap'><b>{esc(k)}</b></td>"
                        f"<td>{esc(v)}</td></tr>" for k, v in rows)
        return (f"<table cellpadding='4'>{table}</table><h3>" + tr("诉求内容") + "</h3><p>"
                + esc(m["description"]).replace("\n", "<br>") + "</p>")

    # -- actions ----------------------------------------------------------------------------

    def hand_over(self) -> None:
        """Hand the matter over (background helper); problems beside the card."""
        if self.matter is None:
            return
        uuid, to, why = self.matter["uuid"], self.to_edit.text(), self.reason_edit.text()
        actor = self.services.ctx.actor()
        self.handover_ok.setEnabled(False)
        self.services.tasks.run(lambda: self.matters.handover(uuid, to, why, actor),
                                on_done=self._changed,
                                on_error=lambda e: self._failed(e, self.handover_ok,
                                                                self.handover_error))

    def close_on_the_spot(self) -> None:
        """Close with the result and the resident's satisfaction."""
        if self.matter is None:
            return
        chosen = self.satisfaction.checkedButton()
        satisfaction = str(chosen.property("value")) if chosen is not None else ""
        uuid, result = self.matter["uuid"], self.result_edit.toPlainText()
        actor = self.services.ctx.actor()
        self.close_ok.setEnabled(False)
        self.services.tasks.run(lambda: self.matters.close(uuid, result, satisfaction, actor),
                                on_done=self._changed,
                                on_error=lambda e: self._failed(e, self.close_ok,
                                                                self.close_error))

    def answer_passed(self) -> None:
        """The district's answer was told to the resident."""
        if self.matter is None:
            return
        uuid, store = self.matter["uuid"], self.services.ctx.store
        worker = self.services.ctx.actor().worker

        def passed() -> dict[str, Any] | None:
            store.matters.mark_answer_passed(uuid, worker)
            return store.matters.get_matter(uuid)

        self.services.tasks.run(passed, on_done=self._changed)

    def _changed(self, m: dict[str, Any]) -> None:
        self.handover_ok.setEnabled(True)
        self.close_ok.setEnabled(True)
        self.matterChanged.emit(m)
        self.load(str(m["uuid"]))

    def _failed(self, exc: object, button: QPushButton, where: QLabel) -> None:
        button.setEnabled(True)
        if isinstance(exc, ValidationFailed):
            where.setText("\n".join(matter_problem_text(p) for p in exc.problems))
        elif isinstance(exc, DeskError):
            where.setText(exc.message)
        else:
            where.setText(tr("未保存：{e}").format(e=exc))
        where.show()

    def print_document(self) -> None:
        """Ctrl+P: the 受理单."""
        if self.matter is not None:
            self.printRequested.emit(self.matter)

    def _open_case(self) -> None:
        if self.matter is not None and self.matter.get("from_case"):
            self.caseRequested.emit(str(self.matter["from_case"]))

    def history_texts(self) -> list[str]:
        """The history's steps in words (tests)."""
        return [f"{what} {detail}".strip() for _, what, detail in self.history_entries]


def _read(store: Store, uuid: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    m = store.matters.get_matter(uuid)
    if m is None:
        return None, []
    return m, store.history(m["uuid"])


__all__ = ["MatterDetailPage"]
