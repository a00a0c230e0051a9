"""One case: its data, deferred materials and their due dates, the district's status and
notes, its history; reprint; record materials brought later; the resident's rating."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal, SignalInstance
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desk.core import clock
from desk.core.errors import DeskError
from desk.core.matters import CASE_CANNOT_DO_STATUSES, DISTRICT_CANNOT_DO_STATUSES
from desk.ui.case_html import summary_html
from desk.ui.case_photos import CasePhotos
from desk.ui.flow import scroll_page
from desk.ui.style import colour, restyle
from desk.ui.text import (
    action_label,
    actor_label,
    district_label,
    esc,
    rating_label,
    status_label,
    tr,
    whole,
)
from sync.reasons import for_worker

if TYPE_CHECKING:
    from desk.ui.services import Services

log = logging.getLogger(__name__)
REVEAL_SECONDS = 60  # full ID numbers and phones stay on screen this long


def history_html(entries: list[dict[str, Any]]) -> str:
    """The audit trail and district events, oldest first."""
    rows = []
    for e in entries:
        at = str(e.get("at", ""))[:16].replace("T", " ")
        d = e.get("detail") or {}
        bits = []
        if d.get("status") and e["action"] == "district.duplicate":  # issue 23: a note
            bits.append(tr("待核实") if d["status"] == "flagged" else tr("已核实非重复"))
        elif d.get("status"):
            bits.append(district_label(d["status"]) if e["action"].startswith("district")
                        else status_label(d["status"]))
        if d.get("note"):
            bits.append(str(d["note"]))
        if d.get("level"):
            bits.append(rating_label(int(d["level"])))
        if d.get("reason"):
            bits.append(str(d["reason"]))
        if d.get("materials"):
            bits.append(tr("{n}项材料").format(n=d["materials"]))
        if d.get("revision"):
            bits.append(tr("第{n}版").format(n=d["revision"]))
        actor = actor_label(e.get("actor"))
        # an entry on lines of its own — when; what and who; the details — so that what
        # must not be split starts a line: four table columns squeezed "工作人员 刘晓燕"
        # into three lines in 长辈模式
        line = "<p style='margin-top:{0}px;margin-bottom:0'>{1}</p>"
        rows.append(line.format(10, f"<span style='color:{colour('muted')}'>"
                                    f"{esc(at).replace(' ', '&nbsp;')}</span>")
                    + line.format(2, f"<b>{esc(action_label(e['action']))}</b> {esc(actor)}")
                    + (line.format(2, esc(" · ".join(bits))) if bits else ""))
    return "<h3>" + tr("办理记录") + "</h3>" + "".join(rows)


class CaseDetailPage(QWidget):
    """The detail view of one case. Given the services (issue 13); what it needs of the
    window it asks for by signal."""

    # 办不成事 (issue 15): the case ended in 补正 or 不予办理; the window opens the matter form
    cannotDoRequested = Signal(dict)
    casesRequested = Signal()  # ← 案件列表
    ratingRequested = Signal(dict)  # 请居民评价: the case
    residentRequested = Signal(str)  # 居民一览 (issue 23): the applicant's ID number
    reprintRequested = Signal(dict)  # 重新打印 (Ctrl+P): the case
    notice = Signal(str)  # a short message for the status bar

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.setObjectName("page")
        self.services = services
        self.case: dict[str, Any] | None = None
        self.routes: list[dict[str, Any]] = []  # a bundle case's routes, as pulled
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 16, 24, 12)
        lay.setSpacing(10)
        head = QHBoxLayout()
        self.back = QPushButton(tr("← 案件列表"))
        self.back.setAccessibleName(tr("返回案件列表"))
        self.back.clicked.connect(self.casesRequested)
        head.addWidget(self.back)
        self.title = QLabel()
        self.title.setObjectName("title")
        self.title.setWordWrap(True)  # a long item name wraps instead of pushing the buttons
        self.title.setMinimumWidth(120)
        head.addWidget(self.title, 1)
        actions = self._actions()
        lay.addLayout(head)
        lay.addLayout(actions)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.banner)
        # issue 23: the district found the resident applied for this item at another desk
        self.duplicates = QLabel()
        self.duplicates.setWordWrap(True)
        self.duplicates.setAccessibleName(tr("区级重复申请提示"))
        self.duplicates.hide()
        lay.addWidget(self.duplicates)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.body = QTextBrowser()
        self.body.setAccessibleName(tr("案件内容"))
        split.addWidget(self.body)
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(6, 0, 0, 0)
        sl.addWidget(self._supply_card())
        # issue 17: pages of the case's materials photographed after the intake
        self.photos = CasePhotos(services)
        self.photos.captured.connect(self._tick_supplied)
        self.photos.saved.connect(self.load)
        self.photos.notice.connect(self.notice)
        sl.addWidget(self.photos)
        self.history = QTextBrowser()
        self.history.setAccessibleName(tr("办理记录"))
        sl.addWidget(self.history, 1)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        lay.addWidget(split, 1)
        scroll_page(self)  # a short screen scrolls the page rather than squeezing it

    def _actions(self) -> QHBoxLayout:
        """重新打印, 显示完整信息, 请居民评价, 居民一览, 办不成事."""
        # on their own row, under the title: five buttons beside it do not fit a 1024 px
        # screen in 长辈模式
        actions = QHBoxLayout()
        actions.addStretch(1)
        self.reprint = QPushButton(tr("重新打印  Ctrl+P"))
        self.reprint.setAccessibleName(tr("重新打印回执或告知书"))
        self.reprint.clicked.connect(self.print_document)
        actions.addWidget(self.reprint)
        self.reveal = QPushButton(tr("显示完整信息"))
        self.reveal.setAccessibleName(tr("显示完整身份证号和电话（记入审计日志）"))
        self.reveal.setCheckable(True)
        self.reveal.clicked.connect(self.toggle_reveal)
        actions.addWidget(self.reveal)
        self.remask = QTimer(self)
        self.remask.setSingleShot(True)
        self.remask.setInterval(REVEAL_SECONDS * 1000)
        self.remask.timeout.connect(self.hide_full)
        self.rate = QPushButton(tr("请居民评价"))
        self.rate.clicked.connect(lambda: self._ask(self.ratingRequested))
        actions.addWidget(self.rate)
        # issue 23: everything this resident has at the desk, one click away
        self.resident_button = QPushButton(tr("居民一览"))
        self.resident_button.setAccessibleName(tr("查看该居民的全部事项"))
        self.resident_button.clicked.connect(self._open_resident)
        actions.addWidget(self.resident_button)
        self.cannot_do = QPushButton(tr("办不成事"))
        self.cannot_do.setAccessibleName(tr("转为办不成事诉求，上报区级协调"))
        self.cannot_do.setToolTip(tr("案件被要求补正或不予办理时，登记为“办不成事”民情诉求"))
        self.cannot_do.clicked.connect(lambda: self._ask(self.cannotDoRequested))
        actions.addWidget(self.cannot_do)
        return actions

    def _ask(self, signal: SignalInstance) -> None:
        """Ask for something about the case shown (none while it is still opening)."""
        if self.case:
            signal.emit(self.case)

    def _supply_card(self) -> QFrame:
        """登记补交材料: a tick per material still owed, and 登记已补交."""
        self.supply_card = QFrame()
        self.supply_card.setProperty("role", "card")
        self.supply_lay = QVBoxLayout(self.supply_card)
        self.supply_lay.setContentsMargins(14, 10, 14, 12)
        st = QLabel(tr("登记补交材料"))
        st.setObjectName("sectionTitle")
        self.supply_lay.addWidget(st)
        self.supply_boxes: list[QCheckBox] = []
        self.supply_holder = QVBoxLayout()
        self.supply_lay.addLayout(self.supply_holder)
        self.supply_button = QPushButton(tr("登记已补交"))
        self.supply_button.setProperty("kind", "primary")
        self.supply_button.clicked.connect(self.supply)
        self.supply_lay.addWidget(self.supply_button)
        return self.supply_card

    def _tick_supplied(self, name: str) -> None:
        """Pages taken of a material still owed: it is being brought (issue 17)."""
        for b in self.supply_boxes:
            if b.property("material") == name:
                b.setChecked(True)

    def _open_resident(self) -> None:
        if self.case:
            pid = json.loads(self.case["data_json"]).get("fields", {}).get("applicant_id")
            if pid:
                self.residentRequested.emit(str(pid))

    def load(self, uuid: str) -> None:
        """Fetch the case and its history in the background, then show them."""
        store, tasks = self.services.ctx.store, self.services.tasks
        self.title.setText(tr("正在打开…"))
        tasks.run(lambda: (store.get_case(uuid), store.history(uuid),
                                    store.sync.case_routes(uuid)),
                           on_done=self._loaded)
        self.duplicates.hide()
        tasks.run(lambda: store.sync.duplicate_notes(uuid),
                           on_done=lambda notes: self._show_duplicates(uuid, notes))

    def _show_duplicates(self, uuid: str, notes: list[dict[str, Any]]) -> None:
        """The district's duplicate-application notes on the case (issue 23): a flag not
        cleared in warning colours; a cleared one as information."""
        if self.case is not None and self.case["uuid"] != uuid:
            return  # another case was opened meanwhile
        flagged = [n for n in notes if n["state"] == "flagged"]
        shown = flagged or notes
        self.duplicates.setText("<br>".join(
            ("<b>" + tr("重复申请（区级待核实）") + "</b>：" if n["state"] == "flagged"
             else "<b>" + tr("区级已核实非重复") + "</b>：") + whole(esc(n["note"]))
            for n in shown))
        restyle(self.duplicates, banner="warning" if flagged else "info")
        self.duplicates.setVisible(bool(shown))

    def _loaded(self, res: tuple[dict[str, Any] | None, list[dict[str, Any]],
                                 list[dict[str, Any]]]) -> None:
        case, history, self.routes = res
        if case is None:
            self.title.setText(tr("没有找到该案件"))
            return
        self.case = case
        self.title.setText(f"{case['item_name']} · {case['applicant_name']}")
        self.remask.stop()
        self.reveal.setChecked(False)
        self.reveal.setText(tr("显示完整信息"))
        self.body.setHtml(summary_html(self.services.ctx, case, routes=self.routes))
        self.history.setHtml(history_html(history))
        self.rate.setVisible(not case.get("rating"))
        self.cannot_do.setVisible(case.get("status") in CASE_CANNOT_DO_STATUSES or
                                  case.get("district_status") in DISTRICT_CANNOT_DO_STATUSES)
        self._banner(case)
        self._supply_list(case)
        self.photos.show_case(case)

    # -- full ID numbers and phones, on purpose -------------------------------------------------

    def toggle_reveal(self) -> None:
        """Ask why, audit it, then show the case unmasked for a minute."""
        if self.case is None:
            self.reveal.setChecked(False)
            return
        if not self.reveal.isChecked():
            self.hide_full()
            return
        reason = self.services.dialogs.choose(
            tr("显示完整信息"), tr("查看完整身份证号和电话会记入审计日志。请选择原因："),
            [tr("核对居民身份"), tr("电话联系居民"), tr("补正或补交材料"), tr("区级核查")])
        if reason is None:
            self.reveal.setChecked(False)
            return
        self.show_full(reason)

    def show_full(self, reason: str) -> None:
        """Record the reveal, then show the case unmasked (re-masked after a minute). The
        audit write (a hash-chained entry, fsynced) runs on the background helper, so the
        window never waits on the disk; nothing is shown unmasked before it is recorded."""
        assert self.case is not None
        case, ctx = self.case, self.services.ctx
        worker = ctx.actor().worker
        store = ctx.store
        self.reveal.setEnabled(False)

        def record() -> list[dict[str, Any]]:
            store.record_reveal(case["uuid"], worker, reason)
            return store.history(case["uuid"])

        self.services.tasks.run(record, on_done=lambda history: self._revealed(case, history),
                           on_error=self._reveal_failed)

    def _revealed(self, case: dict[str, Any], history: list[dict[str, Any]]) -> None:
        self.reveal.setEnabled(True)
        if self.case is None or self.case["uuid"] != case["uuid"] or not self.isVisible():
            self.reveal.setChecked(False)  # the worker moved on meanwhile: stays masked
            return
        self.reveal.setChecked(True)
        self.reveal.setText(tr("隐藏完整信息"))
        self.body.setHtml(summary_html(self.services.ctx, case, reveal=True,
                                       routes=self.routes))
        self.remask.start()
        self.history.setHtml(history_html(history))

    def _reveal_failed(self, exc: object) -> None:
        self.reveal.setEnabled(True)
        self.reveal.setChecked(False)
        self.notice.emit(exc.message if isinstance(exc, DeskError)
                         else tr("未能记录查看原因，未显示完整信息"))

    def hide_full(self) -> None:
        """Mask again (the button, a minute passing, or another case)."""
        self.remask.stop()
        self.reveal.setChecked(False)
        self.reveal.setText(tr("显示完整信息"))
        if self.case is not None:
            self.body.setHtml(summary_html(self.services.ctx, self.case, routes=self.routes))

    def hideEvent(self, event: Any) -> None:  # leaving the page masks again
        if self.reveal.isChecked():
            self.hide_full()
        super().hideEvent(event)

    def _banner(self, case: dict[str, Any]) -> None:
        mats = json.loads(case.get("materials_json") or "{}")
        today = clock.today().isoformat()
        open_items = [m for m in mats.get("missing", []) if m.get("required")
                      and not m.get("supplied_on")]
        overdue = [m for m in open_items if m.get("due_date") and m["due_date"] < today]
        bits, kind = [], "info"
        if case.get("district_status"):
            bits.append(tr("区级状态：") + "<b>" + esc(district_label(case["district_status"]))
                        + "</b>" + (f" — {esc(case['district_note'])}"
                                    if case.get("district_note") else ""))
            if case["district_status"] in ("needs_correction", "rejected"):
                kind = "warning"
        if overdue:
            kind = "error"
            bits.append(tr("逾期未补交：") + esc("、".join(
                f"{m['name']}（{m['due_date']}）" for m in overdue)))
        elif open_items:
            bits.append(tr("待补交：") + esc("、".join(
                m["name"] + (f"（{m['due_date']}前）" if m.get("due_date") else "")
                for m in open_items)))
        if case.get("sync_state") in ("rejected", "conflict"):
            kind = "error"
            bits.append(tr("上传被退回：") + esc(for_worker(case.get("sync_error") or "")))
        self.banner.setText("<br>".join(bits))
        restyle(self.banner, banner=kind)
        self.banner.setVisible(bool(bits))

    def _supply_list(self, case: dict[str, Any]) -> None:
        for b in self.supply_boxes:
            b.setParent(None)
            b.deleteLater()
        self.supply_boxes = []
        mats = json.loads(case.get("materials_json") or "{}")
        for m in mats.get("missing", []):
            if m.get("supplied_on"):
                continue
            due = tr("（{d}前）").format(d=m["due_date"]) if m.get("due_date") else ""
            box = QCheckBox(m["name"] + due)
            box.setProperty("material", m["name"])
            box.setAccessibleName(tr("已补交：{name}").format(name=m["name"]))
            self.supply_holder.addWidget(box)
            self.supply_boxes.append(box)
        self.supply_card.setVisible(bool(self.supply_boxes))

    def supply(self) -> None:
        """Record the ticked materials as brought today."""
        names = [str(b.property("material")) for b in self.supply_boxes if b.isChecked()]
        if not names or self.case is None:
            return
        ctx, uuid = self.services.ctx, self.case["uuid"]
        actor = ctx.actor()
        self.supply_button.setEnabled(False)
        pages = self.photos.supply_pages(names)  # issue 17: saved with the 补交, at once
        self.services.tasks.run(lambda: ctx.cases.supply_materials(uuid, names, actor,
                                                              attachments=pages),
                           on_done=lambda _: self._supplied(uuid),
                           on_error=self._supply_failed)

    def _supplied(self, uuid: str) -> None:
        self.supply_button.setEnabled(True)
        self.notice.emit(tr("已登记补交材料"))
        self.load(uuid)

    def _supply_failed(self, exc: object) -> None:
        self.supply_button.setEnabled(True)
        msg = exc.message if isinstance(exc, DeskError) else str(exc)
        self.banner.setText(tr("未登记：") + esc(msg))
        self.banner.show()

    def print_document(self) -> None:
        """Reprint: the case's document in the print preview."""
        if self.case is not None:
            self.reprintRequested.emit(self.case)
