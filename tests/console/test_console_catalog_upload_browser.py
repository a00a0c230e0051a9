"""Issue 21 item 1: a catalog uploaded on 事项目录 through a real Chromium is published
under the file's own version; a broken JSON file and a wrongly shaped file are refused
with what is wrong; only real publishes are audited as 发布目录."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from console_helpers import ConsoleServer, shot
from test_console_browser import _flash, _sign_in

from forms.catalog import load_catalog

pytestmark = pytest.mark.browser


def _upload(page: Any, base: str, path: Path) -> str:
    page.goto(f"{base}/console/catalog")
    page.locator("input[type=file][name=file]").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="上传并发布").click()
    return _flash(page)


def test_catalog_upload_in_a_browser(server: ConsoleServer, page: Any,
                                     tmp_path: Path) -> None:
    base = server.url
    _sign_in(page, base)
    shipped = load_catalog().to_json()
    new = dict(shipped, version="2026.12-hanyang.7")
    good = tmp_path / "hanyang-2026.12.json"
    good.write_text(json.dumps(new, ensure_ascii=False), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{"version": "2026.12-x", "items": [', encoding="utf-8")
    shaped = tmp_path / "shape.json"
    shaped.write_text(json.dumps([{"version": "x"}]), encoding="utf-8")
    bad_item = tmp_path / "bad-item.json"
    bad_item.write_text(json.dumps({"version": "2026.12-y", "items": [{"code": "MZ-X"}]}),
                        encoding="utf-8")

    text = _upload(page, base, broken)
    assert "broken.json" in text and "不是有效的 JSON" in text and "第 1 行" in text, text
    text = _upload(page, base, shaped)
    assert "shape.json" in text and "version" in text and "items" in text, text
    text = _upload(page, base, bad_item)
    assert "bad-item.json" in text and "name" in text and "required" in text.lower(), text
    assert server.console.catalog_versions() == []  # nothing published by a bad file
    assert not [e for e in server.console.audit.entries(action="catalog.publish")]

    text = _upload(page, base, good)
    assert "2026.12-hanyang.7 已发布" in text, text
    shot(page, "21a-catalog-uploaded")
    assert "2026.12-hanyang.7" in page.locator("table.list").first.inner_text()
    assert [v["version"] for v in server.console.catalog_versions()] == ["2026.12-hanyang.7"]
    # the same file again: not published again, and not audited as a publish
    text = _upload(page, base, good)
    assert "此前已发布" in text, text
    published = server.console.audit.entries(action="catalog.publish")
    assert [e["target"] for e in published] == ["2026.12-hanyang.7"]
