"""Document preview and printing: a PDF from desk.core.receipts, or (until that module is
present, or when it fails) the same content as rich text.

Rendering PDF bytes, rastering its pages for the preview and painting pages onto the
printer run on the background helper; only the preview widget lives on the UI thread,
and it shows the pages as soon as their images exist (bench/bench_desk_speed.py, save →
preview: QPdfView parsed the PDF on the UI thread, painted blank pages and rastered them
on a thread of its own afterwards — the page appeared well after the preview "opened").
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QTextDocument
from PySide6.QtWidgets import (
    QLabel,
    QScrollArea,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

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


@dataclass(frozen=True)
class Room:
    """Where the preview shows pages: its width in pixels, the screen's logical dots per
    inch and device pixel ratio (read on the UI thread, used by the rastering off it)."""

    width: int
    dpi: float
    ratio: float

    def zoom(self, page_pts_width: float) -> float:
        """A4 at about its real size, a narrow slip a little larger; never wider than the
        room (fitting the width blows an A4 page up to a wall on a wide screen)."""
        page_px = page_pts_width * self.dpi / 72
        target = 1.5 if page_px < 400 else 1.0
        return max(0.3, min(target, max(self.width - 60, 200) / max(page_px, 1)))


@dataclass
class Pages:
    """A PDF with its pages rastered for the preview in ``room`` at ``zoom``."""

    pdf: bytes
    images: list[QImage]
    zoom: float
    room: Room | None = None
    page_pts: float = 0.0  # the first page's width in points

    def fit(self, room: Room) -> Pages:
        """These pages for ``room``: themselves when they were rastered at the zoom, dots
        per inch and pixel ratio ``room`` shows them at, else rastered again (the PDF is
        not rendered again)."""
        if self.room is not None and self.room.dpi == room.dpi and \
                self.room.ratio == room.ratio and abs(room.zoom(self.page_pts) - self.zoom) < 0.01:
            return self
        return preview_pages(self.pdf, room)


def preview_pages(data: bytes, room: Room) -> Pages:
    """Raster every page of a PDF for the preview in ``room`` (safe off the UI thread)."""
    images = pdf_page_images(data, 0, room=room)
    if not images:
        return Pages(data, images, 1.0, room)
    zoom = float(images[0].text("zoom"))
    pts = images[0].width() / images[0].devicePixelRatio() / zoom * 72 / room.dpi
    return Pages(data, images, zoom, room, pts)


def pdf_page_images(data: bytes, dpi: float, *, room: Room | None = None) -> list[QImage]:
    """Render every page of a PDF to white-backed images (safe off the UI thread): at
    ``dpi``, or at the preview's zoom for ``room`` (the images then carry the room's
    device pixel ratio and their zoom as the text ``zoom``)."""
    from PySide6.QtPdf import QPdfDocument

    doc = QPdfDocument()
    buf = QBuffer()
    buf.setData(QByteArray(data))
    buf.open(QIODevice.OpenModeFlag.ReadOnly)
    doc.load(buf)
    images = []
    zoom = 1.0
    if room is not None and doc.pageCount():
        zoom = room.zoom(doc.pagePointSize(0).width())
        dpi = room.dpi * zoom * room.ratio
    for i in range(doc.pageCount()):
        pts = doc.pagePointSize(i)
        size = QSize(round(pts.width() * dpi / 72), round(pts.height() * dpi / 72))
        img = doc.render(i, size)
        # QPdfDocument renders onto a transparent image: printers and labels need paper white
        out = QImage(size, QImage.Format.Format_RGB32)
        out.fill(QColor("white"))
        p = QPainter(out)
        p.drawImage(0, 0, img)
        p.end()
        if room is not None:
            out.setDevicePixelRatio(room.ratio)
            out.setText("zoom", repr(zoom))
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


class Ahead:
    """One document rendered ahead of being shown: the receipt of a case just saved, made
    on the background helper in the save's own task while the UI thread turns to the
    receipt page, whose render request (queued behind the save) then only picks it up.

    Keyed by the case and format it was made for; taken once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slot: tuple[Hashable, Pages] | None = None

    def put(self, key: Hashable, pages: Pages) -> None:
        with self._lock:
            self._slot = (key, pages)

    def take(self, key: Hashable) -> Pages | None:
        """The pages made for ``key`` (once), else None."""
        with self._lock:
            slot, self._slot = self._slot, None
        return slot[1] if slot is not None and slot[0] == key else None


