"""The catalog as the first desks read it (issue 16: older desks and local parameters).

Desks built before local parameters refuse a catalog whose checks name a parameter
(``min: gljt_min_age``), or that carries what came with parameters: ``rule: expr`` checks,
``proactive`` rules, a material's ``source`` (免提交) and ``valid_months`` (reuse),
translated notice bodies. Their model
refuses any key it does not know, so one such item stops their whole catalog update.

:func:`first_desks_catalog` turns a published catalog (as authored) into what they read:
every item resolved — the parameters' values in place of their names and of ``{name}`` in
texts — and the newer keys left out. What they lose is what they never had: an ``expr``
check (those rules were help text before), the 主动服务 rule (the district lists residents
itself), the 免提交 mark (the material is asked for on paper; its note still says how it
is obtained) and the English of the notice bodies. The district serves this to a desk
that does not say it reads parameters (see ``sync.protocol.CATALOG_FORMAT``).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any

from forms.catalog import Catalog

__all__ = ["first_desks_catalog"]

_cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
_lock = threading.Lock()
_KEEP = 8  # catalog versions kept converted (a district serves one or two at a time)


def first_desks_catalog(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (a published catalog's JSON, as authored) as the desks before parameters
    read it: ``version`` and resolved ``items`` (and the district's ``translations``
    files, which those desks ignore). :class:`forms.catalog.CatalogError` when ``data`` is
    not a valid catalog. Converted once per distinct body; callers get their own copy."""
    key = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False)
                         .encode()).hexdigest()
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
    if found is None:
        found = _convert(data)
        with _lock:
            _cache[key] = found
            while len(_cache) > _KEEP:
                _cache.popitem(last=False)
    return json.loads(json.dumps(found))  # type: ignore[no-any-return]


def _convert(data: dict[str, Any]) -> dict[str, Any]:
    catalog = Catalog.from_json(data)
    items = [_first_item(it.model_dump(mode="json", by_alias=True, exclude_none=True))
             for it in catalog.items]  # resolved: values in place of parameter names
    out: dict[str, Any] = {"version": catalog.version, "items": items}
    if catalog.translations:
        out["translations"] = dict(catalog.translations)
    return out


def _first_item(raw: dict[str, Any]) -> dict[str, Any]:
    raw.pop("proactive", None)
    checks = [c for c in raw.get("checks") or [] if c.get("rule") != "expr"]
    for c in checks:
        c.pop("expr", None)
    raw["checks"] = checks
    for m in raw.get("materials") or []:
        m.pop("source", None)
        m.pop("source_department", None)
        m.pop("valid_months", None)  # issue 23: how long a page on file may be reused
    for words in (raw.get("translations") or {}).values():
        words.pop("eligibility", None)
        words.pop("notice", None)
    return raw
