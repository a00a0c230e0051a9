"""After saving (or to reprint): the receipt, correction notice or deferral notice in a
print preview, then on to the resident's rating."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desk.ui.case_html import doc_title, summary_html
from desk.ui.preview import Room, ahead, preview_pages, receipts_module
from desk.ui.print_dialog import DocumentPanel
from desk.ui.services import Services
from desk.ui.style import paper, restyle
from desk.ui.text import esc, tr, whole

if TYPE_CHECKING:
    from desk.core.app import DeskContext

log = logging.getLogger(__name__)


def render_case(receipts: Any, ctx: DeskContext, case: dict[str, Any], fmt: str) -> bytes:
    """A case's document as the receipt page shows it (PDF bytes)."""
    return bytes(receipts.render_case_pdf(ctx, case, fmt=fmt))


def render_ahead(ctx: DeskContext, case: dict[str, Any], spec: tuple[str, Room]) -> None:
    """On the background helper, right after ``case`` was saved: its document rendered and
    rastered for the receipt page (``spec``: :meth:`DocumentPanel.ahead_spec`), which
    then only picks it up. A failure here is the page's to report when it renders."""
    receipts = receipts_module()
    if receipts is None:
        return
    fmt, room = spec
    try:
        pages = preview_pages(render_case(receipts, ctx, case, fmt), room)
    except Exception as exc:  # the page renders it again, and says so if that fails
        log.warning("receipt not rendered ahead: %s", exc)
        return
    ahead.put((case["uuid"], fmt), pages)


class ReceiptPage(QWidget):
    """The saved case's document with print, rate and next buttons.

    Given :class:`Services`; asks the window for the case, the rating or home by signal.
    """

    caseRequested = Signal(str)  # 查看案件 (and 返回 on a reprint): the case, by uuid
    ratingRequested = Signal(dict)  # 请居民评价: the case to rate
    homeRequested = Signal()  # 办理下一件 (and 返回 right after saving)

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.setObjectName("page")
        self.services = services
        self.case: dict[str, Any] | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(28, 16, 28, 14)
        lay.setSpacing(10)
        head = QHBoxLayout()
        self.back = QPushButton(tr("← 返回"))
        self.back.clicked.connect(self._back)
        head.addWidget(self.back)
        self.title = QLabel()
        self.title.setObjectName("title")
        head.addWidget(self.title, 1)
        lay.addLayout(head)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.banner)
        self.panel = DocumentPanel(services)
        lay.addWidget(self.panel, 1)
        bar = QHBoxLayout()
        self.detail_button = QPushButton(tr("查看案件"))
        self.detail_button.clicked.connect(self._detail)
        bar.addWidget(self.detail_button)
        self.next_button = QPushButton(tr("办理下一件"))
        self.next_button.setAccessibleName(tr("办理下一件，回到事项列表"))
        self.next_button.clicked.connect(lambda: self.homeRequested.emit())
        bar.addWidget(self.next_button)
        bar.addStretch(1)
        self.rate_button = QPushButton(tr("请居民评价 →"))
        self.rate_button.setProperty("kind", "primary")
        self.rate_button.setMinimumWidth(240)
        self.rate_button.setAccessibleName(tr("请居民对本次服务评价"))
        self.rate_button.clicked.connect(self._rate)
        bar.addWidget(self.rate_button)
        lay.addLayout(bar)
        self._from_detail = False

    def show_case(self, case: dict[str, Any], *, fresh: bool) -> None:
        """Show ``case``'s document; ``fresh`` right after saving, else a reprint."""
        self.case = case
        self._from_detail = not fresh
        status = case.get("status", "")
        self.title.setText(doc_title(status) if not fresh else tr("已保存"))
        mats = json.loads(case.get("materials_json") or "{}")
        no = whole(esc(case.get("receipt_no")))
        if status == "correction":
            missing = [m["name"] for m in mats.get("missing", []) if m.get("required")]
            kind = "warning"
            text = (tr("补正告知已登记，编号 <b>{no}</b>。请打印《补正告知书》交给居民，"
                       "上面一次性列明了全部需补正的材料：").format(no=no)
                    + esc("、".join(missing)))
        elif status == "deferred":
            kind = "ok"
            text = (tr("✓ 已容缺受理，受理编号 <b>{no}</b>。缺少的材料须在 <b>{due}</b> 前补交；"
                       "承诺办结日期 {date}。").format(no=no, due=esc(mats.get("defer_due")),
                                                 date=esc(case.get("promised_date"))))
        else:
            kind = "ok"
            text = tr("✓ 已受理并保存，受理编号 <b>{no}</b>，承诺办结日期 <b>{date}</b>。").format(
                no=no, date=esc(case.get("promised_date")))
        if not fresh:
            kind, text = "info", tr("重新打印：{title}，编号 <b>{no}</b>").format(
                title=esc(doc_title(status)), no=no)
        self.banner.setText(text)
        restyle(self.banner, banner=kind)
        rated = bool(case.get("rating"))
        self.rate_button.setVisible(not rated)
        self.back.setVisible(not fresh)
        ctx = self.services.ctx
        with paper():  # the fallback prints on white paper whatever the screen's theme
            paper_html = summary_html(ctx, case)
        self.panel.load(lambda receipts, fmt: render_case(receipts, ctx, case, fmt),
                        paper_html, key=case["uuid"])
        (self.rate_button if not rated else self.next_button).setFocus()

    def print_document(self) -> None:
        """Ctrl+P."""
        self.panel.print_document()

    def _rate(self) -> None:
        if self.case is not None:
            self.ratingRequested.emit(self.case)

    def _detail(self) -> None:
        if self.case is not None:
            self.caseRequested.emit(self.case["uuid"])

    def _back(self) -> None:
        if self.case is not None and self._from_detail:
            self.caseRequested.emit(self.case["uuid"])
        else:
            self.homeRequested.emit()
