"""Bilingual documents (issue 16, 双语窗口): with the desk setting 文书第二语言, receipts
(A4 and 80 mm), the 一次性告知单 and the 民情诉求受理单 print each label and item text in
Chinese with the translation beneath it; a text with no translation is printed in Chinese
alone. English ships complete for the shipped catalog's printed texts; Yi text is drawn with
Noto Sans Yi, embedded (as a subset) only in a document that prints Yi.

Read back with poppler (pdftotext, pdffonts) and the embedded font programs (fontTools):
every character has a real glyph, never .notdef.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from sync_helpers import one_resident_each

from desk.cli import main
from desk.core.matters import MatterService
from desk.core.receipts import fonts as rfonts
from desk.core.receipts import render_case_pdf, render_matter_pdf, render_notice_pdf
from desk.core.receipts.bilingual import DOCUMENT_WORDS, placeholders, words_for
from desk.core.receipts.layout import Sheet
from forms.catalog import load_catalog
from forms.engine import all_materials

TODAY = date(2026, 9, 29)
YI = "ꆈꌠꁱꂷ"  # a Yi sample (not a translation sheet: that is the district's to supply)
YI_TS = f"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ii_CN" sourcelanguage="zh_CN">
<context>
    <name>documents</name>
    <message><source>受理回执</source><translation>{YI}</translation></message>
    <message><source>申请人</source><translation>{YI[:2]}</translation></message>
    <message><source>已收材料</source><translation>{YI[2:]}</translation></message>
    <message><source>待办</source><translation type="unfinished">{YI}</translation></message>
</context>
</TS>
"""


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: apt-get install poppler-utils (see README)")
    return path


def pdftotext(pdf: bytes, tmp: Path) -> str:
    f = tmp / "doc.pdf"
    f.write_bytes(pdf)
    return subprocess.run([_tool("pdftotext"), "-layout", str(f), "-"], check=True,
                          capture_output=True, text=True, timeout=60).stdout


def pdffonts(pdf: bytes, tmp: Path) -> list[list[str]]:
    """pdffonts' rows: name, type…, emb, sub, uni, object, ID."""
    f = tmp / "fonts.pdf"
    f.write_bytes(pdf)
    out = subprocess.run([_tool("pdffonts"), str(f)], check=True, capture_output=True,
                         text=True, timeout=60).stdout.splitlines()
    return [line.split() for line in out[2:] if line.strip()]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def embedded_glyphs(pdf: bytes, base: str) -> list[str]:
    """The characters drawn with the embedded subsets of font ``base``, each checked in the
    font program itself (fontTools): its code maps to a real glyph with an outline, never
    to .notdef (a space excepted)."""
    drawn: list[str] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            if base not in str(font["/BaseFont"]):
                continue
            to_unicode = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            chars = {int(code, 16): chr(int(uni[:4], 16)) if len(uni) <= 4 else
                     (chr(0x10000 + ((int(uni[:4], 16) - 0xD800) << 10)
                          + int(uni[4:], 16) - 0xDC00))
                     for code, uni in re.findall(r"<([0-9A-F]{2})> <([0-9A-F]{4,8})>",
                                                 to_unicode)}
            program = font["/FontDescriptor"].get_object()["/FontFile2"].get_object()
            tt = TTFont(io.BytesIO(program.get_data()))
            mapping: dict[int, str] = {}
            for table in tt["cmap"].tables:
                mapping.update(table.cmap)
            for code, ch in chars.items():
                if ch == "\x00":  # ReportLab keeps code 0 of each subset unused
                    continue
                glyph = mapping.get(code, ".notdef")
                assert glyph != ".notdef", f"{base}: {ch!r} is drawn as .notdef"
                if not ch.isspace():
                    assert tt["glyf"][glyph].numberOfContours != 0, f"{base}: {ch!r} is blank"
                drawn.append(ch)
    return drawn


def check_clean(pdf: bytes, tmp: Path, fmt: str, what: str) -> tuple[str, list[list[str]]]:
    """The text and fonts of a document: every font embedded, no code-point placeholders,
    A4 on one page."""
    text = pdftotext(pdf, tmp)
    assert "〔U+" not in text and not rfonts.unrenderable(text), what
    fonts = pdffonts(pdf, tmp)
    for row in fonts:
        assert row[-5] == "yes" and row[-4] == "yes", f"{what}: not an embedded subset: {row}"
    if fmt == "a4":
        assert pages(pdf) == 1, f"{what}: more than one page"
    return text, fonts


def submit(ctx: Any, code: str, **changes: Any) -> dict[str, Any]:
    item = ctx.catalog.get(code)
    sub = one_resident_each(item, dict(item.example, **changes), changes)
    saved = ctx.cases.submit(code, sub, ctx.actor(), today=TODAY)
    case = ctx.store.get_case(saved["uuid"])
    assert case is not None
    return case


