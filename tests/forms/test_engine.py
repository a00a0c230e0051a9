"""The form engine: every problem reported at once, with field key and rule."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from forms.catalog import CatalogError, load_dir, parse_item
from forms.engine import validate
from forms.model import Item

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def gljt() -> Item:
    import yaml

    from forms.catalog import ITEMS_DIR, resolve_item
    from forms.check import shipped_params

    # as the desk has it: the references to the catalog's parameters resolved
    return resolve_item(parse_item(yaml.safe_load((ITEMS_DIR / "MZ-GLJT.yaml").read_text(
        "utf-8")), "x"), shipped_params())


@pytest.fixture(scope="module")
def dibao() -> Item:
    import yaml

    from forms.catalog import ITEMS_DIR

    return parse_item(yaml.safe_load((ITEMS_DIR / "MZ-DB.yaml").read_text("utf-8")), "x")


def rules(result: Any) -> dict[str, str]:
    return {p.field: p.rule for p in result.errors}


def test_example_is_accepted(gljt: Item) -> None:
    res = validate(gljt, gljt.example, today=TODAY)
    assert res.ok and res.decision == "accepted"
    assert res.derived["applicant_id"]["age"] == 81
    assert res.derived["applicant_id"]["sex"] == "男"


def test_every_problem_at_once(gljt: Item) -> None:
    res = validate(gljt, {"applicant_name": "王", "applicant_id": "110105194912310021",
                          "applicant_phone": "12345", "residence": "七里一村",
                          "payment_channel": "现金", "bogus": 1}, today=TODAY)
    r = rules(res)
    assert r == {"applicant_name": "name", "applicant_id": "check_digit",
                 "applicant_phone": "phone", "residence": "address",
                 "payment_channel": "choice", "bank_account": "required",
                 "hukou_address": "required", "bogus": "unknown"}
    for p in res.errors:
        assert "：" in p.message  # names the field label, then the rule in words


def test_show_if_and_required_if(gljt: Item) -> None:
    sub = dict(gljt.example, payment_channel="本人银行账户", living_alone=True)
    res = validate(gljt, sub, today=TODAY)
    assert rules(res) == {"bank_name": "required", "emergency_contact": "required",
                          "emergency_phone": "required"}
    # hidden fields are dropped, never saved
    sub = dict(gljt.example, bank_name="工商银行")
    res = validate(gljt, sub, today=TODAY)
    assert res.ok and "bank_name" not in res.data


def test_age_warning_does_not_block(gljt: Item) -> None:
    sub = dict(gljt.example, applicant_id="42010519600101001X")
    res = validate(gljt, sub, today=TODAY)
    assert res.ok
    assert [w.rule for w in res.warnings] == ["age"]
    assert "80" in res.warnings[0].message


def test_repeat_group_rows_are_checked(dibao: Item) -> None:
    sub = copy.deepcopy(dibao.example)
    sub["members"][1]["id_number"] = "420105196508120024"
    sub["members"][1]["disabled"] = True
    sub["members"].append({"name": "李", "relation": "子女"})
    res = validate(dibao, sub, today=TODAY)
    r = rules(res)
    assert r["members[1].id_number"] == "check_digit"
    assert r["members[1].disability_cert"] == "required"
    assert r["members[2].name"] == "name"
    assert r["members[2].id_number"] == "required"
    msg = next(p.message for p in res.errors if p.field == "members[2].id_number")
    assert "第3项" in msg


def test_group_min_items(dibao: Item) -> None:
    sub = dict(dibao.example, members=[])
    assert rules(validate(dibao, sub, today=TODAY))["members"] == "min_items"


def test_multi_choice_condition(dibao: Item) -> None:
    sub = dict(dibao.example, reason=["其他"])
    assert rules(validate(dibao, sub, today=TODAY)) == {"reason_detail": "required"}


def test_money_and_numbers(dibao: Item) -> None:
    sub = copy.deepcopy(dibao.example)
    sub["household_assets"] = "12.345"
    sub["members"][0]["monthly_income"] = -5
    r = rules(validate(dibao, sub, today=TODAY))
    assert r["household_assets"] == "money"
    assert r["members[0].monthly_income"] == "range"


def test_proxy_needs_details_and_authorisation(gljt: Item) -> None:
    sub = dict(gljt.example, is_proxy=True)
    res = validate(gljt, sub, today=TODAY)
    assert set(rules(res)) == {"proxy_name", "proxy_id", "proxy_phone", "proxy_relation"}
    sub.update(proxy_name="王小明", proxy_id="420105197503040010", proxy_phone="13907181234",
               proxy_relation="子女")
    res = validate(gljt, sub, today=TODAY)
    assert res.ok
    assert {m.name for m in res.missing_required} == {"授权委托书", "代办人身份证"}
    assert res.decision == "correction"  # proxy papers are never deferrable
    sub["materials"] = [*sub["materials"], "授权委托书", "代办人身份证"]
    assert validate(gljt, sub, today=TODAY).decision == "accepted"


def test_proxy_cannot_be_applicant(gljt: Item) -> None:
    sub = dict(gljt.example, is_proxy=True, proxy_name="王桂兰", proxy_id="420105194501010017",
               proxy_phone="13907181234", proxy_relation="其他")
    assert rules(validate(gljt, sub, today=TODAY))["proxy_id"] == "proxy_distinct"


def test_materials_decision(gljt: Item) -> None:
    base = dict(gljt.example)
    base["materials"] = ["居民身份证", "户口簿", "社保卡或本人银行卡"]
    res = validate(gljt, base, today=TODAY)
    assert res.decision == "deferred"
    assert [m.name for m in res.missing_required] == ["近期一寸免冠照片"]
    res = validate(gljt, dict(base, defer_commitment=False), today=TODAY)
    assert res.decision == "correction"
    res = validate(gljt, dict(base, materials=["居民身份证"]), today=TODAY)
    assert res.decision == "correction"
    assert {m.name for m in res.missing_required} == {"户口簿", "近期一寸免冠照片",
                                                      "社保卡或本人银行卡"}
    res = validate(gljt, dict(base, materials=["居民身份证", "结婚证"]), today=TODAY)
    assert rules(res) == {"materials": "unknown_material"}


def test_dates(tmp_path: Any) -> None:
    raw = {
        "code": "TS-DATE", "name": "测试事项", "department": "民政", "kind": "on_the_spot",
        "promised_days": 0, "legal_basis": "测试依据",
        "notice": {"conditions": ["无"], "steps": ["受理"], "time_limit": "即办"},
        "fields": [
            {"key": "applicant_name", "label": "姓名", "type": "name", "required": True},
            {"key": "applicant_id", "label": "身份证", "type": "id_number", "required": True},
            {"key": "applicant_phone", "label": "电话", "type": "mobile", "required": True},
            {"key": "start", "label": "开始日期", "type": "date", "not_future": True},
            {"key": "end", "label": "结束日期", "type": "date"},
        ],
        "checks": [{"rule": "compare", "field": "end", "op": ">=", "other": "start",
                    "message": "结束日期不能早于开始日期"}],
        "materials": [{"name": "身份证"}],
        "example": {"applicant_name": "张三", "applicant_id": "420105194501010017",
                    "applicant_phone": "13871234567", "materials": ["身份证"]},
    }
    item = parse_item(raw, "t.yaml")
    base = dict(item.example)
    r = rules(validate(item, dict(base, start="2026-12-01"), today=TODAY))
    assert r == {"start": "not_future"}
    r = rules(validate(item, dict(base, start="2026-02-30"), today=TODAY))
    assert r == {"start": "date"}
    r = rules(validate(item, dict(base, start="2026-11-01", end="2026-10-01"), today=TODAY))
    assert r == {"end": "compare"}
    r = rules(validate(item, dict(base, applicant_phone="027-84561234"), today=TODAY))
    assert r == {"applicant_phone": "phone"}  # mobile only


def test_broken_definition_names_file_item_and_field(tmp_path: Any) -> None:
    items = tmp_path / "items"
    items.mkdir()
    (tmp_path / "catalog.yaml").write_text('version: "t1"\n', "utf-8")
    (items / "MZ-BAD.yaml").write_text(
        "code: MZ-BAD\nname: 坏事项\ndepartment: 民政\nkind: promised\npromised_days: 5\n"
        "legal_basis: 测试\nnotice: {conditions: [a], steps: [b], time_limit: c}\n"
        "fields:\n  - {key: applicant_name, label: 姓名, type: name}\n"
        "  - {key: applicant_id, label: 身份证, type: id_number}\n"
        "  - {key: applicant_phone, label: 电话, type: phone}\n"
        "  - {key: kind_of, label: 类别, type: choice}\n"
        "materials: [{name: 身份证}]\nexample: {}\n", "utf-8")
    with pytest.raises(CatalogError) as exc:
        load_dir(items, tmp_path / "catalog.yaml")
    text = str(exc.value)
    assert "MZ-BAD.yaml" in text and "MZ-BAD" in text and "fields[3:kind_of]" in text
    assert "needs choices" in text


def test_unknown_key_in_definition_is_refused() -> None:
    with pytest.raises(CatalogError) as exc:
        parse_item({"code": "MZ-X", "name": "某事", "colour": "red"}, "x.yaml")
    assert "colour" in str(exc.value)


def test_a_rule_is_parsed_and_compiled_once_not_at_every_check(
        gljt: Item, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13 (the case save no slower than before the redesign): MZ-GLJT's birthday rule
    was parsed and compiled again at every validation — 0.2 ms of a 0.8 ms save, and of
    every keystroke's check on the form. Now once per rule text; the answers are the same
    (the 80th birthday this month warns, another month does not)."""
    from forms import engine, expr

    calls: list[str] = []
    parse, compile_expr = expr.parse, expr.compile_expr
    monkeypatch.setattr(expr, "parse", lambda text: calls.append("parse") or parse(text))
    monkeypatch.setattr(expr, "compile_expr",
                        lambda n, known: calls.append("compile") or compile_expr(n, known))
    engine._rule.cache_clear()
    engine._compiled.cache_clear()
    from forms.ids import id_check_digit

    body = "42010519461202001"  # 80 on 2 December 2026
    born_dec = dict(gljt.example, applicant_id=body + id_check_digit(body))
    for i in range(3):
        warned = validate(gljt, born_dec, today=date(2026, 12, 4)).warnings
        assert any(p.rule == "expr" for p in warned), warned
        assert not any(p.rule == "expr" for p in validate(gljt, born_dec,
                                                          today=date(2026, 11, 4)).warnings)
        if i == 0:  # the first check parses the rule and compiles it (node by node)
            assert calls.count("parse") == 1 and "compile" in calls, calls
            calls.clear()
    assert calls == []  # later checks neither parse nor compile it again
