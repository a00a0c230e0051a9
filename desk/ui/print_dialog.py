"""A document with its print controls: A4 / 80 mm, print (Ctrl+P), and a dialog around it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desk.ui.preview import DocumentPreview, Pages, Room, ahead, preview_pages, receipts_module
from desk.ui.text import tr

if TYPE_CHECKING:
    from desk.core.app import DeskContext
    from desk.ui.tasks import TaskManager

log = logging.getLogger(__name__)

Render = Callable[[Any, str], bytes]


class DocumentHost(Protocol):
    """What a document needs: the open desk (its settings) and the background helper —
    desk.ui.services.Services, or the window."""

    @property
    def ctx(self) -> DeskContext: ...

    @property
    def tasks(self) -> TaskManager: ...


class DocumentPanel(QWidget):
    """Preview + format switch + print button."""

    def __init__(self, win: DocumentHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.win = win
        self.renderer: Render | None = None  # not ``render``: QWidget has one
        self.fallback_html = ""
        self.fmt = win.ctx.settings.receipt_format or "a4"
        self._generation = 0
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(8)
        bar = QHBoxLayout()
        self.formats = QButtonGroup(self)
        for fmt, text in (("a4", tr("A4 纸")), ("80mm", tr("80毫米小票"))):
            b = QPushButton(text)
            b.setCheckable(True)
            b.setProperty("kind", "chip")
            b.setProperty("fmt", fmt)
            b.setAccessibleName(tr("纸张格式：{f}").format(f=text))
            b.setChecked(fmt == self.fmt)
            self.formats.addButton(b)
            bar.addWidget(b)
        self.formats.buttonClicked.connect(self._format_clicked)
        self.status = QLabel()
        self.status.setObjectName("muted")
        bar.addWidget(self.status, 1)
        self.print_button = QPushButton(tr("打印  Ctrl+P"))
        self.print_button.setAccessibleName(tr("打印"))
        self.print_button.clicked.connect(self.print_document)
        bar.addWidget(self.print_button)
        lay.addLayout(bar)
        self.preview = DocumentPreview()
        lay.addWidget(self.preview, 1)

    def ahead_spec(self) -> tuple[str, Room]:
        """The format and room a document rendered ahead for this panel must have
        (:data:`desk.ui.preview.ahead`) — the room as it will be once its page is shown:
        a hidden page of the window's stack is laid out at the stack's size first."""
        page: QWidget = self
        while (up := page.parentWidget()) is not None and not isinstance(up, QStackedWidget):
            page = up
        stack, layout = page.parentWidget(), page.layout()
        if stack is not None and not page.isVisible() and layout is not None:
            page.ensurePolished()  # (the style sheet's margins)
            page.resize(stack.size())
            layout.activate()
        return self.fmt, self.preview.room()

    def load(self, render: Render | None, fallback_html: str, *,
             key: Hashable | None = None) -> None:
        """Show a document: ``render(receipts_module, fmt)`` → PDF bytes, in the
        background; the rich-text fallback when the receipts module is not there.
        ``key``: the document may have been rendered ahead under ``(key, fmt)``
        (:data:`desk.ui.preview.ahead`)."""
        self.renderer = render
        self.fallback_html = fallback_html
        self._generation += 1
        receipts = receipts_module()
        for b in self.formats.buttons():
            b.setVisible(receipts is not None and render is not None)
        if receipts is None or render is None:
            self.preview.show_html(fallback_html)
            self.status.setText(tr("文书模块未安装，显示已保存的内容摘要"))
            return
        self.preview.show_loading()
        self.status.setText(tr("正在生成…"))
        gen, fmt, room = self._generation, self.fmt, self.preview.room()
        def work() -> Pages:  # rendered and rastered for the preview in one go
            pages = ahead.take((key, fmt)) if key is not None else None
            return pages.fit(room) if pages is not None else \
                preview_pages(render(receipts, fmt), room)

        self.win.tasks.run(work, on_done=lambda pages: self._rendered(gen, pages),
                           on_error=lambda exc: self._failed(gen, exc))

    def _format_clicked(self, button: QPushButton) -> None:
        self.fmt = str(button.property("fmt"))
        self.load(self.renderer, self.fallback_html)

    def _rendered(self, gen: int, pages: object) -> None:
        if gen != self._generation or not isinstance(pages, Pages):
            return
        self.preview.show_pages(pages)
        self.status.setText(tr("共 {n} 页").format(n=max(self.preview.page_count, 1)))

    def _failed(self, gen: int, exc: object) -> None:
        if gen != self._generation:
            return
        log.error("document rendering failed: %s", getattr(exc, "__traceback_text__", exc))
        self.preview.show_html(self.fallback_html)
        self.status.setText(tr("文书生成失败，显示内容摘要（可照常打印）"))

    def print_document(self) -> None:
        """Choose a printer and print (Ctrl+P)."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if self.win.ctx.settings.printer:
            printer.setPrinterName(self.win.ctx.settings.printer)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(tr("打印"))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.status.setText(tr("正在打印…"))
        self.print_button.setEnabled(False)
        self.preview.print_to(printer, self.win.tasks, self._printed, self._print_failed)

    def _printed(self, pages: object) -> None:
        self.print_button.setEnabled(True)
        self.status.setText(tr("已发送到打印机"))

    def _print_failed(self, exc: object) -> None:
        self.print_button.setEnabled(True)
        self.status.setText(tr("打印失败：{e}").format(e=exc))


class PrintPreviewDialog(QDialog):
    """A document in its own window (the one-time notice)."""

    def __init__(self, win: DocumentHost, title: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(860, 680)
        lay = QVBoxLayout(self)
        self.panel = DocumentPanel(win, self)
        lay.addWidget(self.panel, 1)
        close = QPushButton(tr("关闭"))
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(close)
        lay.addLayout(row)

    def load(self, render: Render | None, fallback_html: str) -> None:
        """See :meth:`DocumentPanel.load`."""
        self.panel.load(render, fallback_html)
