"""The one-time notice (一次性告知): everything the resident needs, before anything is
filled — conditions, every material, steps, time limit, fee. It can be shown on screen to
the resident or printed (desk.core.receipts.render_notice_pdf when present)."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from desk.ui.catalog_text import (
    department,
    eligibility,
    item_name,
    material_name,
    notice_lines,
    notice_text,
)
from desk.ui.services import Services
from desk.ui.style import colour
from desk.ui.text import esc, kind_label, material_form_label, tr
from forms.engine import PROXY_MATERIALS
from forms.model import Item

log = logging.getLogger(__name__)


def _ul(lines: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{esc(x)}</li>" for x in lines) + "</ul>"


def notice_html(item: Item, contact: str = "") -> str:
    """The notice as rich text (screen and fallback printing), in the UI's language: the
    catalog's translation of each text where it has one, else its Chinese."""
    rows = []
    muted = colour("muted")  # the theme's (high contrast: white on black)
    for i, m in enumerate(item.materials, 1):
        need = tr("必交") if m.required else tr("选交")
        if m.deferrable:
            need += " · " + tr("可容缺")
        count = f" × {m.count}" if m.count > 1 else ""
        rows.append(
            f"<tr><td align='center'>{i}</td><td><b>{esc(material_name(item, m.name))}</b>"
            + (f"<br><span style='color:{muted}'>{esc(tr(m.note))}</span>" if m.note else "")
            + f"</td><td>{esc(material_form_label(m.form))}{count}</td><td>{esc(need)}</td></tr>")
    proxy = ""
    if item.proxy_allowed:
        proxy = ("<p><b>" + tr("他人代办：") + "</b>" + tr("另带") + "、".join(
            f"{esc(material_name(item, m.name))}（{esc(material_form_label(m.form))}）"
            for m in PROXY_MATERIALS)
            + "</p>")
    parts = [
        f"<h2 style='margin-bottom:2px'>{esc(item_name(item))} — " + tr("一次性告知") + "</h2>",
        f"<p style='color:{muted}'>{esc(item.code)} · {esc(department(item))} · "
        f"{esc(kind_label(item.kind, item.promised_days))} · " + tr("收费") +
        f"：{esc(item.fee)}</p>",
        "<h3>" + tr("办理条件") + "</h3>" + _ul(notice_lines(item, "conditions")),
    ]
    if item.eligibility:
        parts.append("<h3>" + tr("申请须知") + "</h3>" + _ul(eligibility(item)))
    parts += [
        "<h3>" + tr("所需材料（一次带齐）") + "</h3>",
        ("<table width='100%' cellspacing='0' cellpadding='6' border='1' "
        f"style='border-collapse:collapse;border-color:{colour('rule')}'>"
        f"<tr style='background:{colour('head_bg')}'>"
        "<th width='6%'>" + tr("序号") + "</th><th>"
        + tr("材料") + "</th><th width='20%'>" + tr("形式") + "</th><th width='16%'>"
        + tr("要求") + "</th></tr>").replace("<th", f"<th style='color:{colour('head_fg')}'")
        + "".join(rows) + "</table>",
        proxy,
        "<h3>" + tr("办理流程") + "</h3><ol>"
        + "".join(f"<li>{esc(s)}</li>" for s in notice_lines(item, "steps"))
        + "</ol>",
        "<h3>" + tr("办理时限") + "</h3><p>" + esc(notice_text(item, "time_limit")) + "</p>",
    ]
    if item.notice.where:
        parts.append("<h3>" + tr("办理地点") + "</h3><p>" + esc(notice_text(item, "where"))
                     + "</p>")
    if item.notice.result:
        parts.append("<h3>" + tr("办理结果") + "</h3><p>" + esc(notice_text(item, "result"))
                     + "</p>")
    if item.notice.tips:
        parts.append("<h3>" + tr("温馨提示") + "</h3>" + _ul(notice_lines(item, "tips")))
    parts.append(f"<p style='color:{muted}'>" + tr("依据：") + esc(item.legal_basis) + "</p>")
    if contact:
        parts.append(f"<p style='color:{muted}'>" + tr("咨询电话：") + esc(contact) + "</p>")
    return "".join(parts)


class NoticePage(QWidget):
    """Shows one item's notice; Enter starts filling the form."""

    homeRequested = Signal()  # ← 返回事项
    formRequested = Signal(str)  # 开始办理: the form for this item code
    printRequested = Signal(object)  # 打印告知单: this Item in the print preview

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.setObjectName("page")
        self.ctx = services.ctx
        self.item: Item | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(28, 16, 28, 16)
        lay.setSpacing(10)
        head = QHBoxLayout()
        self.back = QPushButton(tr("← 返回事项"))
        self.back.setAccessibleName(tr("返回事项列表"))
        self.back.clicked.connect(self.homeRequested)
        head.addWidget(self.back)
        self.title = QLabel()
        self.title.setObjectName("title")
        # issue 16: an item's name is catalog text of any length; it wraps rather than
        # squeezing 返回事项 or widening the page past a 1024 px screen
        self.title.setWordWrap(True)
        head.addWidget(self.title, 1)
        lay.addLayout(head)
        self.banner = QLabel()
        self.banner.setProperty("banner", "info")
        self.banner.setWordWrap(True)
        lay.addWidget(self.banner)
        self.text = QTextBrowser()
        self.text.setAccessibleName(tr("一次性告知内容"))
        lay.addWidget(self.text, 1)
        bar = QHBoxLayout()
        self.print_button = QPushButton(tr("打印告知单  Ctrl+P"))
        self.print_button.setAccessibleName(tr("打印一次性告知单"))
        self.print_button.clicked.connect(self.print_document)
        bar.addWidget(self.print_button)
        bar.addStretch(1)
        self.start = QPushButton(tr("开始办理  Enter"))
        self.start.setProperty("kind", "primary")
        self.start.setAccessibleName(tr("开始填写申请表"))
        self.start.setMinimumWidth(240)
        self.start.clicked.connect(self.start_form)
        self.start.setDefault(True)
        bar.addWidget(self.start)
        lay.addLayout(bar)

    def show_item(self, item: Item) -> None:
        """Show ``item``'s notice."""
        self.item = item
        self.title.setText(item_name(item))
        required = [m for m in item.materials if m.required]
        self.banner.setText(tr("请向居民一次性告知：需带 {n} 项必交材料，{limit}。"
                               "材料不全的，可容缺的材料可先受理后补交。").format(
            n=len(required), limit=kind_label(item.kind, item.promised_days)))
        self.text.setHtml(notice_html(item, self.ctx.settings.district_contact))
        self.start.setFocus(Qt.FocusReason.OtherFocusReason)

    def start_form(self) -> None:
        """Open the form for this item."""
        if self.item is not None:
            self.formRequested.emit(self.item.code)

    def print_document(self) -> None:
        """Ask for the notice in the print preview (the window opens it; Ctrl+P)."""
        if self.item is not None:
            self.printRequested.emit(self.item)
