"""What one case save does (issue 13: the case save no slower than before the redesign),
seen through SQLite's trace: one transaction, each statement it needs once, no read-back
of an index row the case cannot have yet, and no name piece written — the case waits above
the ``cases_indexed_upto`` mark (desk.core.store_grams), found by every search all the same,
until the tidy after the save indexes it; nor its outbox entry (desk.core.store_queue). A
crash before that tidy loses nothing."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from desk.core import store_grams
from desk.core.store_grams import CASE_KIND, pairs
from tests.core.test_search_index import case_row

TODAY = date(2026, 11, 23)


def _save(ctx: Any, name: str, body: str, phone: str, proxy: str = "") -> dict[str, Any]:
    from forms.ids import id_check_digit

    item = ctx.catalog.get("MZ-GLJT")
    sub = dict(copy.deepcopy(item.example), applicant_name=name,
               applicant_id=body + id_check_digit(body), applicant_phone=phone)
    if proxy:
        sub.update(is_proxy=True, proxy_name=proxy, proxy_id="420105197503040010",
                   proxy_relation="子女", proxy_phone="13907181234")
    return ctx.cases.submit("MZ-GLJT", sub, ctx.actor(), today=TODAY)


def _ids(store: Any, clause: tuple[str, list[Any]]) -> set[int]:
    return {int(next(iter(r.values()))) for r in store._read(*clause)}


def _pieces(store: Any, case_id: int) -> set[str]:
    return {str(r["gram"]) for r in store._read(
        "SELECT gram FROM search_grams WHERE kind = ? AND rid = ?", [CASE_KIND, case_id])}


def test_a_case_save_runs_each_statement_it_needs_once_and_writes_no_piece(desk: Any) -> None:
    _save(desk, "王桂兰", "42010519450102001", "13871234567")  # the first: the mark set
    seen: list[str] = []
    desk.store._conn.set_trace_callback(seen.append)
    try:
        case = _save(desk, "欧阳娜娜", "42010519450102002", "13871234568")
    finally:
        desk.store._conn.set_trace_callback(None)
    kinds = Counter(" ".join(s.split()[:4]) for s in seen)
    assert kinds["BEGIN IMMEDIATE"] == 1 and kinds["COMMIT"] == 1, seen
    assert not [s for s in seen if "search_grams" in s], seen
    assert not [s for s in seen if s.startswith("SELECT names FROM case_index")], seen
    assert not [s for s in seen if s.startswith("SELECT last FROM receipt_seq")], seen
    # the receipt number, the case, its index row and audit entry: its outbox entry is made
    # just after (desk.core.store_queue; tests/core/test_case_queue.py)
    assert [s.split()[2] for s in seen if s.startswith("INSERT")] == [
        "receipt_seq(desk_code,", "cases(uuid,", "case_index(case_id,", "audit(at,"], seen
    assert not [s for s in seen if "outbox" in s], seen
    row = desk.store._read("SELECT id FROM cases WHERE uuid = ?", [case["uuid"]])[0]
    assert _pieces(desk.store, row["id"]) == set()  # not yet: the tidy writes them


def test_a_new_case_is_found_by_every_search_before_and_after_it_is_indexed(
        desk: Any) -> None:
    store = desk.store
    _save(desk, "王桂兰", "42010519450102001", "13871234567")
    case = _save(desk, "欧阳娜娜", "42010519450102003", "15912345678", proxy="李建国")
    case_id = int(store._read("SELECT id FROM cases WHERE uuid = ?", [case["uuid"]])[0]["id"])
    from forms.ids import id_check_digit

    full_id = "42010519450102003" + id_check_digit("42010519450102003")
    queries = ["欧", "娜娜", "欧阳娜", "阳娜娜", "建国", "李", "oynn", full_id[-4:], full_id[-7:],
               full_id, "5678", case["receipt_no"], case["receipt_no"][:12],
               "桂兰", "赵"]

    def found() -> dict[str, tuple[bool, int]]:
        out = {}
        for q in queries:
            listed = [c["uuid"] for c in store.search.list_cases(search=q, limit=500)]
            assert len(listed) == store.search.count_cases(search=q), q
            out[q] = (case["uuid"] in listed, len(listed))
        return out

    before = found()
    assert store_grams.waiting_cases(store._conn) == 2 and _pieces(store, case_id) == set()
    assert store.search.move_recent_grams() == 2  # the tidy: both cases indexed
    assert store_grams.waiting_cases(store._conn) == 0
    assert _pieces(store, case_id) == pairs("欧阳娜娜 李建国")
    assert found() == before
    assert {q for q, (hit, _) in before.items() if not hit} == {"桂兰", "赵"}
    for q in ("欧", "娜娜", "欧阳娜", "建国"):  # and the index's answer is the scan's
        assert _ids(store, store.search._name_clause(q)) == \
            _ids(store, store.search._name_clause(q, scan=True)) == {case_id}, q


def test_the_tidy_indexes_waiting_cases_in_batches_and_a_save_bounds_them(desk: Any) -> None:
    """The tidy after a save indexes once TIDY_CASES wait (not at every save); without any
    tidy (the command line) a save indexes the oldest SAVE_CHUNK once more than RECENT_CASES
    wait, so a search never checks more than that many cases by their names; a bulk insert indexes its
    own cases (one sorted batch) and leaves none waiting."""
    store = desk.store

    def save(i: int, name: str) -> None:
        store.save_new_case(case_row(i), {"name": name, "proxy_name": "", "id_number": "",
                                          "phone": ""}, "test")

    for i in range(store_grams.TIDY_CASES - 1):
        save(i, f"张{chr(0x4E00 + i)}")
    store.tidy_after_save()
    assert store_grams.waiting_cases(store._conn) == store_grams.TIDY_CASES - 1  # too few
    save(0, "张一")
    store.tidy_after_save()
    assert store_grams.waiting_cases(store._conn) == 0
    waited = 0
    for i in range(3 * store_grams.RECENT_CASES):
        save(i, f"李{chr(0x4E00 + i)}")
        waiting = store_grams.waiting_cases(store._conn)
        assert waiting <= store_grams.RECENT_CASES
        # a save indexes a few of them, never all at once (the slowest save of a long run)
        assert waiting >= waited + 1 - store_grams.SAVE_CHUNK, (i, waited, waiting)
        waited = waiting
    assert store.search.count_cases(search="李") == 3 * store_grams.RECENT_CASES
    assert store.search.count_cases(search="张") == store_grams.TIDY_CASES
    store.bulk_insert_cases([(case_row(i), {"name": "王五", "proxy_name": "", "id_number": "",
                                            "phone": ""}) for i in range(40)], "test")
    assert store_grams.waiting_cases(store._conn) == 0
    assert store.search.count_cases(search="王五") == 40


CRASH = """
import os, sys
from datetime import date
from desk.core.app import DeskContext
from forms.ids import id_check_digit
ctx = DeskContext.open(sys.argv[1])
ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
item = ctx.catalog.get("MZ-GLJT")
body = "42010519450102004"
sub = dict(item.example, applicant_name="司马秀英", applicant_id=body + id_check_digit(body))
case = ctx.cases.submit("MZ-GLJT", sub, ctx.actor(), today=date(2026, 11, 23))
print(case["uuid"], flush=True)
os._exit(0)  # gone before any tidy, checkpoint or close
"""


def test_a_crash_before_the_tidy_loses_nothing(data_dir: Path) -> None:
    from desk.core.app import DeskContext

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(root), *filter(None, [os.environ.get("PYTHONPATH")])]))
    out = subprocess.run([sys.executable, "-c", CRASH, str(data_dir)], capture_output=True,
                         text=True, timeout=120, env=env, check=True)
    uuid = out.stdout.split()[-1]
    ctx = DeskContext.open(str(data_dir))
    try:
        store = ctx.store
        assert store.get_case(uuid) is not None
        assert store_grams.waiting_cases(store._conn) == 1
        for q in ("司马", "秀英", "司马秀英", "smxy"):
            assert [c["uuid"] for c in store.search.list_cases(search=q)] == [uuid], q
        assert store.search.move_recent_grams() == 1
        for q in ("司马", "秀英", "司马秀英", "smxy"):
            assert [c["uuid"] for c in store.search.list_cases(search=q)] == [uuid], q
    finally:
        ctx.close()


def test_saves_with_no_tidy_between_checkpoint_a_short_wal(desk: Any) -> None:
    """Saves back to back (the command line, an import: no tidy folds the WAL between
    them) leave SQLite's automatic checkpoint to run inside the commit that crosses its
    threshold. That stall grows with the WAL: at SQLite's default of 1,000 pages it was
    the back-to-back save's p99 (issue 13). The WAL file never grows past the threshold
    plus one save's pages, so the checkpoint a save pays is a short one."""
    wal = Path(str(desk.store.path) + "-wal")
    page = int(desk.store._conn.execute("PRAGMA page_size").fetchone()[0])
    for i in range(120):  # past 1,000 WAL pages of saves: SQLite's default threshold reached
        _save(desk, "王桂兰", f"42010519450102{i:03d}", f"1387123{i:04d}")
    frames = (wal.stat().st_size - 32) // (page + 24)
    assert frames <= 250 + 64, frames  # the threshold, plus the save that crossed it
