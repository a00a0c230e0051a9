"""免提交 materials (issue 17): a catalog material obtained by data sharing or electronic
licence is never asked of the resident — not missing, not ticked, listed on the receipt as
obtained; and a case whose identity was read from the ID card says so on its receipt."""

from __future__ import annotations

import copy
import io
import json
import re
from datetime import date
from typing import Any

import pytest
import yaml
from pypdf import PdfReader

from desk.core.receipts import render_case_pdf
from forms.catalog import CatalogError, catalog_summary, load_catalog, parse_item
from forms.engine import validate

TODAY = date(2026, 11, 23)


def _text(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def test_shipped_catalog_marks_shared_materials() -> None:
    cat = load_catalog()
    m = next(m for m in cat.get("GA-CSDJ").materials if m.name == "结婚证")
    assert (m.source, m.obtained_by_sharing, m.source_label) == ("e_license", True, "电子证照")
    entry = next(e for e in catalog_summary(cat) if e["code"] == "GA-CSDJ")
    mj = next(x for x in entry["materials"] if x["name"] == "结婚证")
    assert mj["source"] == "e_license" and mj["source_department"].startswith("民政部门")
    assert next(x for x in entry["materials"] if x["name"] == "出生医学证明")["source"] == \
        "paper"


def test_a_bad_source_is_refused_naming_the_field() -> None:
    from pathlib import Path

    import forms

    path = Path(forms.__file__).parent / "items" / "GA-CSDJ.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert parse_item(copy.deepcopy(raw), "GA-CSDJ.yaml").code == "GA-CSDJ"
    raw["materials"][0]["source"] = "fax"
    with pytest.raises(CatalogError) as e:
        parse_item(raw, "GA-CSDJ.yaml")
    assert "materials" in str(e.value) and "source" in str(e.value)


def test_a_shared_material_is_never_missing() -> None:
    item = load_catalog().get("GA-CSDJ")
    sub = copy.deepcopy(item.example)
    sub["materials"] = [n for n in sub["materials"] if n != "结婚证"]
    assert sub.get("parents_married") is True
    r = validate(item, sub, today=TODAY)
    assert r.ok and r.decision == "accepted", r.errors
    assert [m.name for m in r.shared] == ["结婚证"]
    assert "结婚证" not in r.received and all(m.name != "结婚证" for m in r.missing)


def test_receipt_lists_shared_materials_and_card_identity(desk: Any) -> None:
    item = desk.catalog.get("GA-CSDJ")
    sub = copy.deepcopy(item.example)
    case = desk.cases.submit("GA-CSDJ", sub, desk.actor(), today=TODAY)
    mats = json.loads(desk.store.get_case(case["uuid"])["materials_json"])
    assert mats["shared"] == [{"name": "结婚证", "source": "e_license",
                               "department": "民政部门（婚姻登记电子证照）"}]
    text = _text(render_case_pdf(desk, desk.store.get_case(case["uuid"])))
    assert "免提交材料" in text and "结婚证（电子证照）" in text
    assert "身份信息读自身份证" not in text

    g = desk.catalog.get("MZ-GLJT")
    typed = copy.deepcopy(g.example)
    typed["identity_read"] = ["applicant_id", "applicant_name"]
    card_case = desk.cases.submit("MZ-GLJT", typed, desk.actor(), today=TODAY)
    text = _text(render_case_pdf(desk, desk.store.get_case(card_case["uuid"])))
    assert "身份信息读自身份证" in text and "免提交材料" not in text
