"""The shipped catalog: every item loads, every example validates and saves."""

from __future__ import annotations

from datetime import date

import pytest

from forms.catalog import catalog_summary, load_catalog
from forms.engine import all_fields, validate

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def catalog():  # type: ignore[no-untyped-def]
    return load_catalog()


def test_catalog_size_and_bundles(catalog) -> None:  # type: ignore[no-untyped-def]
    items = [it for it in catalog.items if not it.is_bundle]
    bundles = [it for it in catalog.items if it.is_bundle]
    assert len(items) >= 55
    names = {b.name for b in bundles}
    for life_event in ("出生", "身后", "残疾人", "退休"):
        assert any(life_event in n for n in names), life_event
    for b in bundles:
        assert b.bundle and all(code in catalog for code in b.bundle)


def test_every_example_validates_and_is_accepted(catalog) -> None:  # type: ignore[no-untyped-def]
    for it in catalog.items:
        res = validate(it, it.example, today=TODAY)
        assert res.ok, (it.code, [p.message for p in res.errors])
        assert res.decision == "accepted", (it.code, [m.name for m in res.missing_required])


def test_forms_are_not_one_generic_form(catalog) -> None:  # type: ignore[no-untyped-def]
    shapes = {tuple(sorted(f.key for f in it.fields)) for it in catalog.items}
    assert len(shapes) >= len(catalog.items) - 2
    # the field types the issue names are all used somewhere in the catalog
    used = {f.type for it in catalog.items for f in all_fields(it)}
    used |= {s.type for it in catalog.items for f in it.fields for s in (f.fields or [])}
    for t in ("text", "name", "id_number", "phone", "date", "number", "money", "choice",
              "multi_choice", "yes_no", "address", "group"):
        assert t in used, t


def test_items_have_real_content(catalog) -> None:  # type: ignore[no-untyped-def]
    for it in catalog.items:
        assert it.legal_basis and it.notice.conditions and it.notice.steps, it.code
        assert it.materials, it.code
        if it.kind == "on_the_spot":
            assert it.promised_days == 0
        else:
            assert it.promised_days >= 1


def test_deferrable_only_where_it_makes_sense(catalog) -> None:  # type: ignore[no-untyped-def]
    for it in catalog.items:
        for m in it.materials:
            if "身份证" == m.name or m.name.startswith("居民身份证"):
                assert not m.deferrable, (it.code, m.name)


def test_search_by_name_keyword_initials(catalog) -> None:  # type: ignore[no-untyped-def]
    assert catalog.search("gljt")[0].code == "MZ-GLJT"
    assert catalog.search("高龄")[0].code == "MZ-GLJT"
    assert any(it.code == "MZ-DB" for it in catalog.search("低保")[:3])
    assert catalog.search("MZ-DB")[0].code == "MZ-DB"
    assert catalog.search("残疾")
    assert catalog.search("zzzzzz") == []


def test_summary_contract(catalog) -> None:  # type: ignore[no-untyped-def]
    rows = catalog_summary(catalog)
    for row in rows:
        for key in ("code", "name", "department", "kind", "promised_days", "fields",
                    "materials", "example"):
            assert key in row
        assert row["kind"] in ("on_the_spot", "promised")
        for f in row["fields"]:
            assert {"key", "label", "type", "required"} <= set(f)
        for m in row["materials"]:
            assert {"name", "required", "deferrable"} <= set(m)
    assert sum(1 for r in rows if "bundle" in r) >= 4


def test_catalog_json_round_trip(catalog) -> None:  # type: ignore[no-untyped-def]
    from forms.catalog import Catalog

    again = Catalog.from_json(catalog.to_json())
    assert again.version == catalog.version
    assert [i.code for i in again.items] == [i.code for i in catalog.items]
    assert again.get("MZ-DB") == catalog.get("MZ-DB")


def test_loading_does_not_judge_examples_by_a_date(catalog) -> None:  # type: ignore[no-untyped-def]
    """A published catalog loads whatever its examples say and whatever today is: examples
    are documentation for ``new``, checked by the tests above, not by production code."""
    import copy

    from forms.catalog import Catalog

    data = copy.deepcopy(catalog.to_json())
    gljt = next(raw for raw in data["items"] if raw["code"] == "MZ-GLJT")
    gljt["example"] = {"applicant_name": "王桂兰"}  # incomplete: would not validate
    loaded = Catalog.from_json(data)
    assert loaded.get("MZ-GLJT").example == {"applicant_name": "王桂兰"}
    assert not validate(loaded.get("MZ-GLJT"), loaded.get("MZ-GLJT").example, today=TODAY).ok
