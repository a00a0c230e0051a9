"""拍照 / 选择文件 on the real form (issue 17): pages from a camera-like source and from
files, refusals in words, saved with the case inside the store, no file left behind."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _frame(w: int = 3000, h: int = 2000) -> Any:
    from PySide6.QtGui import QColor, QImage, QPainter

    img = QImage(w, h, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    for y in range(100, h - 100, 60):
        p.drawLine(100, y, w - 100, y)
    p.end()
    return img


def _settled(qtbot: Any, dlg: Any) -> None:
    """Wait until the pages taken or chosen are processed (off the UI thread)."""
    qtbot.waitUntil(lambda: not dlg.working, timeout=60_000)


def _files(tmp_path: Path) -> list[str]:
    from PIL import Image
    from reportlab.pdfgen import canvas

    photo = tmp_path / "户口簿.jpg"
    Image.new("RGB", (2400, 3200), "white").save(photo, "JPEG")
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(100, 700, "scan")
    c.showPage()
    c.save()
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(buf.getvalue())
    note = tmp_path / "说明.txt"
    note.write_text("not a page", encoding="utf-8")
    return [str(photo), str(scan), str(note)]


def test_pages_captured_and_chosen_are_saved_with_the_case(qtbot: Any, win: Any, desk: Any,
                                                           tmp_path: Path) -> None:
    from desk.ui.capture import StillSource

    win.start_form("MZ-GLJT")
    page = win.form
    panel = page.materials
    example = dict(desk.catalog.get("MZ-GLJT").example)
    page.form.set_values({k: v for k, v in example.items() if k != "materials"})
    panel.set_received([m for m in example["materials"]][1:])
    panel.source_factory = lambda: StillSource([_frame()])
    panel.pick_files = lambda _parent: _files(tmp_path)
    row = next(r for r in panel.rows if r.material.name == example["materials"][0])
    assert not row.box.isChecked()
    before = {p.name for p in desk.paths.data_dir.rglob("*")}

    row.capture_button.click()
    dlg = panel.capture_dialog
    assert dlg is not None and dlg.isVisible() and dlg.shoot.isEnabled()
    dlg.shoot.click()  # the camera path: a frame becomes a normalised page
    _settled(qtbot, dlg)
    assert len(dlg.pages) == 1 and dlg.pages[0].mime == "image/jpeg"
    assert max(dlg.pages[0].width, dlg.pages[0].height) == 1600
    dlg.files.click()  # a photo and a PDF taken; the text file refused, in words
    _settled(qtbot, dlg)
    assert [p.mime for p in dlg.pages] == ["image/jpeg", "image/jpeg", "application/pdf"]
    assert "“说明.txt”不是可接受的文件类型" in dlg.message.text()
    dlg.thumbs.setCurrentRow(1)
    w, h = dlg.pages[1].width, dlg.pages[1].height
    dlg.rotate.click()
    _settled(qtbot, dlg)
    assert (dlg.pages[1].width, dlg.pages[1].height) == (h, w)
    dlg.shoot.click()  # the source has no more frames: said, nothing added
    assert "没有可拍摄的画面" in dlg.message.text() and len(dlg.pages) == 3
    dlg.done_button.click()
    assert row.box.isChecked() and row.pages_label.text() == "已拍 3 页"

    assert page.save()
    qtbot.waitUntil(lambda: bool(desk.store.search.list_cases()), timeout=30_000)
    case = desk.store.search.list_cases()[0]
    rows = desk.store.attachments.attachments_of(case["uuid"])
    assert [(r["material"], r["page"], r["mime"]) for r in rows] == [
        (row.material.name, 1, "image/jpeg"), (row.material.name, 2, "image/jpeg"),
        (row.material.name, 3, "application/pdf")]
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=30_000)
    after = {p.name for p in desk.paths.data_dir.rglob("*")}
    # nothing but the store's own files appeared (no temporary image, no plain copy)
    assert {n for n in after - before if not n.startswith("desk.sqlite3")} <= {
        "receipts"} | {n for n in after - before if n.endswith(".pdf")}, after - before
    assert not [p for p in desk.paths.data_dir.rglob("*") if p.suffix.lower() in (
        ".jpg", ".jpeg", ".png", ".tmp")]


def test_without_a_camera_only_files(qtbot: Any, win: Any) -> None:
    win.start_form("MZ-GLJT")
    panel = win.form.materials
    panel.source_factory = lambda: None
    dlg = panel.open_capture(panel.rows[0])
    assert not dlg.shoot.isEnabled() and "未检测到摄像头或高拍仪" in dlg.still.text()
    dlg.reject()
    assert panel.captures == {} and not panel.rows[0].pages_label.text()


def test_camera_through_qt_multimedia(qtbot: Any, win: Any) -> None:
    """The machine's own video inputs, through Qt Multimedia."""
    from desk.ui.capture import CameraSource, cameras

    if not cameras():
        pytest.skip("这台机器没有摄像头或高拍仪（QMediaDevices.videoInputs() 为空）；"
                    "拍照之后的流程由 StillSource 测试")
    source = CameraSource()  # pragma: no cover - needs a camera
    win.start_form("MZ-GLJT")
    panel = win.form.materials
    panel.source_factory = lambda: source
    dlg = panel.open_capture(panel.rows[0])
    with qtbot.waitSignal(source.captured, timeout=30_000):
        qtbot.waitUntil(source.still.isReadyForCapture, timeout=30_000)
        dlg.shoot.click()
    assert dlg.pages


