"""The case list, the part of :class:`~sync.district.console.store.ConsoleStore` behind the
case pages (``console.caselist``): the list's filters (:class:`CaseFilter`) and sorts, a
page of it with a capped count, every matching case in chunks (exports, bulk decisions),
the search, the 经办人 suggestions, an export's audit entry, and the 当场办结 items in
force (:meth:`CaseList.spot_codes`). It reads the read model
(``console_cases`` and its search terms, :mod:`sync.district.console.readmodel`); it is
given the database and the :class:`Audit` part."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
    tuple_,
)
from sqlalchemy.sql.util import ClauseAdapter

from sync.district.catalog_import import current_catalog, latest_version
from sync.district.console.audit import Audit
from sync.district.console.readmodel import TAIL_LENGTHS, search_name, tail_term
from sync.district.console.schema import (
    OPEN_STATUSES,
    Page,
    ccases,
    local_today,
    page_number,
    search_hash,
    terms,
)
from sync.district.database import Database
from sync.district.desk_dates import desk_date_flags
from sync.district.duplicates import flagged_cases

NEAR_DUE_DAYS = 3  # "near the promised date": due within this many calendar days
COUNT_CAP = 10_000


@dataclass
class CaseFilter:
    """The filters of the cases list, its exports and bulk selections."""

    status: str = ""
    item: str = ""
    department: str = ""
    desk: str = ""
    date_from: str = ""
    date_to: str = ""
    overdue: str = ""  # "" | "overdue" | "near" | "unconfirmed" (当场办结, district open)
    priority: str = ""  # "" | "1": 绿色通道 cases only
    dates: str = ""  # "" | "1": cases whose desk date offline work cannot explain
    dup: str = ""  # "" | "1": 重复申请 — flagged as the same resident's application at
    # another desk (issue 23, sync.district.duplicates), not cleared yet
    q: str = ""
    worker: str = ""  # 经办人 (exact name, as the desk recorded it)
    sort: str = ""  # a key of SORTS, "-" first for descending; "" = newest accepted first

    def as_query(self) -> dict[str, str]:
        """Non-empty filters as query parameters."""
        return {k: v for k, v in self.__dict__.items() if v}


# Sortable columns of the case list (issue 21 item 8): the query string names one of these
# keys, never a column; the default is newest accepted first.
SORTS: dict[str, Any] = {
    "accepted": ccases.c.accepted_date, "received": ccases.c.received_at,
    "receipt": ccases.c.receipt_no, "item": ccases.c.item_name,
    "applicant": ccases.c.applicant_name, "desk": ccases.c.desk_code,
    "worker": ccases.c.worker, "promised": ccases.c.promised_date,
    "status": ccases.c.district_status,
}
DEFAULT_SORT = "-accepted"


def sort_spec(sort: str) -> tuple[str, bool]:
    """(key, descending) of a sort parameter; anything unknown is the default."""
    key = sort.removeprefix("-")
    if key not in SORTS:
        key, sort = DEFAULT_SORT[1:], DEFAULT_SORT
    return key, sort.startswith("-")


def _sort_keys(sort: str) -> tuple[list[Any], bool]:
    """The columns to order by (all in one direction, so a keyset compares them as one
    tuple) and whether descending. Only the promised date can be NULL (当场办结, 补正):
    those rows come after every date ascending and before them descending (as PostgreSQL's
    index orders NULLs, so the sort walks ``console_cases_by_promised``)."""
    key, desc = sort_spec(sort)
    cols = [SORTS[key]]
    if key != "received":
        cols.append(ccases.c.received_at)
    return [*cols, ccases.c.uuid], desc


def _open_cases() -> ColumnElement[bool]:
    """status=open as the partial indexes ``console_cases_open*`` are written: the statuses
    inline, not bound — SQLite (and PostgreSQL's generic plans) use a partial index only
    when the query's own text implies its WHERE."""
    return ccases.c.district_status.in_([literal_column(f"'{s}'") for s in OPEN_STATUSES])


def _order_by(cols: list[Any], desc: bool) -> list[Any]:
    out = [c.desc() if desc else c.asc() for c in cols]
    if cols[0] is ccases.c.promised_date:  # one NULL order on SQLite and PostgreSQL
        out[0] = out[0].nulls_first() if desc else out[0].nulls_last()
    return out


class CaseList:
    """The case list's queries over the read model; ``audit`` records exports."""

    def __init__(self, db: Database, audit: Audit) -> None:
        self.db = db
        self.audit = audit
        self._spot: tuple[str | None, frozenset[str]] = ("", frozenset())

    def spot_codes(self) -> frozenset[str]:
        """Codes of the 当场办结 (on-the-spot) items of the current catalog (the one
        published last, else the shipped one). Such an item has no promised completion
        date (the desk records its acceptance date there): it is never "overdue"; while
        the district has not closed it, it is 区级未确认."""
        with self.db.read() as conn:
            version = latest_version(conn)
            if self._spot[0] == version:
                return self._spot[1]
            cat = current_catalog(conn, version)
        codes = frozenset(it.code for it in cat.items if it.kind == "on_the_spot")
        self._spot = (version, codes)
        return codes

    def _where(self, f: CaseFilter, today: date | None = None) -> list[Any]:
        today = today or local_today()
        w: list[Any] = []
        if f.status:
            w.append(_open_cases() if f.status == "open"
                     else ccases.c.district_status == f.status)
        if f.item:
            w.append(ccases.c.item_code == f.item)
        if f.department:
            w.append(ccases.c.department == f.department)
        if f.desk:
            w.append(ccases.c.desk_id == f.desk)
        if f.worker:
            w.append(ccases.c.worker == f.worker)
        if f.priority == "1":
            w.append(ccases.c.priority == 1)
        if f.dates == "1":  # issue 24 (sync.district.desk_dates)
            w.append(ccases.c.uuid.in_(select(desk_date_flags.c.case_uuid)))
        if f.dup == "1":  # issue 23 (sync.district.duplicates)
            w.append(ccases.c.uuid.in_(flagged_cases()))
        if f.date_from:
            w.append(ccases.c.accepted_date >= f.date_from)
        if f.date_to:
            w.append(ccases.c.accepted_date <= f.date_to)
        if f.overdue:
            w.append(ccases.c.district_status.in_(OPEN_STATUSES))
            spot = sorted(self.spot_codes())
            if f.overdue == "unconfirmed":  # 当场办结 at the desk, not closed here yet
                w.append(ccases.c.item_code.in_(spot))
            else:  # only promised items have a promised date to be past or near
                w.append(ccases.c.item_code.not_in(spot))
            if f.overdue == "near":
                w.append(ccases.c.promised_date.between(
                    today.isoformat(), (today + timedelta(days=NEAR_DUE_DAYS)).isoformat()))
            elif f.overdue == "overdue":
                w.append(ccases.c.promised_date < today.isoformat())
        q = f.q.strip()
        if q:
            w.append(self._search(q))
        return w

    @staticmethod
    def _search(q: str) -> ColumnElement[bool]:
        """The case-list search, as the desk searches (each form on its own index):

        - a full ID number or phone: its digest; a case UUID;
        - 4–6 digits (or digits ending in X): the tail (尾号) of an ID number or phone;
        - a receipt number or any part of one that starts or ends it (``HY-QL01``,
          ``20261108-0001``, ``0001`` after a dash): a prefix of ``receipt_no`` or of
          ``receipt_rev`` (the receipt reversed);
        - Latin letters: the beginning of the applicant's pinyin initials (``tym``);
        - a name as masked lists show it (``唐*梅``, one ``*`` a character);
        - anything else: any part of the applicant's name (``玉梅``), a prefix of one of the
          name's suffixes in ``console_case_terms``.
        """
        top = chr(0x10FFFF)  # sorts after every character (UTF-8 bytes and code points)
        compact = "".join(q.split())
        up = compact.upper()
        alnum = "".join(ch for ch in up if ch.isalnum())
        if len(alnum) in (15, 18) and alnum[:-1].isdigit() and "-" not in up:
            return ccases.c.id_hash == search_hash("id", alnum)
        if len(alnum) == 11 and alnum.isdigit() and "-" not in up:
            return ccases.c.phone_hash == search_hash("phone", alnum)
        if len(q) == 36 and q.count("-") == 4:
            return ccases.c.uuid == q.lower()
        if up == alnum and alnum[:-1].isdigit() and len(alnum) in TAIL_LENGTHS \
                and (alnum[-1].isdigit() or alnum[-1] == "X"):
            return ccases.c.uuid.in_(select(terms.c.uuid).where(
                terms.c.term == tail_term(alnum)))
        if up.isascii() and any(ch.isdigit() for ch in up) \
                and all(ch.isalnum() or ch == "-" for ch in up):
            rev = up[::-1]
            return or_(and_(ccases.c.receipt_no >= up, ccases.c.receipt_no < up + top),
                       and_(ccases.c.receipt_rev >= rev, ccases.c.receipt_rev < rev + top))
        if compact.isascii() and compact.isalpha():
            low = compact.lower()
            return and_(ccases.c.initials >= low, ccases.c.initials < low + top)
        masked = compact.replace("＊", "*")
        if "*" in masked and masked.strip("*"):  # a name as masked lists show it: 唐*梅
            part = "n" + max(masked.split("*"), key=len)
            like = masked.replace("%", "").replace("_", "").replace("*", "_")
            return and_(ccases.c.uuid.in_(select(terms.c.uuid).where(
                terms.c.term >= part, terms.c.term < part + top)),
                ccases.c.applicant_name.like(like))
        name = "n" + search_name(compact)
        return ccases.c.uuid.in_(select(terms.c.uuid).where(
            terms.c.term >= name, terms.c.term < name + top))

    @staticmethod
    def _name_terms(f: CaseFilter) -> list[Any] | None:
        """For a search by part of a name in the default order (either direction) with at
        most an acceptance-date range besides: the conditions on ``console_case_terms``
        that alone find the page and the count (:meth:`_list_by_terms`); else None."""
        q = "".join(f.q.split())
        if not q or sort_spec(f.sort)[0] != "accepted" or any(
                v for k, v in f.__dict__.items()
                if k not in ("q", "sort", "date_from", "date_to")):
            return None
        if q.isascii() or "*" in q.replace("＊", "*"):  # numbers, receipts, pinyin, 唐*梅
            return None
        name = "n" + search_name(q)
        top = chr(0x10FFFF)
        w = [terms.c.term >= name, terms.c.term < name + top]
        if f.date_from:
            w.append(terms.c.accepted_date >= f.date_from)
        if f.date_to:
            w.append(terms.c.accepted_date <= f.date_to)
        return w

    def _list_by_terms(self, conn: Connection, w: list[Any], desc: bool, page: int,
                       per_page: int) -> tuple[list[dict[str, Any]], int, int]:
        """A broad name search from ``console_case_terms_sorted`` alone (issue 21): the
        matching terms' sort keys give the page's 50 case ids (a case whose name holds the
        part twice, 王王, counts once) and the count; only those 50 rows are read from
        ``console_cases``. Returns (rows, page, total)."""
        if conn.dialect.name == "postgresql":
            return self._list_by_terms_merged(conn, w, desc, page, per_page)
        t = terms.c
        keys = [t.accepted_date, t.received_at, t.uuid]
        sub = select(*keys).where(*w).group_by(*keys).subquery()

        def fetch(pg: int) -> list[tuple[str, int]]:  # the page and the count in one pass
            return [(u, int(n)) for u, n in conn.execute(
                select(sub.c.uuid, func.count().over()).order_by(
                    *[(c.desc() if desc else c.asc()) for c in sub.c])
                .limit(per_page).offset((pg - 1) * per_page))]

        hits = fetch(page)
        if hits:
            total = hits[0][1]
        else:  # past the end (or nothing found): count, then the last page there is
            total = int(conn.execute(select(func.count()).select_from(sub)).scalar_one())
            page = max(1, -(-total // per_page))
            hits = fetch(page) if total else []
        ids = [u for u, _ in hits]
        got = {r["uuid"]: dict(r) for r in conn.execute(
            select(ccases).where(ccases.c.uuid.in_(ids))).mappings()} if ids else {}
        return [got[u] for u in ids if u in got], page, total

    def _list_by_terms_merged(self, conn: Connection, w: list[Any], desc: bool, page: int,
                              per_page: int) -> tuple[list[dict[str, Any]], int, int]:
        """:meth:`_list_by_terms` on PostgreSQL without sorting every match: a part such as
        王 is the prefix of a few dozen terms (王, 王玉兰, 王建国…), each an index range already
        in list order, so the page is merged from each term's first ``page × per_page``
        entries (a case on the page is among the first that many of every term it has) —
        sorting all 19,209 matches of 王 at 1M took ~77 ms of its ~80. The count is the
        distinct cases, hashed."""
        t = terms.c
        total = int(conn.execute(select(func.count()).select_from(
            select(t.uuid).where(*w).group_by(t.uuid).subquery())).scalar_one())
        page = max(1, min(page, -(-total // per_page)))
        if not total:
            return [], page, 0
        words = select(t.term).where(*w).distinct().subquery("words")
        tw = terms.alias("tw")
        keys = [tw.c.accepted_date, tw.c.received_at, tw.c.uuid]
        order = [(c.desc() if desc else c.asc()) for c in keys]
        adapt = ClauseAdapter(tw)
        firsts = (select(*keys).where(tw.c.term == words.c.term,
                                      *[adapt.traverse(c) for c in w])
                  .order_by(*order).limit(page * per_page).lateral("firsts"))
        fk = [firsts.c.accepted_date, firsts.c.received_at, firsts.c.uuid]
        ids = [u for (u,) in conn.execute(
            select(firsts.c.uuid).select_from(words.join(firsts, true())).group_by(*fk)
            .order_by(*[(c.desc() if desc else c.asc()) for c in fk])
            .limit(per_page).offset((page - 1) * per_page))]
        got = {r["uuid"]: dict(r) for r in conn.execute(
            select(ccases).where(ccases.c.uuid.in_(ids))).mappings()} if ids else {}
        return [got[u] for u in ids if u in got], page, total

    def list_cases(self, f: CaseFilter, page: int = 1, per_page: int = 50) -> Page:
        """A page of the filtered case list in ``f.sort`` order (default newest accepted
        first), with a capped count. A page past the end shows the last page."""
        page = page_number(page)
        cols, desc = _sort_keys(f.sort)
        by_terms = self._name_terms(f)
        if by_terms is not None:
            with self.db.read() as conn:
                rows, page, n = self._list_by_terms(conn, by_terms, desc, page, per_page)
            return Page(rows, min(n, COUNT_CAP), n > COUNT_CAP, page, per_page)
        where = self._where(f)
        order = _order_by(cols, desc)

        def fetch(conn: Any, pg: int) -> list[dict[str, Any]]:
            q = (select(ccases).where(*where).order_by(*order)
                 .limit(per_page).offset((pg - 1) * per_page))
            return [dict(r) for r in conn.execute(q).mappings()]

        with self.db.read() as conn:
            rows = fetch(conn, page)
            if not rows and page > 1:  # past the end (?page=999): the last page there is
                n = int(conn.execute(select(func.count()).select_from(
                    select(ccases.c.uuid).where(*where).subquery())).scalar_one())
                page = max(1, -(-n // per_page))
                rows = fetch(conn, page) if n else []
            # Broad filters: count in list order, walking the same index from the newest end
            # (an unordered LIMIT lets PostgreSQL start a seq scan anywhere in the table,
            # often among old rows). A search has its own selective index: leave it free.
            capped = select(ccases.c.uuid).where(*where)
            # (the overdue filters have their own index, console_cases_overdue, too)
            if not f.q.strip() and not f.overdue:
                capped = capped.order_by(ccases.c.received_at.desc(), ccases.c.uuid.desc())
            sub = capped.limit(COUNT_CAP + 1).subquery()
            total = int(conn.execute(select(func.count()).select_from(sub)).scalar_one())
        return Page(rows, min(total, COUNT_CAP), total > COUNT_CAP, page, per_page)

    def iter_cases(self, f: CaseFilter, chunk: int = 2000) -> Iterator[list[dict[str, Any]]]:
        """Every case matching ``f`` in chunks (keyset pagination: constant memory)."""
        where = self._where(f)
        cols, desc = _sort_keys(f.sort)  # the list's order (keyset over the same columns)
        phases: list[tuple[Any, list[Any]]] = [(None, cols)]
        if cols[0] is ccases.c.promised_date:  # dated rows and undated ones, in list order
            dated = (ccases.c.promised_date.is_not(None), cols)
            undated = (ccases.c.promised_date.is_(None), cols[1:])
            phases = [undated, dated] if desc else [dated, undated]
        for cond, keys in phases:
            yield from self._keyset(where if cond is None else [*where, cond], keys, desc,
                                    chunk)

    def _keyset(self, where: list[Any], cols: list[Any], desc: bool,
                chunk: int) -> Iterator[list[dict[str, Any]]]:
        last: list[Any] | None = None
        while True:
            q = select(ccases).where(*where)
            if last is not None:
                after = tuple_(*cols) < tuple_(*last) if desc else \
                    tuple_(*cols) > tuple_(*last)
                q = q.where(after)
            q = q.order_by(*[c.desc() if desc else c.asc() for c in cols]).limit(chunk)
            with self.db.read() as conn:
                rows = [dict(r) for r in conn.execute(q).mappings()]
            if not rows:
                return
            yield rows
            if len(rows) < chunk:
                return
            last = [rows[-1][c.name] for c in cols]

    def count_cases(self, f: CaseFilter) -> int:
        """Exact count of the filtered list (exports)."""
        with self.db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(ccases)
                                    .where(*self._where(f))).scalar_one())

    def case_summary(self, uuids: Sequence[str]) -> list[dict[str, Any]]:
        """Read-model rows for these cases."""
        with self.db.read() as conn:
            return [dict(r) for r in conn.execute(select(ccases).where(
                ccases.c.uuid.in_(list(uuids)))).mappings()]

    def case_uuids(self, q: str, limit: int = 500) -> list[str]:
        """The cases the case list's search finds for ``q`` (receipt number, applicant —
        also as masked, 唐*梅 —, tails), for the audit log's filter."""
        with self.db.read() as conn:
            return list(conn.execute(select(ccases.c.uuid).where(self._search(q))
                                     .limit(limit)).scalars())

    def log_export(self, actor: str, fmt: str, f: CaseFilter) -> int:
        """Audit an export of the case list filtered by ``f`` — its filter and row count —
        and remember which cases it held (:meth:`Audit.export_in`), so a case's page can
        say who exported it. Returns the row count."""
        where = self._where(f)
        with self.db.write() as conn:
            return self.audit.export_in(conn, actor, fmt, f.as_query(), where)

    def worker_choices(self, days: int = 90) -> list[str]:
        """Workers (经办人) who accepted cases in the last ``days`` days, for the 经办人
        filter's suggestions (a range of the intake index, at most 500 names)."""
        since = (local_today() - timedelta(days=days)).isoformat()
        # Every list page shows these: grouping 90 days of intake reads ~340,000 index
        # entries at 1,000,000 cases on every page view. Instead, hop from one worker
        # to the next (a recursive skip scan) and keep those whose newest case on
        # console_cases_worker_day is recent: two index probes per distinct worker (a
        # scalar subquery, which PostgreSQL runs per worker, unlike EXISTS, which it turns
        # into a join over the whole date range).
        with self.db.read() as conn:
            return [w for (w,) in conn.execute(text("""
                WITH RECURSIVE w(worker) AS (
                    SELECT min(worker) FROM console_cases WHERE worker > ''
                    UNION ALL
                    SELECT (SELECT min(c.worker) FROM console_cases c
                            WHERE c.worker > w.worker)
                    FROM w WHERE w.worker IS NOT NULL)
                SELECT worker FROM w WHERE worker IS NOT NULL AND (
                    SELECT max(c.accepted_date) FROM console_cases c
                    WHERE c.worker = w.worker) >= :since
                ORDER BY worker LIMIT 500"""), {"since": since})]
