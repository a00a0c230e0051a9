"""What a page is given, instead of the window: the desk, the background helper and one
way to ask the worker.

A page receives :class:`Services` and tells the window what happened through its own Qt
signals (``caseSaved``, ``syncFinished``, ``caseRequested``…), which the window connects —
the shape of Anki's ``aqt`` (a dialog gets the collection through an operation and reports
through ``operation_did_execute``, it does not call into ``mw``). No page imports
``desk.ui.window`` (contract "pages-not-window" in ``pyproject.toml``).

Questions to the worker (leave without saving? why show the full ID number?) go through
:class:`Dialogs`. The window makes :class:`QtDialogs`; tests pass their own answers in
(``tests/ui/conftest.py``) rather than replacing methods at run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from desk.ui.text import tr

if TYPE_CHECKING:
    from desk.core.app import DeskContext
    from desk.ui.tasks import TaskManager


class Dialogs(Protocol):
    """The questions a page may put to the worker."""

    def confirm_leave(self, text: str) -> bool:
        """Leave and lose unsaved work? True to leave; staying is the safe answer."""
        ...

    def choose(self, title: str, label: str, options: Sequence[str]) -> str | None:
        """One of ``options`` (or the worker's own words); None when cancelled or empty."""
        ...

    def critical(self, title: str, text: str) -> None:
        """Tell the worker something went wrong and nothing was done."""
        ...


class QtDialogs:
    """The real dialog boxes, over ``parent``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent

    def confirm_leave(self, text: str) -> bool:
        """Staying is the default (Enter) and Esc; leaving takes a click (or Tab to it) on
        purpose."""
        box = QMessageBox(QMessageBox.Icon.Warning, tr("请确认"), text,
                          QMessageBox.StandardButton.NoButton, self.parent)
        leave = box.addButton(tr("离开，不保存"), QMessageBox.ButtonRole.DestructiveRole)
        stay = box.addButton(tr("留在此页"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(stay)
        box.setEscapeButton(stay)
        try:
            box.exec()
            return box.clickedButton() is leave
        finally:
            box.deleteLater()

    def choose(self, title: str, label: str, options: Sequence[str]) -> str | None:
        """An editable drop-down of ``options``."""
        text, ok = QInputDialog.getItem(self.parent, title, label, list(options), 0, True)
        return text.strip() if ok and text.strip() else None

    def critical(self, title: str, text: str) -> None:
        """A modal error box."""
        QMessageBox.critical(self.parent, title, text)


@dataclass(frozen=True)
class Services:
    """The desk's services a page uses: the open desk (store, case service, catalog,
    settings), the background helper and the worker's dialogs."""

    ctx: DeskContext
    tasks: TaskManager
    dialogs: Dialogs
