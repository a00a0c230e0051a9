"""Issue 14 item 15 (save → receipt preview): the receipt of a case just saved is rendered
and rastered on the background helper in the save's own task — while the UI thread turns
to the receipt page — and the page shows it as an image as soon as it exists: nothing of
the document is parsed or rastered on the UI thread, and it is rendered once."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from desk.ui.preview import Ahead, Pages, Room


def _fill(win: Any) -> Any:
    item = win.ctx.catalog.get("MZ-GLJT")
    win.start_form("MZ-GLJT")
    form = win.form
    form.form.set_values({k: v for k, v in item.example.items() if k != "materials"})
    form.materials.set_received(list(item.example.get("materials", [])))
    form.refresh()
    return form


def _ink(img: Any) -> int:
    """Dark pixels on a sample grid of the page image (text drawn on it)."""
    return sum(1 for x in range(0, img.width(), 3) for y in range(0, img.height(), 3)
               if img.pixelColor(x, y).lightness() < 100)


@pytest.mark.parametrize("fmt", ["a4", "80mm"])
def test_saved_receipt_is_made_in_the_save_task_and_shown_as_its_page(
        qtbot: Any, win: Any, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    import desk.core.receipts as receipts
    import desk.ui.preview as preview
    from forms.ids import id_check_digit

    calls: list[tuple[str, str]] = []
    render, raster = receipts.render_case_pdf, preview.pdf_page_images

    def rendering(*args: Any, **kwargs: Any) -> bytes:
        calls.append(("render", threading.current_thread().name))
        return bytes(render(*args, **kwargs))

    def rastering(*args: Any, **kwargs: Any) -> Any:
        calls.append(("raster", threading.current_thread().name))
        return raster(*args, **kwargs)

    monkeypatch.setattr(receipts, "render_case_pdf", rendering)
    monkeypatch.setattr(preview, "pdf_page_images", rastering)
    page = win.page("receipt")
    page.panel.fmt = fmt  # the format the worker chose last stays chosen
    main = threading.main_thread().name
    residents = [body + id_check_digit(body) for body in ("42010519400101001",
                                                          "42010519400202002")]
    for n, resident in enumerate(residents):
        calls.clear()
        form = _fill(win)
        form.form.set_values({"applicant_id": resident})
        shown = page.panel.preview.painted
        assert form.save()
        qtbot.waitUntil(lambda s=shown: win.stack.currentWidget() is page and
                        page.panel.preview.painted > s and not win.tasks.busy, timeout=30_000)
        # rendered once (ahead, in the save's task), off the UI thread; rastered there too
        # — once, but for the day's first save: its page had never been laid out, so the
        # room guessed for it may be a few pixels off and the page is rastered again
        assert [c[0] for c in calls][:2] == ["render", "raster"], calls
        assert [c[0] for c in calls].count("render") == 1, calls
        assert len(calls) == 2 or (n == 0 and len(calls) == 3), calls
        assert all(thread != main for _, thread in calls), calls
    preview_widget = page.panel.preview
    assert preview_widget.page_count == 1
    assert bytes(preview_widget.pdf_bytes or b"").startswith(b"%PDF")
    img = preview_widget.pages.images[0]
    assert _ink(img) > 100  # the page's text is on the image shown
    # the roll is narrow, A4 wide: the format chosen is the one shown
    assert (img.width() < img.height() / 2) == (fmt == "80mm") or fmt == "a4"
    assert "共 1 页" in page.panel.status.text()


def test_a_document_made_ahead_is_taken_once_and_only_for_its_own_key() -> None:
    made = Ahead()
    pages = Pages(b"%PDF-", [], 1.0)
    made.put(("case-1", "a4"), pages)
    assert made.take(("case-2", "a4")) is None  # another case: not this document …
    assert made.take(("case-1", "a4")) is None  # … and the slot is emptied
    made.put(("case-1", "a4"), pages)
    assert made.take(("case-1", "80mm")) is None  # another format
    made.put(("case-1", "a4"), pages)
    assert made.take(("case-1", "a4")) is pages
    assert made.take(("case-1", "a4")) is None  # taken once


def test_pages_made_for_another_room_are_rastered_again_not_rendered_again(qtbot: Any) -> None:
    from desk.core.receipts import render_notice_pdf
    from desk.core.settings import Settings
    from desk.ui.preview import preview_pages
    from forms.catalog import load_catalog

    item = load_catalog().get("MZ-GLJT")
    data = render_notice_pdf(item, "a4", "test", Settings())
    wide = preview_pages(data, Room(1400, 96.0, 1.0))
    assert wide.zoom == 1.0 and wide.fit(Room(1200, 96.0, 1.0)) is wide  # same zoom
    narrow = wide.fit(Room(600, 96.0, 1.0))  # a narrower preview: a smaller page
    assert narrow is not wide and narrow.pdf is data and narrow.zoom < 1.0
    assert narrow.images[0].width() < wide.images[0].width()
    sharp = wide.fit(Room(1400, 96.0, 2.0))  # a high-density screen: twice the pixels
    assert abs(sharp.images[0].width() - 2 * wide.images[0].width()) <= 1