def test_a_shared_material_is_not_asked_for(qtbot: Any, win: Any) -> None:
    """免提交 (issue 17): the row says how the desk obtains it; no tick, no 拍照."""
    from PySide6.QtWidgets import QLabel

    win.start_form("GA-CSDJ")
    panel = win.form.materials
    row = next(r for r in panel.rows if r.material.name == "结婚证")
    assert not row.box.isEnabled() and row.capture_button.isHidden()
    words = " ".join(w.text() for w in row.findChildren(QLabel))
    assert "免提交 · 电子证照" in words and "民政部门" in words
    panel.tick_all()
    assert "结婚证" not in panel.received()


@pytest.mark.parametrize("mode", ["normal", "large", "contrast"])
def test_capture_screens_fit_1366x768(qtbot: Any, win: Any, mode: str, tmp_path: Path) -> None:
    """The capture dialog over the form at 1366×768 in normal, 长辈 (large) and high-contrast
    mode: saved as screenshots (looked at: /tmp/ui-shots/issue17-capture-*.png), every
    button fully shown."""
    from PySide6.QtWidgets import QApplication, QPushButton

    from desk.ui import style
    from desk.ui.capture import StillSource

    app = QApplication.instance()
    style.apply(app, mode == "large", mode == "contrast")
    try:
        win.resize(1366, 768)
        win.start_form("MZ-GLJT")
        panel = win.form.materials
        panel.source_factory = lambda: StillSource([_frame(2400, 1800), _frame(1800, 2400)])
        panel.pick_files = lambda _parent: _files(tmp_path)[1:2]
        dlg = panel.open_capture(panel.rows[0])
        dlg.resize(min(1200, 1366), min(700, 768))
        dlg.shoot.click()
        dlg.shoot.click()
        dlg.files.click()
        _settled(qtbot, dlg)
        assert len(dlg.pages) == 3
        qtbot.waitExposed(dlg)
        # sideways, upright and a PDF: one cell size, so the labels stand on one line
        cells = [dlg.thumbs.visualItemRect(dlg.thumbs.item(i)) for i in range(3)]
        assert len({(r.top(), r.height()) for r in cells}) == 1, [
            (r.top(), r.height()) for r in cells]
        out = Path("/tmp/ui-shots")
        out.mkdir(parents=True, exist_ok=True)
        assert dlg.grab().save(str(out / f"issue17-capture-{mode}.png"))
        for b in dlg.findChildren(QPushButton):
            if b.isVisible():
                assert b.width() >= b.sizeHint().width() - 1, (b.text(), b.width())
        assert dlg.width() <= 1366 and dlg.height() <= 768
        dlg.done_button.click()
        label = panel.rows[0].pages_label
        qtbot.waitUntil(lambda: label.width() >= label.sizeHint().width(), timeout=10_000)
        assert win.grab().save(str(out / f"issue17-form-{mode}.png"))
    finally:
        style.apply(app, False, False)
