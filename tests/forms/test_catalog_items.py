"""Issue 16 (82 items): the shipped catalog holds the seed practice's 82 livelihood items,
including the kinds commonly missing before, and the 退休一件事 bundle sends its employee
medical-insurance part to the 医保 department's own item."""

from __future__ import annotations

from datetime import date

import pytest

from forms.catalog import load_catalog
from forms.engine import validate

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def catalog():  # type: ignore[no-untyped-def]
    return load_catalog()


def test_the_catalog_holds_82_items(catalog) -> None:  # type: ignore[no-untyped-def]
    assert len(catalog.items) >= 82
    assert len({it.code for it in catalog.items}) == len(catalog.items)
    assert len({it.name for it in catalog.items}) == len(catalog.items)


@pytest.mark.parametrize(("query", "words"), [
    ("户口迁移", ("户口迁入",)),
    ("户籍证明", ("户籍证明",)),
    ("社保转移", ("养老保险关系转移接续",)),
    ("医保转移", ("医疗保险关系转移接续",)),
    ("居住证签注", ("居住证签注",)),
    ("助浴", ("居家养老服务",)),
    ("临时救助", ("临时救助",)),
    ("法律援助", ("法律援助",)),
    ("人民调解", ("人民调解",)),
    ("政策咨询", ("政策咨询",)),
])
def test_commonly_missing_kinds_are_found(catalog, query: str,  # type: ignore[no-untyped-def]
                                          words: tuple[str, ...]) -> None:
    """Each kind the issue names as commonly missing is an item of its own, found by the
    worker's words."""
    found = [it.name for it in catalog.search(query)[:3]]
    assert any(all(w in name for w in words) for name in found), (query, found)


def test_retirement_bundle_routes_employee_medical_insurance_to_medical_insurance(
        catalog) -> None:  # type: ignore[no-untyped-def]
    bundle = catalog.get("YJS-TX")
    members = bundle.chosen_members({"services": ["职工医保退休待遇核定"]})
    assert members == ["YB-ZGTX"]
    member = catalog.get(members[0])
    assert member.department == "医保" and "职工医保" in member.name
    # the residents' scheme stays the route of the one service that really enrols there
    assert bundle.chosen_members({"services": ["转入城乡居民医保"]}) == ["YB-JMCB"]
    assert bundle.chosen_members({"services": ["基本养老保险退休待遇核定"]}) == ["RS-TX"]
    # the bundle's example (its medical-insurance fields) is a valid case of the member item
    ex = bundle.example
    case = {"applicant_name": ex["applicant_name"], "applicant_id": ex["applicant_id"],
            "applicant_phone": ex["applicant_phone"]}
    res = validate(member, {**member.example, **case}, today=TODAY)
    assert res.ok, [p.message for p in res.errors]



def _with(catalog, **values):  # type: ignore[no-untyped-def]
    """``catalog`` with some parameters' values changed, as a district would."""
    from forms.catalog import Catalog

    body = catalog.to_json()
    for name, value in values.items():
        body["params"][name]["value"] = value
    return Catalog.from_json(body)


def _warnings(item, **change) -> list[str]:  # type: ignore[no-untyped-def]
    res = validate(item, {**item.example, **change}, today=TODAY)
    assert res.ok, [p.message for p in res.errors]
    return [w.message for w in res.warnings]


def test_place_dependent_numbers_of_new_items_are_parameters(
        catalog) -> None:  # type: ignore[no-untyped-def]
    """职工医保 years at retirement, the children's rehabilitation age, the lift's floors,
    the policy enquiry's reply days: one value each, shown in the texts and used by the
    warnings."""
    zgtx = catalog.get("YB-ZGTX")
    assert "女25年" in zgtx.field("sex_category").help
    assert _warnings(zgtx, total_years=26, local_years=26) == []
    other = _with(catalog, zgyb_years_female=28, zgyb_local_years=30).get("YB-ZGTX")
    assert "女28年" in other.field("sex_category").help
    assert _warnings(other, total_years=26, local_years=26) == [
        "累计缴费不足28年，请告知补缴或按月缴费，或转入城乡居民医保",
        "本市实际缴费不满30年，需在本市补足实际缴费年限"]
    etkf = catalog.get("CL-ETKF")
    older = "420105201805010019"  # 8 on the example day
    assert any("超过6周岁" in w for w in _warnings(etkf, child_id=older))
    assert _warnings(_with(catalog, etkf_max_age=14).get("CL-ETKF"), child_id=older) == []
    lift = catalog.get("ZJ-JZDT")
    assert any("6层以下" in w for w in
               _warnings(_with(catalog, elevator_min_floors=6).get("ZJ-JZDT"), floors=5))
    assert "5个工作日内" in _with(catalog, consult_reply_days=5).get("JW-ZCZX").notice.time_limit
    assert "3个工作日内" in catalog.get("JW-ZCZX").notice.time_limit
    assert _warnings(lift) == []


def test_lift_vote_follows_civil_code_article_278(catalog) -> None:  # type: ignore[no-untyped-def]
    """Two thirds of the households vote, three quarters of those voting agree."""
    lift = catalog.get("ZJ-JZDT")
    assert _warnings(lift, households=14, voters=10, agree=8) == []  # 10/14 ≥ 2/3, 8/10 ≥ 3/4
    assert _warnings(lift, households=14, voters=9, agree=9) == [
        "参与表决户数不足本单元户数的三分之二（民法典第二百七十八条），暂不能形成有效决定"]
    assert _warnings(lift, households=12, voters=8, agree=5) == [
        "同意户数不足参与表决户数的四分之三（民法典第二百七十八条），暂不能进入审批"]
    assert _warnings(lift, households=12, voters=8, agree=6) == []  # exactly 3/4


def test_wage_complaint_warns_past_two_years(catalog) -> None:  # type: ignore[no-untyped-def]
    qxts = catalog.get("RS-QXTS")
    base = {"work_from": "2024-01-01", "work_to": None}
    assert _warnings(qxts, **base, owed_from="2024-12-01") == []  # 23 months
    assert any("超过2年" in w for w in _warnings(qxts, **base, owed_from="2024-11-01"))
