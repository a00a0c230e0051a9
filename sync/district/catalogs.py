"""Published catalogs: the part of :class:`~sync.district.storage.Storage` reached as
``storage.catalogs``.

:meth:`Catalogs.publish` publishes a catalog version to every desk (a change for all desks,
its departments joining the managed list); :meth:`Catalogs.latest_version` is the version
published last. A workbook import (:mod:`sync.district.catalog_import`) publishes through
it with a ``renumber`` rule.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, func, select

from forms.catalog import Catalog, CatalogError
from sync import protocol as P
from sync.district import catalog_import
from sync.district.database import AuditHook, Database
from sync.district.departments import Departments
from sync.district.errors import Refused
from sync.district.tables import catalogs, changes


class Catalogs:
    """The published catalog versions (``storage.catalogs``). Holds the database; given
    :attr:`departments` (a catalog's departments join the managed list)."""

    def __init__(self, db: Database, departments: Departments) -> None:
        self.db = db
        self.departments = departments

    def publish(self, body: dict[str, Any], *, actor: str = "admin",
                        audit: AuditHook | None = None,
                        renumber: Callable[[str | None, set[str]], str] | None = None,
                        ) -> dict[str, Any]:
        """Publish a catalog version (``Catalog.to_json()`` shape) to every desk.

        Publishing the same version again with the same content is a no-op; a version
        published before with other content is refused. Versions are ordered by the
        district's publish sequence (the ``seq`` of their change), never by their text:
        ``2026.11-hanyang.10`` published after ``…hanyang.9`` is the newer one. The
        catalog's departments join the managed department list.

        ``renumber(latest, taken)`` (issue 16, a workbook import): the version is chosen
        inside the publishing transaction from the version published last and every version
        taken, so publishes at the same moment get distinct, consecutive versions; items equal
        (as the model compares them) to the latest version's are not published again
        (``published: False``).
        """
        try:
            cat = Catalog.from_json(body)
        except CatalogError as exc:
            raise Refused(f"事项目录无效: {exc}") from None
        body = cat.to_json()
        digest = P.content_hash(body)
        now = P.utc_now()
        with self.db.write() as conn:
            self.db.serialise_changes(conn)
            if renumber is not None:
                latest = self.latest_version(conn)
                held = None if latest is None else conn.execute(select(
                    catalogs.c.body_json).where(catalogs.c.version == latest)).scalar()
                # issue 16: a workbook carries no translation files — those the district
                # published last travel on with the new version
                if held is not None and "translations" not in body and \
                        json.loads(held).get("translations"):
                    body = dict(body, translations=json.loads(held)["translations"])
                    cat = Catalog.from_json(body)
                # equal as data (126800 == 126800.0, as the model compares them)
                # (the items and the local parameters: a changed parameter is a new version)
                if held is not None and json.loads(held).get("items") == body["items"] and \
                        json.loads(held).get("params") == body.get("params") and \
                        json.loads(held).get("translations") == body.get("translations"):
                    seq = conn.execute(select(func.max(changes.c.seq)).where(
                        changes.c.catalog_version == latest)).scalar()
                    return {"version": latest, "seq": seq, "published": False}
                taken = set(conn.execute(select(catalogs.c.version)).scalars())
                body = dict(body, version=renumber(latest, taken))
                cat = cat.with_version(str(body["version"]))
                digest = P.content_hash(body)
            same = conn.execute(select(catalogs.c.content_hash).where(
                catalogs.c.version == cat.version)).scalar()
            if same is not None:
                if same != digest:
                    raise Refused(f"目录版本 {cat.version} 已发布过不同内容，请使用新版本号")
                seq = conn.execute(select(func.max(changes.c.seq)).where(
                    changes.c.catalog_version == cat.version)).scalar()
                out = {"version": cat.version, "seq": seq, "published": False}
            else:
                conn.execute(catalogs.insert().values(
                    version=cat.version, body_json=json.dumps(body, ensure_ascii=False),
                    content_hash=digest, published_at=now, actor=actor))
                seq = conn.execute(changes.insert().values(
                    kind="catalog", desk_id=None, catalog_version=cat.version, actor=actor,
                    at=now, note=f"事项目录 {cat.version}").returning(changes.c.seq)
                ).scalar_one()
                self.departments.seed_in(conn, None, "system")
                self.departments.seed_in(conn, cat.departments(), actor)
                out = {"version": cat.version, "seq": seq, "published": True}
            if audit is not None:
                audit(conn, out)
        return out

    def latest_version(self, conn: Connection | None = None) -> str | None:
        """The catalog version published last (by publish sequence), or None
        (:func:`sync.district.catalog_import.latest_version`)."""
        if conn is not None:
            return catalog_import.latest_version(conn)
        with self.db.read() as c:
            return catalog_import.latest_version(c)
