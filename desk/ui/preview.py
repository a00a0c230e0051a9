"""Document preview and printing: a PDF from desk.core.receipts, or (until that module is
present, or when it fails) the same content as rich text.

Rendering PDF bytes and painting pages onto the printer run on the background helper;
only the preview widget lives on the UI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QTextDocument
from PySide6.QtWidgets import QLabel, QStackedWidget, QTextBrowser, QVBoxLayout, QWidget

from desk.ui.text import tr

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter

    from desk.ui.tasks import TaskManager

log = logging.getLogger(__name__)


def receipts_module() -> Any | None:
    """``desk.core.receipts`` when it is installed and complete, else None."""
    try:
        from desk.core import receipts
    except ImportError:
        return None
    if not hasattr(receipts, "render_case_pdf"):
        return None
    return receipts


def pdf_page_images(data: bytes, dpi: int) -> list[QImage]:
    """Render every page of a PDF to white-backed images (safe off the UI thread)."""
    from PySide6.QtPdf import QPdfDocument

    doc = QPdfDocument()
    buf = QBuffer()
    buf.setData(QByteArray(data))
    buf.open(QIODevice.OpenModeFlag.ReadOnly)
    doc.load(buf)
    images = []
    for i in range(doc.pageCount()):
        pts = doc.pagePointSize(i)
        size = QSize(int(pts.width() * dpi / 72), int(pts.height() * dpi / 72))
        img = doc.render(i, size)
        # QPdfDocument renders onto a transparent image: printers and labels need paper white
        out = QImage(size, QImage.Format.Format_RGB32)
        out.fill(QColor("white"))
        p = QPainter(out)
        p.drawImage(0, 0, img)
        p.end()
        images.append(out)
    doc.close()
    return images


def print_images(printer: QPrinter, images: list[QImage]) -> int:
    """Paint page images onto a printer, one per page, scaled to fit."""
    painter = QPainter()
    if not painter.begin(printer):
        raise RuntimeError(tr("无法连接打印机"))
    try:
        for n, img in enumerate(images):
            if n:
                printer.newPage()
            rect = painter.viewport()
            size = img.size().scaled(rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.setViewport(rect.x(), rect.y(), size.width(), size.height())
            painter.setWindow(img.rect())
            painter.drawImage(0, 0, img)
            painter.setViewport(rect)
    finally:
        painter.end()
    return len(images)


class DocumentPreview(QWidget):
    """Shows a PDF (QPdfView) or, as a fallback, rich text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        lay.addWidget(self.stack)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        self.text.setAccessibleName(tr("文书预览"))
        self.stack.addWidget(self.text)
        self.loading = QLabel(tr("正在生成文书…"))
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.loading)
        self.pdf_bytes: bytes | None = None
        self.html = ""
        self._doc: Any = None
        self._buffer: QBuffer | None = None
        self._view: Any = None

    def show_loading(self) -> None:
        """While the document renders in the background."""
        self.stack.setCurrentWidget(self.loading)

    def show_html(self, html: str) -> None:
        """The fallback: the saved content as formatted text."""
        self.pdf_bytes = None
        self.html = html
        self.text.setHtml(html)
        self.stack.setCurrentWidget(self.text)

    def show_pdf(self, data: bytes) -> None:
        """A rendered PDF, zoomed to the page width."""
        from PySide6.QtPdf import QPdfDocument
        from PySide6.QtPdfWidgets import QPdfView

        self.pdf_bytes = data
        if self._view is None:
            self._doc = QPdfDocument(self)
            self._view = QPdfView(self)
            self._view.setDocument(self._doc)
            self._view.setPageMode(QPdfView.PageMode.MultiPage)
            self._view.setZoomMode(QPdfView.ZoomMode.Custom)
            self._view.setPageSpacing(16)
            self._view.setAccessibleName(tr("文书预览"))
            self.stack.addWidget(self._view)
        self._doc.close()
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(data))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._doc.load(self._buffer)
        self.stack.setCurrentWidget(self._view)
        self._fit()

    def _fit(self) -> None:
        """A4 at about its real size, a narrow slip a little larger; never wider than the
        view (FitToWidth blows an A4 page up to a wall on a wide screen)."""
        if self._view is None or not self._doc.pageCount():
            return
        page_px = self._doc.pagePointSize(0).width() * self.logicalDpiX() / 72
        room = max(self.width() - 60, 200)
        target = 1.5 if page_px < 400 else 1.0
        self._view.setZoomFactor(max(0.3, min(target, room / max(page_px, 1))))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.pdf_bytes is not None:
            self._fit()

    @property
    def page_count(self) -> int:
        """Pages of the shown PDF (0 for rich text)."""
        return int(self._doc.pageCount()) if self._doc is not None and self.pdf_bytes else 0

    def print_to(self, printer: QPrinter, tasks: TaskManager,
                 done: Callable[[object], None], failed: Callable[[object], None]) -> None:
        """Print what is shown; PDF pages are rendered and painted in the background."""
        if self.pdf_bytes is None:
            doc = QTextDocument()
            doc.setHtml(self.html)
            doc.print_(printer)
            done(1)
            return
        data = self.pdf_bytes
        dpi = min(printer.resolution(), 300)
        tasks.run(lambda: print_images(printer, pdf_page_images(data, dpi)),
                  on_done=done, on_error=failed)
