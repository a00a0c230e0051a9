"""Local parameters of the catalog (issue 16): declared once, referred to by texts and
rules, resolved for the desk, kept as references for export, checked where they are used."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook

from forms.catalog import Catalog, CatalogError, load_catalog
from forms.checker import check_item
from forms.engine import validate
from forms.params import Param, ParamError, parse_params
from forms.workbook import read_workbook, write_workbook


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    return load_catalog()


def _with(catalog: Catalog, **values: Any) -> Catalog:
    """``catalog`` with some parameters' values changed (as a district would)."""
    body = catalog.to_json()
    for name, value in values.items():
        body["params"][name]["value"] = value
    return Catalog.from_json(body)


def test_values_types_and_shorthand() -> None:
    ps = parse_params({"a": 80, "b": {"value": "2026-12-31", "type": "date"},
                       "c": ["七里一村", "七里二村"], "d": {"value": 1.5, "unit": "倍"},
                       "e": "街道办事处"})
    assert {n: p.type for n, p in ps.items()} == {"a": "number", "b": "date", "c": "list",
                                                 "d": "number", "e": "text"}
    assert ps["b"].value == date(2026, 12, 31)
    assert [ps[n].text() for n in "abcde"] == ["80", "2026年12月31日", "七里一村、七里二村",
                                               "1.5", "街道办事处"]
    for bad, words in [({"x": {"value": "八十", "type": "number"}}, "params.x"),
                       ({"x": True}, "not yes/no"), ({"Bad": 1}, "lower-case"),
                       ({"today": 1}, "reserved"),
                       ({"x": {"value": "2026-13-01", "type": "date"}}, "type date")]:
        with pytest.raises(ParamError, match=words):
            parse_params(bad)


def test_the_desk_sees_values_and_export_keeps_references(shipped: Catalog) -> None:
    item = shipped.get("MZ-GLJT")
    authored = next(it for it in shipped.authored if it.code == "MZ-GLJT")
    assert "{gljt_min_age}" in authored.notice.conditions[1]
    assert item.notice.conditions[1] == "年满80周岁（80—89周岁、90—99周岁、100周岁以上分档发放）"
    assert item.checks[0].min == 80 and authored.checks[0].min == "gljt_min_age"
    assert "{gljt" not in json.dumps(item.model_dump(mode="json"), ensure_ascii=False)
    # what is published keeps the references and the parameters; a desk rebuilds the same
    body = json.loads(json.dumps(shipped.to_json(), ensure_ascii=False))
    assert body["params"]["gljt_min_age"]["value"] == 80
    again = Catalog.from_json(body)
    assert again.items == shipped.items and again.authored == shipped.authored


def test_a_changed_parameter_changes_notice_help_and_warnings(shipped: Catalog) -> None:
    """高龄津贴 starts at 70 in another district: one value, every text and the warning."""
    seventy = _with(shipped, gljt_min_age=70)
    item = seventy.get("MZ-GLJT")
    assert item.notice.conditions[1].startswith("年满70周岁")
    sub = dict(item.example, applicant_id="420105195001010015")  # 76 on the example day
    old = validate(shipped.get("MZ-GLJT"), sub, today=date(2026, 11, 23))
    new = validate(item, sub, today=date(2026, 11, 23))
    assert [w.message for w in old.warnings] == [
        "老人未满80周岁，按本地标准可能尚不符合高龄津贴条件（可先告知，满龄后再申请）"]
    assert new.warnings == []
    sub75 = dict(sub, applicant_id="420105195501010011")  # 71
    assert validate(_with(shipped, gljt_min_age=75).get("MZ-GLJT"), sub75,
                    today=date(2026, 11, 23)).warnings[0].message.startswith("老人未满75周岁")


def test_english_values_of_a_list_parameter(shipped: Catalog) -> None:
    p = shipped.params["gljt_tiers"]
    assert p.text("en") == "80–89, 90–99, 100 and over"
    assert p.text("en_US") == p.text("en") and p.text("ii") == p.text()


def test_the_checker_names_unknown_and_wrongly_typed_references(shipped: Catalog) -> None:
    authored = next(it for it in shipped.authored if it.code == "MZ-GLJT")
    raw = authored.model_dump(mode="json", by_alias=True, exclude_none=True)
    raw["notice"]["tips"][0] = "满{gljt_max_age}周岁另有规定"
    raw["checks"][0]["max"] = "gljt_tiers"
    n = len(raw["checks"])
    raw["checks"].append({"rule": "expr", "expr": "age_on(today) >= nosuch_age",
                          "message": "x", "level": "warning"})
    _, problems = check_item(raw, params=shipped.params)
    got = {loc: words for loc, words in problems}
    assert got == {
        ("notice", "tips", 0): "引用了不存在的本地参数 {gljt_max_age}（params 表中没有 gljt_max_age）",
        ("checks", 0, "max"): "本地参数 gljt_tiers 是列表，这里需要数字",
        ("checks", n, "expr"): got[("checks", n, "expr")],
    }
    assert "“nosuch_age”不认识" in got[("checks", n, "expr")]
    # a text parameter compared with a number: found by trying the rule on the example
    raw = authored.model_dump(mode="json", by_alias=True, exclude_none=True)
    n = len(raw["checks"])
    raw["checks"].append({"rule": "expr", "expr": "age_on(today) >= dept_name",
                          "message": "x", "level": "warning"})
    params = dict(shipped.params, dept_name=Param(value="民政"))
    _, problems = check_item(raw, params=params)
    assert [(loc, w[:11]) for loc, w in problems] == [(("checks", n, "expr"), "规则里的数据类型不对（")]


