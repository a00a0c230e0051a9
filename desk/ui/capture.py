"""拍照 / 选择文件: pages of one material, from a document camera or from files (issue 17).

A document camera (高拍仪) is a USB video device: :class:`CameraSource` shows its live
picture through Qt Multimedia and takes a still on 拍照. What the camera code does after the
picture — turning it into a page — is the same for any :class:`ImageSource`, so the tests
(and a machine without a camera) drive the whole path with :class:`StillSource`, which
hands out prepared frames. Files (a scanner's output folder, a phone's photos, PDFs) come
through 选择文件.

Every page is normalised in memory (:func:`desk.core.attachments.normalise`: upright,
reduced, JPEG ≤ ~300 KB, metadata stripped; a PDF kept) — never through a temporary file.
The dialog keeps its pages until the worker presses 完成; the form saves them with the case
(one transaction, inside the encrypted store) and ticks the material as received.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPixmap, QTransform
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk.core.attachments import AttachmentRefused, Page, normalise
from desk.ui.text import tr

FILE_FILTER = "图片或 PDF (*.jpg *.jpeg *.png *.bmp *.tif *.tiff *.pdf);;所有文件 (*)"
THUMB = QSize(120, 160)


class ImageSource(QObject):
    """Where 拍照 takes its pictures from: ``captured(QImage)`` after :meth:`capture`,
    ``failed(message)`` when it cannot; ``preview`` is the live picture's widget (or None)."""

    captured = Signal(QImage)
    failed = Signal(str)
    preview: QWidget | None = None

    def start(self) -> None:
        """Begin the live picture."""

    def stop(self) -> None:
        """End the live picture (the dialog closes)."""

    def capture(self) -> None:
        """Take one picture (answered by ``captured`` or ``failed``)."""
        raise NotImplementedError


class StillSource(ImageSource):
    """Prepared frames, one per :meth:`capture` (tests; a desk without a camera)."""

    def __init__(self, frames: Sequence[QImage]) -> None:
        super().__init__()
        self.frames = list(frames)

    def capture(self) -> None:
        if not self.frames:
            self.failed.emit(tr("没有可拍摄的画面"))
            return
        self.captured.emit(self.frames.pop(0))


def quiet_multimedia() -> None:
    """Qt Multimedia warns at load when the machine has no hardware video decoding (VA-API)
    — nothing a worker can act on, and it would fill the desk's log: keep those quiet."""
    from PySide6.QtCore import QLoggingCategory

    QLoggingCategory.setFilterRules("qt.multimedia.symbolsresolver.warning=false\n"
                                    "qt.multimedia.ffmpeg.info=false")


def cameras() -> list[str]:
    """The names of the video inputs (document cameras, webcams) the machine offers."""
    quiet_multimedia()
    from PySide6.QtMultimedia import QMediaDevices

    return [d.description() for d in QMediaDevices.videoInputs()]


