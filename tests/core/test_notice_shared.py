"""免提交 materials on the 一次性告知单 (issue 17): a material the desk obtains itself by data
sharing or from the electronic licence library is listed as 免提交 with how it is obtained —
never among the materials the resident is asked to bring. Read back with pdftotext."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from desk.core.receipts import render_notice_pdf
from forms.engine import all_materials

TODAY = date(2026, 12, 4)


def _text(pdf: bytes, tmp: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is missing: apt-get install poppler-utils (see README)")
    f = tmp / "notice.pdf"
    f.write_bytes(pdf)
    out = subprocess.run([tool, "-layout", str(f), "-"], check=True, capture_output=True,
                         text=True, timeout=60).stdout
    return re.sub(r"\s+", "", out)


@pytest.mark.parametrize("fmt", ["a4", "80mm"])
@pytest.mark.parametrize("code", ["GA-CSDJ", "CL-CJZHL"])
def test_shared_materials_are_listed_as_not_to_bring(desk: Any, code: str, fmt: str,
                                                     tmp_path: Path) -> None:
    item = desk.catalog.get(code)
    shared = [m for m in all_materials(item) if m.obtained_by_sharing]
    paper = [m for m in all_materials(item) if not m.obtained_by_sharing]
    assert shared and paper, code
    text = _text(render_notice_pdf(item, fmt, desk.catalog.version, desk.settings,
                                   today=TODAY), tmp_path)
    bring = text[text.index("申请材料"):text.index("免提交材料（部门共享/电子证照）")]
    given = text[text.index("免提交材料（部门共享/电子证照）"):text.index("办理流程")]
    for m in paper:
        assert m.name in bring, m.name
    for m in shared:
        # not among what to bring (a paper material's name may contain it: 结婚证 in 离婚证或结婚证…)
        assert not re.search(rf"(^|\d|[）)]){re.escape(m.name)}(原件|复印件|电子证照)", bring), \
            (m.name, bring)
        assert m.name in given, (m.name, given)
        assert f"免提交（{m.source_label}）" in given
        if m.source_department:
            assert re.sub(r"\s+", "", m.source_department) in given


def test_an_item_without_shared_materials_has_no_such_section(desk: Any,
                                                              tmp_path: Path) -> None:
    item = desk.catalog.get("MZ-GLJT")
    assert not any(m.obtained_by_sharing for m in all_materials(item))
    text = _text(render_notice_pdf(item, "a4", desk.catalog.version, desk.settings,
                                   today=TODAY), tmp_path)
    assert "免提交材料" not in text and "申请材料" in text