def test_a_catalog_refuses_a_reference_to_a_missing_parameter(shipped: Catalog) -> None:
    body = shipped.to_json()
    del body["params"]["gljt_tiers"]
    with pytest.raises(CatalogError, match="MZ-GLJT: no parameter gljt_tiers"):
        Catalog.from_json(body)


def _book(shipped: Catalog) -> Any:
    return load_workbook(io.BytesIO(write_workbook(shipped)))


def _save(book: Any) -> bytes:
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_workbook_params_sheet_round_trips_and_is_checked(shipped: Catalog) -> None:
    book = _book(shipped)
    sheet = book["params"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["name", "value", "type", "unit", "description"]
    assert {"value::en", "unit::en", "description::en"} <= set(header)
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    assert rows["gljt_min_age"][1].value == 80 and rows["gljt_min_age"][2].value == "数字"
    assert rows["gljt_tiers"][1].value == "80—89周岁\n90—99周岁\n100周岁以上"
    # one cell changed: the import's catalog has the new value everywhere
    rows["gljt_min_age"][1].value = 70
    cat, problems = read_workbook(_save(book))
    assert problems == [] and cat is not None
    assert cat.get("MZ-GLJT").notice.conditions[1].startswith("年满70周岁")
    assert cat.params["gljt_min_age"].value == 70
    # mistakes, each at its cell: a wrong type, an unused parameter, a missing reference
    book = _book(shipped)
    sheet = book["params"]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    rows["gljt_min_age"][1].value = "八十"
    n = sheet.max_row + 1
    sheet.cell(row=n, column=1, value="spare_line")
    sheet.cell(row=n, column=2, value=100)
    items = book["items"]
    col = [c.value for c in items[1]].index("notice_where") + 1
    row = next(r[0].row for r in items.iter_rows(min_row=2) if r[0].value == "MZ-DB")
    items.cell(row=row, column=col, value="{where_office}")
    _, problems = read_workbook(_save(book))
    got = {p.cell: p.message for p in problems}
    gl = rows["gljt_min_age"][1].coordinate
    where = items.cell(row=row, column=col).coordinate
    assert set(got) >= {f"params!{gl}", f"params!A{n}", f"items!{where}"}, got
    assert "不是数字" in got[f"params!{gl}"]
    assert "spare_line 没有被任何事项引用" in got[f"params!A{n}"]
    assert "{where_office}" in got[f"items!{where}"]


def test_forms_check_names_an_unused_or_broken_parameter(tmp_path: Any, monkeypatch: Any,
                                                        capsys: Any) -> None:
    """``python -m forms.check`` (all files): a parameter no item uses, and a broken
    ``params`` block, are named like the workbook names them."""
    import yaml

    from forms import check
    from forms.catalog import CATALOG_FILE

    meta = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))
    meta["params"]["spare_line"] = 100
    cat = tmp_path / "catalog.yaml"
    cat.write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(check, "CATALOG_FILE", cat)
    assert check.main([]) == 1
    out = capsys.readouterr().out
    assert "catalog.yaml: params.spare_line: 本地参数 spare_line 没有被任何事项引用" in out
    meta["params"]["spare_line"] = {"value": "x", "type": "date"}
    cat.write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    assert check.main([]) == 1
    assert "catalog.yaml: params.spare_line" in capsys.readouterr().out
    monkeypatch.setattr(check, "CATALOG_FILE", CATALOG_FILE)
    assert check.main([]) == 0


def test_the_reuse_cap_is_a_desk_parameter(shipped: Catalog) -> None:
    """Issue 23: ``reuse_max_months`` is read by the desk (reuse of materials on file), not
    by an item — never "unused" — and must be a whole number of months from 1 to 120."""
    from forms.catalog import ITEMS_DIR
    from forms.check import params_problems

    assert shipped.params["reuse_max_months"].value == 12
    assert not [p for p in params_problems(sorted(ITEMS_DIR.glob("*.yaml")))
                if "reuse_max_months" in p]
    assert parse_params({"reuse_max_months": 6})["reuse_max_months"].value == 6
    for bad in (0, 121, 2.5, "一年"):
        with pytest.raises(ParamError, match=r"reuse_max_months: .*1 到 120 之间的整数"):
            parse_params({"reuse_max_months": bad})