ahead = Ahead()


class PageView(QWidget):
    """The pages as images, one under the other, centred, drawn at the preview's zoom."""

    SPACING = 16

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.images: list[QImage] = []
        self.zoom = 1.0  # what the images were rastered at
        self.shown = 1.0  # what they are drawn at (a resize shows them scaled meanwhile)
        self.painted = 0  # paints that drew pages (bench: the preview is visible)

    def set_pages(self, images: list[QImage], zoom: float) -> None:
        self.images, self.zoom, self.shown = images, zoom, zoom
        self._resize()

    def show_at(self, zoom: float) -> None:
        self.shown = zoom
        self._resize()

    def _size(self, img: QImage) -> QSize:
        scale = self.shown / self.zoom / img.devicePixelRatio()
        return QSize(round(img.width() * scale), round(img.height() * scale))

    def _resize(self) -> None:
        sizes = [self._size(i) for i in self.images]
        w = max((s.width() for s in sizes), default=0) + 2 * self.SPACING
        h = sum(s.height() + self.SPACING for s in sizes) + self.SPACING
        self.setMinimumSize(w, h)  # the scroll area gives it at least its viewport
        self.updateGeometry()
        self.update()

    def paintEvent(self, event: Any) -> None:
        if not self.images:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.shown != self.zoom)
        y = self.SPACING
        for img in self.images:
            size = self._size(img)
            target = QRect((self.width() - size.width()) // 2, y, size.width(), size.height())
            p.fillRect(target.adjusted(-1, -1, 1, 1), QColor("#9aa5b1"))  # the sheet's edge
            p.drawImage(target, img)
            y += size.height() + self.SPACING
        p.end()
        self.painted += 1


class DocumentPreview(QWidget):
    """Shows a PDF as page images (rastered off the UI thread when the caller can), or,
    as a fallback, rich text."""

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
        self.pages = PageView()
        self.pages.setAccessibleName(tr("文书预览"))
        self.sheets = QScrollArea()
        self.sheets.setWidget(self.pages)
        self.sheets.setWidgetResizable(True)
        self.stack.addWidget(self.sheets)
        self.pdf_bytes: bytes | None = None
        self.html = ""
        # a resize that changes the zoom shows the pages scaled, then rasters them again
        self._again = QTimer(self)
        self._again.setSingleShot(True)
        self._again.setInterval(250)
        self._again.timeout.connect(self._raster_again)

    def room(self) -> Room:
        """Where pages are shown now (for rastering them off the UI thread)."""
        return Room(self.width(), float(self.logicalDpiX()), float(self.devicePixelRatioF()))

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
        """A rendered PDF (rastered here, on the UI thread: see :meth:`show_pages`)."""
        self.show_pages(preview_pages(data, self.room()))

    def show_pages(self, pages: Pages) -> None:
        """A rendered PDF whose pages were rastered for :meth:`room` (off the UI thread)."""
        self.pdf_bytes = pages.pdf
        self.pages.set_pages(pages.images, pages.zoom)
        self.stack.setCurrentWidget(self.sheets)
        self._fit()

    def _fit(self) -> None:
        if self.pdf_bytes is None or not self.pages.images:
            return
        img = self.pages.images[0]
        page_pts = img.width() / img.devicePixelRatio() / self.pages.zoom * 72 / \
            max(self.logicalDpiX(), 1)
        zoom = self.room().zoom(page_pts)
        if abs(zoom - self.pages.shown) > 0.01:
            self.pages.show_at(zoom)
            self._again.start()

    def _raster_again(self) -> None:
        if self.pdf_bytes is not None and abs(self.pages.shown - self.pages.zoom) > 0.01:
            pages = preview_pages(self.pdf_bytes, self.room())
            self.pages.set_pages(pages.images, pages.zoom)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.pdf_bytes is not None:
            self._fit()

    @property
    def page_count(self) -> int:
        """Pages of the shown PDF (0 for rich text)."""
        return len(self.pages.images) if self.pdf_bytes else 0

    @property
    def painted(self) -> int:
        """How many times pages have been painted (0: not on screen yet)."""
        return self.pages.painted

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
