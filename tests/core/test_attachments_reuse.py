"""Reused materials (issue 23) are refused without the consent, from another resident's
case, as another material, or once purged — each naming the rule, nothing saved."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from typing import Any

import pytest

from desk.core.attachments_reuse import material_kind, offered_pages, valid_to
from desk.core.errors import ValidationFailed
from forms.dates import add_months


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
                                                      desk.catalog.get("MZ-LNYD"),
                                                      today=desk.cases.desk_day())}
    assert set(offers) == {"老人身份证"}
    ids = offers["老人身份证"]["attachment_ids"]
    lnyd = dict(desk.catalog.get("MZ-LNYD").example, applicant_id=pid)
    count = len(desk.store.search.list_cases())

    def refused(sub: dict[str, Any], picks: Any) -> str:
        with pytest.raises(ValidationFailed) as exc:
            desk.cases.submit("MZ-LNYD", sub, desk.actor(), reuse_pages=picks)
        assert len(desk.store.search.list_cases()) == count  # nothing saved
        return exc.value.problems[0].message

    assert "须先经居民同意" in refused(lnyd, [("老人身份证", ids)])
    agreed = dict(lnyd, reuse_consent=True)
    hkb = [r["attachment_id"] for r in desk.store.attachments.attachments_of(first["uuid"])
           if r["material"] == "户口簿"]
    assert "不能用作“老人身份证”" in refused(agreed, [("老人身份证", hkb)])
    # another resident's case and pages
    other = desk.cases.submit("MZ-DB", dict(desk.catalog.get("MZ-DB").example), desk.actor(),
                              attachments=[("户口簿", [_page(200)])])
    count = len(desk.store.search.list_cases())
    theirs = [r["attachment_id"] for r in desk.store.attachments.attachments_of(other["uuid"])]
    assert "不属于本申请人" in refused(agreed, [("户口簿", theirs)])
    assert "没有这份存档材料" in refused(agreed, [("老人身份证", ["no-such-page"])])
    # fine with the consent: copied as the new case's own pages
    saved = desk.cases.submit("MZ-LNYD", agreed, desk.actor(),
                              reuse_pages=[("老人身份证", ids)])
    assert [r["material"] for r in desk.store.attachments.attachments_of(saved["uuid"])] == ["老人身份证"]


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
    ids = [r["attachment_id"] for r in desk.store.attachments.attachments_of(first["uuid"])]
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


def _captured(desk: Any, case_uuid: str, material: str) -> date:
    return date.fromisoformat(min(str(r["created_at"]) for r in desk.store.attachments.attachments_of(
        case_uuid) if r["material"] == material)[:10])


def test_offered_only_within_validity(desk: Any) -> None:
    """Issue 23: a 收入证明 (valid 3 months in the catalog) is offered up to the day before
    the same date three months on, not from that day; a 户口簿 (no validity of its own) up
    to the catalog's reuse_max_months (12), and without that parameter at any age."""
    ex = dict(desk.catalog.get("MZ-DB").example)
    first = desk.cases.submit("MZ-DB", ex, desk.actor(), attachments=[
        ("收入证明", [_page(10), _page(20)]), ("户口簿", [_page(60)])])
    pid, dsr = ex["applicant_id"], desk.catalog.get("MZ-DSR")
    day = _captured(desk, first["uuid"], "收入证明")
    params = desk.catalog.params
    assert params["reuse_max_months"].value == 12

    def offered(today: date, **kw: Any) -> dict[str, str]:
        return {o["material"]: o["valid_to"]
                for o in offered_pages(desk.store, pid, dsr, today=today, **kw)}

    last_income = add_months(day, 3) - timedelta(days=1)
    last_hukou = add_months(day, 12) - timedelta(days=1)
    assert offered(day, params=params) == {"收入证明": last_income.isoformat(),
                                           "户口簿": last_hukou.isoformat()}
    assert offered(last_income, params=params) == {"收入证明": last_income.isoformat(),
                                                   "户口簿": last_hukou.isoformat()}
    assert offered(last_income + timedelta(days=1), params=params) == \
        {"户口簿": last_hukou.isoformat()}
    assert offered(last_hukou + timedelta(days=1), params=params) == {}
    # no catalog-wide cap: a material without a validity of its own is offered at any age
    assert offered(add_months(day, 60)) == {"户口簿": ""}


