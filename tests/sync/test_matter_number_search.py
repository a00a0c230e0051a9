"""The work-order queue's search by matter number (issue 15, the 1,000,000-order bench): each
form a worker types — the whole number, its beginning (the desk code), its tail, its date
part — finds what the old any-part search found, each on an index of its own (SQLite and
PostgreSQL); the migration gives the orders of an existing district their search keys."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text, update
from sync_helpers import District, enroll

from desk.core.matters import MatterService
from sync.client.desk import sync_desk
from sync.district import matters_console as MC
from sync.district import matters_rates as R
from sync.district.matters_tables import matters, number_keys
from sync.district.storage import Storage

KINDS = [{"category": "投诉", "subcategory": "噪音", "description": "夜间施工噪音"},
         {"category": "咨询", "description": "高龄津贴怎么申请"}]


def _numbers(district: District, make_desk: Any, n: int) -> dict[str, str]:
    """``n`` matters recorded on two desks and synced: uuid → matter number."""
    for code in ("HY-QL01", "HY-QL11"):
        ctx = make_desk(code)
        enroll(district, ctx)
        svc = MatterService(ctx.store)
        for i in range(n):
            svc.record(KINDS[i % len(KINDS)], ctx.actor())
        assert sync_desk(ctx)["complete"]
    with district.storage.read() as conn:
        return dict(conn.execute(select(matters.c.uuid, matters.c.matter_no)).all())


def _typed(numbers: dict[str, str]) -> list[str]:
    """What workers type: whole numbers (any case), desk codes, a desk and day, the date
    part with and without its M, the year, the tail with and without its dash, day + tail."""
    some = sorted(numbers.values())
    first, last = some[0], some[-1]
    desk, _, rest = first.rpartition("-M")
    day, _, seq = rest.partition("-")
    other_desk = last.rpartition("-M")[0]
    return [first, last.lower(), f" {last} ", desk, other_desk, f"{desk}-M{day}",
            f"M{day}", day, f"M{day[:4]}", day[:6], seq, f"-{seq}",
            f"{day}-{seq}", f"M{day}-{seq}", last[-8:], "NO-SUCH-M20991231-0001", "9999"]


def _any_part(numbers: dict[str, str]) -> list[str]:
    """Not a number's form: still any part of it (without an index), as before."""
    return [sorted(numbers.values())[-1][-3:], "噪音", "QL", "12"]


def test_each_typed_form_finds_what_the_any_part_search_found(
        district: District, make_desk: Any) -> None:
    numbers = _numbers(district, make_desk, 12)
    assert len(numbers) == 24
    for q in _typed(numbers) + _any_part(numbers):
        want = {u for u, no in numbers.items() if "".join(q.split()).upper() in no}
        rows, total = MC.queue(district.storage, MC.QueueFilter(q=q), per_page=50)
        assert {r["uuid"] for r in rows} == want, q
        assert total == len(want), q
    # a search's pages in each order, as the whole queue's rows in that order
    everything, _ = MC.queue(district.storage, MC.QueueFilter(), per_page=50)
    desk = sorted(numbers.values())[0].rpartition("-M")[0]
    for sort, key in (("-due", ("due_at", "uuid")), ("received", ("received_at", "uuid"))):
        mine = sorted((r for r in everything if r["matter_no"].startswith(desk)),
                      key=lambda r: tuple(r[k] for k in key), reverse=sort.startswith("-"))
        rows, total = MC.queue(district.storage, MC.QueueFilter(q=desk, sort=sort),
                               per_page=5, page=2)
        assert total == 12 and [r["uuid"] for r in rows] == [r["uuid"] for r in mine[5:10]]


def _plan(storage: Storage, q: str) -> str:
    stmt = select(matters.c.uuid).where(MC.number_search(q))
    with storage.read() as conn:
        sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
        if storage.is_sqlite:
            return " ".join(str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
        conn.execute(text("SET LOCAL enable_seqscan = off"))  # a few rows: as at a million
        return " ".join(r[0] for r in conn.execute(text("EXPLAIN " + sql)))


def test_each_typed_form_reads_an_index_of_the_number(district: District,
                                                      make_desk: Any) -> None:
    numbers = _numbers(district, make_desk, 2)
    for q in _typed(numbers):
        plan = _plan(district.storage, q)
        assert "matters_no" in plan and "SCAN matters" not in plan.replace(
            "SCAN matters USING", ""), (q, plan)


def test_the_migration_gives_existing_orders_their_search_keys(
        district: District, make_desk: Any) -> None:
    numbers = _numbers(district, make_desk, 3)
    odd = sorted(numbers)[0]
    with district.storage.write() as conn:  # as a district made before the keys
        conn.execute(update(matters).where(matters.c.uuid == odd).values(
            matter_no="hy-x-m20261201-m7-M20261203-0042"))
        conn.execute(update(matters).values(no_rev="", no_tail=""))
        conn.execute(text(f"DELETE FROM meta WHERE key = '{R.NUMBER_KEYS_KEY}'"))
    Storage(district.db_url).close()
    with district.storage.read() as conn:
        rows = conn.execute(select(matters.c.matter_no, matters.c.no_rev,
                                   matters.c.no_tail)).all()
    assert len(rows) == 6
    for no, rev, tail in rows:
        assert {"no_rev": rev, "no_tail": tail} == number_keys(no), no
    assert number_keys("hy-x-m20261201-m7-M20261203-0042")["no_tail"] == "20261203-0042"
    assert number_keys("无编号")["no_tail"] == ""
    rows, _ = MC.queue(district.storage, MC.QueueFilter(q="M20261203-0042"))
    assert [r["uuid"] for r in rows] == [odd]
