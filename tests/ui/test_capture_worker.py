"""拍照 / 选择文件 off the UI thread, and a PDF's thumbnail (issue 17).

A 12 MP photo takes most of a second to normalise: the window keeps turning meanwhile, the
dialog says what it is processing, pages keep the order they were taken or chosen in, and
closing the dialog meanwhile keeps nothing of it. A PDF's thumbnail is its first page."""

from __future__ import annotations

import io
import itertools
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _big_photo(path: Path) -> Path:
    """A 12-megapixel phone photo (4000×3000, grain everywhere like a real one)."""
    from PIL import Image

    grain = Image.effect_noise((1000, 750), 40).resize((4000, 3000))
    Image.merge("RGB", (grain, grain, grain)).save(path, "JPEG", quality=90)
    return path


def _small(path: Path, width: int) -> Path:
    from PIL import Image

    Image.new("RGB", (width, 300), "white").save(path, "PNG")
    return path


def test_a_big_photo_normalises_while_the_window_keeps_turning(qtbot: Any, win: Any,
                                                               tmp_path: Path) -> None:
    from PySide6.QtCore import QTimer

    win.start_form("MZ-GLJT")
    panel = win.form.materials
    panel.source_factory = lambda: None
    dlg = panel.open_capture(panel.rows[0])
    photo = _big_photo(tmp_path / "phone.jpg")
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    try:
        started = time.perf_counter()
        assert dlg.add_files([str(photo)]) == 1
        returned = time.perf_counter() - started
        # handed to the worker: nothing added yet, the dialog says it is working, 完成 waits
        assert dlg.pages == [] and dlg.working == 1
        assert dlg.busy.isVisible() and "正在处理 1 / 1 页" in dlg.busy.text()
        assert not dlg.done_button.isEnabled()
        dlg.accept()
        assert dlg.isVisible() and "还有 1 页正在处理" in dlg.message.text()
        qtbot.waitUntil(lambda: not dlg.working, timeout=60_000)
        took = time.perf_counter() - started
    finally:
        timer.stop()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    # the event loop turned all along: the timer ticked while the photo was processed
    assert len(ticks) >= 5, (len(ticks), took)
    print(f"add_files returned in {returned * 1000:.1f} ms; processed in {took * 1000:.0f} ms;"
          f" {len(ticks)} ticks, longest gap {max(gaps) * 1000:.0f} ms")
    assert returned < took / 2
    assert len(dlg.pages) == 1 and 1000 < dlg.pages[0].width <= 1600  # (grain: ≤ 300 KB)
    assert not dlg.busy.isVisible()
    assert dlg.done_button.isEnabled()
    dlg.done_button.click()
    assert panel.rows[0].pages_label.text() == "已拍 1 页"


def test_fifty_pages_at_once_keep_their_order(qtbot: Any, win: Any, tmp_path: Path) -> None:
    """A slow page first, then 50 quick ones chosen at once: pages in the order chosen, each
    refusal said, the progress counts them all."""
    win.start_form("MZ-GLJT")
    panel = win.form.materials
    panel.source_factory = lambda: None
    files = [str(_big_photo(tmp_path / "first.jpg"))]
    files += [str(_small(tmp_path / f"p{n:02}.png", 400 + n)) for n in range(50)]
    bad = tmp_path / "note.txt"
    bad.write_text("not a page", encoding="utf-8")
    files.insert(20, str(bad))
    panel.pick_files = lambda _parent: files
    dlg = panel.open_capture(panel.rows[0])
    dlg.files.click()
    assert dlg.working == 52 and "/ 52 页" in dlg.busy.text()
    qtbot.waitUntil(lambda: not dlg.working, timeout=120_000)
    assert [p.width for p in dlg.pages][1:] == [400 + n for n in range(50)]
    assert dlg.pages[0].width > 1000
    assert "“note.txt”不是可接受的文件类型" in dlg.message.text()
    assert dlg.thumbs.count() == 51 and dlg.thumbs.currentRow() == 50
    dlg.done_button.click()
    assert [p.width for p in panel.captures[panel.rows[0].material.name]][-1] == 449


