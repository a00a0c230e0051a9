"""The console's read model and callback queue: the part of
:class:`~sync.district.console.store.ConsoleStore` reached as ``console.readmodel``.

``console_cases`` holds, per case, the columns lists, filters, the dashboard and exports
need (worker, promised date, masked ID/phone, search hashes); ``console_callbacks`` one
差评 follow-up task per rating of 1–2, due in ``DOORSTEP_CALLBACK_WORKDAYS`` working days (counted
with the district's published holiday arrangements, :func:`district_calendar`).
:meth:`ReadModel.refresh` brings both up to date from ``cases.updated_at`` and
``ratings.received_at`` (watermarks in ``console_state``, minus ``REFRESH_MARGIN`` for slow
transactions), so status changes made anywhere (console, command line) show up.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
    update,
)

from forms.ids import mask_id, mask_phone
from forms.names import name_initials
from forms.workdays import add_working_days
from sync.district.calendars import district_calendar
from sync.district.config import process_settings
from sync.district.console.schema import (
    COUNTS_VERSION,
    OPEN_STATUSES,
    _iso,
    callbacks,
    ccases,
    counts,
    get_state,
    local_date,
    rated,
    search_hash,
    set_state,
    terms,
)
from sync.district.database import Database
from sync.district.replacement import build_sent_counts
from sync.district.storage import case_revisions, cases, ratings

REFRESH_MARGIN = timedelta(minutes=2)  # a slow transaction may commit an older timestamp


TAIL_LENGTHS = (4, 5, 6)  # 尾号: the last digits of an ID number or phone a caller gives
NAME_TERM_CHARS = 20  # a name's first characters indexed for search


def search_name(name: str) -> str:
    """A name as search stores and matches it (no spaces or middle dots)."""
    return "".join(ch for ch in name if not ch.isspace() and ch not in "·•.")


def tail_term(digits: str) -> str:
    """The search term of an ID number's or phone's last digits (a digest, not the digits)."""
    return "t" + search_hash("tail", digits)


def search_terms(name: str, id_number: str, phone: str) -> set[str]:
    """A case's rows in ``console_case_terms``: every suffix of the name ("n"), the digests
    of the ID number's and phone's tails ("t")."""
    n = search_name(name)[:NAME_TERM_CHARS]
    out = {"n" + n[i:] for i in range(len(n))}
    for value in (id_number, phone):
        v = "".join(ch for ch in value.upper() if ch.isalnum())
        out.update(tail_term(v[-k:]) for k in TAIL_LENGTHS if len(v) > k)
    return out


# what count_keys reads from a console_cases row
COUNTED = ("district_status", "item_code", "priority", "promised_date", "desk_id",
           "desk_code", "worker", "item_name", "accepted_date", "rated_level", "rated_at")
CountKey = tuple[str, str, str, str, str]  # console_counts' (kind, day, a, b, c)
COUNTS_LOCK = 2_126_021  # PostgreSQL advisory lock: one read-model writer at a time


def count_keys(r: Mapping[str, Any]) -> list[CountKey]:
    """The ``console_counts`` rows one ``console_cases`` row adds 1 to (see the table)."""
    day_in = r["accepted_date"]  # intake per accepted day: by item, desk, desk and worker
    out: list[CountKey] = [("ii", day_in, r["item_code"], "", ""),
                           ("id", day_in, r["desk_id"], "", ""),
                           ("iw", day_in, r["desk_id"], r["worker"], "")]
    status = r["district_status"]
    if status in OPEN_STATUSES:
        due = r["promised_date"] or ""
        out.append(("open", "", status, r["item_code"],
                    f"{1 if r['priority'] else 0}{1 if due else 0}"))
        out.append(("desk", "", r["desk_id"], status, ""))
        if due:
            out.append(("due", due, r["item_code"], "", ""))
    if r["rated_level"] is not None and r["rated_at"]:
        day = local_date(r["rated_at"]).isoformat()
        bad = "1" if int(r["rated_level"]) <= 2 else "0"
        out += [("rl", day, str(int(r["rated_level"])), "", ""),
                ("rd", day, r["desk_code"], bad, ""),
                ("rw", day, r["worker"], r["desk_code"], bad),
                ("ri", day, r["item_name"], bad, "")]
    return out


def _fields_of(payload: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(payload.get("data_json") or "{}")
    except ValueError:
        return {}
    fields = data.get("fields") if isinstance(data, dict) else None
    return fields if isinstance(fields, dict) else (data if isinstance(data, dict) else {})


class ReadModel:
    """The read model (``console.readmodel``): ``console_cases``, its counts and the
    callback queue. Holds the database it reads and writes."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._refreshed_at = -1e9  # monotonic time of this process's last refresh

    def refresh(self, limit: int = 20_000, *, max_age: float = 0.0) -> int:
        """Bring ``console_cases`` and the callback queue up to date; returns rows changed.

        Reads source rows changed since the stored watermark (minus a margin for slow
        transactions), so it is cheap when nothing changed. At most ``limit`` case rows per
        call: call again while it returns ``limit``. With ``max_age``, a refresh this process
        made less than ``max_age`` seconds ago is good enough (page views pass 1 s; after an
        action the console refreshes unconditionally).
        """
        now = time.monotonic()
        if max_age and now - self._refreshed_at < max_age:
            return 0
        self._refreshed_at = now
        n = self._refresh_cases(limit)
        self._refresh_rated()
        self._refresh_callbacks()
        return n

    # -- console_counts: kept in the transaction that writes console_cases --------------------

    def _lock_counts(self, conn: Connection) -> None:
        """One read-model writer at a time (SQLite's BEGIN IMMEDIATE already is): each
        reads the rows it replaces inside its own transaction, so two processes refreshing
        the same cases at once count each change once."""
        if not self.db.is_sqlite:
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({COUNTS_LOCK})")

    @staticmethod
    def _counted_select() -> Any:
        """``console_cases`` rows with what they count (their rating from
        ``console_rated``) and ``src_updated_at``."""
        return (select(ccases.c.uuid, ccases.c.src_updated_at,
                       *(ccases.c[k] for k in COUNTED if not k.startswith("rated_")),
                       rated.c.level.label("rated_level"),
                       rated.c.received_at.label("rated_at"))
                .select_from(ccases.outerjoin(rated, rated.c.uuid == ccases.c.uuid)))

    def _counted_rows(self, conn: Connection, uuids: Iterable[str]
                      ) -> dict[str, dict[str, Any]]:
        """These cases' rows as stored now (what they count), with ``src_updated_at``."""
        ids = sorted(set(uuids))
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(ids), 5000):
            out.update((r["uuid"], dict(r)) for r in conn.execute(
                self._counted_select().where(ccases.c.uuid.in_(ids[i:i + 5000])))
                .mappings())
        return out

    def _add_counts(self, conn: Connection, delta: Counter[CountKey]) -> None:
        """Add ``delta`` to ``console_counts`` (in the caller's transaction)."""
        rows = [{"kind": k[0], "day": k[1], "a": k[2], "b": k[3], "c": k[4], "n": n}
                for k, n in sorted(delta.items()) if n]
        if not rows:
            return
        ins = self.db.dialect_insert(counts)
        conn.execute(ins.on_conflict_do_update(
            index_elements=["kind", "day", "a", "b", "c"],
            set_={"n": counts.c.n + ins.excluded.n}), rows)

    def _refresh_rated(self) -> None:
        """Ratings received since the watermark join ``console_rated``, each counted with
        its case's row if the read model has it (a row built later counts its rating then)."""
        rc = ratings.c
        with self.db.read() as conn:
            wm = get_state(conn, "rated_wm") or ""
            since = _iso(datetime.fromisoformat(wm) - REFRESH_MARGIN) if wm else ""
            got = {u: (lv, at) for u, lv, at in conn.execute(
                select(rc.case_uuid, rc.level, rc.received_at)
                .select_from(ratings.outerjoin(rated, rated.c.uuid == rc.case_uuid))
                .where(rc.received_at >= since, rated.c.uuid.is_(None)))}
            newest = conn.execute(select(func.max(rc.received_at))).scalar()
        if not got and (not newest or newest <= wm):
            return
        with self.db.write() as conn:
            self._lock_counts(conn)
            taken = {u for (u,) in conn.execute(select(rated.c.uuid).where(
                rated.c.uuid.in_(sorted(got))))} if got else set()  # by another process
            todo = {u: v for u, v in got.items() if u not in taken}
            if todo:
                delta: Counter[CountKey] = Counter()
                for u, row in self._counted_rows(conn, todo).items():
                    new = dict(row, rated_level=todo[u][0], rated_at=todo[u][1])
                    delta.update(count_keys(new))
                    delta.subtract(count_keys(row))
                conn.execute(rated.insert(), [{"uuid": u, "level": lv, "received_at": at}
                                              for u, (lv, at) in sorted(todo.items())])
                self._add_counts(conn, delta)
            if newest and newest > wm:
                set_state(self.db, conn, "rated_wm", newest)

    def migrate_counts(self, conn: Connection) -> None:
        """A district made before ``console_counts``: ``console_rated`` takes the ratings,
        then the counts are built from every row (and the 办事点 page's counter from every
        revision), once, in the migrating transaction."""
        if get_state(conn, "counts_version") == COUNTS_VERSION:
            return
        self._lock_counts(conn)
        conn.execute(delete(rated))
        conn.execute(rated.insert().from_select(
            ["uuid", "level", "received_at"],
            select(ratings.c.case_uuid, ratings.c.level, ratings.c.received_at)))
        newest = conn.execute(select(func.max(ratings.c.received_at))).scalar()
        if newest:
            set_state(self.db, conn, "rated_wm", newest)
        conn.execute(delete(counts))
        tally: Counter[CountKey] = Counter()
        res = conn.execute(self._counted_select().execution_options(yield_per=20_000))
        for part in res.mappings().partitions():
            for r in part:
                tally.update(count_keys(dict(r)))
        rows = [{"kind": k[0], "day": k[1], "a": k[2], "b": k[3], "c": k[4], "n": n}
                for k, n in sorted(tally.items()) if n]
        for i in range(0, len(rows), 2000):  # multi-row INSERTs: ~100,000 rows at 1M cases
            conn.execute(counts.insert().values(rows[i:i + 2000]))
        build_sent_counts(conn)
        set_state(self.db, conn, "counts_version", COUNTS_VERSION)

    def _refresh_cases(self, limit: int) -> int:
        rows = self._changed_cases(limit)
        if not rows:
            return 0
        full, status_only, new_terms = _read_model_rows(rows)
        with self.db.write() as conn:
            # console_counts move with the rows, in this transaction: what each row counted
            # before (read under the lock) out, what it counts now in; a row another process
            # wrote from newer source data meanwhile is left alone
            self._lock_counts(conn)
            old = self._counted_rows(conn, (r["uuid"] for r in rows))
            delta, full, status_only = self._newer_only(conn, old, full, status_only)
            keep = {r["uuid"] for r in full}
            new_terms = [t for t in new_terms if t["uuid"] in keep]
            self._add_counts(conn, delta)
            if full:
                self._upsert_read_model(conn, full)
                self._replace_terms(conn, [r["uuid"] for r in full], new_terms)
            if status_only:
                conn.execute(update(ccases).where(ccases.c.uuid == bindparam("k_uuid")).values(
                    {k: bindparam(k) for k in status_only[0] if k != "uuid"}),
                    [dict(r, k_uuid=r["uuid"]) for r in status_only])
            newest = max(r["updated_at"] for r in rows)
            if newest > (get_state(conn, "cases_wm") or ""):
                set_state(self.db, conn, "cases_wm", newest)
        return len(rows)

    def _changed_cases(self, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` cases changed since the watermark (less the margin) that the read
        model does not have as they are now, oldest change first."""
        with self.db.read() as conn:
            wm = get_state(conn, "cases_wm") or ""
            since = _iso(datetime.fromisoformat(wm) - REFRESH_MARGIN) if wm else ""
            # the payload is joined only when the revision is new (status-only changes skip it)
            rev = case_revisions.c
            q = (select(cases, ccases.c.revision.label("have_rev"), rev.payload_json)
                 .select_from(cases.outerjoin(ccases, ccases.c.uuid == cases.c.uuid)
                              .outerjoin(case_revisions, and_(
                                  rev.case_uuid == cases.c.uuid,
                                  rev.revision == cases.c.revision,
                                  or_(ccases.c.revision.is_(None),
                                      ccases.c.revision != cases.c.revision))))
                 .where(cases.c.updated_at >= since)
                 .where(or_(ccases.c.uuid.is_(None),
                            ccases.c.src_updated_at != cases.c.updated_at))
                 .order_by(cases.c.updated_at, cases.c.uuid).limit(limit))
            return [dict(r) for r in conn.execute(q).mappings()]

    def _newer_only(self, conn: Connection, old: dict[str, Any], full: list[dict[str, Any]],
                    status_only: list[dict[str, Any]]
                    ) -> tuple[Counter[CountKey], list[dict[str, Any]], list[dict[str, Any]]]:
        """The rows not overtaken by another process's newer write (``old``: the rows as
        counted now), and the counts' change: each kept row's old counts out, new in."""
        fresh = sorted({r["uuid"] for r in full} - set(old))  # new rows: their ratings
        got = {u: (lv, at) for i in range(0, len(fresh), 5000)
               for u, lv, at in conn.execute(select(
                   rated.c.uuid, rated.c.level, rated.c.received_at).where(
                   rated.c.uuid.in_(fresh[i:i + 5000])))}
        delta: Counter[CountKey] = Counter()

        def newer(r: dict[str, Any]) -> bool:
            o = old.get(r["uuid"])
            if o is not None and o["src_updated_at"] > r["src_updated_at"]:
                return False
            lv, at = got.get(r["uuid"], (None, None))
            if o is not None:
                delta.subtract(count_keys(o))
            delta.update(count_keys({"rated_level": lv, "rated_at": at, **(o or {}), **r}))
            return True

        full = [r for r in full if newer(r)]
        status_only = [r for r in status_only if r["uuid"] in old and newer(r)]
        return delta, full, status_only

    def _upsert_read_model(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        cols = list(rows[0])
        if self.db.is_sqlite or len(rows) < 500:
            ins = self.db.dialect_insert(ccases)
            conn.execute(ins.on_conflict_do_update(
                index_elements=["uuid"], set_={c: ins.excluded[c] for c in cols if c != "uuid"}),
                rows)
            return
        # PostgreSQL, many rows (the first build over an existing district): COPY into a
        # temporary table, then one INSERT ... ON CONFLICT — ~10x faster than row by row.
        names = ", ".join(cols)
        conn.exec_driver_sql("CREATE TEMP TABLE console_cases_in (LIKE console_cases) "
                             "ON COMMIT DROP")
        raw: Any = conn.connection.dbapi_connection  # psycopg's, for COPY
        with raw.cursor() as cur, cur.copy(f"COPY console_cases_in ({names}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row([r[c] for c in cols])
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in cols if c != "uuid")
        conn.exec_driver_sql(f"INSERT INTO console_cases ({names}) SELECT {names} FROM "
                             f"console_cases_in ON CONFLICT (uuid) DO UPDATE SET {sets}")
        conn.exec_driver_sql("DROP TABLE console_cases_in")

    def _replace_terms(self, conn: Connection, uuids: list[str],
                       rows: list[dict[str, str]]) -> None:
        """These cases' search terms become ``rows`` (a new revision may rename or renumber)."""
        for i in range(0, len(uuids), 5000):
            conn.execute(delete(terms).where(terms.c.uuid.in_(uuids[i:i + 5000])))
        if not rows:
            return
        if self.db.is_sqlite or len(rows) < 2000:
            conn.execute(self.db.dialect_insert(terms).on_conflict_do_nothing(), rows)
            return
        # PostgreSQL, many rows: COPY (10x faster), through a temporary table so that a
        # refresh running at the same time in another process cannot make it fail
        cols = "term, uuid, accepted_date, received_at"
        conn.exec_driver_sql("CREATE TEMP TABLE console_terms_in (term text, uuid text, "
                             "accepted_date text, received_at text) ON COMMIT DROP")
        raw: Any = conn.connection.dbapi_connection  # psycopg's, for COPY
        with raw.cursor() as cur, cur.copy(f"COPY console_terms_in ({cols}) FROM STDIN") \
                as cp:
            for r in rows:
                cp.write_row((r["term"], r["uuid"], r["accepted_date"], r["received_at"]))
        conn.exec_driver_sql(f"INSERT INTO console_case_terms ({cols}) SELECT {cols} "
                             "FROM console_terms_in ON CONFLICT DO NOTHING")
        conn.exec_driver_sql("DROP TABLE console_terms_in")

    def _refresh_callbacks(self) -> None:
        with self.db.read() as conn:
            wm = get_state(conn, "ratings_wm") or ""
            since = _iso(datetime.fromisoformat(wm) - REFRESH_MARGIN) if wm else ""
            rows = [dict(r) for r in conn.execute(
                select(ratings.c.case_uuid, ratings.c.level, ratings.c.reason,
                       ratings.c.rated_at, ratings.c.received_at, ratings.c.desk_id)
                .select_from(ratings.outerjoin(callbacks,
                                               callbacks.c.case_uuid == ratings.c.case_uuid))
                .where(ratings.c.received_at >= since, ratings.c.level <= 2,
                       callbacks.c.case_uuid.is_(None))).mappings()]
            newest = conn.execute(select(func.max(ratings.c.received_at))).scalar()
        if not rows and (not newest or newest <= wm):
            return
        workcal = district_calendar(self.db)  # the district's published years
        with self.db.write() as conn:
            if rows:
                for r in rows:
                    r["due_date"] = add_working_days(local_date(r["received_at"]),
                                                     process_settings().callback_workdays, workcal).day.isoformat()
                    r["state"] = "open"
                conn.execute(self.db.dialect_insert(callbacks).on_conflict_do_nothing(), rows)
            if newest and newest > wm:
                set_state(self.db, conn, "ratings_wm", newest)


def _read_model_rows(rows: list[dict[str, Any]]
                     ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, str]]]:
    """The read model's rows for changed cases: ``full`` ones for a new revision (with its
    search terms), ``status_only`` ones for a decision on the same revision."""
    payloads = {r["uuid"]: json.loads(r["payload_json"]) for r in rows
                if r["payload_json"] is not None}
    full, status_only = [], []
    new_terms: list[dict[str, str]] = []
    for r in rows:
        dept = r["district_department"] or r["department"]
        common = {"uuid": r["uuid"], "src_updated_at": r["updated_at"],
                  "district_status": r["district_status"],
                  "district_note": r["district_note"] or "", "department": dept,
                  "priority": 1 if r.get("priority") else 0}
        if r["uuid"] not in payloads:
            status_only.append(common)
            continue
        p = payloads[r["uuid"]]
        f = _fields_of(p)
        idn = str(f.get("applicant_id") or "")
        phone = str(f.get("applicant_phone") or "")
        full.append(dict(
            common, revision=r["revision"], receipt_no=r["receipt_no"],
            item_code=r["item_code"], item_name=r["item_name"], desk_id=r["desk_id"],
            desk_code=r["desk_code"], worker=str(p.get("worker") or "")[:100],
            applicant_name=r["applicant_name"], id_masked=mask_id(idn) if idn else "",
            phone_masked=mask_phone(phone) if phone else "",
            id_hash=search_hash("id", idn), phone_hash=search_hash("phone", phone),
            accepted_date=str(p.get("accepted_date") or r["desk_created_at"][:10]),
            promised_date=p.get("promised_date") or None, received_at=r["received_at"],
            initials=name_initials(search_name(r["applicant_name"]))[:24],
            receipt_rev=str(r["receipt_no"])[::-1].upper()[:64]))
        sort_key = {"accepted_date": full[-1]["accepted_date"],
                    "received_at": r["received_at"]}
        no_key = {"accepted_date": "", "received_at": ""}
        new_terms.extend({"term": t, "uuid": r["uuid"],
                          **(sort_key if t.startswith("n") else no_key)}
                         for t in search_terms(r["applicant_name"], idn, phone))
    return full, status_only, new_terms
