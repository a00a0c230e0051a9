"""Issue 21: a broad name search ("王", "玉兰": tens of thousands of 1,000,000 cases) takes
its page and its count from ``console_case_terms_sorted`` alone — each name term carries
its case's default sort key — on SQLite and PostgreSQL; a district made before gains the
index and the keys through ``migrate``, once."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, text
from test_console_search import _case
from test_console_store import _push, cs  # noqa: F401  (the fixture)

from sync.district.console.schema import terms
from sync.district.console.store import CaseFilter, ConsoleStore

DAY = date(2026, 11, 8)
NAMES = ["王玉兰", "王王", "欧阳玉兰", "李玉", "张三", "王"]


def _load(cs: ConsoleStore) -> list[dict]:  # noqa: F811
    recs = []
    for i in range(130):
        r = _case(i + 1, NAMES[i % len(NAMES)], "42010519450101001X", "13871239188")
        day = DAY - timedelta(days=i % 17)  # many cases share a day: ties by received time
        r["payload"]["accepted_date"] = day.isoformat()
        recs.append(r)
    _push(cs, recs)
    cs.readmodel.refresh()
    return recs


def _expected(cs: ConsoleStore, part: str, desc: bool = True,  # noqa: F811
              date_from: str = "") -> list[str]:
    """The order the general path (every case's row, sorted in Python) gives."""
    rows = [r for chunk in cs.caselist.iter_cases(CaseFilter()) for r in chunk
            if part in r["applicant_name"] and r["accepted_date"] >= date_from]
    rows.sort(key=lambda r: (r["accepted_date"], r["received_at"], r["uuid"]), reverse=desc)
    return [r["uuid"] for r in rows]


def _listed(cs: ConsoleStore, f: CaseFilter) -> tuple[list[str], int]:  # noqa: F811
    out: list[str] = []
    page = 1
    while True:
        p = cs.caselist.list_cases(f, page, per_page=20)
        out += [r["uuid"] for r in p.rows]
        if page >= p.pages:
            return out, p.total
        page += 1


def test_broad_name_search_pages_and_counts_from_the_terms(cs: ConsoleStore) -> None:  # noqa: F811
    _load(cs)
    for part in ("王", "玉兰", "玉", "欧阳"):
        want = _expected(cs, part)
        got, total = _listed(cs, CaseFilter(q=part))
        assert got == want and total == len(want), part  # 王王 once, newest accepted first
        got, total = _listed(cs, CaseFilter(q=part, sort="accepted"))
        assert got == _expected(cs, part, desc=False) and total == len(want), part
    since = (DAY - timedelta(days=5)).isoformat()
    got, total = _listed(cs, CaseFilter(q="王", date_from=since))
    assert got == _expected(cs, "王", date_from=since) and total == len(got)
    # a page past the end shows the last page, as the general list does
    last = cs.caselist.list_cases(CaseFilter(q="王"), 999, per_page=20)
    assert last.page == last.pages and last.rows
    # combined with another filter the general path answers, with the same cases
    open_ = cs.caselist.list_cases(CaseFilter(q="王", status="received"), per_page=200)
    assert {r["uuid"] for r in open_.rows} == set(_expected(cs, "王"))


def test_a_district_made_before_gains_the_sort_keys(cs: ConsoleStore) -> None:  # noqa: F811
    _load(cs)
    want = _expected(cs, "王")
    with cs.db.write() as conn:  # as the previous version left it
        conn.execute(text("DROP INDEX console_case_terms_sorted"))
        conn.execute(text("ALTER TABLE console_case_terms DROP COLUMN accepted_date"))
        conn.execute(text("ALTER TABLE console_case_terms DROP COLUMN received_at"))
        conn.execute(text("DELETE FROM console_state WHERE key = 'terms_sorted'"))
        conn.execute(text("DROP TABLE alembic_version"))  # before the migrations (issue 13)
    cs.db.migrate()  # a server start migrates
    again = ConsoleStore(cs.db)
    with again.db.read() as conn:
        keys = conn.execute(select(terms.c.term, terms.c.accepted_date, terms.c.received_at)
                            ).all()
    assert keys and all(bool(a) == bool(r) == t.startswith("n") for t, a, r in keys)
    assert _listed(again, CaseFilter(q="王")) == (want, len(want))
    # only when missing: a second start leaves the keys alone (no rewrite of every term)
    with again.db.write() as conn:
        conn.execute(text("UPDATE console_case_terms SET received_at = 'kept'"
                          " WHERE term = 'n张三'"))
    ConsoleStore(again.db)
    with again.db.read() as conn:
        assert set(conn.execute(text("SELECT received_at FROM console_case_terms"
                                     " WHERE term = 'n张三'")).scalars()) == {"kept"}


def test_the_search_is_index_only(cs: ConsoleStore) -> None:  # noqa: F811
    _load(cs)
    sql = ("SELECT accepted_date, received_at, uuid FROM console_case_terms"
           " WHERE term >= 'n王' AND term < 'n王\U0010ffff'"
           " GROUP BY accepted_date, received_at, uuid"
           " ORDER BY accepted_date DESC, received_at DESC, uuid DESC LIMIT 50")
    with cs.db.write() as conn:
        if cs.db.is_sqlite:
            plan = " ".join(str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
            assert "COVERING INDEX console_case_terms_sorted" in plan, plan
        else:
            conn.execute(text("ANALYZE console_case_terms"))
            conn.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: as at 1M
            conn.execute(text("SET LOCAL enable_bitmapscan = off"))
            plan = " ".join(r[0] for r in conn.execute(text("EXPLAIN " + sql)))
            assert "Index Only Scan using console_case_terms_sorted" in plan, plan
