"""The catalog workbook (issue 16): one model, two notations, and a checked import."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from forms.catalog import Catalog, load_catalog
from forms.check import check_file
from forms.model import Condition
from forms.workbook import (
    Problem,
    WorkbookError,
    condition_text,
    load_workbook_catalog,
    parse_condition,
    read_workbook,
    write_workbook,
)
from forms.workbook.writer import _rows


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def exported(shipped: Catalog) -> bytes:
    return write_workbook(shipped)


def test_yaml_model_xlsx_model_is_lossless(shipped: Catalog, exported: bytes) -> None:
    """Every shipped YAML item → model → XLSX → model: the same model, in the same order."""
    back, problems = read_workbook(exported)
    assert problems == []
    assert back is not None
    assert back.version == shipped.version
    assert [it.code for it in back.items] == [it.code for it in shipped.items]
    for a, b in zip(shipped.items, back.items, strict=True):
        assert a == b, a.code
    # the published JSON (what desks receive) is the same too
    assert back.to_json() == shipped.to_json()


def test_export_import_export_is_the_identity(exported: bytes) -> None:
    """Export → import → export gives the same workbook content, cell for cell."""
    again = load_workbook_catalog(exported)
    assert _rows(again) == _rows(load_workbook_catalog(write_workbook(again)))
    first = _cells(exported)
    second = _cells(write_workbook(again))
    assert first == second


def _cells(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return {name: [tuple(r) for r in book[name].iter_rows(values_only=True)]
                for name in book.sheetnames}
    finally:
        book.close()


_values = st.one_of(
    st.text(min_size=1, max_size=12), st.booleans(),
    st.integers(min_value=-10**6, max_value=10**6),
    st.sampled_from(["true", "1", "a, b", '"q"', "[x]", " pad ", "社保卡", "换领（损坏、过期）"]))


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(["equals", "not_equals", "in", "not_empty"]),
       value=_values, values=st.lists(_values, min_size=1, max_size=4),
       flag=st.booleans())
def test_condition_expressions_round_trip(kind: str, value: Any, values: list[Any],
                                          flag: bool) -> None:
    """Any condition written in the expression form reads back as the same condition."""
    raw: dict[str, Any] = {"field": "payment_channel"}
    raw[kind] = {"in": values, "not_empty": flag}.get(kind, value)
    cond = Condition.model_validate(raw)
    text = condition_text(cond)
    back = parse_condition(text)
    assert back is not None, text
    assert Condition.model_validate(back) == cond, text


def test_readable_conditions() -> None:
    assert parse_condition("payment_channel = 本人银行账户") == {
        "field": "payment_channel", "equals": "本人银行账户"}
    assert parse_condition("living_alone = true") == {"field": "living_alone", "equals": True}
    assert parse_condition("kind in [甲, 乙、丙]") == {"field": "kind", "in": ["甲", "乙", "丙"]}
    assert parse_condition("phone 已填") == {"field": "phone", "not_empty": True}
    assert parse_condition("phone ~ 1") is None


# -- 20 planted mistakes --------------------------------------------------------------------

def _find(ws: Any, col: str, **match: str) -> tuple[int, str]:
    """The row (1-based) whose cells match, and the letter of ``col`` in it."""
    header = [c.value for c in ws[1]]
    letter = ws.cell(row=1, column=header.index(col) + 1).column_letter
    for row in ws.iter_rows(min_row=2):
        cells = {header[i]: c.value for i, c in enumerate(row)}
        if all(cells.get(k) == v for k, v in match.items()):
            return row[0].row, letter
    raise AssertionError(f"no row {match} in {ws.title}")


def _plant(ws: Any, value: Any, col: str, **match: str) -> str:
    row, letter = _find(ws, col, **match)
    ws[f"{letter}{row}"] = value
    return f"{ws.title}!{letter}{row}"


def test_twenty_planted_mistakes_give_twenty_messages(exported: bytes) -> None:
    book = load_workbook(io.BytesIO(exported))
    f, it, mat = book["fields"], book["items"], book["materials"]
    ch, chk, ex = book["choices"], book["checks"], book["examples"]
    first_check = _find(chk, "op", item="MZ-DB")[0]
    planted = {
        # MZ-GLJT's fields: every one is reported (field by field)
        _plant(f, "phon", "type", item="MZ-GLJT", key="living_alone"): "类型 'phon' 不认识",
        _plant(f, "maybe", "required", item="MZ-GLJT", key="hukou_address"): "必填",
        _plant(f, "abc", "max_length", item="MZ-GLJT", key="hukou_address"): "应为整数",
        _plant(f, "payment_channel ~ 社保卡", "show_if", item="MZ-GLJT", key="bank_name"):
            "看不懂",
        _plant(f, "nosuch", "choices", item="MZ-GLJT", key="payment_channel"):
            "选项列表 'nosuch' 在 choices 表中找不到",
        _plant(f, "Bad Key", "key", item="MZ-GLJT", key="emergency_contact"): "写法不对",
        _plant(f, "XX-NONE", "item", item="MZ-GLJT", key="emergency_phone"):
            "事项 'XX-NONE' 不在 items 表中",
        # YB-JMCB's item row and materials
        _plant(it, "马上办", "kind", code="YB-JMCB"): "办件类型 '马上办' 不认识，可选：即办件、承诺件",
        _plant(it, "十", "promised_days", code="YB-JMCB"): "承诺工作日应为整数",
        _plant(it, None, "name", code="YB-JMCB"): "名称必须填写",
        _plant(it, "perhaps", "proxy_allowed", code="YB-JMCB"): "可代办填“是”或“否”",
        _plant(mat, "扫描件", "form", item="YB-JMCB", name="申请人居民身份证"): "形式 '扫描件' 不认识",
        _plant(mat, 0, "count", item="YB-JMCB", name="户口簿"): "份数 0 不能小于 1",
        # RS-ZGRZ: a rule of the whole item, located at its cell
        _plant(mat, "nofield = 1", "show_if", item="RS-ZGRZ", name="居民身份证"):
            "显示条件用到了本事项没有的字段",
        # MZ-DB's checks
        f"checks!B{first_check}": "规则 'older' 不认识",
        _plant(chk, ">>", "op", item="MZ-DB", field="vehicle"): "比较 '>>' 不认识",
        _plant(chk, "警告", "level", item="MZ-DB", field="vehicle"): "级别 '警告' 不认识",
        # WJ-JTYS's worked example
        _plant(ex, "123", "value", item="WJ-JTYS", key="applicant_id"): "示例：",
        # RS-SBK: a choice list with a repeated value (located at the field)
        "fields!?": "选项有重复",
    }
    # a new parameter row after the shipped ones (its name unusable)
    bad_row = book["params"].max_row + 1
    planted[f"params!A{bad_row}"] = "参数名 'Bad Name' 不能用"
    chk[f"B{first_check}"] = "older"
    # the second choice of RS-SBK's card_for list repeats the first
    rows = [r for r in ch.iter_rows(min_row=2) if r[0].value == "RS-SBK"]
    lists: dict[str, list[Any]] = {}
    for r in rows:
        lists.setdefault(str(r[1].value), []).append(r)
    name, group = next((n, g) for n, g in lists.items() if len(g) >= 2)
    group[1][2].value = group[0][2].value
    row, letter = _find(f, "key", item="RS-SBK", key=name)
    planted[f"fields!{letter}{row}"] = planted.pop("fields!?")
    book["params"][f"A{bad_row}"] = "Bad Name"
    book["params"][f"B{bad_row}"] = 80
    buf = io.BytesIO()
    book.save(buf)

    catalog, problems = read_workbook(buf.getvalue())
    assert catalog is None
    got = {p.cell: p.message for p in problems}
    assert len(problems) == 20, "\n".join(map(str, problems))
    assert set(got) == set(planted), "\n".join(map(str, problems))
    for cell, words in planted.items():
        assert words in got[cell], (cell, got[cell])
    assert all(p.sheet and p.row and p.column for p in problems)
    with pytest.raises(WorkbookError) as exc:
        load_workbook_catalog(buf.getvalue())
    assert len(exc.value.problems) == 20
    assert "fields!" in str(exc.value)


def test_not_a_workbook() -> None:
    catalog, problems = read_workbook(b"version,items\n1,2\n")
    assert catalog is None
    assert problems == [Problem("文件", 0, "", problems[0].message)]
    assert "XLSX" in problems[0].message


def test_unknown_column_and_missing_sheet(exported: bytes) -> None:
    book = load_workbook(io.BytesIO(exported))
    book["fields"].cell(row=1, column=60, value="colour")
    del book["materials"]
    buf = io.BytesIO()
    book.save(buf)
    _, problems = read_workbook(buf.getvalue())
    text = [str(p) for p in problems]
    assert any(t.startswith("fields!") and "不认识的列 'colour'" in t for t in text), text
    assert "materials: 缺少工作表 materials" in text


def test_forms_check_uses_the_same_checker(tmp_path: Any) -> None:
    """``python -m forms.check`` reports a YAML mistake with the workbook's sentence."""
    raw = json.loads(json.dumps(load_catalog().get("MZ-GLJT").model_dump(
        mode="json", by_alias=True, exclude_none=True)))
    raw["fields"][8]["type"] = "phon"
    path = tmp_path / "MZ-GLJT.yaml"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    problems = check_file(path)
    assert len(problems) == 1
    assert "fields[8:living_alone].type: 类型 'phon' 不认识，可选：" in problems[0]


