"""拍照 / 选择文件: pages of one material, from a document camera or from files (issue 17).

A document camera (高拍仪) is a USB video device: :class:`CameraSource` shows its live
picture through Qt Multimedia and takes a still on 拍照. What the camera code does after the
picture — turning it into a page — is the same for any :class:`ImageSource`, so the tests
(and a machine without a camera) drive the whole path with :class:`StillSource`, which
hands out prepared frames. Files (a scanner's output folder, a phone's photos, PDFs) come
through 选择文件.

Every page is normalised in memory (:func:`desk.core.attachments.normalise`: upright,
reduced, JPEG ≤ ~300 KB, metadata stripped; a PDF kept) — never through a temporary file —
and off the UI thread: reading the file, encoding a camera frame, normalising and drawing the
thumbnail run on the task manager's ``pages`` lane (a 12 MP photo takes most of a second),
while the dialog says how many pages are being processed. Pages keep the order in which they
were taken or chosen, whatever order the work finishes in. 完成 waits until nothing is being
processed; closing the dialog meanwhile drops what is still being processed (nothing of it is
kept). The dialog keeps its pages until the worker presses 完成; the form saves them with the
case (one transaction, inside the encrypted store) and ticks the material as received.

On the form, each page is *staged* in the store right after it is normalised (``stage``:
``store.attachments.stage_page``, on the same ``pages`` lane, its own small transaction), so
the case's save only claims the pages instead of writing their bytes. What the dialog no
longer shows when it closes — pages deleted, retaken or turned on 完成; the pages it added
on 取消; a page that came back after the dialog closed — is handed to ``unstage`` (deleted
from the store).

A PDF's thumbnail is its first page, rendered by QtPdf (:func:`pdf_first_page`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap, QTransform
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk.core.attachments import AttachmentRefused, Page, normalise
from desk.core.errors import DeskError
from desk.ui.capture_sources import CameraSource as CameraSource
from desk.ui.capture_sources import ImageSource as ImageSource
from desk.ui.capture_sources import StillSource as StillSource
from desk.ui.capture_sources import cameras as cameras
from desk.ui.capture_sources import default_source as default_source
from desk.ui.capture_sources import jpeg_bytes
from desk.ui.text import tr

FILE_FILTER = "图片或 PDF (*.jpg *.jpeg *.png *.bmp *.tif *.tiff *.pdf);;所有文件 (*)"
THUMB = QSize(120, 160)


class Runner(Protocol):
    """What runs work off the UI thread (:class:`desk.ui.tasks.TaskManager`)."""

    def run(self, fn: Callable[..., Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[Any], None] | None = None, *, lane: str = "db",
            on_progress: Callable[[Any], None] | None = None) -> int: ...


class CaptureDialog(QDialog):
    """One material's pages: 拍照 (with the live picture), 选择文件, 旋转, 重拍/删除, 完成."""

    def __init__(self, material: str, shown: str, pages: Sequence[Page] = (),
                 source: ImageSource | None = None, parent: QWidget | None = None,
                 pick_files: Callable[[QWidget], list[str]] | None = None,
                 tasks: Runner | None = None,
                 thumbs: dict[str, QImage] | None = None,
                 stage: Callable[[Page], Page] | None = None,
                 unstage: Callable[[list[int]], object] | None = None) -> None:
        super().__init__(parent)
        self.material = material
        self.pages: list[Page] = list(pages)
        # staging in the store (the form's; none outside a form): every staged page this
        # dialog saw, so what it does not keep is deleted when it closes
        self.stage, self.unstage = stage, unstage
        self._opened_with = [p.staged for p in self.pages if p.staged]
        self._staged: set[int] = set(self._opened_with)
        self.source = source
        self.pick_files = pick_files or _pick_files
        # pages being processed off the UI thread: tickets in the order taken or chosen, and
        # the results that came back before an earlier ticket's (kept until their turn)
        self._own_tasks = None
        if tasks is None:  # (a dialog outside the window: its own worker, ended on close)
            from desk.ui.tasks import TaskManager

            self._own_tasks = tasks = TaskManager(self)
        self.tasks: Runner = tasks
        self._tickets = itertools.count(1)
        self._waiting: list[int] = []
        self._landed: dict[int, object] = {}
        self._rotating = 0  # pages being turned
        # thumbnails by page (sha256): drawn on the worker, or kept by the caller from the
        # last time (reopening a material with many pages draws none on the UI thread)
        self._thumbs: dict[str, QImage] = dict(thumbs or {})
        self.closed = False
        self.setObjectName("captureDialog")
        self.setWindowTitle(tr("材料拍照 — {name}").format(name=shown))
        self.setAccessibleName(self.windowTitle())
        lay = QVBoxLayout(self)
        head = QLabel(tr("<b>{name}</b>：拍照或选择扫描件（图片、PDF），可添加多页。")
                      .format(name=shown))
        head.setWordWrap(True)
        lay.addWidget(head)
        body = QHBoxLayout()
        self.preview_holder = QVBoxLayout()
        if source is not None and source.preview is not None:
            source.preview.setMinimumSize(480, 360)
            self.preview_holder.addWidget(source.preview)
        else:
            self.still = QLabel(tr("未检测到摄像头或高拍仪。\n可点“选择文件”添加扫描件或照片。")
                                if source is None else tr("点“拍照”拍摄材料"))
            self.still.setObjectName("capturePreview")
            self.still.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.still.setMinimumSize(480, 360)
            self.still.setWordWrap(True)
            self.preview_holder.addWidget(self.still)
        body.addLayout(self.preview_holder, 3)
        self._batch = 0  # pages taken or chosen since the dialog was last idle
        body.addLayout(self._side(), 2)
        lay.addLayout(body, 1)
        self.message = QLabel()
        self.message.setObjectName("hint")
        self.message.setWordWrap(True)
        self.message.setAccessibleName(tr("提示"))
        lay.addWidget(self.message)
        lay.addLayout(self._buttons(source is not None))
        if source is not None:
            source.captured.connect(self.add_frame)
            source.failed.connect(self.say)
            source.start()
        self.finished.connect(self._stop)
        self._refresh()

    def _side(self) -> QVBoxLayout:
        """The pages' thumbnails, their count and what is still being processed."""
        side = QVBoxLayout()
        self.thumbs = QListWidget()
        self.thumbs.setAccessibleName(tr("已添加的页面"))
        self.thumbs.setIconSize(THUMB)
        self.thumbs.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbs.setMinimumWidth(THUMB.width() * 2 + 40)
        self.thumbs.currentRowChanged.connect(self._show_page)
        side.addWidget(self.thumbs, 1)
        self.count = QLabel()
        side.addWidget(self.count)
        self.busy = QProgressBar()  # "正在处理 2 / 5 页": pages still being normalised
        self.busy.setAccessibleName(tr("正在处理的页面"))
        self.busy.setTextVisible(True)
        self.busy.hide()
        side.addWidget(self.busy)
        return side

    def _buttons(self, has_camera: bool) -> QHBoxLayout:
        """拍照, 选择文件, 旋转, 删除此页 … 取消, 完成."""
        bar = QHBoxLayout()
        self.shoot = QPushButton(tr("拍照"))
        self.shoot.setEnabled(has_camera)
        if not has_camera:
            self.shoot.setToolTip(tr("未检测到摄像头或高拍仪"))
        self.shoot.clicked.connect(self.capture)
        self.files = QPushButton(tr("选择文件…"))
        self.files.clicked.connect(self.choose_files)
        self.rotate = QPushButton(tr("旋转"))
        self.rotate.setToolTip(tr("将选中的页面顺时针旋转 90°"))
        self.rotate.clicked.connect(self.rotate_selected)
        self.remove = QPushButton(tr("删除此页（重拍）"))
        self.remove.clicked.connect(self.remove_selected)
        self.done_button = QPushButton(tr("完成"))
        self.done_button.setProperty("kind", "primary")
        self.done_button.clicked.connect(self.accept)
        cancel = QPushButton(tr("取消"))
        cancel.clicked.connect(self.reject)
        for b in (self.shoot, self.files, self.rotate, self.remove):
            bar.addWidget(b)
        bar.addStretch(1)
        bar.addWidget(cancel)
        bar.addWidget(self.done_button)
        return bar

    # -- adding pages ---------------------------------------------------------------------

    def capture(self) -> None:
        """拍照: ask the source for a picture (answered by :meth:`add_frame`)."""
        if self.source is not None:
            self.source.capture()

    def add_frame(self, img: QImage) -> bool:
        """A camera picture becomes a page (encoded and normalised off the UI thread)."""
        if img.isNull():
            self.say(tr("拍照失败：画面为空"))
            return False
        frame = img.copy()  # the worker's own (the camera may reuse its buffer)
        self._submit(lambda: jpeg_bytes(frame), tr("照片"))
        return True

    def choose_files(self) -> None:
        """选择文件: scans or photos (each normalised; refusals named)."""
        self.add_files(self.pick_files(self))

    def add_files(self, paths: Sequence[str]) -> int:
        """Queue each file (read and normalised off the UI thread, added in this order);
        returns how many were queued."""
        for p in paths:
            path = Path(p)

            def read(path: Path = path) -> bytes:
                try:
                    return path.read_bytes()
                except OSError:
                    raise AttachmentRefused(tr("无法读取文件“{name}”").format(
                        name=path.name)) from None

            self._submit(read, path.name)
        return len(paths)

    def add_bytes(self, data: bytes, name: str) -> bool:
        """Queue one file's or frame's bytes."""
        self._submit(lambda: data, name)
        return True

    @property
    def working(self) -> int:
        """How many pages are still being processed (added or turned)."""
        return len(self._waiting) + self._rotating

    def _submit(self, load: Callable[[], bytes], name: str) -> None:
        ticket = next(self._tickets)
        if not self._waiting:
            self.say("")  # a new batch: the last one's refusals are read
        self._waiting.append(ticket)
        self._batch += 1

        def work() -> object:
            if self.closed:  # the dialog was closed meanwhile: nothing to do
                return None
            page = self._staging(normalise(load(), name))
            return page, thumbnail(page)  # (QImage and QtPdf are safe off the UI thread)

        land = partial(self._land, ticket)
        self.tasks.run(work, on_done=land, on_error=land, lane="pages")
        self._show_busy()

    def _staging(self, page: Page) -> Page:
        """(On the worker) the page staged in the store, when the dialog stages."""
        return self.stage(page) if self.stage is not None else page

    def _let_go(self, result: object) -> None:
        """A staged page that came back after the dialog closed: deleted at once."""
        if isinstance(result, tuple) and result[0].staged and self.unstage is not None:
            self.unstage([result[0].staged])

    def _land(self, ticket: int, result: object) -> None:
        """A page came back: add it (and any later ones waiting for it) in order."""
        if self.closed or ticket not in self._waiting:
            self._let_go(result)
            return  # closed meanwhile: dropped, nothing kept
        self._landed[ticket] = result
        added = False
        while self._waiting and self._waiting[0] in self._landed:
            got = self._landed.pop(self._waiting.pop(0))
            if isinstance(got, tuple):
                page, thumb = got
                self._staged.add(page.staged)
                self.pages.append(page)
                self._thumbs[page.sha256] = thumb
                added = True
            elif isinstance(got, DeskError):  # refused, or not staged (the store's words)
                self.say(got.message)
            elif isinstance(got, BaseException):
                self.say(tr("无法处理该页面（{e}），请重拍或重新选择文件").format(
                    e=type(got).__name__))
        if added:
            self._refresh()
            self.thumbs.setCurrentRow(len(self.pages) - 1)
        self._show_busy()

    def thumbnails(self) -> dict[str, QImage]:
        """The thumbnails of the dialog's pages (to hand to the next dialog)."""
        return {p.sha256: self._thumbs[p.sha256] for p in self.pages if p.sha256 in self._thumbs}

    def _show_busy(self) -> None:
        n = self.working
        if not n:
            self._batch = 0
        self.busy.setVisible(bool(n))
        self.busy.setRange(0, max(1, self._batch))
        self.busy.setValue(self._batch - n)
        self.busy.setFormat(tr("正在处理 {done} / {all} 页…").format(
            done=self._batch - n + 1 if n else 0, all=self._batch))
        self.done_button.setEnabled(not n)
        self.done_button.setToolTip(tr("页面处理完后才能完成") if n else "")
        # one turn at a time; no page removed while one is turned
        self.rotate.setEnabled(bool(self.pages) and not self._rotating)
        self.remove.setEnabled(bool(self.pages) and not self._rotating)

    def accept(self) -> None:
        """完成 — only once every page taken or chosen is processed (kept in order)."""
        if self.working:
            self.say(tr("还有 {n} 页正在处理，请稍候再点“完成”").format(n=self.working))
            return
        super().accept()

    # -- fixing pages -----------------------------------------------------------------------

    def rotate_selected(self) -> None:
        """Turn the selected image page 90° clockwise (a PDF stays as it is)."""
        row = self.thumbs.currentRow()
        if row < 0 or self.pages[row].mime != "image/jpeg":
            return
        old = self.pages[row]

        def work() -> object:  # (off the UI thread: a grainy page takes ~300 ms)
            if self.closed:
                return None
            img = QImage.fromData(old.data).transformed(QTransform().rotate(90))
            page = self._staging(normalise(jpeg_bytes(img)))
            return page, thumbnail(page)

        self._rotating += 1
        self._batch += 1
        done = partial(self._rotated, old)
        self.tasks.run(work, on_done=done, on_error=done, lane="pages")
        self._show_busy()

    def _rotated(self, old: Page, result: object) -> None:
        """The turned page replaces the one it was made from (wherever it is now)."""
        if self.closed:
            self._let_go(result)
            return
        self._rotating -= 1
        row = next((i for i, p in enumerate(self.pages) if p is old), -1)
        if isinstance(result, tuple):
            self._staged.add(result[0].staged)  # (deleted on close unless still shown)
        if isinstance(result, tuple) and row >= 0:
            page, thumb = result
            self.pages[row] = page
            self._thumbs[page.sha256] = thumb
            self._refresh()
            self.thumbs.setCurrentRow(row)
        elif isinstance(result, BaseException):
            self.say(tr("无法旋转该页面（{e}）").format(e=type(result).__name__))
        self._show_busy()

    def remove_selected(self) -> None:
        row = self.thumbs.currentRow()
        if row >= 0:
            del self.pages[row]
            self._refresh()

    def say(self, text: str) -> None:
        self.message.setText(text)

    def _refresh(self) -> None:
        self.thumbs.clear()
        for n, p in enumerate(self.pages, 1):
            it = QListWidgetItem(tr("第 {n} 页").format(n=n) if p.mime == "image/jpeg" else
                                 tr("第 {n} 份 PDF（{pages} 页）").format(n=n, pages=p.pages))
            thumb = self._thumbs.get(p.sha256)
            if thumb is None:  # (pages the dialog opened with)
                thumb = self._thumbs[p.sha256] = thumbnail(p)
            it.setIcon(framed(thumb))
            self.thumbs.addItem(it)
        self.count.setText(tr("共 {n} 页，{kb} KB").format(
            n=len(self.pages), kb=sum(p.size for p in self.pages) // 1024))
        self.rotate.setEnabled(bool(self.pages) and not self._rotating)
        self.remove.setEnabled(bool(self.pages) and not self._rotating)

    def _show_page(self, row: int) -> None:
        """Without a live picture, the big area shows the selected page (to check it is
        legible before 完成; 旋转 or 删除此页 otherwise)."""
        still = getattr(self, "still", None)
        if still is None or not 0 <= row < len(self.pages):
            return
        page = self.pages[row]
        box = still.size()
        img = (QImage.fromData(page.data) if page.mime == "image/jpeg"
               else pdf_first_page(page.data, box))
        still.setPixmap(QPixmap.fromImage(img.scaled(
            box, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation)))
        still.setAccessibleDescription(tr("第 {n} 页").format(n=row + 1))

    def _stop(self) -> None:
        """Closed (完成 or not): what is still being processed is dropped, and the staged
        pages the form will not keep are deleted (on 取消 the form keeps those it had)."""
        self.closed = True
        kept = {p.staged for p in self.pages} if self.result() else set(self._opened_with)
        gone = sorted(self._staged - kept - {0})
        if gone and self.unstage is not None:
            self.unstage(gone)
        self._waiting.clear()
        self._landed.clear()
        self._rotating = 0
        if self.source is not None:
            self.source.stop()
        if self._own_tasks is not None:
            self._own_tasks.shutdown()


def framed(thumb: QImage) -> QPixmap:
    """The thumbnail centred in a :data:`THUMB`-sized clear frame: pages upright and
    sideways take the same cell, so their labels (第 1 页, 第 2 页) stand on one line."""
    pix = QPixmap(THUMB)
    pix.fill(Qt.GlobalColor.transparent)
    img = thumb.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                       Qt.TransformationMode.SmoothTransformation)
    painter = QPainter(pix)
    painter.drawImage((THUMB.width() - img.width()) // 2, (THUMB.height() - img.height()) // 2,
                      img)
    painter.end()
    return pix


def thumbnail(page: Page) -> QImage:
    """A small picture of a page: the image, or a PDF's first page (safe off the UI thread)."""
    if page.mime == "image/jpeg":
        img = QImage.fromData(page.data)
        return img.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                          Qt.TransformationMode.SmoothTransformation)
    return pdf_first_page(page.data, THUMB)


