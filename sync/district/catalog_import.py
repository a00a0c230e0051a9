"""Publishing a catalog authored as a workbook (issue 16), for the command line and the
console alike.

A workbook (:mod:`forms.workbook`) is checked first: with any problem nothing is published.
A checked catalog is published as the **next version in the district's sequence**: the
version published last (by publish sequence, never by its text) with its trailing number
one higher — ``2026.11-hanyang.9`` → ``…hanyang.10`` → ``…hanyang.11`` — skipping any
version already taken. A catalog whose items are those of the current version is not
published again. The publish and its audit entry are one transaction
(:meth:`Catalogs.publish <sync.district.catalogs.Catalogs.publish>`).

The district's **current catalog** is defined here once: the version published last by
publish sequence (:func:`latest_version`), read by :func:`current_catalog` — the shipped
catalog before anything is published, and also when the stored body no longer reads as a
catalog. Ingest (a bundle's routes), the duplicate check (the items' ``once`` rules) and
the proactive run all take it from here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from forms.catalog import Catalog, CatalogError, load_catalog
from forms.params import Param
from sync.district.database import driver_sql
from sync.district.tables import catalogs

if TYPE_CHECKING:
    from sync.district.console.store import ConsoleStore
    from sync.district.storage import Storage


def next_version(latest: str | None, taken: set[str], proposed: str, fallback: str) -> str:
    """The version a new catalog is published under.

    ``latest``: the version published last (None before the first); ``proposed``: the
    workbook's own version (used when nothing is published yet and it is neither taken nor
    the shipped catalog's); ``fallback``: the shipped catalog's version (the sequence
    starts after it: desks already hold that version with the shipped content)."""
    if latest is None and proposed and proposed not in taken and proposed != fallback:
        return proposed
    base = latest or proposed or fallback
    m = re.fullmatch(r"(.*?)(\d+)", base)
    prefix, n = (m.group(1), int(m.group(2))) if m else (base + ".", 0)
    candidate = f"{prefix}{n + 1}"
    while candidate in taken or candidate == base:
        n += 1
        candidate = f"{prefix}{n + 1}"
    return candidate


def latest_version(conn: Connection) -> str | None:
    """The catalog version published last — by the district's publish sequence (the ``seq``
    of its change), never by the version text — or None before the first."""
    # (read twice in every batch: straight to the driver, see database.driver_sql)
    latest: str | None = driver_sql(
        conn, "SELECT catalog_version FROM changes WHERE desk_id IS NULL AND kind = 'catalog' "
        "AND catalog_version IS NOT NULL ORDER BY seq DESC LIMIT 1").scalar()
    return latest


def current_catalog(conn: Connection, latest: str | None) -> Catalog:
    """The district's current catalog: version ``latest`` (:func:`latest_version`, which
    callers that cache by version have already read) as published. The shipped catalog
    before anything is published (``latest`` None or empty), and also when the stored body
    no longer reads as a catalog (e.g. published by an earlier server, with a field today's
    model does not know): the nearest we have, as the console's case page and a desk that
    cannot read a pulled catalog take it — never no catalog at all."""
    body = conn.execute(select(catalogs.c.body_json).where(
        catalogs.c.version == latest)).scalar() if latest else None
    if body is not None:
        try:
            return Catalog.from_json(json.loads(body))
        except CatalogError:
            pass
    return load_catalog()


def district_catalog(st: Storage) -> Catalog:
    """The district's current catalog — published last, else shipped — read in one
    transaction (:func:`current_catalog`, the one place that decides)."""
    with st.read() as conn:
        return current_catalog(conn, latest_version(conn))


def published_catalog(st: Storage, cs: ConsoleStore) -> Catalog | None:
    """The catalog published last, or None (nothing published, or not readable)."""
    latest = st.catalogs.latest_version()
    if latest is None:
        return None
    body = cs.catalog_body(latest)
    try:
        return Catalog.from_json(body) if body else None
    except CatalogError:
        return None


def publish_next(st: Storage, cs: ConsoleStore, catalog: Catalog, *, actor: str, source: str,
                 file: str = "") -> dict[str, Any]:
    """Publish ``catalog``'s items as the district's next version (audited as
    ``catalog.publish`` with the ``source``: ``cli`` / ``console``). Returns
    ``{version, seq, published, items, previous}``; ``published`` is False when the items
    are those of the current version (nothing new to publish). The version is chosen in
    the publishing transaction, so imports at the same moment get consecutive versions."""
    shipped = load_catalog().version
    seen: dict[str, str | None] = {"previous": None}

    def renumber(latest: str | None, taken: set[str]) -> str:
        seen["previous"] = latest
        return next_version(latest, taken, catalog.version, shipped)

    def audit(conn: Any, res: dict[str, Any]) -> None:
        if res["published"]:
            cs.audit.append_in(conn, actor, "catalog.publish", res["version"], published=True,
                        seq=res["seq"], source=source, file=file[:120],
                        previous=seen["previous"] or "")

    body = dict(catalog.to_json(), version=catalog.version or "-")  # numbered in renumber
    res = st.catalogs.publish(body, actor=actor, audit=audit, renumber=renumber)
    previous = seen["previous"] if res["published"] else res["version"]
    return {**res, "items": len(catalog.items), "previous": previous}


def _field_keys(it: Any) -> list[str]:
    return [f.key for f in it.fields]


def _params_diff(old: Mapping[str, Param], new: Mapping[str, Param]) -> list[dict[str, Any]]:
    """The local parameters added, removed or changed (value, unit or description), each
    with its value in words before and after."""
    out = []
    for name in [*new, *(n for n in old if n not in new)]:
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        out.append({"name": name, "description": (b.description if b is not None
                                                  else a.description if a is not None else ""),
                    "from": None if a is None else a.text() + a.unit,
                    "to": None if b is None else b.text() + b.unit})
    return out


def catalog_diff(old: Catalog | None, new: Catalog) -> dict[str, Any]:
    """What ``new`` changes against ``old``, item by item: ``added``, ``removed``,
    ``renamed`` (same code, new name) and ``changed`` items, each changed one with its
    added/removed/changed fields and materials and its changed limits; ``params``: the
    local parameters changed. Items are compared as the desk will have them (parameter
    values resolved), so a changed parameter lists every item whose texts or rules use it."""
    before = {it.code: it for it in (old.items if old else [])}
    after = {it.code: it for it in new.items}
    out: dict[str, Any] = {
        "added": [{"code": c, "name": it.name} for c, it in after.items() if c not in before],
        "removed": [{"code": c, "name": it.name} for c, it in before.items()
                    if c not in after],
        "renamed": [], "changed": [], "unchanged": 0,
        "params": _params_diff(old.params if old else {}, new.params)}
    for code, it in after.items():
        was = before.get(code)
        if was is None:
            continue
        if was == it:
            out["unchanged"] += 1
            continue
        if was.name != it.name:
            out["renamed"].append({"code": code, "from": was.name, "to": it.name})
        old_f = {f.key: f for f in was.fields}
        new_f = {f.key: f for f in it.fields}
        old_m = {m.name: m for m in was.materials}
        new_m = {m.name: m for m in it.materials}
        limits = []
        for attr, words in (("kind", "办件类型"), ("promised_days", "承诺工作日"),
                            ("defer_days", "容缺补齐天数"), ("fee", "收费"),
                            ("department", "部门")):
            a, b = getattr(was, attr), getattr(it, attr)
            if a != b:
                limits.append({"what": words, "from": a, "to": b})
        if was.notice.time_limit != it.notice.time_limit:
            limits.append({"what": "办理时限", "from": was.notice.time_limit,
                           "to": it.notice.time_limit})
        out["changed"].append({
            "code": code, "name": it.name,
            "fields_added": [k for k in new_f if k not in old_f],
            "fields_removed": [k for k in old_f if k not in new_f],
            "fields_changed": [k for k in new_f if k in old_f and new_f[k] != old_f[k]],
            "materials_added": [n for n in new_m if n not in old_m],
            "materials_removed": [n for n in old_m if n not in new_m],
            "materials_changed": [n for n in new_m if n in old_m and new_m[n] != old_m[n]],
            "limits": limits,
            "checks_changed": was.checks != it.checks,
            "notice_changed": was.notice != it.notice,
        })
    return out
