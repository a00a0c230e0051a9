"""Receipts and notices (issue 4): every document in both formats, read back with pypdf.

Checks the fields, the masking (the full ID number and phone never reach the PDF), the due
and promised dates against the holiday calendar, the embedded fonts, the rare-character
fallback and the verification code.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import IndirectObject
from sync_helpers import one_resident_each

from desk.core.cases import default_defer_days
from desk.core.receipts import (
    default_kind,
    parse_payload,
    qr_payload,
    receipt_key,
    render_case_pdf,
    render_notice_pdf,
    verification_code,
    verify_receipt,
)
from desk.core.receipts import fonts as rfonts
from desk.core.receipts.documents import cn_date
from desk.core.receipts.layout import Sheet
from desk.core.receipts.verify import group_code, qr_matrix
from desk.core.resources import resources_dir
from forms.engine import all_materials
from forms.ids import id_check_digit, mask_id, mask_phone
from forms.workdays import add_working_days

TODAY = date(2026, 9, 29)  # National Day holidays follow: due dates must skip them
FORMATS = ("a4", "80mm")
ROLL_WIDTH = 80 / 25.4 * 72


def with_check(first17: str) -> str:
    return first17 + id_check_digit(first17)


PROXY_ID = with_check("42010519800101001")
PROXY_PHONE = "13900001111"


# -- helpers ----------------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def squash(text: str) -> str:
    """Text without any whitespace (a wrapped table cell splits a name over lines)."""
    return re.sub(r"\s+", "", text)


def resolve(obj: Any) -> Any:
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def page_fonts(pdf: bytes) -> list[dict[str, Any]]:
    """Every font used by any page (resources of the page and its form XObjects)."""
    reader = PdfReader(io.BytesIO(pdf))
    out = []
    for page in reader.pages:
        res = resolve(page.get("/Resources")) or {}
        fonts = resolve(res.get("/Font")) or {}
        out += [resolve(f) for f in fonts.values()]
    return out


def submit(ctx: Any, code: str, **changes: Any) -> dict[str, Any]:
    item = ctx.catalog.get(code)
    sub = dict(item.example)
    sub.update(changes)
    sub = one_resident_each(item, sub, changes)  # issue 23: one application each
    saved = ctx.cases.submit(code, sub, ctx.actor(), today=TODAY)
    case = ctx.store.get_case(saved["uuid"])
    assert case is not None
    return case


@pytest.fixture
def cases(desk: Any) -> dict[str, dict[str, Any]]:
    """An accepted, a 容缺 (deferred) and a correction case; the last one through a proxy."""
    desk.settings.worker_phone = "027-84611234"
    gl = desk.catalog.get("MZ-GLJT")
    accepted = submit(desk, "MZ-GLJT")
    deferrable = [m.name for m in gl.materials if m.deferrable and m.required]
    assert deferrable, "MZ-GLJT has deferrable materials"
    deferred = submit(desk, "MZ-GLJT",
                      materials=[m.name for m in gl.materials if m.name not in deferrable])
    db = desk.catalog.get("MZ-DB")
    correction = submit(desk, "MZ-DB", materials=list(db.example["materials"])[:3],
                        is_proxy=True, proxy_name="李四", proxy_id=PROXY_ID,
                        proxy_phone=PROXY_PHONE, proxy_relation="子女")
    assert (accepted["status"], deferred["status"], correction["status"]) == (
        "accepted", "deferred", "correction")
    return {"accepted": accepted, "deferred": deferred, "correction": correction}


def fields_of(case: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(case["data_json"])["fields"])


def mats_of(case: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(case["materials_json"]))


# -- every document, both formats ------------------------------------------------------------


TITLES = {"accepted": "受理回执", "deferred": "容缺受理通知书", "correction": "补正材料告知书"}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("status", ["accepted", "deferred", "correction"])
def test_case_documents_fields_and_masking(desk: Any, cases: dict[str, Any], status: str,
                                          fmt: str) -> None:
    case = cases[status]
    pdf = render_case_pdf(desk, case, fmt=fmt)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    flat = squash(text)
    data = fields_of(case)

    assert TITLES[status] in text
    assert case["receipt_no"] in text
    assert case["item_name"] in flat and case["item_code"] in flat
    assert case["department"] in text
    assert data["applicant_name"] in text
    assert desk.settings.worker_name in text
    assert case["desk_code"] in text
    assert squash(desk.settings.district_contact) in flat
    assert desk.settings.worker_phone in text

    # masking: the masked forms are printed, the full numbers never
    assert mask_id(data["applicant_id"]) in text
    assert mask_phone(data["applicant_phone"]) in text
    secrets = [data["applicant_id"], data["applicant_phone"], data.get("bank_account", "")]
    if data.get("is_proxy"):
        assert "李四" in text
        assert mask_id(PROXY_ID) in text and mask_phone(PROXY_PHONE) in text
        secrets += [PROXY_ID, PROXY_PHONE]
    for secret in filter(None, secrets):
        assert secret not in flat
        assert secret[-8:] not in flat  # not even a long tail of it

    # materials received, with their form
    by_name = {m.name: m for m in all_materials(desk.catalog.get(case["item_code"]))}
    for name in mats_of(case)["received"]:
        assert squash(name) in flat
        if status != "correction":  # the correction notice lists them in one line
            assert by_name[name].form_label in text

    # the verification code is printed
    code = verification_code(receipt_key(desk.store), case["receipt_no"], case["uuid"])
    assert group_code(code) in text

    reader = PdfReader(io.BytesIO(pdf))
    if fmt == "a4":
        assert "存根" in text  # archive stub after the cut line
        assert "沿虚线剪开" in text
        assert abs(float(reader.pages[0].mediabox.width) - 595.28) < 1
    else:
        assert len(reader.pages) == 1  # a roll has no page breaks
        assert abs(float(reader.pages[0].mediabox.width) - ROLL_WIDTH) < 0.5
        assert "存根（办事点归档联）" not in text
    meta = reader.metadata
    assert meta is not None and case["receipt_no"] in str(meta.title)
    assert data["applicant_name"] not in str(meta)


def test_receipt_content(desk: Any, cases: dict[str, Any]) -> None:
    case = cases["accepted"]
    item = desk.catalog.get("MZ-GLJT")
    for fmt in FORMATS:
        text = pdf_text(render_case_pdf(desk, case, fmt=fmt))
        promised = add_working_days(TODAY, item.promised_days).day
        assert case["promised_date"] == promised.isoformat()
        assert cn_date(promised.isoformat()) in text
        assert cn_date(TODAY.isoformat()) in text
        assert f"{item.promised_days}个工作日" in text
        assert "已受理" in text
        assert squash(item.legal_basis) in squash(text)
        for level in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
            assert level in text
        assert "签字" in text
        assert "容缺补交材料" not in text


def test_deferral_notice_due_dates_follow_holiday_calendar(desk: Any,
                                                          cases: dict[str, Any]) -> None:
    case = cases["deferred"]
    item = desk.catalog.get("MZ-GLJT")
    due = add_working_days(TODAY, default_defer_days(item)).day
    # the National Day week lies in between: a weekend-only count would be earlier
    assert due > date(2026, 10, 8)
    missing = [m for m in mats_of(case)["missing"] if m["required"]]
    assert missing and all(m["due_date"] == due.isoformat() for m in missing)
    assert due <= add_working_days(TODAY, item.promised_days).day  # ≤ the promised limit
    assert default_kind(case) == "deferral"
    for fmt in FORMATS:
        text = pdf_text(render_case_pdf(desk, case, fmt=fmt))
        flat = squash(text)
        assert "容缺受理通知书" in text
        assert "容缺补交材料" in text
        for m in missing:
            assert squash(m["name"]) in flat
            assert m["form"] in text
        if fmt == "a4":
            assert cn_date(due.isoformat()) in text  # in the table
        else:
            assert due.isoformat() in text  # compact on the roll
        assert f"承诺于{cn_date(due.isoformat())}前补交齐全" in flat  # the commitment
        assert "逾期后果" in text and "暂停办理" in flat
        assert "申请人承诺" in text
        # the receipt's content is there too
        assert "已收材料" in text and case["promised_date"] and \
            cn_date(case["promised_date"]) in text


def test_correction_notice_lists_every_gap(desk: Any, cases: dict[str, Any]) -> None:
    case = cases["correction"]
    item = desk.catalog.get("MZ-DB")
    missing = mats_of(case)["missing"]
    assert {"授权委托书", "代办人身份证"} <= {m["name"] for m in missing}  # proxy materials
    due = add_working_days(TODAY, default_defer_days(item)).day
    for fmt in FORMATS:
        text = pdf_text(render_case_pdf(desk, case, fmt=fmt))
        flat = squash(text)
        assert "补正材料告知书" in text
        for m in missing:
            assert squash(m["name"]) in flat
            assert m["form"] in text
        assert f"请于{cn_date(due.isoformat())}前" in flat
        assert "补正方式" in text and "授权委托书" in text
        assert "如有请提供" in flat  # optional materials are marked as such
        assert "咨询与投诉" in text
        assert "承诺办结" not in text  # nothing is promised before acceptance


def test_kind_override_and_errors(desk: Any, cases: dict[str, Any]) -> None:
    case = cases["accepted"]
    notice = pdf_text(render_case_pdf(desk, case, fmt="a4", kind="notice"))
    assert "一次性告知单" in notice
    assert fields_of(case)["applicant_name"] not in notice
    deferral = pdf_text(render_case_pdf(desk, cases["deferred"], fmt="a4", kind="receipt"))
    assert "受理回执" in deferral and "容缺补交材料" in deferral
    with pytest.raises(ValueError, match="a4 或 80mm"):
        render_case_pdf(desk, case, fmt="a5")
    with pytest.raises(ValueError, match="kind"):
        render_case_pdf(desk, case, kind="licence")


def test_rating_and_supplied_materials_on_reprint(desk: Any, cases: dict[str, Any]) -> None:
    case = cases["deferred"]
    desk.cases.rate(case["uuid"], 4)
    pending = [m["name"] for m in mats_of(case)["missing"] if m["required"]]
    desk.cases.supply_materials(case["uuid"], pending, desk.actor(), today=date(2026, 10, 9))
    again = desk.store.get_case(case["uuid"])
    assert again is not None and again["status"] == "accepted"
    text = pdf_text(render_case_pdf(desk, again, fmt="a4"))
    assert "受理回执" in text
    assert "您已评价：满意" in text
    assert "2026年10月9日补交" in squash(text)
    assert "容缺补交材料" not in text


def test_roll_length_follows_content(desk: Any, cases: dict[str, Any]) -> None:
    heights = {}
    for status, case in cases.items():
        reader = PdfReader(io.BytesIO(render_case_pdf(desk, case, fmt="80mm")))
        assert len(reader.pages) == 1
        heights[status] = float(reader.pages[0].mediabox.height)
    # more to say, longer paper — and never a fixed page size
    assert heights["deferred"] > heights["accepted"]
    assert heights["correction"] > heights["accepted"]
    assert len(set(heights.values())) == 3


# -- fonts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_fonts_are_embedded_subsets(desk: Any, cases: dict[str, Any], fmt: str) -> None:
    pdf = render_case_pdf(desk, cases["accepted"], fmt=fmt)
    fonts = page_fonts(pdf)
    assert fonts
    names = set()
    for font in fonts:
        base = str(font["/BaseFont"])
        names.add(base)
        assert font["/Subtype"] == "/TrueType", base  # no unembedded standard 14 fonts
        desc = resolve(font["/FontDescriptor"])
        assert "/FontFile2" in desc, f"{base} is not embedded"
        assert re.match(r"^/[A-Z]{6}\+", base), f"{base} is not a subset"
        assert "/ToUnicode" in font  # text can be searched and extracted
    assert any("WenQuanYi" in n for n in names)
    assert len(pdf) <= 60 * 1024


def test_shipped_fonts_and_licences() -> None:
    fonts_dir = resources_dir() / "fonts"
    for name in ("wqy-microhei.ttc", "LICENSE-wqy-microhei.txt", "doorstep-han-fallback.ttf",
                 "LICENSE-hanazono.txt"):
        assert (fonts_dir / name).is_file(), name
    assert "Apache License" in (fonts_dir / "LICENSE-wqy-microhei.txt").read_text("utf-8")
    assert "Hanazono" in (fonts_dir / "LICENSE-hanazono.txt").read_text("utf-8")


def test_resources_dir_env_override(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from desk.core import resources

    monkeypatch.setenv(resources.ENV_VAR, str(tmp_path))
    resources.clear_cache()
    try:
        assert resources.resources_dir() == tmp_path
    finally:
        monkeypatch.delenv(resources.ENV_VAR)
        resources.clear_cache()
    assert (resources.resources_dir() / "fonts").is_dir()


@pytest.mark.parametrize("fmt", FORMATS)
def test_rare_name_characters_use_the_fallback_font(desk: Any, fmt: str) -> None:
    name = "王䶮𠮷"  # U+4DAE (Extension A), U+20BB7 (Extension B)
    assert not rfonts.main_has("䶮") and not rfonts.main_has("𠮷")
    case = submit(desk, "MZ-GLJT", applicant_name=name)
    pdf = render_case_pdf(desk, case, fmt=fmt)
    text = pdf_text(pdf)
    assert name in text  # drawn, and extractable (UTF-16 pairs beyond the BMP)
    fallback = [f for f in page_fonts(pdf) if "DoorstepHanFallback" in str(f["/BaseFont"])]
    assert fallback, "the fallback font is embedded"
    assert "/FontFile2" in resolve(fallback[0]["/FontDescriptor"])
    assert rfonts.unrenderable(name) == []


def test_characters_no_font_has_are_never_blank() -> None:
    odd = "张\ue000三"  # a private-use character: no font draws it
    assert rfonts.unrenderable(odd) == ["\ue000"]
    assert "〔U+E000〕" in rfonts.markup(odd)
    sheet = Sheet("80mm", title="t")
    sheet.para(odd)
    sheet.fields([("申请人", odd)])
    text = pdf_text(sheet.render())
    assert "张〔U+E000〕三" in text
    # control characters and invisible selectors are cleaned, markup is escaped
    assert rfonts.clean("a\x07b\u200dc\ufe0f") == "a bc"
    assert rfonts.markup("<b>&") == "&lt;b&gt;&amp;"


# -- verification --------------------------------------------------------------------------


def test_verification_code_round_trip(desk: Any, cases: dict[str, Any]) -> None:
    case = cases["accepted"]
    key = receipt_key(desk.store)
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert receipt_key(desk.store) == key  # created once, then kept
    assert desk.store.get_meta("receipt_key") == key
    code = verification_code(key, case["receipt_no"], case["uuid"])
    assert re.fullmatch(r"[A-Z2-7]{16}", code)
    assert verify_receipt(key, case["receipt_no"], case["uuid"], code)
    assert verify_receipt(key, case["receipt_no"].lower(), case["uuid"].upper(),
                          group_code(code).lower())  # as typed from the paper
    other = cases["deferred"]
    assert not verify_receipt(key, other["receipt_no"], case["uuid"], code)
    assert not verify_receipt(key, case["receipt_no"], other["uuid"], code)
    forged = ("A" if code[0] != "A" else "B") + code[1:]
    assert not verify_receipt(key, case["receipt_no"], case["uuid"], forged)
    assert not verify_receipt("00" * 32, case["receipt_no"], case["uuid"], code)
    assert not verify_receipt("not hex", case["receipt_no"], case["uuid"], code)

    payload = qr_payload(case["receipt_no"], case["uuid"], code)
    assert re.fullmatch(r"[0-9A-Z:\-]+", payload)  # QR alphanumeric mode, nothing personal
    parsed = parse_payload(payload)
    assert parsed.receipt_no == case["receipt_no"] and parsed.uuid == case["uuid"]
    assert verify_receipt(key, parsed.receipt_no, parsed.uuid, parsed.code)
    with pytest.raises(ValueError):
        parse_payload("https://example.invalid/x")

    matrix = qr_matrix(payload)
    assert len(matrix) == len(matrix[0]) and (len(matrix) - 17) % 4 == 0
    assert qr_matrix(payload) is matrix  # reprints do not encode again


def test_qr_code_is_drawn_and_optional(desk: Any, cases: dict[str, Any]) -> None:
    case = cases["accepted"]
    for fmt in FORMATS:
        with_qr = render_case_pdf(desk, case, fmt=fmt)
        without = render_case_pdf(desk, case, fmt=fmt, qr=False)
        assert len(with_qr) > len(without)
        code = verification_code(receipt_key(desk.store), case["receipt_no"], case["uuid"])
        assert group_code(code) in pdf_text(without)  # the code is printed either way


def test_signature_image(desk: Any, cases: dict[str, Any]) -> None:
    from PIL import Image as PILImage

    buf = io.BytesIO()
    PILImage.new("L", (240, 80), 255).save(buf, format="PNG")
    pdf = render_case_pdf(desk, cases["accepted"], fmt="a4", signature=buf.getvalue())
    reader = PdfReader(io.BytesIO(pdf))
    xobjects = resolve(resolve(reader.pages[0]["/Resources"]).get("/XObject")) or {}
    assert any(resolve(x)["/Subtype"] == "/Image" for x in xobjects.values())


# -- one-time notice -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("code", ["MZ-GLJT", "MZ-DB"])
def test_one_time_notice(desk: Any, code: str, fmt: str) -> None:
    item = desk.catalog.get(code)
    pdf = render_notice_pdf(item, fmt, desk.catalog.version, desk.settings, today=TODAY)
    text = pdf_text(pdf)
    flat = squash(text)
    assert "一次性告知单" in text
    assert squash(item.name) in flat and item.code in text and item.department in text
    for m in all_materials(item):
        assert squash(m.name) in flat
        assert m.form_label in text
    for line in [*item.notice.conditions, *item.notice.steps]:
        assert squash(line) in flat
    assert squash(desk.settings.district_contact) in flat
    assert desk.catalog.version in text
    assert cn_date(TODAY.isoformat()) in text
    if item.allows_deferral:
        assert "可容缺后补" in text
    assert ("存根（办事点归档联）" in text) == (fmt == "a4")
    assert len(pdf) <= 60 * 1024


def test_every_catalog_item_has_a_printable_notice(desk: Any) -> None:
    """Each item's notice renders in both formats and names every material (whatever items
    the catalog holds when this runs)."""
    for item in desk.catalog.items:
        for fmt in FORMATS:
            pdf = render_notice_pdf(item, fmt, desk.catalog.version, desk.settings)
            flat = squash(pdf_text(pdf))
            missing = [m.name for m in all_materials(item) if squash(m.name) not in flat]
            assert not missing, (item.code, fmt, missing)


def test_cli_receipt_command(desk: Any, cases: dict[str, Any], tmp_path: Any,
                             capsys: pytest.CaptureFixture[str]) -> None:
    from desk.cli import main

    case = cases["deferred"]
    out = tmp_path / "r.pdf"
    data_dir = str(desk.paths.data_dir)
    assert main(["--data-dir", data_dir, "receipt", case["uuid"], "--out", str(out),
                 "--format", "80mm"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["receipt_no"] == case["receipt_no"] and answer["bytes"] == out.stat().st_size
    assert "容缺受理通知书" in pdf_text(out.read_bytes())
    assert main(["--data-dir", data_dir, "receipt", "no-such-case", "--out", str(out)]) == 2


# -- 绿色通道 and 一件事 routes (issue 12, items 10 and 15) ------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_priority_is_printed_on_receipts_and_notices(desk: Any, fmt: str) -> None:
    urgent = submit(desk, "MZ-GLJT", priority=True)
    db = desk.catalog.get("MZ-DB")
    short = submit(desk, "MZ-DB", priority=True, materials=list(db.example["materials"])[:3])
    plain = submit(desk, "MZ-GLJT")
    assert (urgent["priority"], short["status"], plain["priority"]) == (1, "correction", 0)
    for case in (urgent, short):
        text = squash(pdf_text(render_case_pdf(desk, case, fmt=fmt)))
        assert "绿色通道" in text and "优先办理" in text
    assert "绿色通道" not in pdf_text(render_case_pdf(desk, plain, fmt=fmt))


@pytest.mark.parametrize("fmt", FORMATS)
def test_bundle_routes_on_a_reprinted_receipt(desk: Any, fmt: str) -> None:
    case = submit(desk, "YJS-SH", services=["死亡户口注销", "惠民殡葬补助"],
                  death_date="2026-09-20")
    text = squash(pdf_text(render_case_pdf(desk, case, fmt=fmt)))
    assert "联办事项办理情况" in text
    assert "死亡户口注销" in text and "惠民殡葬" in text and text.count("待处理") == 2
    assert "城乡居民养老保险死亡待遇" not in text  # an alternative not chosen: no route
    desk.store.sync.apply_changes([
        {"seq": 7, "kind": "route", "case_uuid": case["uuid"], "status": "completed",
         "note": "", "department": "公安", "at": "2026-10-09T02:00:00.000+00:00",
         "item_code": "GA-SWZX", "item_name": "死亡户口注销", "catalog": None},
        {"seq": 8, "kind": "route", "case_uuid": case["uuid"], "status": "needs_correction",
         "note": "请补交火化证明原件", "department": "民政",
         "at": "2026-10-09T03:00:00.000+00:00", "item_code": "MZ-BZBZ",
         "item_name": "惠民殡葬/丧葬补助", "catalog": None}], "8")
    text = squash(pdf_text(render_case_pdf(desk, case, fmt=fmt)))
    assert "已办结" in text and "需补正" in text and "请补交火化证明原件" in text
    assert "待处理" not in text
