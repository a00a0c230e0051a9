"""The receipt fonts cover what they must print (issue 14, item 13).

Checked with fontTools on the bundled font files (not through ReportLab): every character
of every catalog text, and a set of rare name characters from CJK Extensions A to H, has a
glyph in the main font or one of the fallbacks; a receipt whose applicant's name uses them
prints them (no 〔U+…〕 placeholder) and its text extracts back.
"""

from __future__ import annotations

import io
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from desk.core.receipts import fonts, render_case_pdf
from desk.core.resources import resources_dir

FORMS = Path(__file__).resolve().parents[2] / "forms"
# rare name characters: Extension A (䶮), B (𠮷 𪸩), C (𫖮), E (𬀩 𬱖), F (𮧵),
# G (𰻞 biáng, 𱁬), H (𱍐 𲎯)
RARE = "䶮𠮷𪸩𫖮𬀩𬱖𮧵𰻞𱁬𱍐𲎯"
BLOCKS = {  # block: (first, last, how many the bundled fonts must cover at least)
    "Extension A": (0x3400, 0x4DBF, 6582),
    "Extension B": (0x20000, 0x2A6DF, 14000),
    "Extension C": (0x2A700, 0x2B73F, 2200),
    "Extension E": (0x2B820, 0x2CEAF, 3300),
    "Extension F": (0x2CEB0, 0x2EBEF, 2900),
    "Extension G": (0x30000, 0x3134F, 3000),
    "Extension H": (0x31350, 0x323AF, 2200),
}


@pytest.fixture(scope="module")
def covered() -> set[int]:
    d = resources_dir() / "fonts"
    out: set[int] = set()
    for name in ("wqy-microhei.ttc", "doorstep-han-fallback.ttf", "doorstep-han-fallback-2.ttf"):
        with TTFont(str(d / name), fontNumber=0, lazy=True) as font:
            out |= set(font.getBestCmap())
    return out


def catalog_chars() -> set[str]:
    text = "".join(p.read_text("utf-8") for p in sorted(FORMS.rglob("*.yaml")))
    return {ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] != "C"}


def test_every_catalog_character_has_a_glyph(covered: set[int]) -> None:
    chars = catalog_chars()
    assert len(chars) > 1000
    missing = sorted(ch for ch in chars if ord(ch) not in covered)
    assert not missing, f"no glyph for {''.join(missing)}"


def test_rare_name_characters_have_glyphs(covered: set[int]) -> None:
    missing = [f"{ch} U+{ord(ch):04X}" for ch in RARE if ord(ch) not in covered]
    assert not missing, missing
    assert fonts.unrenderable(RARE) == []
    for block, (first, last, least) in BLOCKS.items():
        n = sum(1 for cp in range(first, last + 1) if cp in covered)
        assert n >= least, f"{block}: {n} characters covered, at least {least} expected"


def test_a_receipt_prints_rare_name_characters(desk: Any) -> None:
    item = desk.catalog.get("MZ-GLJT")
    sub = dict(item.example)
    sub["applicant_name"] = "王𰻞𲎯"
    saved = desk.cases.submit("MZ-GLJT", sub, desk.actor(), today=date(2026, 9, 29))
    case = desk.store.get_case(saved["uuid"])
    for fmt in ("a4", "80mm"):
        pdf = render_case_pdf(desk, case, fmt=fmt)
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        assert "王𰻞𲎯" in text
        assert "〔U+" not in text
