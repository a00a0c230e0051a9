"""Where 拍照 takes its pictures from (issue 17): a document camera (高拍仪) through Qt
Multimedia, or prepared frames (tests; a desk without a camera) — see :mod:`desk.ui.capture`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from desk.ui.text import tr


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
    """The names of the video inputs (document cameras, webcams) the machine offers; none
    when Qt Multimedia is not there (the installed bundle leaves it out: only 选择文件)."""
    quiet_multimedia()
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError:
        return []

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
