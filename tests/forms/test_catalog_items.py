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

