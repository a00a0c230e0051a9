"""The resident-matter screens (民情诉求, issue 15) as one part of the window: the list
(today's list and the search), the form and the detail page, each built on first use and
wired to one another here; the window connects this part's signals and puts its pages on
its stack. (The status bar's counts are read without this module:
:meth:`desk.ui.navigation.MatterNavigation.read_counts`.)

Nothing here imports the window: it receives :class:`desk.ui.services.Services`, the stack
to put pages on and a function that shows a page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QStackedWidget, QWidget

from desk.ui.matter_detail import MatterDetailPage
from desk.ui.matter_form import MatterFormPage
from desk.ui.matter_list import MattersPage
from desk.ui.services import Services
from desk.ui.text import tr


class MatterScreens(QObject):
    """The three pages and the moves between them."""

    changed = Signal(dict)  # a matter saved or changed: counts and sync may follow
    caseRequested = Signal(str)
    printRequested = Signal(dict)
    notice = Signal(str)  # a short message for the status bar

    def __init__(self, services: Services, stack: QStackedWidget,
                 show: Callable[[QWidget], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.stack = stack
        self._show = show
        self._list: MattersPage | None = None
        self._form: MatterFormPage | None = None
        self._detail: MatterDetailPage | None = None

    # -- pages, built on first use ------------------------------------------------------------

    @property
    def list_page(self) -> MattersPage:
        if self._list is None:
            page = self._list = MattersPage(self.services)
            page.matterRequested.connect(self.show_matter)
            page.newMatterRequested.connect(lambda: self.new_matter())
            self.stack.addWidget(page)
        return self._list

    @property
    def form(self) -> MatterFormPage:
        if self._form is None:
            page = self._form = MatterFormPage(self.services)
            page.matterSaved.connect(self._saved)
            page.cancelled.connect(self.show_list)
            self.stack.addWidget(page)
        return self._form

    @property
    def detail(self) -> MatterDetailPage:
        if self._detail is None:
            page = self._detail = MatterDetailPage(self.services)
            page.backRequested.connect(self.show_list)
            page.matterChanged.connect(self.changed.emit)
            page.printRequested.connect(self.printRequested.emit)
            page.caseRequested.connect(self.caseRequested.emit)
            self.stack.addWidget(page)
        return self._detail

    def pages(self) -> list[QWidget]:
        """The pages built so far."""
        return [p for p in (self._list, self._form, self._detail) if p is not None]

    # -- moves --------------------------------------------------------------------------------

    def show_list(self) -> None:
        """Today's list (or the list as the worker left it)."""
        page = self.list_page
        self._show(page)
        if page.loaded_once:
            page.reload()
        else:
            page.show_today()
        page.table.setFocus()

    def new_matter(self, from_case: dict[str, Any] | None = None) -> None:
        """A fresh form; a 办不成事 when ``from_case`` is the case it comes from."""
        page = self.form
        page.start(from_case)
        self._show(page)

    def show_matter(self, uuid: str) -> None:
        """One matter in detail."""
        page = self.detail
        page.load(uuid)
        self._show(page)

    def _saved(self, matter: dict[str, Any]) -> None:
        self.notice.emit(tr("已登记：{no}").format(no=matter["matter_no"]))
        self.changed.emit(matter)
        self.show_matter(str(matter["uuid"]))
        self.detail.print_button.setFocus()

    def reload(self) -> None:
        """After a sync: the list shows what the district said."""
        if self._list is not None and self._list.loaded_once:
            self._list.reload()
        if self._detail is not None and self._detail.matter is not None and \
                self._detail.isVisible():
            self._detail.load(str(self._detail.matter["uuid"]))

    def save(self, current: QWidget | None) -> bool:
        """Ctrl+S on the form; False when the form is not the page on show."""
        if self._form is not None and current is self._form:
            self._form.save()
            return True
        return False

    def back(self, current: QWidget | None) -> bool:
        """Esc: from the form or a matter back to the list."""
        if current is not None and current in (self._form, self._detail):
            self.show_list()
            return True
        return False


__all__ = ["MatterScreens"]
