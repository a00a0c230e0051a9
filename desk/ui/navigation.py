"""The window's ways to its side screens: 民情诉求 (issue 15), 主动服务 (issue 18) and
有新版本 (issue 19).

Each part builds its screen on first use, wires the screen's signals here and tells the
window what happened through its own signals, which the window connects. Nothing here
imports the window: a part is given :class:`desk.ui.services.Services`, the stack to put
pages on and a function that shows a page (the window's, with the rail button to light).
The screens' modules are imported when first shown, so the window opens without them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QStackedWidget, QWidget

from desk.ui.services import Services
from desk.ui.text import tr

if TYPE_CHECKING:
    from desk.ui.matter_screens import MatterScreens
    from desk.ui.print_dialog import PrintPreviewDialog
    from desk.ui.proactive_page import ProactivePage
    from desk.ui.update import UpdateDialog
    from sync import protocol as P


def counts_text(counts: dict[str, int]) -> str:
    """诉求 今日 N · 待办 M (the status bar)."""
    return tr("诉求 今日 {today} · 待办 {todo}").format(today=counts.get("today", 0),
                                                    todo=counts.get("todo", 0))


class MatterNavigation(QObject):
    """民情诉求: the list, form and detail pages (desk.ui.matter_screens) and the 受理单's
    print preview."""

    changed = Signal()  # a matter saved or changed: counts again, to the district soon
    caseRequested = Signal(str)  # a matter's case, by uuid
    countsRead = Signal(dict, str)  # the counts and the status bar's words for them
    notice = Signal(str)  # a short message for the status bar

    def __init__(self, services: Services, stack: QStackedWidget,
                 show: Callable[[QWidget], None], parent: QWidget) -> None:
        super().__init__(parent)
        self.services = services
        self.stack = stack
        self._show = show
        self._window = parent  # the print preview's parent
        self.built: MatterScreens | None = None  # None until first use
        self.slip: PrintPreviewDialog | None = None  # the last 受理单 preview opened

    @property
    def screens(self) -> MatterScreens:
        """The three pages, built and wired on first use."""
        if self.built is None:
            from desk.ui.matter_screens import MatterScreens

            part = self.built = MatterScreens(self.services, self.stack, self._show, self)
            part.changed.connect(lambda _matter: self.changed.emit())
            part.caseRequested.connect(self.caseRequested.emit)
            part.printRequested.connect(self.print_slip)
            part.notice.connect(self.notice.emit)
        return self.built

    def read_counts(self) -> None:
        """诉求 今日 · 待办 on the background helper, then ``countsRead``. The screens are not
        built for it, nor their modules imported: they bring the document machinery
        (reportlab, PIL, qrcode: ~18 MB resident) that a desk not yet showing a matter
        does not need (bench/bench_startup.py: peak memory at start)."""
        from desk.core.matters import MatterService

        self.services.tasks.run(MatterService(self.services.ctx.store).counts,
                                on_done=lambda counts: self.countsRead.emit(
                                    counts, counts_text(counts)))

    def cannot_do(self, case: dict[str, Any]) -> None:
        """A 办不成事 matter from a case that ended in 补正 or 不予办理."""
        self.screens.new_matter(from_case=case)

    def print_slip(self, matter: dict[str, Any]) -> None:
        """The matter's 受理单 in the print preview (A4 / 80 mm)."""
        from desk.ui.print_dialog import PrintPreviewDialog

        ctx = self.services.ctx
        dlg = PrintPreviewDialog(self.services, tr("民情诉求受理单 {no}").format(
            no=matter["matter_no"]), self._window)
        dlg.load(lambda receipts, fmt: receipts.render_matter_pdf(ctx, matter, fmt),
                 "<h2>" + tr("民情诉求受理单") + f"</h2><p>{matter['matter_no']}</p>")
        self.slip = dlg
        dlg.open()


class ProactiveNavigation(QObject):
    """主动服务: the district's list of residents to go to (desk.ui.proactive_page), and
    how many wait (the home page's 主动服务 N 人)."""

    answered = Signal()  # an answer recorded (counted again already): to the district soon
    countsRead = Signal(dict)  # {building: residents waiting}
    # 已确认: the item's form filled from the list — item code, the form's values, and the
    # list entry the case is marked 免申即享 with (or None)
    formRequested = Signal(str, dict, object)

    def __init__(self, services: Services, stack: QStackedWidget,
                 show: Callable[[QWidget], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.stack = stack
        self._show = show
        self.page: ProactivePage | None = None  # None until first use

    def open(self) -> None:
        """The list, read again, on show."""
        if self.page is None:
            from desk.ui.proactive_page import ProactivePage

            page = self.page = ProactivePage(self.services)
            page.answered.connect(self._answered)
            page.formRequested.connect(self._form)
            self.stack.addWidget(page)
        self.page.reload()
        self._show(self.page)

    def read_counts(self) -> None:
        """How many wait, read on the background helper (then ``countsRead``)."""
        self.services.tasks.run(self.services.ctx.store.proactive.proactive_counts,
                                on_done=self.countsRead.emit)

    def _answered(self, _answer: object) -> None:
        self.read_counts()
        self.answered.emit()

    def _form(self, code: str, values: dict[str, object]) -> None:
        values = dict(values)
        mark = values.pop("proactive", None)  # the list entry: the case is marked 免申即享
        self.formRequested.emit(code, values, mark if isinstance(mark, dict) else None)


class UpdateOffer(QObject):
    """有新版本 in the status bar: the notes, 下载 and 安装 (the worker's click installs)."""

    def __init__(self, services: Services, parent: QWidget) -> None:
        super().__init__(parent)
        self.services = services
        self._window = parent  # the dialog is window-modal
        self.dialog: UpdateDialog | None = None  # the last one opened

    def open(self, release: P.ReleaseInfo) -> None:
        """The release's notes; the download runs in the background."""
        from desk.ui.update import UpdateDialog

        self.dialog = UpdateDialog(self.services, release, parent=self._window)
        self.dialog.open()


__all__ = ["MatterNavigation", "ProactiveNavigation", "UpdateOffer"]
