"""The printed 民情诉求受理单 (issue 15): A4 and the 80 mm roll, read back with poppler
(pdftotext, pdffonts) — the facts present, the resident masked, the check code a
receipt's, every font embedded and no character without a glyph."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from desk.core.matters import MatterService
from desk.core.receipts import fonts as rfonts
from desk.core.receipts import render_matter_pdf
from desk.core.receipts.matter_slip import matter_code
from desk.core.receipts.verify import group_code, receipt_key, verify_receipt

PHONE = "13812345678"
IDN = "420105194501010017"
LEAK = {"category": "投诉", "subcategory": "漏水", "urgency": "一般",
        "description": "楼上卫生间漏水，天花板渗水，已持续一周",
        "resident": {"name": "王建国", "phone": PHONE, "id_number": IDN},
        "place": {"compound": "汉阳花园", "building": "3", "unit": "2", "room": "502"},
        "answer_by": "phone"}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: apt-get install poppler-utils (see README)")
    return path


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    f = tmp_path / "slip.pdf"
    f.write_bytes(pdf)
    out = subprocess.run([_tool("pdftotext"), "-layout", str(f), "-"], check=True,
                         capture_output=True, text=True, timeout=60)
    return out.stdout


def pdffonts(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    f = tmp_path / "fonts.pdf"
    f.write_bytes(pdf)
    out = subprocess.run([_tool("pdffonts"), str(f)], check=True, capture_output=True,
                         text=True, timeout=60).stdout.splitlines()
    return [line.split() for line in out[2:] if line.strip()]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _record(desk: Any, **changes: Any) -> dict[str, Any]:
    m = MatterService(desk.store).record(dict(LEAK, **changes), desk.actor())
    stored = desk.store.matters.get_matter(m["uuid"])
    assert stored is not None
    return stored


@pytest.mark.parametrize("fmt", ["a4", "80mm"])
def test_the_slip_says_what_was_raised_masked_with_a_receipt_check_code(
        desk: Any, tmp_path: Path, fmt: str) -> None:
    m = _record(desk)
    pdf = render_matter_pdf(desk, m, fmt)
    text = squash(pdftotext(pdf, tmp_path))
    for words in ("民情诉求受理单", m["matter_no"], "王建国", "138****5678",
                  "420105********0017", "汉阳花园", "投诉·漏水", "一般", "楼上卫生间漏水",
                  "首问负责人", "刘晓燕", "答复期限", "7天内", "电话答复", "七里一村社区流动办事点"):
        assert squash(words) in text, words
    assert PHONE not in text and IDN not in text  # never the full numbers
    code = matter_code(desk, m)
    assert squash(group_code(code)) in text
    assert verify_receipt(receipt_key(desk.store), m["matter_no"], m["uuid"], code)
    if fmt == "a4":
        assert "存根" in text  # the desk's archive stub
    assert b"13812345678" not in pdf and IDN.encode() not in pdf  # nor in metadata


@pytest.mark.parametrize("fmt", ["a4", "80mm"])
def test_every_font_is_embedded_and_every_character_has_a_glyph(
        desk: Any, tmp_path: Path, fmt: str) -> None:
    m = _record(desk, description="邻居装修噪音扰民，䶮字测试，夜间施工到十一点")
    pdf = render_matter_pdf(desk, m, fmt)
    fonts = pdffonts(pdf, tmp_path)
    assert fonts, "no fonts in the slip"
    for row in fonts:
        # name type [encoding] emb sub uni object ID: "yes" for emb
        assert row[1:3] != ["Type", "3"], f"a bitmap (Type 3) font: {row}"
        assert row[-5] == "yes", f"font not embedded: {row}"
    text = pdftotext(pdf, tmp_path)
    assert not rfonts.unrenderable(text)
    assert "䶮" in text  # drawn by the fallback font, not dropped


def test_an_anonymous_matter_closed_on_the_spot(desk: Any, tmp_path: Path) -> None:
    m = _record(desk, resident=None, answer_by="none", category="咨询", subcategory="政策咨询",
                description="咨询高龄津贴申请条件")
    desk.store.matters.close_matter(m["uuid"], "已当场解答高龄津贴条件", "满意", "刘晓燕")
    m = desk.store.matters.get_matter(m["uuid"])
    assert m is not None
    text = squash(pdftotext(render_matter_pdf(desk, m, "80mm"), tmp_path))
    for words in ("匿名", "无需答复", "当场办结", "已当场解答高龄津贴条件", "满意"):
        assert words in text, words


def test_a_wrong_format_names_the_field(desk: Any) -> None:
    m = _record(desk)
    with pytest.raises(ValueError, match=r"^format: "):
        render_matter_pdf(desk, m, "a5")
