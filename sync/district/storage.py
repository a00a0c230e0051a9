"""District storage — the only layer that talks to the district's database.

:class:`Storage` is the one class the rest of the district uses (the HTTP app, the command
line, the console's store, the PIN key shares). It is composed, not stacked (as Anki's
collection holds ``decks``, ``models``, ``tags``): it *is* the database
(:class:`~sync.district.database.Database` — the engine and transactions, SQLite or
PostgreSQL, see :func:`default_db_url`; the migrations; the dialect helpers) and holds its
**parts**, each a plain class with one job, given the database and the parts it needs:

- ``storage.ingest`` (:class:`sync.district.ingest.Ingest`) — pushed batches, applied in one
  transaction (``storage.ingest.batch(desk_id, batch_id, records)``);
- ``storage.reconcile`` (:class:`sync.district.reconcile.Reconcile`) — the district's
  identity and epochs, what it holds of each desk, the desks' agreement checks;
- ``storage.attachments`` (:class:`sync.district.attachments.Attachments`) —
  content-addressed blobs and resumable uploads;
- ``storage.rates`` (:class:`sync.district.matters_rates.Rates`) — the matters' rates
  summary's one-time build;
- ``storage.departments`` (:class:`sync.district.departments.Departments`) — the managed
  list of departments cases may be routed to;
- ``storage.desks`` (:class:`sync.district.desks.Desks`) — enrollment codes, enrolling,
  the desks, request nonces;
- ``storage.decisions`` (:class:`sync.district.decisions.Decisions`) — the district's
  decisions on cases and on a bundle's routes, each a change the desk pulls;
- ``storage.catalogs`` (:class:`sync.district.catalogs.Catalogs`) — publishing catalog
  versions;
- ``storage.cases`` (:class:`sync.district.cases.Cases`) — reading cases, their routes,
  the records refused, and verifying a receipt.

:mod:`sync.district.tables` has every table; they are re-exported here, so
``from sync.district.storage import cases, desks`` keeps working. The changes a desk pulls
are :func:`sync.district.changes_feed.changes_since`. This module's own work: building the
parts, the migrations' order of the parts' one-time data work, and the counts
(:meth:`Storage.stats`).

SQLAlchemy Core over an SQLite file (the default: nothing to install) or PostgreSQL
(``postgresql+psycopg://...``). The server is stateless: several instances may share one
PostgreSQL database. The default SQLite file is ``district.sqlite3`` in the platform's user
data folder for ``doorstep-district`` (platformdirs), see :func:`default_db_url`.

Promises kept here: a batch commits in one transaction; uniqueness is a database
constraint, never check-then-insert; a change's ``seq`` order is its commit order (change
writers are serialised), so a desk's cursor never skips a change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, func, select

from sync.district import desk_codes
from sync.district.attachments import Attachments
from sync.district.cases import Cases
from sync.district.catalogs import Catalogs
from sync.district.database import (
    APP_NAME,
    AuditHook,
    Database,
    default_db_url,
    normalize_url,
)
from sync.district.decisions import Decisions
from sync.district.departments import Departments
from sync.district.desks import Desks
from sync.district.ingest import Ingest
from sync.district.matters_rates import Rates
from sync.district.matters_store import count_orders
from sync.district.reconcile import Reconcile
from sync.district.tables import (
    attachment_holders,
    attachment_parts,
    attachments,
    batches,
    case_revisions,
    case_routes,
    cases,
    catalogs,
    changes,
    departments,
    desk_keys,
    desks,
    enroll_codes,
    meta,
    metadata,
    nonces,
    ratings,
    rejections,
)

__all__ = [
    "APP_NAME",
    "AuditHook",
    "Storage",
    "attachment_holders",
    "attachment_parts",
    "attachments",
    "batches",
    "case_revisions",
    "case_routes",
    "cases",
    "catalogs",
    "changes",
    "default_db_url",
    "departments",
    "desk_keys",
    "desks",
    "enroll_codes",
    "meta",
    "metadata",
    "nonces",
    "normalize_url",
    "ratings",
    "rejections",
]

class Storage(Database):
    """The district database. Thread-safe; one instance per process is enough.

    The engine and transactions are the :class:`~sync.district.database.Database` it is;
    its parts, each with one job, hold it (typed :class:`Database`: they see the engine
    and transactions, not the other parts) and are given the parts they need:

    - :attr:`ingest` — pushed batches (given :attr:`reconcile`: a batch notes what the
      district holds of its desk in its own transaction);
    - :attr:`reconcile` — identity, epochs, what is held per desk, agreement checks, the
      decisions desks report the district lost;
    - :attr:`attachments` — attachments and their resumable uploads;
    - :attr:`rates` — the matters' rates summary's one-time build;
    - :attr:`departments` — the managed list of departments cases are routed to;
    - :attr:`desks` — enrollment, the desks, request nonces (given :attr:`reconcile`);
    - :attr:`decisions` — decisions on cases and routes (given :attr:`departments`);
    - :attr:`catalogs` — published catalogs (given :attr:`departments`);
    - :attr:`cases` — reading cases and verifying receipts.
    """

    def __init__(self, url: str | None = None) -> None:
        super().__init__(url)
        self.reconcile = Reconcile(self)
        self.ingest = Ingest(self, self.reconcile)
        self.attachments = Attachments(self)
        self.rates = Rates(self)
        self.departments = Departments(self)
        self.desks = Desks(self, self.reconcile)
        self.decisions = Decisions(self, self.departments)
        self.catalogs = Catalogs(self, self.departments)
        self.cases = Cases(self)
        self.migrate()
        desk_codes.ensure_constraints(self)  # one active desk per code; receipt numbers

    def migrate(self) -> None:
        """Bring the schema to the migrations' head, then the parts' one-time data work in
        this order: the attachments' holders, the district's identity (and, for a database
        made before ``desk_records``, what it holds), the rates' summary."""
        had_records = self.reconcile.has_records_table()
        super().migrate()
        self.attachments.backfill_holders()
        self.reconcile.ensure_identity(backfill=not had_records)
        self.rates.ensure_built()

    def stats(self) -> dict[str, Any]:
        """Counts for ``doorstep-district stats --json`` and the console."""
        with self.read() as conn:
            def count(t: Table, *where: Any) -> int:
                return int(conn.execute(select(func.count()).select_from(t).where(*where))
                           .scalar_one())
            by_status = {s: int(n) for s, n in conn.execute(
                select(cases.c.district_status, func.count()).group_by(
                    cases.c.district_status))}
            return {
                "cases": count(cases), "batches": count(batches), "desks": count(desks),
                "desks_active": count(desks, desks.c.revoked_at.is_(None)),
                "revisions": count(case_revisions), "ratings": count(ratings),
                "rejections": count(rejections), "changes": count(changes),
                "catalogs": count(catalogs), "attachments": count(attachments),
                "by_district_status": by_status,
                "matters": count_orders(conn),  # resident matters' work orders (issue 15)
            }
