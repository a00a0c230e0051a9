"""The main window: a navigation rail, the pages, the status bar and the shortcuts.

Pages other than home are built on first use, so the window is interactive quickly even
with 100,000 cases in the store (nothing queries the cases table before it is needed, and
then only on the background helper).
"""

from __future__ import annotations

import logging
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRect, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from desk.core.app import DeskContext
from desk.core.errors import DeskError
from desk.ui import geometry, pages, style
from desk.ui.home import HomePage
from desk.ui.navigation import MatterNavigation, ProactiveNavigation, UpdateOffer
from desk.ui.rail import NavRail
from desk.ui.services import Dialogs, QtDialogs, Services
from desk.ui.statusline import StatusLine
from desk.ui.tasks import TaskManager
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

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """The desk's one window."""

    def __init__(self, ctx: DeskContext, tasks: TaskManager | None = None,
                 dialogs: Dialogs | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.tasks = tasks or TaskManager(self)
        self.tasks.error.connect(self.show_error)
        # the worker's dialogs (tests pass answers in: tests/ui/conftest.py)
        self.dialogs: Dialogs = dialogs or QtDialogs(self)
        self.services = Services(ctx, self.tasks, self.dialogs)
        self.pages = pages.Pages()
        self.store_broken = False
        from desk.ui.autosync import AutoSync

        # background sync once enrolled (desk.ui.autosync); tests shorten its intervals
        self.autosync = AutoSync(self.services, self)
        self.autosync.roundFinished.connect(partial(self.sync_finished, automatic=True))
        self.setWindowTitle(tr("家门口办事台"))
        self.fit_screen()
        central = QWidget()
        root = QHBoxLayout(central)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        self.setCentralWidget(central)
        self.rail = NavRail(ctx.settings.large_font)
        self.nav_buttons, self.large_button = self.rail.buttons, self.rail.large_button
        self.rail.navigate.connect(lambda key: {
            "home": self.go_home, "cases": self.go_cases, "sync": self.go_sync,
            "matters": self.go_matters}[key]())
        self.rail.largeToggled.connect(self.set_large)
        self.rail.settingsRequested.connect(self.open_settings)
        root.addWidget(self.rail)
        self.resident_mode = False  # the resident is rating: the worker's navigation hidden
        self.stack = QStackedWidget()
        root.addWidget(self.stack, 1)
        self.home = HomePage(self.services)
        self.home.itemChosen.connect(self.open_notice)
        self.home.residentSearched.connect(self.find_resident)
        self.home.proactiveRequested.connect(self.go_proactive)  # issue 18
        self.stack.addWidget(self.home)
        self.form: FormPage | None = None
        self.status = StatusLine(self.statusBar(), self.services, self.autosync)
        self.queue_label, self.sync_label = self.status.queue_label, self.status.sync_label
        self._side_screens()
        self._shortcuts()
        from desk.ui.clock_notice import ClockNotice

        self.clock_notice = ClockNotice(self)  # blocks while the clock is in doubt
        QTimer.singleShot(0, self._after_show)

    def _side_screens(self) -> None:
        """民情诉求, 主动服务 and 有新版本 (desk.ui.navigation), wired by their signals."""
        services, stack = self.services, self.stack
        self.matters = MatterNavigation(services, stack, partial(self._show, nav="matters"), self)
        self.matters.changed.connect(self._changed)
        self.matters.caseRequested.connect(self.show_case)
        self.matters.countsRead.connect(self.status.show_matter_counts)
        self.matters.notice.connect(self.notify)
        self.proactive = ProactiveNavigation(services, stack, partial(self._show, nav="home"), self)
        self.proactive.answered.connect(self.autosync.nudge)
        self.proactive.countsRead.connect(self.home.set_proactive)
        self.proactive.formRequested.connect(
            lambda code, values, mark: self.start_form(code, values=values, proactive=mark))
        self.updates = UpdateOffer(services, self)
        self.status.updateRequested.connect(self.updates.open)

    def fit_screen(self, avail: QRect | None = None) -> None:
        """1366×768 or the available area, whichever is smaller (desk.ui.geometry)."""
        geometry.fit_screen(self, avail)

    # -- chrome ------------------------------------------------------------------------------

    def _shortcuts(self) -> None:
        self._nav_shortcuts: list[QShortcut] = []
        for keys, fn in (("Ctrl+S", self.save), ("Ctrl+P", self.print_current),
                         ("Ctrl+F", self.focus_search), ("Ctrl+N", self.go_home),
                         ("Alt+1", self.go_home), ("Alt+2", self.go_cases),
                         ("Alt+3", self.go_sync), ("Alt+4", self.go_matters),
                         ("Ctrl+L", self.large_button.toggle), ("Esc", self.back)):
            sc = QShortcut(QKeySequence(keys), self)
            sc.activated.connect(fn)
            if keys in ("Ctrl+F", "Ctrl+N", "Alt+1", "Alt+2", "Alt+3", "Alt+4", "Esc"):
                self._nav_shortcuts.append(sc)

    def _after_show(self) -> None:
        """Background loads that must not delay the first paint."""
        self.clock_notice.check_in_background(self.tasks)  # the clock's doubt first
        # the corruption check on a lane of its own: writes wait for it (no save before it;
        # the search index's are queued after it), reads go on meanwhile (issue 13)
        self.tasks.run(self.ctx.store.check_holding_writes(), on_done=self._checked,
                       on_error=self._start_writes, lane="check")
        # issue 17: a crash's pages, before any capture can stage one (the lane's order)
        self.tasks.run(self.ctx.store.attachments.drop_left_staged, lane="pages")
        self.tasks.run(self.ctx.store.item_usage, on_done=self.home.set_usage)
        self.proactive.read_counts()  # issue 18: 主动服务 N 人
        # promises counted before a year's holiday notice reached this desk (its file, a pull)
        self.tasks.run(self.ctx.recompute_promises, on_done=self.promises_moved)
        self.refresh_status()
        self.autosync.changed.connect(self.refresh_status)
        self.autosync.start()
        self.home.focus_search()

    def _start_writes(self, exc: object = None) -> None:
        """The search index's writes (desk.ui.search_build), once the check has answered
        or failed to run (``exc``, told as any error)."""
        if exc is not None:
            self.show_error(exc)
        from desk.ui.search_build import build_search_index

        build_search_index(self.tasks, self.ctx.store)

    def _checked(self, result: str) -> None:
        """The store's corruption check: on failure, no more saving (promise 1)."""
        if result == "ok":
            self._start_writes()
            return
        self.store_broken = True
        log.error("store quick_check failed")
        QMessageBox.critical(self, tr("数据库损坏"), tr(
            "数据库文件已损坏，为避免进一步损坏，本机暂停保存新案件。请联系技术支持从备份恢复。"))

    # -- pages -------------------------------------------------------------------------------

    def page(self, name: str) -> QWidget:
        """A page by name (sync, rating, notice, cases, detail, receipt, resident): the
        typed property ``<name>_page`` below, built on first use."""
        page: QWidget = getattr(self, f"{name}_page")
        return page

    def _changed(self) -> None:
        """A case, matter or rating stored: counts again, and to the district soon."""
        self.refresh_status()
        self.autosync.nudge()

    def go_proactive(self) -> None:
        """主动服务: the district's list of residents to go to (issue 18)."""
        if self._leave_form():
            self.proactive.open()

    def go_matters(self) -> None:
        """民情诉求: today's list."""
        if not self._leave_form():
            self.nav_buttons["matters"].setChecked(False)
            return
        self.matters.screens.show_list()

    @property
    def sync_page(self) -> SyncPage:
        """同步, built on first use."""
        if self.pages.sync is None:
            self.pages.sync = pages.build_sync(self)
        return self.pages.sync

    @property
    def rating_page(self) -> RatingPage:
        """The resident's 好差评 screen, built on first use."""
        if self.pages.rating is None:
            self.pages.rating = pages.build_rating(self)
        return self.pages.rating

    @property
    def notice_page(self) -> NoticePage:
        """An item's 一次性告知, built on first use."""
        if self.pages.notice is None:
            self.pages.notice = pages.build_notice(self)
        return self.pages.notice

    @cached_property
    def receipt_page(self) -> ReceiptPage:
        """A saved case's document, built (and wired: desk.ui.pages) on first use."""
        return pages.build_receipt(self)

    @cached_property
    def resident_page(self) -> ResidentPage:
        """One look at a resident, built (and wired: desk.ui.pages) on first use."""
        return pages.build_resident(self)

    @property
    def cases_page(self) -> CasesPage:
        """案件, built on first use."""
        if self.pages.cases is None:
            self.pages.cases = pages.build_cases(self)
        return self.pages.cases

    @property
    def detail_page(self) -> CaseDetailPage:
        """One case, built on first use."""
        if self.pages.detail is None:
            self.pages.detail = pages.build_detail(self)
        return self.pages.detail

    def _show(self, w: QWidget, nav: str) -> None:
        self.stack.setCurrentWidget(w)
        self.nav_buttons[nav].setChecked(True)
        rating = self.pages.rating
        self._set_resident_mode(rating is not None and w is rating and
                                not (rating.case or {}).get("rating"))

    def _set_resident_mode(self, on: bool) -> None:
        """While the resident rates, the side bar and the navigation shortcuts are gone:
        the resident cannot wander into 案件 or 同步. A given rating, or the worker's
        暂不评价 (taking the desk back), brings them back."""
        self.resident_mode = on
        self.rail.setVisible(not on)
        for sc in self._nav_shortcuts:
            sc.setEnabled(not on)

    def _leave_form(self) -> bool:
        """Ask before dropping a half-filled form; True when it is fine to leave."""
        if self.form is None or self.stack.currentWidget() is not self.form:
            return True
        if self.form.dirty and not self.form.saving and not self.dialogs.confirm_leave(
                tr("表单尚未保存，离开后已填写的内容将丢失。确定离开吗？")):
            return False
        self._drop_form()
        return True

    def _drop_form(self) -> None:
        if self.form is not None:
            self.form.materials.discard(self.tasks)  # issue 17: its staged pages
            self.stack.removeWidget(self.form)
            self.form.deleteLater()
            self.form = None

    def go_home(self) -> None:
        """The item finder."""
        if not self._leave_form():
            self.nav_buttons["home"].setChecked(False)
            return
        self._show(self.home, "home")
        self.home.search.clear()
        self.home.focus_search()

    def open_notice(self, code: str) -> None:
        """The one-time notice of an item."""
        if not self._leave_form():
            return
        page = self.notice_page
        page.show_item(self.ctx.catalog.get(code))
        self._show(page, "home")

    def start_form(self, code: str, resident: str | None = None, *,
                   values: dict[str, Any] | None = None,
                   proactive: dict[str, Any] | None = None) -> None:
        """A fresh form for an item; for a known resident (ID number) when started from
        their page (issue 23: their earlier data is offered after they agree); filled with
        ``values`` and marked 免申即享 by the ``proactive`` list entry (issue 18)."""
        self._drop_form()
        self.form = pages.build_form(self, code, resident)
        self._show(self.form, "home")
        chain = self.form.form.focus_chain()
        if chain:
            chain[0].setFocus()
        if values is not None:
            self.form.form.set_values(values)
        self.form.proactive = proactive

    def case_saved(self, case: dict[str, Any]) -> None:
        """The store committed a case: show its document, refresh counts."""
        self._drop_form()
        self.show_receipt(case, fresh=True)
        self.notify(tr("已保存：{no}").format(no=case["receipt_no"]))
        self._changed()  # counts again; pushed to the district soon, without a click
        if self.pages.cases is not None and self.pages.cases.loaded_once:
            self.pages.cases.model.reload()

    def show_receipt(self, case: dict[str, Any], *, fresh: bool) -> None:
        """The receipt (or notice) of a case in the print preview."""
        page = self.receipt_page
        page.show_case(case, fresh=fresh)
        self._show(page, "home" if fresh else "cases")

    def show_rating(self, case: dict[str, Any]) -> None:
        """The resident's rating screen."""
        page = self.rating_page
        page.show_case(case)
        self._show(page, "home")

    def rating_saved(self, case: dict[str, Any] | None) -> None:
        """A rating was stored."""
        self._set_resident_mode(False)  # the worker takes the desk back
        self._changed()

    def go_cases(self) -> None:
        """The cases list."""
        if not self._leave_form():
            self.nav_buttons["cases"].setChecked(False)
            return
        page = self.cases_page
        self._show(page, "cases")
        page.ensure_loaded()
        page.table.setFocus()

    def show_case(self, uuid: str) -> None:
        """One case in detail."""
        page = self.detail_page
        page.load(uuid)
        self._show(page, "cases")

    def show_resident(self, id_number: str | None = None) -> None:
        """One look at a resident (issue 23): the search, or the one with ``id_number``."""
        if not self._leave_form():
            return
        page = self.resident_page
        self._show(page, "cases")
        if id_number:
            page.open(id_number)
        else:
            page.search.setFocus()

    def find_resident(self, query: str) -> None:
        """The resident view, searching for ``query`` (typed on the home page)."""
        self.show_resident()
        self.resident_page.search_for(query)

    def go_sync(self) -> None:
        """Sync status and actions."""
        if not self._leave_form():
            self.nav_buttons["sync"].setChecked(False)
            return
        page = self.sync_page
        self._show(page, "sync")
        page.refresh()

    def back(self) -> None:
        """Esc: one step back."""
        cur = self.stack.currentWidget()
        if self.form is not None and cur is self.form:
            self.open_notice(self.form.item.code)
        elif cur is self.pages.notice:
            self.go_home()
        elif cur is self.pages.detail:
            self.go_cases()
        elif self.matters.built is not None:
            self.matters.built.back(cur)

    # -- shortcuts ---------------------------------------------------------------------------

    def save(self) -> None:
        """Ctrl+S on the form."""
        if self.form is not None and self.stack.currentWidget() is self.form:
            self.form.save()
        elif self.matters.built is not None:
            self.matters.built.save(self.stack.currentWidget())

    def print_current(self) -> None:
        """Ctrl+P: print what the page shows."""
        cur = self.stack.currentWidget()
        if isinstance(cur, pages.Printable):
            cur.print_document()

    def focus_search(self) -> None:
        """Ctrl+F: the search box of the page (home when there is none)."""
        cur = self.stack.currentWidget()
        if isinstance(cur, pages.Searchable):
            cur.focus_search()
        else:
            self.go_home()

    # -- status ------------------------------------------------------------------------------

    def refresh_status(self) -> None:
        """Cases waiting and last sync, read in the background."""
        self.status.refresh()
        self.matters.read_counts()  # 诉求 今日 · 待办, also in the background

    def promises_moved(self, lines: list[dict[str, Any]]) -> None:
        """Promised dates the official holiday arrangement moved: tell the worker."""
        if lines:
            self.notify(tr("{n} 件案件的承诺日期已按国务院通知更新，请在同步页查看并告知群众")
                        .format(n=len(lines)))
            self.refresh_status()

    def sync_finished(self, summary: dict[str, Any], *, automatic: bool = False) -> None:
        """After a sync round (the worker's or the background's): statuses may change."""
        if automatic:
            if self.pages.sync is not None:  # it tells the latest round, whoever ran it
                self.pages.sync.show_summary(summary)
        else:
            self.autosync.observe(summary)
        self.refresh_status()
        self.promises_moved(summary.get("promise_updates") or [])
        if self.pages.cases is not None and self.pages.cases.loaded_once:
            self.pages.cases.model.reload()
        if self.matters.built is not None:  # the district's steps show on the matters
            self.matters.built.reload()
        self.proactive.read_counts()  # issue 18: the list may have grown

    def notify(self, text: str) -> None:
        """A short message in the status bar."""
        self.statusBar().showMessage(text, 6000)

    def show_error(self, exc: object) -> None:
        """An error nobody else handled."""
        if isinstance(exc, DeskError) and exc.kind == "clock_doubt":
            self.clock_notice.check()  # the blocking notice says what to do
            return
        if isinstance(exc, DeskError):
            QMessageBox.warning(self, tr("出错了"), exc.message)
            return
        log.error("background task failed: %s", getattr(exc, "__traceback_text__", exc))
        self.notify(tr("后台任务出错：{e}").format(e=exc))

    # -- settings ----------------------------------------------------------------------------

    def set_large(self, on: bool) -> None:
        """长辈模式 on/off, at once, remembered."""
        self.ctx.settings.large_font = on
        self.ctx.save_settings()
        self._restyle()

    def _restyle(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            s = self.ctx.settings
            style.apply(app, s.large_font, s.high_contrast)
            self.home.refresh()

    def open_settings(self) -> None:
        """The settings dialog."""
        from desk.core.doclang import district_dir, file_languages, languages
        from desk.ui.settings_dialog import SettingsDialog

        district = district_dir(self.ctx.paths.data_dir)
        dlg = SettingsDialog(self.ctx.settings, parent=self, enrolled_code=self.ctx.store
                             .get_meta("district_desk_code") or "",
                             doc_languages=languages(self.ctx.catalog, district),
                             ui_languages=sorted(file_languages(district)))
        if dlg.exec() and dlg.result_settings is not None:
            self.ctx.settings = dlg.result_settings
            self.ctx.save_settings()
            self.settings_changed()

    def settings_changed(self) -> None:
        """Apply changed settings."""
        self.rail.set_large(self.ctx.settings.large_font)
        self._restyle()
        self.status.show_desk()
        self.refresh_status()
        self.autosync.start()  # enrolled (or not) since: begin (or stop) syncing

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.form is not None and self.form.dirty and not self.dialogs.confirm_leave(
                tr("表单尚未保存，退出后已填写的内容将丢失。确定退出吗？")):
            event.ignore()
            return
        self.autosync.stop()
        self._drop_form()  # issue 17: its staged pages deleted (queued work is finished)
        self.tasks.shutdown()
        event.accept()
