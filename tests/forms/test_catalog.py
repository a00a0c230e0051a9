"""The shipped catalog: every item loads, every example validates and saves."""

from __future__ import annotations

from datetime import date
from pathlib import Path

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
    assert len(items) >= 55 and len(catalog.items) >= 82  # issue 16: the seed's 82 items
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
    """What the schema cannot say: a legal basis cites a named law or notice, the notice
    tells the resident more than one step, materials are named once per item, and the
    example fills every required field (so `new` with it never trips a required rule)."""
    for it in catalog.items:
        assert "《" in it.legal_basis and "》" in it.legal_basis, (it.code, it.legal_basis)
        assert len(it.notice.steps) >= 2, it.code
        names = [m.name for m in it.materials]
        assert len(names) == len(set(names)), (it.code, names)
        if not it.is_bundle:
            required = {f.key for f in it.fields if f.required and not f.show_if}
            assert required <= set(it.example), (it.code, required - set(it.example))


@pytest.mark.parametrize(("change", "field"), [
    ({"legal_basis": ""}, "legal_basis"),
    ({"kind": "on_the_spot", "promised_days": 5}, "promised_days"),
    ({"materials": []}, "materials"),
    ({"notice": {"conditions": [], "steps": ["到社区"], "time_limit": "当场"}},
     "notice.conditions"),
])
def test_a_broken_item_file_is_refused_naming_file_item_and_field(
        catalog, tmp_path, change, field) -> None:  # type: ignore[no-untyped-def]
    """The loader (not only the model) refuses a broken item file, and the message names
    the file, the item and the field, so a district author can fix it."""
    import shutil

    import yaml

    from forms.catalog import CATALOG_FILE, CatalogError, load_dir

    items = tmp_path / "items"
    shutil.copytree(Path(__file__).resolve().parents[2] / "forms" / "items", items)
    raw = yaml.safe_load((items / "MZ-GLJT.yaml").read_text("utf-8"))
    raw.update(change)
    (items / "MZ-GLJT.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    with pytest.raises(CatalogError) as err:
        load_dir(items, CATALOG_FILE)
    text = str(err.value)
    assert "MZ-GLJT.yaml" in text and "MZ-GLJT" in text
    assert field.split(".")[0] in text, text


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