def pdf_first_page(data: bytes, box: QSize) -> QImage:
    """A PDF's first page rendered by QtPdf to fit ``box``, on white paper (QtPdf renders
    onto a transparent image); a sheet marked "PDF" when QtPdf cannot read it."""
    from PySide6.QtPdf import QPdfDocument

    doc = QPdfDocument()
    buf = QBuffer()
    buf.setData(QByteArray(data))
    buf.open(QIODevice.OpenModeFlag.ReadOnly)
    doc.load(buf)
    pts = doc.pagePointSize(0) if doc.pageCount() else None
    if pts is None or pts.width() <= 0 or pts.height() <= 0:
        doc.close()
        return _sheet(box)
    k = min(box.width() / pts.width(), box.height() / pts.height())
    size = QSize(max(1, round(pts.width() * k)), max(1, round(pts.height() * k)))
    page = doc.render(0, size)
    doc.close()
    out = QImage(size, QImage.Format.Format_RGB32)
    out.fill(QColor("white"))
    p = QPainter(out)
    p.drawImage(0, 0, page)
    p.setPen(QColor("#888888"))
    p.drawRect(0, 0, size.width() - 1, size.height() - 1)  # the sheet's edge on a white list
    p.end()
    return out


def _sheet(box: QSize) -> QImage:
    img = QImage(box, QImage.Format.Format_RGB32)
    img.fill(Qt.GlobalColor.white)
    p = QPainter(img)
    p.drawRect(0, 0, box.width() - 1, box.height() - 1)
    p.drawText(img.rect(), Qt.AlignmentFlag.AlignCenter, "PDF")
    p.end()
    return img


def _pick_files(parent: QWidget) -> list[str]:  # pragma: no cover - a real file dialog
    paths, _ = QFileDialog.getOpenFileNames(parent, tr("选择扫描件或照片"), "", tr(FILE_FILTER))
    return list(paths)