def three_cases(desk: Any) -> dict[str, dict[str, Any]]:
    """An accepted and a 容缺 case of 高龄津贴, and a 低保 case awaiting correction."""
    gl = desk.catalog.get("MZ-GLJT")
    deferrable = [m.name for m in gl.materials if m.deferrable and m.required]
    db = desk.catalog.get("MZ-DB")
    out = {"accepted": submit(desk, "MZ-GLJT"),
           "deferred": submit(desk, "MZ-GLJT", materials=[
               m.name for m in gl.materials if m.name not in deferrable]),
           "correction": submit(desk, "MZ-DB", materials=list(db.example["materials"])[:3])}
    assert [c["status"] for c in out.values()] == ["accepted", "deferred", "correction"]
    return out


# -- English ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["a4", "80mm"])
def test_english_receipts_print_chinese_with_english_beneath(desk: Any, tmp_path: Path,
                                                              fmt: str) -> None:
    desk.settings.worker_phone = "027-84611234"
    cases = three_cases(desk)
    desk.settings.doc_language = "en"
    expect = {
        "accepted": ["受理回执", "Acceptance receipt", "高龄津贴申领", "Advanced-age allowance",
                     "居民身份证", "Resident ID card", "Materials received", "Applicant",
                     "Promised by", "Civil Affairs", "Very satisfied"],
        "deferred": ["容缺受理通知书", "Notice of acceptance with materials to follow",
                     "Materials to bring later", "Applicant's commitment",
                     "Recent 1-inch bareheaded photo"],
        "correction": ["补正材料告知书", "Notice of materials to supplement",
                       "Minimum living allowance (dibao) application",
                       "Materials to supplement", "Deadline: please bring the materials"],
    }
    for status, case in cases.items():
        pdf = render_case_pdf(desk, case, fmt=fmt)
        text, fonts = check_clean(pdf, tmp_path, fmt, f"{status} {fmt}")
        for words in expect[status]:
            assert squash(words) in squash(text), (status, fmt, words)
        assert not any("NotoSansYi" in row[0] for row in fonts), f"Yi font embedded: {fonts}"
        assert embedded_glyphs(pdf, "WenQuanYiMicroHei")
        # a date in the English line reads as a date, not "Accepted on: 2026年9月21日"
        assert not re.search(r"(Accepted on|Date of notice|Date): *\d{4}年", text), status
        if fmt == "a4":
            assert re.search(r"(Accepted on|Date of notice|Date): *\d{4}-\d{2}-\d{2}", text), status
        # beneath: the English label's line follows the Chinese label's
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        title = next(i for i, ln in enumerate(lines) if ln.startswith(
            {"accepted": "受理回执", "deferred": "容缺受理通知书",
             "correction": "补正材料告知书"}[status]) or ln.endswith("受理回执"))
        assert any(w in " ".join(lines[title:title + 3]) for w in
                   ("Acceptance receipt", "Notice of")), lines[title:title + 3]
    # the 一次性告知单 and the 民情诉求受理单
    item = desk.catalog.get("MZ-GLJT")
    pdf = render_notice_pdf(item, fmt, "2026.11", desk.settings, today=TODAY)
    text, _ = check_clean(pdf, tmp_path, "80mm", f"notice {fmt}")  # a notice may take 2 pages
    for words in ("一次性告知单", "One-time notice of requirements", "Advanced-age allowance",
                  "Materials required", "Household register (hukou booklet)", "Power of attorney"):
        assert squash(words) in squash(text), (fmt, words)
    m = MatterService(desk.store).record(
        {"category": "投诉", "subcategory": "漏水", "urgency": "一般",
         "description": "楼上卫生间漏水", "resident": {"name": "王建国", "phone": "13812345678"},
         "place": {"compound": "汉阳花园"}, "answer_by": "phone"}, desk.actor())
    slip = desk.store.matters.get_matter(m["uuid"])
    text, _ = check_clean(render_matter_pdf(desk, slip, fmt), tmp_path, fmt, f"slip {fmt}")
    for words in ("民情诉求受理单", "Resident request slip", "Request no.", "Urgency"):
        assert squash(words) in squash(text), (fmt, words)
    assert not re.search(r"Received at: *\d{4}年", text) and re.search(
        r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text), (fmt, text)


def test_without_the_setting_the_documents_are_chinese_alone(desk: Any, tmp_path: Path) -> None:
    case = submit(desk, "MZ-GLJT")
    assert desk.settings.doc_language == ""
    for fmt in ("a4", "80mm"):
        text = pdftotext(render_case_pdf(desk, case, fmt=fmt), tmp_path)
        assert "受理回执" in text
        assert not re.search(r"Acceptance|Applicant|Resident ID card|Advanced-age", text)


def test_a_text_without_a_translation_is_printed_in_chinese_alone(tmp_path: Path) -> None:
    sheet = Sheet("a4", title="t", words=words_for("en"))
    sheet.fields([("申请人", "王芳"), ("自编栏目", "某某值")])
    sheet.heading("已收材料")
    sheet.heading("自编小节")
    sheet.para("这一句没有译文。")
    lines = [ln.strip() for ln in pdftotext(sheet.render(), tmp_path).splitlines()
             if ln.strip()]
    joined = "\n".join(lines)
    assert "Applicant" in joined and "Materials received" in joined
    # nothing is printed under the untranslated ones
    for zh in ("自编小节", "这一句没有译文。"):
        i = next(n for n, ln in enumerate(lines) if zh in ln)
        assert i == len(lines) - 1 or not re.search(r"[A-Za-z]", lines[i + 1]), lines[i:i + 2]
    assert len(re.findall(r"[A-Za-z]+", joined)) == 3  # Applicant, Materials received


