"""Proactive rules as catalog data (issue 18): an item's ``proactive:`` (rule, reason, due-by,
repeat, 免申, prefill) is loaded, checked against the catalog's parameters (issue 16) and
carried by the workbook; a mistake is named where it is."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook

from forms.catalog import CATALOG_FILE, ITEMS_DIR, Catalog, CatalogError, parse_item
from forms.params import parse_params, values
from forms.proactive import Person, parse_rule
from forms.workbook import read_workbook, write_workbook

PARAMS = parse_params(yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))["params"])


def raw(code: str) -> dict[str, Any]:
    out: dict[str, Any] = yaml.safe_load((ITEMS_DIR / f"{code}.yaml").read_text(
        encoding="utf-8"))
    return out


def catalog(*raws: dict[str, Any], params: Any = PARAMS) -> Catalog:
    return Catalog("t.1", [parse_item(r, r["code"]) for r in raws], params)


def test_shipped_items_carry_rules_that_use_the_catalogs_parameters() -> None:
    cat = catalog(raw("MZ-GLJT"), raw("RS-ZGRZ"), raw("MZ-LNYD"), raw("CL-KNBT"))
    gljt = cat.get("MZ-GLJT").proactive
    assert gljt is not None and "gljt_min_age" in gljt.rule and gljt.no_signature
    assert gljt.reason.startswith("下月起年满80周岁")  # {gljt_min_age} shown as its value
    assert gljt.prefill == {"applicant_name": "name", "applicant_id": "id_number",
                            "hukou_address": "address"}
    zgrz = cat.get("RS-ZGRZ").proactive
    assert zgrz is not None and zgrz.repeat == "year" and not zgrz.no_signature
    # the rule follows the parameter: a district that pays from 70 lists a 75-year-old
    rule = parse_rule(gljt.rule, values(PARAMS))
    person = Person(birth_date=date(1951, 6, 1), sex="女")
    assert not rule.holds(person, date(2026, 12, 1))
    lower = parse_params({"gljt_min_age": {"value": 70}})
    assert parse_rule(gljt.rule, values(lower)).holds(person, date(2026, 12, 1))


@pytest.mark.parametrize(("change", "words"), [
    ({"rule": "age >= 80 and"}, "proactive.rule"),
    ({"rule": "__import__('os')"}, "proactive.rule"),
    ({"due": "today.year"}, "proactive.due"),
    ({"prefill": {"no_such_field": "name"}}, "proactive.prefill: no field no_such_field"),
    ({"prefill": {"applicant_phone": "phone"}}, "花名册没有“phone”"),
    ({"repeat": "weekly"}, "proactive.repeat"),
])
def test_an_items_rule_mistake_is_named(change: dict[str, Any], words: str) -> None:
    item = raw("MZ-GLJT")
    item["proactive"] = {**item["proactive"], **change}
    with pytest.raises(CatalogError) as err:
        parse_item(item, "MZ-GLJT.yaml")
    assert words in str(err.value)


def test_the_catalog_checks_rule_names_and_types_against_its_parameters() -> None:
    item = raw("MZ-GLJT")
    item["proactive"]["rule"] = "age_on(first_of_next_month) >= gljt_min_agee"
    with pytest.raises(CatalogError, match=r"MZ-GLJT proactive\.rule.*gljt_min_agee"):
        catalog(item)
    item = raw("MZ-GLJT")
    item["proactive"]["due"] = "gljt_min_age + 1"  # a number, not a date
    with pytest.raises(CatalogError, match=r"MZ-GLJT proactive\.due.*不是日期"):
        catalog(item)
    with pytest.raises(CatalogError, match="gljt_min_age"):
        catalog(raw("MZ-GLJT"), params={})  # the parameter is not declared


def test_the_workbook_carries_rules_and_names_a_bad_one_at_its_cell() -> None:
    items = [raw("MZ-GLJT"), raw("RS-ZGRZ")]
    text = yaml.safe_dump(items, allow_unicode=True)
    used = {k: v for k, v in PARAMS.items() if k in text}  # the workbook refuses unused ones
    cat = catalog(*items, params=used)
    data = write_workbook(cat)
    back, problems = read_workbook(data)
    assert problems == [] and back is not None
    assert [i.proactive for i in back.authored] == [i.proactive for i in cat.authored]
    book = load_workbook(io.BytesIO(data))
    sheet = book["proactive"]
    head = [c.value for c in sheet[1]]
    assert head[:7] == ["item", "rule", "reason", "due", "repeat", "no_signature", "prefill"]
    sheet.cell(2, 2).value = "age_on(first_of_next_month) >= gljt_min_agee"
    sheet.cell(3, 5).value = "每周"
    sheet.cell(3, 7).value = "applicant_name"
    buf = io.BytesIO()
    book.save(buf)
    got, problems = read_workbook(buf.getvalue())
    assert got is None
    said = {(p.sheet, p.row, p.column): p.message for p in problems}
    assert "gljt_min_agee" in said[("proactive", 2, "B")]
    assert "每周" in said[("proactive", 3, "E")] and "每年" in said[("proactive", 3, "E")]
    assert "字段key=花名册数据" in said[("proactive", 3, "G")]