def test_closing_while_working_keeps_nothing(qtbot: Any, win: Any, tmp_path: Path) -> None:
    """取消 while a photo is still processed: no crash, nothing kept, the material unticked;
    pages kept before stay as they were."""
    win.start_form("MZ-GLJT")
    panel = win.form.materials
    panel.source_factory = lambda: None
    row = panel.rows[0]
    dlg = panel.open_capture(row)
    dlg.add_files([str(_small(tmp_path / "kept.png", 500))])
    qtbot.waitUntil(lambda: not dlg.working, timeout=60_000)
    dlg.done_button.click()
    name = row.material.name
    assert [p.width for p in panel.captures[name]] == [500]

    dlg = panel.open_capture(row)
    dlg.add_files([str(_big_photo(tmp_path / "big.jpg")),
                   *(str(_small(tmp_path / f"s{n}.png", 300 + n)) for n in range(50))])
    assert dlg.working == 51
    dlg.reject()  # closed while the worker is on the first photo
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=120_000)
    assert [p.width for p in panel.captures[name]] == [500]
    assert row.pages_label.text() == "已拍 1 页"
    assert dlg.closed and dlg.working == 0


def _pdf_with_black_square() -> bytes:
    """An A4 page whose top-left quarter is solid black, the rest white."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    w, h = A4
    c.setFillColorRGB(0, 0, 0)
    c.rect(0, h / 2, w / 2, h / 2, stroke=0, fill=1)
    c.showPage()
    c.setFillColorRGB(0, 0, 0)
    c.rect(0, 0, w, h, stroke=0, fill=1)  # a black second page: never the thumbnail
    c.showPage()
    c.save()
    return buf.getvalue()


def test_a_pdf_thumbnail_is_its_first_page(qtbot: Any, win: Any, tmp_path: Path) -> None:
    from PySide6.QtGui import QColor

    from desk.core.attachments import normalise
    from desk.ui.capture import THUMB, pdf_first_page, thumbnail

    page = normalise(_pdf_with_black_square(), "scan.pdf")
    img = thumbnail(page)
    # A4 fitted into 120×160: the page's shape, its top-left quarter black, the rest white
    assert img.height() == THUMB.height() and abs(img.width() - 113) <= 1

    def grey(x: float, y: float) -> int:
        return int(QColor(img.pixel(int(img.width() * x), int(img.height() * y))).lightness())

    assert grey(0.25, 0.25) < 40 and grey(0.1, 0.4) < 40
    assert grey(0.75, 0.25) > 215 and grey(0.75, 0.75) > 215 and grey(0.25, 0.75) > 215
    # the large view of the page in the dialog is the same page, rendered larger
    big = pdf_first_page(page.data, THUMB * 4)
    assert big.height() == THUMB.height() * 4
    assert QColor(big.pixel(big.width() // 4, big.height() // 4)).lightness() < 40

    # the dialog's list shows that picture
    win.start_form("MZ-GLJT")
    panel = win.form.materials
    panel.source_factory = lambda: None
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(page.data)
    dlg = panel.open_capture(panel.rows[0])
    dlg.add_files([str(scan)])
    qtbot.waitUntil(lambda: not dlg.working, timeout=60_000)
    icon = dlg.thumbs.item(0).icon().pixmap(THUMB).toImage()
    assert QColor(icon.pixel(icon.width() // 4, icon.height() // 4)).lightness() < 40
    assert QColor(icon.pixel(icon.width() * 3 // 4, icon.height() * 3 // 4)).lightness() > 215
    # a PDF QtPdf cannot draw (pypdf can read it) still gets a sheet, not an error
    assert not pdf_first_page(b"%PDF-1.4 broken", THUMB).isNull()


def test_without_qt_multimedia_only_files(qtbot: Any, win: Any,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The installed bundle leaves Qt Multimedia out (installer/doorstep-desk.spec): 拍照
    opens the dialog with 选择文件 only, instead of failing on the import."""
    import sys

    from desk.ui.capture import cameras, default_source

    monkeypatch.setitem(sys.modules, "PySide6.QtMultimedia", None)
    assert cameras() == [] and default_source() is None
    win.start_form("MZ-GLJT")
    panel = win.form.materials
    dlg = panel.open_capture(panel.rows[0])
    assert not dlg.shoot.isEnabled() and dlg.files.isEnabled()
    dlg.reject()


