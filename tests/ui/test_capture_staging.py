"""拍照 on the real form stages each page in the store as it is normalised (issue 17); the
save claims exactly the pages the form shows, and a form left without saving — or a crash
— leaves no page behind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _photos(folder: Path, n: int, start: int = 0) -> list[str]:
    out = []
    for i in range(start, start + n):
        p = folder / f"page-{i}.jpg"
        Image.effect_noise((800, 1100), 30 + i).convert("RGB").save(p, "JPEG")
        out.append(str(p))
    return out


def _idle(qtbot: Any, win: Any) -> None:
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=60_000)


def _form(win: Any, desk: Any) -> tuple[Any, Any, Any]:
    win.start_form("MZ-GLJT")
    page = win.form
    example = dict(desk.catalog.get("MZ-GLJT").example)
    page.form.set_values({k: v for k, v in example.items() if k != "materials"})
    panel = page.materials
    panel.set_received(list(example["materials"]))
    panel.source_factory = lambda: None
    return page, panel, panel.rows[0]


def _capture(qtbot: Any, win: Any, panel: Any, row: Any, files: list[str]) -> Any:
    panel.pick_files = lambda _parent: files
    row.capture_button.click()
    dlg = panel.capture_dialog
    dlg.files.click()
    qtbot.waitUntil(lambda: not dlg.working, timeout=60_000)
    return dlg


def _page_data(store: Any) -> int:
    return int(store._read("SELECT count(*) AS n FROM page_data")[0]["n"])


def test_pages_staged_as_captured_and_the_save_claims_what_the_form_shows(
        qtbot: Any, win: Any, desk: Any, tmp_path: Path) -> None:
    store = desk.store
    page, panel, row = _form(win, desk)
    dlg = _capture(qtbot, win, panel, row, _photos(tmp_path, 3))
    # each page is in the store as soon as it is shown
    assert all(p.staged for p in dlg.pages) and store.attachments.staged_count(panel.session) == 3
    dlg.thumbs.setCurrentRow(2)
    dlg.remove.click()  # retaken: its staged row goes when the dialog closes on 完成
    dlg.thumbs.setCurrentRow(0)
    turned = dlg.pages[0]
    dlg.rotate.click()  # 旋转 replaces the staged row
    qtbot.waitUntil(lambda: not dlg.working, timeout=60_000)
    assert dlg.pages[0] is not turned and dlg.pages[0].staged != turned.staged
    dlg.done_button.click()
    _idle(qtbot, win)
    shown = panel.captures[row.material.name]
    staged = store._read("SELECT data_id FROM staged_pages")
    assert sorted(r["data_id"] for r in staged) == sorted(p.staged for p in shown)
    # a second visit adds a page and is cancelled: that page goes, the two stay
    dlg = _capture(qtbot, win, panel, row, _photos(tmp_path, 1, start=7))
    assert store.attachments.staged_count(panel.session) == 3
    dlg.reject()
    _idle(qtbot, win)
    assert panel.captures[row.material.name] == shown
    assert store.attachments.staged_count(panel.session) == 2 and _page_data(store) == 2

    assert page.save()
    qtbot.waitUntil(lambda: bool(store.search.list_cases()), timeout=30_000)
    _idle(qtbot, win)
    case = store.search.list_cases()[0]
    rows = store.attachments.attachments_of(case["uuid"])
    assert [r["sha256"] for r in rows] == [p.sha256 for p in shown]
    assert [store.attachments.attachment_data(r["attachment_id"]) for r in rows] == [p.data for p in shown]
    assert store.attachments.staged_count() == 0 and _page_data(store) == 2  # claimed, not copied


def test_a_form_left_without_saving_leaves_no_page(qtbot: Any, win: Any, desk: Any,
                                                   tmp_path: Path) -> None:
    store = desk.store
    page, panel, row = _form(win, desk)
    _capture(qtbot, win, panel, row, _photos(tmp_path, 2)).done_button.click()
    page.form.set_values({"applicant_name": ""})
    assert not page.save()  # refused: the pages wait for the next try
    _idle(qtbot, win)
    assert store.attachments.staged_count(panel.session) == 2
    win.go_home()  # 返回 without saving (answered: leave)
    _idle(qtbot, win)
    assert win.form is None and store.attachments.staged_count() == 0 and _page_data(store) == 0
    # a dialog closed while its pages are still being processed keeps none of them
    page, panel, row = _form(win, desk)
    panel.pick_files = lambda _parent: _photos(tmp_path, 3, start=4)
    row.capture_button.click()
    dlg = panel.capture_dialog
    dlg.files.click()
    dlg.reject()
    _idle(qtbot, win)
    assert store.attachments.staged_count() == 0 and _page_data(store) == 0
    # the window closed over a form with pages
    _capture(qtbot, win, panel, row, _photos(tmp_path, 1, start=9)).done_button.click()
    _idle(qtbot, win)
    assert store.attachments.staged_count() == 1
    win.close()
    assert store.attachments.staged_count() == 0 and _page_data(store) == 0


@pytest.fixture
def crashed(desk: Any) -> Iterator[Any]:
    """A desk whose last run crashed with a form's page staged."""
    from desk.core.attachments import normalise

    with open(_photos(Path(desk.paths.data_dir).parent, 1)[0], "rb") as f:
        desk.store.attachments.stage_page("crashed-form", "居民身份证", normalise(f.read(), "p.jpg"))
    assert desk.store.attachments.staged_count() == 1
    yield desk


def test_a_crash_s_pages_are_deleted_at_the_next_start(qtbot: Any, crashed: Any) -> None:
    from answers import Answers

    from desk.ui import style
    from desk.ui.main import make_app
    from desk.ui.window import MainWindow

    style.apply(make_app(), False, False)
    w = MainWindow(crashed, dialogs=Answers())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    try:
        qtbot.waitUntil(lambda: crashed.store.attachments.staged_count() == 0, timeout=30_000)
        assert _page_data(crashed.store) == 0
    finally:
        w.tasks.shutdown()
