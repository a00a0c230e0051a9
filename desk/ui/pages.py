"""The window's pages in one place — the typed set the window holds, and how each page is
built on first use and wired to the window by its signals (Anki's ``aqt`` registers its
dialogs in one place the same way).

A page here is given :class:`desk.ui.services.Services` and never sees the window; only
this module and ``window.py`` connect its signals to the window's methods. Page modules
are imported when the page is first shown, so the window opens without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from desk.ui.style import paper
from desk.ui.text import tr

if TYPE_CHECKING:
    from desk.ui.cases import CasesPage
    from desk.ui.detail import CaseDetailPage
    from desk.ui.form_page import FormPage
    from desk.ui.notice import NoticePage
    from desk.ui.rating import RatingPage
    from desk.ui.receipt import ReceiptPage
    from desk.ui.resident import ResidentPage
    from desk.ui.sync_page import SyncPage
    from desk.ui.window import MainWindow
    from forms.model import Item


@runtime_checkable
class Printable(Protocol):
    """A page Ctrl+P prints: its document (receipt, case, matter) or the notice it shows."""

    def print_document(self) -> None:
        ...


@runtime_checkable
class Searchable(Protocol):
    """A page with a search box for Ctrl+F (the others send Ctrl+F home)."""

    def focus_search(self) -> None:
        ...


@dataclass
class Pages:
    """The pages built so far (None until first use)."""

    sync: SyncPage | None = None
    rating: RatingPage | None = None
    notice: NoticePage | None = None
    cases: CasesPage | None = None
    detail: CaseDetailPage | None = None
    # 民情诉求, 主动服务 and 有新版本 are parts of their own: desk.ui.navigation; the receipt
    # and resident pages, which nothing asks 'built yet?', are the window's cached
    # properties receipt_page and resident_page (built below); the one open form is the
    # window's ``form`` (build_form, each time an item's form starts)


def build_sync(win: MainWindow) -> SyncPage:
    """同步."""
    from desk.ui.sync_page import SyncPage

    page = SyncPage(win.services)
    page.statusRead.connect(win.status.show)
    page.syncFinished.connect(lambda summary: win.sync_finished(summary))
    page.enrolled.connect(win.settings_changed)
    page.caseRequested.connect(win.show_case)
    win.stack.addWidget(page)
    return page


def build_rating(win: MainWindow) -> RatingPage:
    """The resident's 好差评 screen."""
    from desk.ui.rating import RatingPage

    page = RatingPage(win.services)
    page.ratingGiven.connect(win.rating_saved)
    page.doneRequested.connect(win.go_home)
    win.stack.addWidget(page)
    return page


def build_notice(win: MainWindow) -> NoticePage:
    """An item's 一次性告知."""
    from desk.ui.notice import NoticePage

    page = NoticePage(win.services)
    page.homeRequested.connect(win.go_home)
    page.formRequested.connect(lambda code: win.start_form(code))
    page.printRequested.connect(lambda item: print_notice(win, item))
    win.stack.addWidget(page)
    return page


def print_notice(win: MainWindow, item: Item) -> None:
    """The item's 一次性告知单 in the print preview (PDF when the receipts module is
    present)."""
    from desk.ui.notice import notice_html
    from desk.ui.print_dialog import PrintPreviewDialog

    ctx = win.ctx
    dlg = PrintPreviewDialog(win, tr("一次性告知单 — {name}").format(name=item.name), win)
    with paper():  # the fallback prints on white paper whatever the screen's theme
        paper_html = notice_html(item)
    # dated with the desk's day, never before the district's last time (clockcheck)
    today = ctx.desk_day() if ctx.desk_day is not None else None
    dlg.load(lambda receipts, fmt: receipts.render_notice_pdf(
        item, fmt, ctx.catalog.version, ctx.settings, today=today,
        data_dir=ctx.paths.data_dir), paper_html)
    dlg.open()


def build_receipt(win: MainWindow) -> ReceiptPage:
    """A saved case's document (receipt or notice), then the rating."""
    from desk.ui.receipt import ReceiptPage

    page = ReceiptPage(win.services)
    page.caseRequested.connect(win.show_case)
    page.ratingRequested.connect(win.show_rating)
    page.homeRequested.connect(win.go_home)
    win.stack.addWidget(page)
    return page


def build_resident(win: MainWindow) -> ResidentPage:
    """One look at a resident (issue 23)."""
    from desk.ui.resident import ResidentPage

    page = ResidentPage(win.services)
    page.caseRequested.connect(win.show_case)
    page.matterRequested.connect(lambda uuid: win.matters.screens.show_matter(uuid))
    page.formRequested.connect(lambda code, pid: win.start_form(code, resident=pid))
    win.stack.addWidget(page)
    return page


def build_cases(win: MainWindow) -> CasesPage:
    """案件: the list of cases."""
    from desk.ui.cases import CasesPage

    def resident(query: str) -> None:  # 查找居民: what the search box holds, if anything
        if query:
            win.find_resident(query)
        else:
            win.show_resident()

    page = CasesPage(win.services)
    page.caseRequested.connect(win.show_case)
    page.residentRequested.connect(resident)
    win.stack.addWidget(page)
    return page


def build_detail(win: MainWindow) -> CaseDetailPage:
    """One case: its data, materials, history; reprint, 补交, the rating, 办不成事."""
    from desk.ui.detail import CaseDetailPage

    page = CaseDetailPage(win.services)
    page.casesRequested.connect(win.go_cases)
    page.ratingRequested.connect(win.show_rating)
    page.residentRequested.connect(win.show_resident)
    page.reprintRequested.connect(lambda case: win.show_receipt(case, fresh=False))
    page.cannotDoRequested.connect(win.matters.cannot_do)  # 办不成事 (issue 15)
    page.notice.connect(win.notify)
    win.stack.addWidget(page)
    return page


def build_form(win: MainWindow, code: str, resident: str | None) -> FormPage:
    """A fresh form for an item (the window keeps one at a time: ``win.form``)."""
    from desk.ui.form_page import FormPage

    page = FormPage(win.services, win.ctx.catalog.get(code), resident=resident,
                    store_broken=lambda: win.store_broken,
                    receipt_spec=lambda: win.receipt_page.panel.ahead_spec())
    page.caseSaved.connect(win.case_saved)
    page.noticeRequested.connect(win.open_notice)
    page.caseRequested.connect(win.show_case)
    page.clockDoubted.connect(win.clock_notice.check)
    win.stack.addWidget(page)
    return page