class CameraSource(ImageSource):  # pragma: no cover - needs a camera (tests say so)
    """The first (or the named) video input through Qt Multimedia, with a live preview."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        quiet_multimedia()
        from PySide6.QtMultimedia import (
            QCamera,
            QImageCapture,
            QMediaCaptureSession,
            QMediaDevices,
        )
        from PySide6.QtMultimediaWidgets import QVideoWidget

        devices = QMediaDevices.videoInputs()
        device = next((d for d in devices if d.description() == name), devices[0])
        self.camera = QCamera(device)
        self.session = QMediaCaptureSession()
        self.session.setCamera(self.camera)
        self.still = QImageCapture()
        self.session.setImageCapture(self.still)
        self.preview = QVideoWidget()
        self.session.setVideoOutput(self.preview)
        self.still.imageCaptured.connect(lambda _id, img: self.captured.emit(img))
        self.still.errorOccurred.connect(
            lambda _id, _err, text: self.failed.emit(tr("拍照失败：{e}").format(e=text)))
        self.camera.errorOccurred.connect(
            lambda _err, text: self.failed.emit(tr("摄像头出错：{e}").format(e=text)))

    def start(self) -> None:
        self.camera.start()

    def stop(self) -> None:
        self.camera.stop()

    def capture(self) -> None:
        if not self.still.isReadyForCapture():
            self.failed.emit(tr("摄像头尚未就绪，请稍候再拍"))
            return
        self.still.capture()  # to memory: captureToFile is never used


def default_source() -> ImageSource | None:
    """The camera when the machine has one, else None (only 选择文件 then)."""
    return CameraSource() if cameras() else None


def jpeg_bytes(img: QImage) -> bytes:
    """A camera frame as JPEG bytes, in memory."""
    ba = QByteArray()
    buf = QBuffer(ba)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "JPEG", 92)  # type: ignore[call-overload]  # (the stubs say bytes; PySide6 takes str)
    buf.close()
    return bytes(ba.data())


class CaptureDialog(QDialog):
    """One material's pages: 拍照 (with the live picture), 选择文件, 旋转, 重拍/删除, 完成."""

    def __init__(self, material: str, shown: str, pages: Sequence[Page] = (),
                 source: ImageSource | None = None, parent: QWidget | None = None,
                 pick_files: Callable[[QWidget], list[str]] | None = None) -> None:
        super().__init__(parent)
        self.material = material
        self.pages: list[Page] = list(pages)
        self.source = source
        self.pick_files = pick_files or _pick_files
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
        body.addLayout(side, 2)
        lay.addLayout(body, 1)
        self.message = QLabel()
        self.message.setObjectName("hint")
        self.message.setWordWrap(True)
        self.message.setAccessibleName(tr("提示"))
        lay.addWidget(self.message)
        bar = QHBoxLayout()
        self.shoot = QPushButton(tr("拍照"))
        self.shoot.setEnabled(source is not None)
        if source is None:
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
        lay.addLayout(bar)
        if source is not None:
            source.captured.connect(self.add_frame)
            source.failed.connect(self.say)
            source.start()
        self.finished.connect(self._stop)
        self._refresh()

    # -- adding pages ---------------------------------------------------------------------

    def capture(self) -> None:
        """拍照: ask the source for a picture (answered by :meth:`add_frame`)."""
        if self.source is not None:
            self.source.capture()

    def add_frame(self, img: QImage) -> bool:
        """A camera picture becomes a page."""
        if img.isNull():
            self.say(tr("拍照失败：画面为空"))
            return False
        return self.add_bytes(jpeg_bytes(img), tr("照片"))

    def choose_files(self) -> None:
        """选择文件: scans or photos (each normalised; refusals named)."""
        self.add_files(self.pick_files(self))

    def add_files(self, paths: Sequence[str]) -> int:
        """Add each file; returns how many became pages."""
        added = 0
        for p in paths:
            path = Path(p)
            try:
                data = path.read_bytes()
            except OSError:
                self.say(tr("无法读取文件“{name}”").format(name=path.name))
                continue
            added += self.add_bytes(data, path.name)
        return added

    def add_bytes(self, data: bytes, name: str) -> bool:
        try:
            page = normalise(data, name)
        except AttachmentRefused as exc:
            self.say(exc.message)
            return False
        self.pages.append(page)
        self.say("")
        self._refresh()
        self.thumbs.setCurrentRow(len(self.pages) - 1)
        return True

    # -- fixing pages -----------------------------------------------------------------------

    def rotate_selected(self) -> None:
        """Turn the selected image page 90° clockwise (a PDF stays as it is)."""
        row = self.thumbs.currentRow()
        if row < 0 or self.pages[row].mime != "image/jpeg":
            return
        img = QImage.fromData(self.pages[row].data).transformed(QTransform().rotate(90))
        page = normalise(jpeg_bytes(img))
        self.pages[row] = page
        self._refresh()
        self.thumbs.setCurrentRow(row)

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
            it.setIcon(QPixmap.fromImage(thumbnail(p)))
            self.thumbs.addItem(it)
        self.count.setText(tr("共 {n} 页，{kb} KB").format(
            n=len(self.pages), kb=sum(p.size for p in self.pages) // 1024))
        self.rotate.setEnabled(bool(self.pages))
        self.remove.setEnabled(bool(self.pages))

    def _show_page(self, row: int) -> None:
        """Without a live picture, the big area shows the selected page (to check it is
        legible before 完成; 旋转 or 删除此页 otherwise)."""
        still = getattr(self, "still", None)
        if still is None or not 0 <= row < len(self.pages):
            return
        page = self.pages[row]
        img = QImage.fromData(page.data) if page.mime == "image/jpeg" else thumbnail(page)
        box = still.size()
        still.setPixmap(QPixmap.fromImage(img.scaled(
            box, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation)))
        still.setAccessibleDescription(tr("第 {n} 页").format(n=row + 1))

    def _stop(self) -> None:
        if self.source is not None:
            self.source.stop()


def thumbnail(page: Page) -> QImage:
    """A small picture of a page (a PDF shows as a labelled sheet)."""
    if page.mime == "image/jpeg":
        img = QImage.fromData(page.data)
        return img.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                          Qt.TransformationMode.SmoothTransformation)
    img = QImage(THUMB, QImage.Format.Format_RGB32)
    img.fill(Qt.GlobalColor.white)
    from PySide6.QtGui import QPainter

    p = QPainter(img)
    p.drawRect(0, 0, THUMB.width() - 1, THUMB.height() - 1)
    p.drawText(img.rect(), Qt.AlignmentFlag.AlignCenter, "PDF")
    p.end()
    return img


def _pick_files(parent: QWidget) -> list[str]:  # pragma: no cover - a real file dialog
    paths, _ = QFileDialog.getOpenFileNames(parent, tr("选择扫描件或照片"), "", tr(FILE_FILTER))
    return list(paths)
