"""Entry point of the frozen desk application (PyInstaller runs this file).

The same as the ``doorstep-desk`` console script: no command starts the window, a command
(``demo``, ``cases``, ``receipt`` …) runs without it.

``DOORSTEP_SMOKE_CAMERA=1`` (installer checks only: tests/installer, smoke_compat.sh) runs
:func:`smoke_camera` instead: the capture dialog's camera machinery as bundled.
"""

import os
import sys


def smoke_camera() -> int:
    """Load Qt Multimedia's backend the way the capture dialog does (desk.ui.capture) and
    build its pipeline (camera, capture session, still capture, preview widget) without a
    camera: exit 0 and "camera backend: ffmpeg" when the FFmpeg plugin loaded (it is linked
    BIND_NOW against the bundled libav* libraries) and answers with the still picture's
    formats; Qt's messages go to stderr."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    def show(kind: QtMsgType, _ctx: object, text: str) -> None:
        if kind != QtMsgType.QtDebugMsg:
            print(f"qt: {text}", file=sys.stderr, flush=True)

    qInstallMessageHandler(show)
    app = QApplication(sys.argv[:1])
    from desk.ui import capture

    inputs = capture.cameras()
    from PySide6.QtMultimedia import (
        QCamera,
        QImageCapture,
        QMediaCaptureSession,
        QMediaFormat,
    )
    from PySide6.QtMultimediaWidgets import QVideoWidget

    session = QMediaCaptureSession()
    camera = QCamera()
    session.setCamera(camera)
    still = QImageCapture()
    session.setImageCapture(still)
    preview = QVideoWidget()
    session.setVideoOutput(preview)
    formats = QMediaFormat().supportedFileFormats(QMediaFormat.ConversionMode.Encode)
    app.processEvents()
    # the still picture's formats come from the backend's format info: none without one
    # (the bundle's small FFmpeg has no muxer, so video file formats are 0: the desk
    # records no video)
    stills = still.supportedFormats()
    if not stills:
        print("doorstep-desk: no Qt Multimedia backend (no still formats)", file=sys.stderr)
        return 1
    print(f"doorstep-desk: camera backend: ffmpeg, {len(inputs)} video inputs, "
          f"{len(stills)} still formats, {len(formats)} video file formats", flush=True)
    return 0


if __name__ == "__main__":
    if os.environ.get("DOORSTEP_SMOKE_CAMERA") == "1":
        sys.exit(smoke_camera())
    from desk.cli import main

    sys.exit(main())
