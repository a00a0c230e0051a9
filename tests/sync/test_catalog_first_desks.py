"""Older desks and local parameters (issue 16): a desk built before catalog parameters
refuses a catalog whose checks name a parameter (or that carries what came with them). The
district serves a desk that does not say it reads parameters (``catalog_format``) the
catalog resolved — values in place of names — and a desk that does the catalog as authored.

Real district server; the older desk's side is its own catalog model, frozen in
``first_desk_model.py`` (forms/model.py before parameters), reading what came over HTTP."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import ValidationError
from sync_helpers import District, enroll

from forms.catalog import Catalog, load_catalog
from forms.legacy import first_desks_catalog
from sync import protocol as P
from sync.client.desk import client_for, sync_desk


@pytest.fixture(scope="module")
def first_model() -> ModuleType:
    path = Path(__file__).with_name("first_desk_model.py")
    spec = importlib.util.spec_from_file_location("first_desk_model", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves its annotations through it
    spec.loader.exec_module(module)
    return module


def _old_desk_reads(model: ModuleType, body: dict[str, Any]) -> list[Any]:
    """What an older desk's ``Catalog.from_json`` did: every item through its model."""
    return [model.Item.model_validate(raw) for raw in body["items"]]


def test_the_authored_catalog_is_refused_by_an_older_desk(first_model: ModuleType) -> None:
    """The defect: the shipped catalog as authored stops an older desk's update."""
    with pytest.raises(ValidationError):
        _old_desk_reads(first_model, load_catalog().to_json())


def test_the_first_desks_catalog_is_the_resolved_catalog(first_model: ModuleType) -> None:
    shipped = load_catalog()
    body = first_desks_catalog(dict(shipped.to_json(), version="v1"))
    assert set(body) == {"version", "items"}
    old = {it.code: it for it in _old_desk_reads(first_model, body)}
    assert list(old) == [it.code for it in shipped.items]
    gl = old["MZ-GLJT"]
    age = next(c for c in gl.checks if c.rule == "age")
    assert age.min == shipped.params["gljt_min_age"].value == 80
    assert "年满80周岁" in " ".join(gl.notice.conditions)
    left = re.findall(r"\{[a-z][a-z0-9_]*\}", json.dumps(body, ensure_ascii=False))
    assert left == []  # no parameter left unresolved anywhere
    # the current model reads it too, the same items but for what older desks never had
    again = Catalog.from_json(body)
    for a, b in zip(shipped.items, again.items, strict=True):
        assert (a.name, a.notice, a.fields, [m.name for m in a.materials]) == \
            (b.name, b.notice, b.fields, [m.name for m in b.materials]), a.code
        assert [c for c in a.checks if c.rule != "expr"] == b.checks, a.code
    same = first_desks_catalog(shipped.to_json()) == first_desks_catalog(shipped.to_json())
    assert same


def test_an_older_desk_pulls_a_usable_catalog_and_a_new_desk_the_authored_one(
        district: District, make_desk: Any, first_model: ModuleType) -> None:
    shipped = load_catalog()
    district.storage.catalogs.publish(dict(shipped.to_json(), version="2026.12-hanyang.1"))
    ctx = make_desk()
    enroll(district, ctx)
    # an older desk: GET /changes without kinds or catalog_format, as the first desks pull
    older = client_for(ctx)._call(P.ChangesResponse, "GET", P.PATH_CHANGES,
                                  params={"since": 0, "limit": 500})
    bodies = [c.catalog for c in older.changes if c.kind == "catalog" and c.catalog]
    assert len(bodies) == 1
    old = {it.code: it for it in _old_desk_reads(first_model, bodies[0])}
    assert len(old) == len(shipped.items)
    assert next(c for c in old["MZ-GLJT"].checks if c.rule == "age").min == 80
    assert "params" not in bodies[0]
    # this desk: the catalog as authored, parameters named
    newer = client_for(ctx).changes(0)
    authored = [c.catalog for c in newer.changes if c.kind == "catalog" and c.catalog]
    same = authored == [dict(shipped.to_json(), version="2026.12-hanyang.1")]
    assert same, "the new desk gets the catalog as authored"
    assert authored[0]["params"]["gljt_min_age"]["value"] == 80
    gl = next(raw for raw in authored[0]["items"] if raw["code"] == "MZ-GLJT")
    assert any(c.get("min") == "gljt_min_age" for c in gl["checks"])
    sync_desk(ctx)
    assert ctx.catalog.version == "2026.12-hanyang.1"
    assert ctx.catalog.params["gljt_min_age"].value == 80
