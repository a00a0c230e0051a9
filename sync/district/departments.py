"""The managed list of departments cases may be routed to: the part of
:class:`~sync.district.storage.Storage` reached as ``storage.departments``.

Seeded from the shipped catalog when empty and from every published catalog; staff add
more (the console's 部门 page, ``doorstep-district department add``). A routing decision
names one of them (:meth:`Departments.check_known_in`, in the decision's transaction).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from sync import protocol as P
from sync.district.database import AuditHook, Database
from sync.district.errors import Refused
from sync.district.tables import departments


class Departments:
    """The department list (``storage.departments``). Holds the database it reads and
    writes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def names(self) -> list[str]:
        """The managed list of departments cases may be routed to (seeded from the shipped
        catalog when empty, and from every published catalog)."""
        with self.db.read() as conn:
            names = list(conn.execute(select(departments.c.name).order_by(
                departments.c.added_at, departments.c.name)).scalars())
        if names:
            return names
        with self.db.write() as conn:
            self.seed_in(conn, None, "system")
            return list(conn.execute(select(departments.c.name).order_by(
                departments.c.added_at, departments.c.name)).scalars())

    def add(self, name: str, *, source: str = "console", actor: str = "admin",
            audit: AuditHook | None = None) -> bool:
        """Add a department to the managed list; False when it was there already."""
        name = " ".join(name.split())
        if not name or len(name) > 60:
            raise Refused("department: 部门名称不能为空，且不超过 60 个字符")
        with self.db.write() as conn:
            self.seed_in(conn, None, "system")
            added = conn.execute(self.db.dialect_insert(departments).values(
                name=name, source=source, added_at=P.utc_now(), actor=actor
            ).on_conflict_do_nothing().returning(departments.c.name)).first() is not None
            if audit is not None:
                audit(conn, {"department": name, "added": added})
        return added

    def seed_in(self, conn: Connection, names: Iterable[str] | None, actor: str) -> None:
        """Add ``names`` (None: the shipped catalog's departments, only when the list is
        empty) to the managed list, in the caller's transaction."""
        if names is None:
            if conn.execute(select(departments.c.name).limit(1)).first() is not None:
                return
            from forms.catalog import load_catalog

            names = load_catalog().departments()
        rows = [{"name": n, "source": "catalog", "added_at": P.utc_now(), "actor": actor}
                for n in dict.fromkeys(names) if n]
        if rows:
            conn.execute(self.db.dialect_insert(departments).on_conflict_do_nothing(), rows)

    def check_known_in(self, conn: Connection, department: str) -> None:
        """:class:`Refused` unless ``department`` is on the list (in the caller's
        transaction)."""
        self.seed_in(conn, None, "system")
        if conn.execute(select(departments.c.name).where(
                departments.c.name == department)).first() is None:
            known = conn.execute(select(departments.c.name).order_by(
                departments.c.added_at, departments.c.name).limit(30)).scalars().all()
            raise Refused(f"department: 未知的部门“{department}”：只能转办到部门名单中的部门"
                          f"（{'、'.join(known)}）；新部门请先在控制台“部门”中添加，或用 "
                          f"doorstep-district department add")