def test_expired_page_refused_naming_material_and_expiry(desk: Any) -> None:
    """Issue 23: picking a page past its validity on the case's acceptance day is refused
    with the material and the day it expired named; nothing is saved. The same page the
    day before is copied into the new case."""
    ex = dict(desk.catalog.get("MZ-DB").example)
    first = desk.cases.submit("MZ-DB", ex, desk.actor(),
                              attachments=[("收入证明", [_page(10)])])
    ids = [r["attachment_id"] for r in desk.store.attachments.attachments_of(first["uuid"])]
    last = add_months(_captured(desk, first["uuid"], "收入证明"), 3) - timedelta(days=1)
    sub = dict(desk.catalog.get("MZ-DSR").example, applicant_id=ex["applicant_id"],
               reuse_consent=True)
    count = len(desk.store.search.list_cases())
    with pytest.raises(ValidationFailed) as exc:
        desk.cases.submit("MZ-DSR", sub, desk.actor(), today=last + timedelta(days=1),
                          reuse_pages=[("收入证明", ids)])
    assert len(desk.store.search.list_cases()) == count  # nothing saved
    [problem] = exc.value.problems
    assert (problem.field, problem.rule) == ("reuse_materials", "expired")
    assert "“收入证明”" in problem.message
    assert f"有效期至 {last.isoformat()}，已过期" in problem.message
    saved = desk.cases.submit("MZ-DSR", sub, desk.actor(), today=last,
                              reuse_pages=[("收入证明", ids)])
    assert [r["material"] for r in desk.store.attachments.attachments_of(saved["uuid"])] == ["收入证明"]


def test_id_card_not_past_its_own_expiry() -> None:
    """Issue 23: the applicant's ID card read by the card reader is not reused past the
    card's own expiry (长期: no limit of its own); another material ignores it."""
    card = {"data_json": json.dumps({"identity": {"source": "card", "fields": ["x"],
                                                  "valid_to": "2027-01-31"}})}
    forever = {"data_json": json.dumps({"identity": {"source": "card", "valid_to": "长期"}})}
    assert valid_to(None, "老人身份证", "2026-12-01T09:00:00+08:00", card) == date(2027, 1, 31)
    assert valid_to(None, "居民身份证", "2026-12-01T09:00:00+08:00", forever) is None
    assert valid_to(None, "户口簿", "2026-12-01T09:00:00+08:00", card) is None


def test_id_card_pages_expire_with_the_card_read(desk: Any) -> None:
    """Issue 23, end to end: the earlier case read the ID card (its 有效期止 recorded); the
    card's pages are offered up to that day and refused after it, though the catalog's
    12-month cap would still allow them."""
    ex = dict(desk.catalog.get("MZ-GLJT").example)
    card_end = desk.cases.desk_day() + timedelta(days=20)
    first = desk.cases.submit("MZ-GLJT", {**ex, "identity_read": ["applicant_id"],
                                          "identity_valid_to": card_end.isoformat()},
                              desk.actor(), attachments=[("居民身份证", [_page(10)])])
    data = json.loads(desk.store.get_case(first["uuid"])["data_json"])
    assert data["identity"]["valid_to"] == card_end.isoformat()
    pid, lnyd = ex["applicant_id"], desk.catalog.get("MZ-LNYD")
    ids = [r["attachment_id"] for r in desk.store.attachments.attachments_of(first["uuid"])]
    captured = _captured(desk, first["uuid"], "居民身份证")
    assert card_end < add_months(captured, 12) - timedelta(days=1)  # the card is the limit

    def offered(today: date) -> list[str]:
        return [o["valid_to"] for o in offered_pages(desk.store, pid, lnyd, today=today,
                                                     params=desk.catalog.params)]

    assert offered(card_end) == [card_end.isoformat()]
    assert offered(card_end + timedelta(days=1)) == []
    sub = dict(lnyd.example, applicant_id=pid, reuse_consent=True)
    with pytest.raises(ValidationFailed) as exc:
        desk.cases.submit("MZ-LNYD", sub, desk.actor(), today=card_end + timedelta(days=1),
                          reuse_pages=[("老人身份证", ids)])
    assert f"“老人身份证”（{captured.isoformat()} 采集）有效期至 {card_end.isoformat()}，已过期" \
        in exc.value.problems[0].message