# -- Yi -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["a4", "80mm"])
def test_a_yi_translation_file_prints_yi_with_the_yi_font(desk: Any, data_dir: Path,
                                                           tmp_path: Path, fmt: str) -> None:
    case = submit(desk, "MZ-GLJT")
    english = render_case_pdf(desk, case, fmt=fmt)
    (data_dir / "translations").mkdir(exist_ok=True)
    (data_dir / "translations" / "district-ii.ts").write_text(YI_TS, "utf-8")
    desk.settings.doc_language = "ii"
    pdf = render_case_pdf(desk, case, fmt=fmt)
    text, fonts = check_clean(pdf, tmp_path, fmt, f"Yi {fmt}")
    assert YI in squash(text) and YI[:2] in text and YI[2:] in text
    assert "受理回执" in text and "申请人" in text
    assert "Acceptance receipt" not in text  # another language's words never leak in
    yi = [row for row in fonts if "NotoSansYi" in row[0]]
    assert yi and all(row[-5:-2] == ["yes", "yes", "yes"] for row in yi), fonts
    drawn = embedded_glyphs(pdf, "NotoSansYi")
    assert set(drawn) - {" "} == set(YI), drawn  # a subset: the characters used
    # a Chinese receipt embeds no Yi
    desk.settings.doc_language = ""
    for doc in (english, render_case_pdf(desk, case, fmt=fmt)):
        assert not [row for row in pdffonts(doc, tmp_path) if "NotoSansYi" in row[0]]


def test_setup_accepts_the_languages_the_desk_can_print(capsys: Any, data_dir: Path) -> None:
    def setup(lang: str) -> tuple[int, str]:
        code = main(["--data-dir", str(data_dir), "setup", "--desk-code", "HY-QL01",
                     "--worker", "刘晓燕", "--doc-language", lang])
        return code, capsys.readouterr().err

    assert setup("en") == (0, "")
    assert '"doc_language": "en"' in (data_dir / "settings.json").read_text("utf-8")
    code, err = setup("ii")  # no Yi words anywhere yet
    assert code == 2 and err.startswith("doc_language: [invalid] 文书第二语言 ii 没有译文"), err
    code, err = setup("EN!")
    assert code == 2 and err.startswith("doc_language: [invalid] 文书第二语言应为语言代码"), err
    (data_dir / "translations").mkdir()
    (data_dir / "translations" / "district-ii.ts").write_text(YI_TS, "utf-8")
    assert setup("ii") == (0, "")
    assert setup("none") == (0, "")
    assert '"doc_language": ""' in (data_dir / "settings.json").read_text("utf-8")


# -- the shipped catalog and the documents' words -----------------------------------------


def test_every_shipped_item_prints_in_english() -> None:
    """Each item's printed texts — its name, department and every material (the proxy's
    included) — have an English translation, from the catalog (or, for the materials every
    item shares, the documents' words)."""
    w = words_for("en")
    missing = []
    for item in load_catalog().items:
        tr = item.translated("en")
        if not tr.name:
            missing.append(f"{item.code}: name {item.name}")
        if not w.get(w.department(item, item.department)):
            missing.append(f"{item.code}: department {item.department}")
        for m in all_materials(item):
            if not w.get(w.material(item, m.name)):
                missing.append(f"{item.code}: material {m.name}")
    assert not missing, f"{len(missing)} printed texts without English: {missing[:20]}"


def test_document_templates_keep_their_parameters() -> None:
    for lang, table in DOCUMENT_WORDS.items():
        for zh, tr in table.items():
            assert placeholders(zh) == placeholders(tr), (lang, zh, tr)
            assert tr.strip() and not re.search(r"[\u4e00-\u9fff]", tr), (lang, zh, tr)


def test_the_installer_bundles_the_yi_font_and_its_licence() -> None:
    root = Path(__file__).resolve().parents[2]
    spec = (root / "installer" / "doorstep-desk.spec").read_text("utf-8")
    assert '"NotoSansYi-Regular.ttf"' in spec
    assert 'files("resources/fonts", "LICENSE-*.txt")' in spec
    assert 'files("resources/translations", "*.ts")' in spec
    licence = (root / "resources" / "fonts" / "LICENSE-noto-sans-yi.txt").read_text("utf-8")
    assert "SIL Open Font License" in licence
    with TTFont(str(root / "resources" / "fonts" / "NotoSansYi-Regular.ttf"), lazy=True) as f:
        cmap = f.getBestCmap()
    yi = [cp for cp in range(0xA000, 0xA4D0) if 0xA48D > cp or 0xA490 <= cp <= 0xA4C6]
    assert all(cp in cmap for cp in yi)  # every assigned Yi syllable and radical