def test_turning_a_page_keeps_the_window_turning(qtbot: Any, win: Any, tmp_path: Path) -> None:
    """旋转 off the UI thread too: the page is replaced where it is when the turn is done;
    完成, 旋转 and 删除 wait; closing meanwhile keeps nothing of it."""
    win.start_form("MZ-GLJT")
    panel = win.form.materials
    panel.source_factory = lambda: None
    dlg = panel.open_capture(panel.rows[0])
    dlg.add_files([str(_big_photo(tmp_path / "a.jpg")), str(_small(tmp_path / "b.png", 500))])
    qtbot.waitUntil(lambda: not dlg.working, timeout=60_000)
    first = dlg.pages[0]
    dlg.thumbs.setCurrentRow(0)
    dlg.rotate.click()
    # handed to the worker: the page is as it was, the dialog says it is working
    assert dlg.pages[0] is first and dlg.working == 1
    assert not dlg.rotate.isEnabled() and not dlg.remove.isEnabled()
    assert not dlg.done_button.isEnabled()
    qtbot.waitUntil(lambda: not dlg.working, timeout=60_000)
    assert (dlg.pages[0].width, dlg.pages[0].height) == (first.height, first.width)
    assert [p.width for p in dlg.pages][1:] == [500] and dlg.thumbs.currentRow() == 0
    assert dlg.rotate.isEnabled() and dlg.done_button.isEnabled()
    turned = dlg.pages[0]
    dlg.rotate.click()
    dlg.reject()  # closed while turning: nothing kept
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=60_000)
    assert dlg.pages[0] is turned and panel.captures == {}


@pytest.mark.parametrize("mode", ["normal", "large", "contrast"])
def test_progress_screens_1366x768(qtbot: Any, win: Any, mode: str, tmp_path: Path) -> None:
    """The dialog while pages are processed, at 1366×768 in normal, 长辈 and high-contrast
    mode (/tmp/ui-shots/issue17-progress-*.png, looked at): the progress reads whole."""
    from PySide6.QtWidgets import QApplication

    from desk.ui import style

    app = QApplication.instance()
    style.apply(app, mode == "large", mode == "contrast")
    try:
        win.resize(1366, 768)
        win.start_form("MZ-GLJT")
        panel = win.form.materials
        panel.source_factory = lambda: None
        dlg = panel.open_capture(panel.rows[0])
        dlg.resize(1200, 700)
        dlg.add_files([str(_small(tmp_path / "first.png", 600))])
        qtbot.waitUntil(lambda: not dlg.working, timeout=60_000)
        photo = _big_photo(tmp_path / "big.jpg")
        dlg.add_files([str(photo), str(photo), str(photo)])
        qtbot.waitExposed(dlg)
        assert dlg.busy.isVisible() and "/ 3 页" in dlg.busy.text()
        out = Path("/tmp/ui-shots")
        out.mkdir(parents=True, exist_ok=True)
        assert dlg.grab().save(str(out / f"issue17-progress-{mode}.png"))
        fm = dlg.busy.fontMetrics()
        assert dlg.busy.width() >= fm.horizontalAdvance(dlg.busy.text())
        qtbot.waitUntil(lambda: not dlg.working, timeout=120_000)
        dlg.reject()
    finally:
        style.apply(app, False, False)


def test_reopening_draws_no_thumbnail_on_the_ui_thread(qtbot: Any, win: Any, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A material's pages reopened: their thumbnails are the ones drawn by the worker."""
    import threading

    from desk.ui import capture

    win.start_form("MZ-GLJT")
    panel = win.form.materials
    panel.source_factory = lambda: None
    dlg = panel.open_capture(panel.rows[0])
    dlg.add_files([str(_small(tmp_path / f"p{n}.png", 500 + n)) for n in range(3)])
    qtbot.waitUntil(lambda: not dlg.working, timeout=60_000)
    dlg.done_button.click()
    on_ui: list[int] = []
    real = capture.thumbnail

    def counted(page: Any) -> Any:
        if threading.current_thread() is threading.main_thread():
            on_ui.append(1)
        return real(page)

    monkeypatch.setattr(capture, "thumbnail", counted)
    again = panel.open_capture(panel.rows[0])
    assert again.thumbs.count() == 3 and on_ui == []
    again.thumbs.setCurrentRow(2)
    again.remove.click()
    again.done_button.click()
    assert [p.width for p in panel.captures[panel.rows[0].material.name]] == [500, 501]
    third = panel.open_capture(panel.rows[0])
    assert third.thumbs.count() == 2 and on_ui == []
    third.reject()
