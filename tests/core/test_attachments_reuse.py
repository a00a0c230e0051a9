"""Reused materials (issue 23) are refused without the consent, from another resident's
case, as another material, or once purged — each naming the rule, nothing saved."""

from __future__ import annotations

import io
from typing import Any

import pytest

from desk.core.attachments_reuse import material_kind, offered_pages
from desk.core.errors import ValidationFailed


def _page(shade: int) -> Any:
    from PIL import Image

    from desk.core.attachments import normalise

    buf = io.BytesIO()
    Image.new("RGB", (500, 300), (shade, shade, shade)).save(buf, "JPEG")
    return normalise(buf.getvalue(), "p.jpg")


def test_material_kinds() -> None:
    for own in ("居民身份证", "老人身份证", "申请人身份证", "申请人居民身份证", "身份证"):
        assert material_kind(own) == "居民身份证", own
    for other in ("代办人身份证", "父亲居民身份证", "申请人及家庭成员身份证", "户口簿"):
        assert material_kind(other) == other


def test_reuse_refusals(desk: Any) -> None:
    ex = dict(desk.catalog.get("MZ-GLJT").example)
    first = desk.cases.submit("MZ-GLJT", ex, desk.actor(),
                              attachments=[("居民身份证", [_page(10)]), ("户口簿", [_page(60)])])
    pid = ex["applicant_id"]
    offers = {o["material"]: o for o in offered_pages(desk.store, pid,
                                                      desk.catalog.get("MZ-LNYD"))}
    assert set(offers) == {"老人身份证"}
    ids = offers["老人身份证"]["attachment_ids"]
    lnyd = dict(desk.catalog.get("MZ-LNYD").example, applicant_id=pid)
    count = len(desk.store.list_cases())

    def refused(sub: dict[str, Any], picks: Any) -> str:
        with pytest.raises(ValidationFailed) as exc:
            desk.cases.submit("MZ-LNYD", sub, desk.actor(), reuse_pages=picks)
        assert len(desk.store.list_cases()) == count  # nothing saved
        return exc.value.problems[0].message

    assert "须先经居民同意" in refused(lnyd, [("老人身份证", ids)])
    agreed = dict(lnyd, reuse_consent=True)
    hkb = [r["attachment_id"] for r in desk.store.attachments_of(first["uuid"])
           if r["material"] == "户口簿"]
    assert "不能用作“老人身份证”" in refused(agreed, [("老人身份证", hkb)])
    # another resident's case and pages
    other = desk.cases.submit("MZ-DB", dict(desk.catalog.get("MZ-DB").example), desk.actor(),
                              attachments=[("户口簿", [_page(200)])])
    count = len(desk.store.list_cases())
    theirs = [r["attachment_id"] for r in desk.store.attachments_of(other["uuid"])]
    assert "不属于本申请人" in refused(agreed, [("户口簿", theirs)])
    assert "没有这份存档材料" in refused(agreed, [("老人身份证", ["no-such-page"])])
    # fine with the consent: copied as the new case's own pages
    saved = desk.cases.submit("MZ-LNYD", agreed, desk.actor(),
                              reuse_pages=[("老人身份证", ids)])
    assert [r["material"] for r in desk.store.attachments_of(saved["uuid"])] == ["老人身份证"]


@pytest.mark.parametrize("fmt", ["a4", "80mm"])
def test_the_receipt_lists_reused_materials(desk: Any, fmt: str, tmp_path: Any) -> None:
    """The receipt says which materials are on file and need not be brought again."""
    import re
    import shutil
    import subprocess

    from desk.core.receipts import render_case_pdf

    ex = dict(desk.catalog.get("MZ-GLJT").example)
    first = desk.cases.submit("MZ-GLJT", ex, desk.actor(),
                              attachments=[("居民身份证", [_page(10), _page(30)])])
    ids = [r["attachment_id"] for r in desk.store.attachments_of(first["uuid"])]
    sub = dict(desk.catalog.get("MZ-LNYD").example, applicant_id=ex["applicant_id"],
               reuse_consent=True)
    case = desk.cases.submit("MZ-LNYD", sub, desk.actor(), reuse_pages=[("老人身份证", ids)])
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(render_case_pdf(desk, case, fmt=fmt))
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext is missing: apt-get install poppler-utils (see README)"
    text = re.sub(r"\s+", "", subprocess.run([tool, "-layout", str(pdf), "-"], check=True,
                                             capture_output=True, text=True,
                                             timeout=60).stdout)
    assert f"已存档，免再次提交：老人身份证（取自受理编号{first['receipt_no']}）" in text
    from forms.ids import id_check_digit

    other = "11010119450101123" + id_check_digit("11010119450101123")
    plain = desk.cases.submit("MZ-GLJT", dict(ex, applicant_id=other), desk.actor())
    pdf.write_bytes(render_case_pdf(desk, plain, fmt=fmt))
    assert "已存档" not in subprocess.run([tool, str(pdf), "-"], check=True,
                                          capture_output=True, text=True, timeout=60).stdout