def test_material_validity_round_trips_and_is_checked(shipped: Catalog,
                                                      exported: bytes) -> None:
    """Issue 23: a material's valid_months (有效期，月) is a column of the materials sheet —
    exported, read back into the same model, and a bad cell named with the rule."""
    book = load_workbook(io.BytesIO(exported))
    mat = book["materials"]
    row, letter = _find(mat, "valid_months", item="MZ-YLJG", name="入住前体检报告")
    assert mat[f"{letter}{row}"].value == 3
    back = load_workbook_catalog(exported)
    got = {m.name: m.valid_months for m in back.get("MZ-YLJG").materials}
    assert got["入住前体检报告"] == 3 and got["老年人能力评估报告"] == 12
    assert got["赡养人居民身份证"] is None
    # a new validity typed into the sheet reaches the model
    h_row, h_letter = _find(mat, "valid_months", item="MZ-DB", name="户口簿")
    mat[f"{h_letter}{h_row}"] = 24
    buf = io.BytesIO()
    book.save(buf)
    changed = load_workbook_catalog(buf.getvalue())
    assert {m.name: m.valid_months for m in changed.get("MZ-DB").materials}["户口簿"] == 24
    # bad cells: named by the column's words and the rule
    for value, words in ((0, "有效期（月） 0 不能小于 1"), ("三个月", "有效期（月）应为整数"),
                         (500, "有效期（月） 500 不能大于 120")):
        mat[f"{h_letter}{h_row}"] = value
        buf = io.BytesIO()
        book.save(buf)
        catalog, problems = read_workbook(buf.getvalue())
        assert catalog is None
        assert [(p.cell, words in p.message) for p in problems] == \
            [(f"materials!{h_letter}{h_row}", True)], problems
    # the catalog-wide cap on reusing materials without a validity of their own
    mat[f"{h_letter}{h_row}"] = None
    p_row, p_letter = _find(book["params"], "value", name="reuse_max_months")
    assert book["params"][f"{p_letter}{p_row}"].value == 12
    book["params"][f"{p_letter}{p_row}"] = 0
    buf = io.BytesIO()
    book.save(buf)
    catalog, problems = read_workbook(buf.getvalue())
    assert catalog is None
    assert [p.cell for p in problems] == [f"params!{p_letter}{p_row}"], problems
    assert "reuse_max_months" in problems[0].message and "1 到 120" in problems[0].message


