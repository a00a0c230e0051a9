"""A desk's pull (``GET /api/v1/changes``): its changes after its cursor, a page at a time.

A desk's changes are those addressed to it and those for every desk (``desk_id`` NULL:
catalog versions, holiday calendars, matter configurations). Asked as one ``desk_id = :d
OR desk_id IS NULL``, PostgreSQL can only gather every row of the desk after the cursor
(a bitmap of both index ranges), read them all from the table and sort them before the
limit: a desk far behind (a replaced laptop, a desk back after months) reads all its
history again for each page. :data:`PAGE` asks for two ordered ranges of the index
``changes_desk`` (``desk_id, seq``) merged in ``seq`` order, so a page reads only the rows
it returns; it is built once (bound parameters), as building and compiling it per pull
cost more than running it. The checks for changes still to be written (duplicate flags,
proactive-list entries) share the page's read transaction when there is nothing to write
(issue 20: 1,000,000 changes, 1,400 desks; bench/bench_city.py, tests/sync/
test_changes_plan.py read the plan of this statement).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Connection, Integer, Select, bindparam, select, union_all

from sync import protocol as P
from sync.district.calendars import calendar_bodies
from sync.district.duplicates import case_duplicates, duplicate_bodies, notify_duplicates
from sync.district.matters_store import change_extras
from sync.district.tables import catalogs, changes, desks


def _range(who: ColumnElement[bool]) -> Select:  # type: ignore[type-arg]
    part = select(changes).where(
        who, changes.c.seq > bindparam("since"),
        changes.c.kind.in_(bindparam("kinds", expanding=True)),
    ).order_by(changes.c.seq).limit(bindparam("lim", type_=Integer)).subquery()
    return select(part)


_BOTH = union_all(_range(changes.c.desk_id == bindparam("desk_id")),
                  _range(changes.c.desk_id.is_(None))).subquery()
# parameters: desk_id, since, kinds (a list), lim
PAGE = select(_BOTH).order_by(_BOTH.c.seq).limit(bindparam("lim", type_=Integer))


def page_params(desk_id: str, since: int, kinds: Iterable[str], limit: int
                ) -> dict[str, Any]:
    return {"desk_id": desk_id, "since": since, "kinds": list(kinds), "lim": limit}


def page_sql(conn: Connection, desk_id: str, since: int, kinds: Iterable[str],
             limit: int) -> str:
    """:data:`PAGE` as literal SQL for ``conn``'s database (to read its plan)."""
    stmt = PAGE.params(page_params(desk_id, since, kinds, limit))
    return str(stmt.compile(conn, compile_kwargs={"literal_binds": True,
                                                  "render_postcompile": True}))


def changes_since(db: Any, desk_id: str, since: int, limit: int = 500,
                  kinds: Iterable[str] = P.CHANGE_KINDS) -> P.ChangesResponse:
    """The desk's changes after ``since`` of the ``kinds`` it understands, oldest first
    (at most ``limit``); what waits to be told is written first."""
    limit = max(1, min(limit, 2000))
    kinds = list(kinds)
    with db.read() as conn:
        flags, code = _untold(conn, desk_id, kinds)
        if not flags and not code:
            return _page(conn, desk_id, since, limit, kinds)
    if flags:  # issue 23: a flag not yet told
        notify_duplicates(db)
    if code:  # issue 18: the desk's new list entries
        from sync.district.proactive import tell

        tell(db, desk_id, code)
    with db.read() as conn:
        return _page(conn, desk_id, since, limit, kinds)


def _untold(conn: Connection, desk_id: str, kinds: list[str]) -> tuple[bool, str]:
    """Whether a duplicate flag waits to be told (to any desk), and the desk's code when an
    entry of its proactive list waits for it (else "") — index probes."""
    flags = P.DUPLICATE_CHANGE in kinds and conn.execute(
        select(case_duplicates.c.case_uuid).where(case_duplicates.c.flag_seq.is_(None))
        .limit(1)).first() is not None
    code = ""
    if P.PROACTIVE_CHANGE in kinds:
        from sync.district.proactive import _untold as untold_entries
        from sync.district.proactive import entries

        mine = str(conn.execute(select(desks.c.desk_code).where(
            desks.c.desk_id == desk_id)).scalar() or "")
        if mine and conn.execute(select(entries.c.id).where(
                untold_entries(mine, desk_id)).limit(1)).first() is not None:
            code = mine
    return flags, code


def _page(conn: Connection, desk_id: str, since: int, limit: int, kinds: list[str]
          ) -> P.ChangesResponse:
    rows = conn.execute(PAGE, page_params(desk_id, since, kinds, limit + 1)).mappings().all()
    more = len(rows) > limit
    rows = rows[:limit]
    versions = {r["catalog_version"] for r in rows if r["kind"] == "catalog"}
    bodies = {v: json.loads(b) for v, b in conn.execute(
        select(catalogs.c.version, catalogs.c.body_json).where(
            catalogs.c.version.in_(versions)))} if versions else {}
    calendars = calendar_bodies(conn, [r["seq"] for r in rows if r["kind"] == "calendar"])
    matter_bodies, matter_configs = change_extras(conn, rows)  # issue 15
    duplicates = duplicate_bodies(conn, rows)  # issue 23
    from sync.district.proactive import change_bodies as proactive_bodies

    proactive = proactive_bodies(conn, rows)  # issue 18
    out = [P.Change(seq=r["seq"], kind=r["kind"], case_uuid=r["case_uuid"],
                    status=r["status"], note=r["note"] or "", department=r["department"],
                    at=r["at"], catalog=bodies.get(r["catalog_version"] or ""),
                    calendar=calendars.get(r["seq"]),
                    item_code=r["item_code"], item_name=r["item_name"],
                    matter=matter_bodies.get(r["seq"]),
                    matter_config=matter_configs.get(r["seq"]),
                    duplicate=duplicates.get(r["seq"]),
                    proactive=proactive.get(r["seq"]))
           for r in rows]
    cursor = str(rows[-1]["seq"]) if rows else str(since)
    return P.ChangesResponse(changes=out, cursor=cursor, more=more)
