"""材料照片 on the case's detail page (issue 17): a material brought later (补交 of a 容缺
material) is photographed there and saved with its 补交 in one transaction; a material the
case holds gets pages saved at once; screenshots at 1366×768 (looked at)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

LATER = "近期一寸免冠照片"  # MZ-GLJT's deferrable photo


def deferred_case(ctx: Any) -> dict[str, Any]:
    """An MZ-GLJT case accepted with its photo owed (容缺, commitment signed)."""
    example = dict(ctx.catalog.get("MZ-GLJT").example)
    example["materials"] = [m for m in example["materials"] if m != LATER]
    example["defer_commitment"] = True
    case: dict[str, Any] = ctx.cases.submit("MZ-GLJT", example, ctx.actor())
    assert case["status"] == "deferred", case["status"]
    return case


def _photo(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (900, 1200), "white").save(path, "JPEG")
    return path


def _open(qtbot: Any, win: Any, uuid: str) -> Any:
    win.show_case(uuid)
    detail = win.page("detail")
    qtbot.waitUntil(lambda: detail.case is not None and detail.case["uuid"] == uuid
                    and not win.tasks.busy, timeout=30_000)
    return detail


def _capture(qtbot: Any, detail: Any, name: str, files: list[str]) -> None:
    photos = detail.photos
    photos.source_factory = lambda: None
    photos.pick_files = lambda _parent: files
    dlg = photos.open_capture(name)
    dlg.files.click()
    qtbot.waitUntil(lambda: not dlg.working, timeout=60_000)
    dlg.done_button.click()


def test_a_material_brought_later_is_photographed_with_its_supply(qtbot: Any, win: Any,
                                                                  desk: Any,
                                                                  tmp_path: Path) -> None:
    case = deferred_case(desk)
    uuid = case["uuid"]
    detail = _open(qtbot, win, uuid)
    photos = detail.photos
    assert photos.isVisible() and set(photos.rows) >= {LATER, "户口簿"}
    assert "待补交" in photos.rows[LATER][1].text()
    assert not detail.supply_boxes[0].isChecked()

    _capture(qtbot, detail, LATER, [str(_photo(tmp_path / "photo.jpg"))])
    # pages taken: the material is being brought; nothing saved until 登记已补交
    assert detail.supply_boxes[0].isChecked()
    assert "新拍 1 页" in photos.rows[LATER][1].text()
    assert desk.store.attachments.attachments_of(uuid) == []
    detail.supply_button.click()
    qtbot.waitUntil(lambda: desk.store.get_case(uuid)["status"] == "accepted", timeout=30_000)
    rows = desk.store.attachments.attachments_of(uuid)
    assert [(r["material"], r["page"], r["mime"]) for r in rows] == [(LATER, 1, "image/jpeg")]
    mats = json.loads(desk.store.get_case(uuid)["materials_json"])
    assert mats["missing"][0]["supplied_on"] and LATER in mats["received"]
    history = desk.store.history(uuid)
    supply = [h for h in history if h.get("action") == "case.supply"]
    assert supply and supply[-1]["detail"]["pages"] == 1
    qtbot.waitUntil(lambda: not detail.supply_boxes and not win.tasks.busy, timeout=30_000)
    qtbot.waitUntil(lambda: "已存 1 页" in photos.rows[LATER][1].text(), timeout=30_000)

    # a material the case holds: its new pages are saved on 完成
    _capture(qtbot, detail, "户口簿", [str(_photo(tmp_path / "hkb1.jpg")),
                                     str(_photo(tmp_path / "hkb2.jpg"))])
    qtbot.waitUntil(lambda: len(desk.store.attachments.attachments_of(uuid)) == 3, timeout=30_000)
    qtbot.waitUntil(lambda: "已存 2 页" in photos.rows["户口簿"][1].text(), timeout=30_000)


def test_supply_with_pages_is_all_or_nothing(desk: Any) -> None:
    """A page the store refuses mid-way: neither the 补交 nor any page is kept; pages of a
    material not being supplied are refused by name."""
    from desk.core.attachments import Page, normalise
    from desk.core.errors import ValidationFailed

    case = deferred_case(desk)
    uuid = case["uuid"]
    good = normalise(_jpeg(), "a.jpg")
    bad = Page(data=b"GIF89a", mime="image/gif")  # the table's CHECK refuses it
    with pytest.raises(Exception):  # noqa: B017 - the store's error, whatever its class
        desk.cases.supply_materials(uuid, [LATER], desk.actor(),
                                    attachments=[(LATER, [good, bad])])
    assert desk.store.get_case(uuid)["status"] == "deferred"
    assert desk.store.attachments.attachments_of(uuid) == []
    with pytest.raises(ValidationFailed) as exc:
        desk.cases.supply_materials(uuid, [LATER], desk.actor(),
                                    attachments=[("户口簿", [good])])
    assert "“户口簿”未登记补交" in exc.value.problems[0].message
    with pytest.raises(ValidationFailed) as exc:
        desk.cases.add_pages(uuid, LATER, [good], desk.actor())
    assert "尚未收取" in exc.value.problems[0].message
    assert desk.store.attachments.attachments_of(uuid) == []


def _jpeg() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (600, 800), "white").save(buf, "JPEG")
    return buf.getvalue()


@pytest.mark.parametrize("mode", ["normal", "large", "contrast"])
def test_case_photos_screens_1366x768(qtbot: Any, win: Any, desk: Any, mode: str,
                                      tmp_path: Path) -> None:
    """The detail page with 材料照片 at 1366×768 in normal, 长辈 and high-contrast mode
    (/tmp/ui-shots/issue17-detail-photos-*.png, looked at): every 拍照 button whole."""
    from PySide6.QtWidgets import QApplication

    from desk.ui import style

    app = QApplication.instance()
    style.apply(app, mode == "large", mode == "contrast")
    try:
        win.resize(1366, 768)
        case = deferred_case(desk)
        detail = _open(qtbot, win, case["uuid"])
        _capture(qtbot, detail, LATER, [str(_photo(tmp_path / "photo.jpg"))])
        qtbot.waitUntil(lambda: not win.tasks.busy, timeout=30_000)
        for _, label, button in detail.photos.rows.values():
            assert button.isVisible() and button.width() >= button.sizeHint().width() - 1
            assert label.width() > 60, label.text()
        out = Path("/tmp/ui-shots")
        out.mkdir(parents=True, exist_ok=True)
        assert win.grab().save(str(out / f"issue17-detail-photos-{mode}.png"))
    finally:
        style.apply(app, False, False)