def test_the_notice_time_limit_says_what_the_item_promises(exported: bytes) -> None:
    """A promised item's 告知·办理时限 names its promised working days (the receipt prints
    the date they give) and an on-the-spot item's says it is done on the spot; otherwise
    the cell of the time limit is named with the rule (the same checker as forms.check)."""
    book = load_workbook(io.BytesIO(exported))
    it = book["items"]
    promised = next(i for i in load_catalog().items if i.kind == "promised")
    spot = next(i for i in load_catalog().items if i.kind == "on_the_spot")
    days = promised.promised_days + 2
    _plant(it, days, "promised_days", code=promised.code)
    where_spot = _plant(it, "3个工作日内办结", "notice_time_limit", code=spot.code)
    where_promised = f"items!{_find(it, 'notice_time_limit', code=promised.code)[1]}" \
                     f"{_find(it, 'code', code=promised.code)[0]}"
    buf = io.BytesIO()
    book.save(buf)
    catalog, problems = read_workbook(buf.getvalue())
    assert catalog is None
    got = {p.cell: p.message for p in problems}
    assert set(got) == {where_promised, where_spot}, "\n".join(map(str, problems))
    assert f"承诺的 {days} 个工作日" in got[where_promised]
    assert "当场（即时）办结" in got[where_spot]
    # written to agree, both pass (a longer number containing the days does not count)
    _plant(it, f"本地承诺{days}个工作日（法定1{days}个工作日）", "notice_time_limit",
           code=promised.code)
    _plant(it, "材料齐全当场办结", "notice_time_limit", code=spot.code)
    buf = io.BytesIO()
    book.save(buf)
    catalog, problems = read_workbook(buf.getvalue())
    assert catalog is not None, "\n".join(map(str, problems))
