"""New matters' search pieces (issue 15): a save writes none — the matters above the
``MATTERS_INDEXED`` mark are candidates of every search, checked by its LIKE test — and the
tidy between saves (or a save, once more than :data:`RECENT_MATTERS` wait) indexes them
straight into ``search_grams``; an edit's changed pieces go to ``search_grams_recent`` and
move to ``search_grams`` in one transaction. Searches find the same matters throughout."""

from __future__ import annotations

import threading
import uuid as uuidlib
from pathlib import Path
from typing import Any

import pytest

from desk.core import store_search
from desk.core.store import Store
from desk.core.store_search import MATTER_KIND, matter_pairs

KEY = bytes(range(32))


def matter_row(name: str, description: str) -> dict[str, Any]:
    return {"uuid": str(uuidlib.uuid4()), "category": "投诉", "subcategory": "漏水",
            "urgency": "一般", "description": description, "place_text": "汉阳花园",
            "resident_name": name, "resident_phone": "", "resident_id": "",
            "answer_by": "phone", "status": "open", "revision": 1, "owner": "刘晓燕",
            "worker": "刘晓燕", "desk_code": "HY-QL01", "created_at": "2026-11-23T10:00:00",
            "updated_at": "2026-11-23T10:00:00", "due_at": "2026-11-24T10:00:00",
            "sla_json": "{}", "config_version": "t"}


def pieces(store: Store, table: str) -> set[tuple[int, str]]:
    return {(int(r["rid"]), str(r["gram"])) for r in store._read(
        f"SELECT rid, gram FROM {table} WHERE kind = ?", [MATTER_KIND])}


def expected(store: Store) -> set[tuple[int, str]]:
    return {(int(r["id"]), g) for r in store._read("SELECT * FROM matters")
            for g in matter_pairs(r)}


def waiting(store: Store) -> set[tuple[int, str]]:
    """The pieces of the matters above the mark (not in the index yet)."""
    return {(int(r["id"]), g) for r in store._read(
        f"SELECT * FROM matters WHERE id IN ({store_search._TAIL})") for g in matter_pairs(r)}


def found(store: Store, q: str) -> set[str]:
    return {r["uuid"] for r in store.matters.list_matters(search=q)}


@pytest.fixture(params=["plain", "encrypted"])
def store(request: Any, tmp_path: Path) -> Any:
    s = Store.open(tmp_path / "desk.sqlite3", key=KEY if request.param == "encrypted" else None)
    yield s
    s.close()


def test_a_save_writes_no_piece_and_the_matter_is_found_before_and_after_indexing(
        store: Store) -> None:
    m = store.matters.save_new_matter(matter_row("欧阳娜娜", "楼上漏水"), "test")
    rid = int(store._read("SELECT id FROM matters WHERE uuid = ?", [m["uuid"]])[0]["id"])
    assert pieces(store, "search_grams_recent") == set()
    assert pieces(store, "search_grams") == set()
    assert waiting(store) == expected(store)
    for q in ("欧", "阳娜", "欧阳娜娜", "漏水", "汉阳花园", "HY-QL01"):
        assert found(store, q) == {m["uuid"]}, q
    assert found(store, "漏雨") == set()
    assert store.search.move_recent_grams() == 1  # one matter indexed
    assert waiting(store) == set() and pieces(store, "search_grams_recent") == set()
    assert pieces(store, "search_grams") == expected(store)
    for q in ("欧", "阳娜", "欧阳娜娜", "漏水", "汉阳花园"):
        assert found(store, q) == {m["uuid"]}, q
    # an edit after indexing: the new owner's pieces in recent, the rest in the main
    # table — a query spanning both still finds it, the old owner's pieces are gone
    store.matters.handover_matter(m["uuid"], "司马光明", "换人", "test")
    assert (rid, "司马") in pieces(store, "search_grams_recent")
    assert not {g for r, g in pieces(store, "search_grams") if g.startswith("刘")}
    assert found(store, "司马光明") == {m["uuid"]} and found(store, "刘晓燕") == set()
    assert pieces(store, "search_grams") | pieces(store, "search_grams_recent") == \
        expected(store)
    assert store.search.move_recent_grams() > 0 and store.search.move_recent_grams() == 0
    # an edit before indexing: found by its new owner, not the old, before and after
    m2 = store.matters.save_new_matter(matter_row("张秀英", "噪音扰民"), "test")
    store.matters.handover_matter(m2["uuid"], "上官云", "换人", "test")
    for _ in range(2):
        assert found(store, "上官云") == {m2["uuid"]} and found(store, "刘晓燕") == set()
        store.search.move_recent_grams()
    assert pieces(store, "search_grams") == expected(store)


def test_a_save_indexes_the_waiting_matters_once_too_many_wait(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_search, "RECENT_MATTERS", 3)
    saved = [store.matters.save_new_matter(matter_row(f"王{c}", "漏水"), "test") for c in "甲乙丙"]
    assert pieces(store, "search_grams") == set()
    assert found(store, "漏水") == {m["uuid"] for m in saved}
    fourth = store.matters.save_new_matter(matter_row("王丁", "漏水"), "test")
    assert waiting(store) == set()
    assert pieces(store, "search_grams") == expected(store)
    assert found(store, "漏水") == {m["uuid"] for m in [*saved, fourth]}


def test_indexing_is_all_or_nothing_and_may_be_repeated(store: Store) -> None:
    store.matters.save_new_matter(matter_row("张秀英", "噪音扰民"), "test")
    mark = store.get_meta(store_search.MATTERS_INDEXED)
    with pytest.raises(RuntimeError), store.transaction() as c:
        store_search._index_tail(c)
        raise RuntimeError("crash mid-index")
    assert pieces(store, "search_grams") == set()
    assert store.get_meta(store_search.MATTERS_INDEXED) == mark
    assert found(store, "噪音") and found(store, "张秀英")
    # a piece already in the main table (indexing redone) is taken without complaint
    rid, gram = next(iter(expected(store)))
    with store.transaction() as c:
        c.execute("INSERT INTO search_grams(kind, gram, rid) VALUES (?,?,?)",
                  [MATTER_KIND, gram, rid])
    store.search.move_recent_grams()
    assert pieces(store, "search_grams") == expected(store)
    assert waiting(store) == set()


def test_saves_and_moves_at_once_lose_no_piece(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_search, "RECENT_MATTERS", 5)
    start = threading.Barrier(60)
    errors: list[BaseException] = []

    def save(i: int) -> None:
        try:
            start.wait(timeout=60)
            store.matters.save_new_matter(matter_row(f"李{i}", f"第{i}号漏水"), "test")
        except BaseException as e:  # reported below
            errors.append(e)

    def move() -> None:
        try:
            start.wait(timeout=60)
            store.search.move_recent_grams()
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(50)]
    threads += [threading.Thread(target=move) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors and not any(t.is_alive() for t in threads)
    assert pieces(store, "search_grams") | pieces(store, "search_grams_recent") | \
        waiting(store) == expected(store)
    assert len(found(store, "漏水")) == 50
    for i in (0, 17, 49):
        assert len(found(store, f"第{i}号")) == 1


def test_a_purge_leaves_no_piece_in_either_table(desk: Any) -> None:
    from datetime import date

    from desk.core import maintenance
    from desk.core.matters import MatterService

    svc = MatterService(desk.store)

    def record(name: str, phone: str) -> dict[str, Any]:
        return svc.record({"category": "投诉", "subcategory": "漏水", "urgency": "一般",
                           "description": f"{name}反映十七栋楼上漏水",
                           "resident": {"name": name, "phone": phone}, "answer_by": "phone",
                           "place": {"compound": "汉阳花园", "building": "十七栋", "unit": "2",
                                     "room": "2308室"}}, desk.actor())

    moved = record("欧阳娜娜", "15912345678")
    desk.store.search.move_recent_grams()  # its pieces in search_grams
    fresh = record("司马娜娜", "15912340000")  # waiting above the mark: no piece yet
    desk.store.matters.handover_matter(moved["uuid"], "社区居委会", "换人", "test")  # in recent
    for m in (moved, fresh):
        svc.close(m["uuid"], f"已联系物业，{m['resident_name']}满意", "满意", desk.actor())
    assert pieces(desk.store, "search_grams") and pieces(desk.store, "search_grams_recent")
    assert waiting(desk.store)
    pending = desk.store.sync.pending_outbox()
    desk.store.sync.mark_outbox([{"id": p["id"], "result": "accepted"} for p in pending], "b")
    desk.store.reconcile.start_epoch("district-1", "e1", 1, changed=False)
    desk.store.reconcile.confirm_agreement("e1", desk.store.reconcile.acked()["acked_max"])
    assert maintenance.purge_expired_matters(desk.store, days=0, today=date(2999, 1, 1)) == 2
    both = pieces(desk.store, "search_grams") | pieces(desk.store, "search_grams_recent")
    assert both | waiting(desk.store) == expected(desk.store)
    desk.store.search.move_recent_grams()  # the purged text indexed, not what it replaced
    both = pieces(desk.store, "search_grams") | pieces(desk.store, "search_grams_recent")
    assert both == expected(desk.store)
    assert not {g for _, g in both if "娜" in g or "17" in g or "23" in g or "十七" in g}
    for q in ("娜娜", "欧阳", "司马", "2308", "十七栋"):
        assert found(desk.store, q) == set(), q


def vm_steps(store: Store, fn: Any) -> int:
    """SQLite virtual-machine steps ``fn`` takes on the store's connection (counted 1 by 1)."""
    steps = [0]

    def tick() -> int:
        steps[0] += 1
        return 0

    store._conn.set_progress_handler(tick, 1)
    try:
        fn()
    finally:
        store._conn.set_progress_handler(None, 1)
    return steps[0]


def test_the_span_of_recent_matters_is_two_probes_not_a_scan(store: Store) -> None:
    """A save that indexes the waiting matters, and every tidy, ask how many matters
    ``search_grams_recent`` spans; with 100 edited matters' pieces there (~6,000 rows) that
    must stay a couple of index probes. The single ``SELECT min(rid), max(rid)`` it was read
    every row: 0.7 ms of a 1 ms save."""
    with store.transaction() as c:
        c.executemany("INSERT INTO search_grams_recent(kind, rid, gram) VALUES (?,?,?)",
                      [(MATTER_KIND, rid, g) for rid in range(1, 101)
                       for g in matter_pairs(matter_row(f"王{rid:03d}", "楼上卫生间漏水，墙面发霉，多次协调未果"))])
    assert len(pieces(store, "search_grams_recent")) > 3000
    assert store_search._recent_span(store._conn) == 100
    assert vm_steps(store, lambda: store_search._recent_span(store._conn)) < 100


def test_tidying_after_a_save_folds_the_wal_and_indexes_the_waiting(store: Store) -> None:
    """The window's tidy between saves (issue 15's save p99): the WAL is folded into the
    database and started afresh, so the next save neither pays SQLite's automatic
    checkpoint nor the restarted WAL's header sync; the waiting matters are indexed once
    TIDY_MATTERS wait. Searches find the same matters before and after."""
    if store.path is None:
        pytest.skip("an in-memory store has no WAL")
    n = store_search.TIDY_MATTERS
    for i in range(n - 1):
        store.matters.save_new_matter(matter_row(f"李{i:03d}", "电梯停运"), "test")
    store.tidy_after_save()
    assert len(waiting(store)) > 0 and pieces(store, "search_grams") == set()  # below the mark
    before = found(store, "电梯")
    assert len(before) == n - 1
    store.matters.save_new_matter(matter_row("李末", "电梯停运"), "test")
    wal_before = store._conn.execute("PRAGMA wal_checkpoint(NOOP)").fetchone()
    store.tidy_after_save()
    assert waiting(store) == set() and pieces(store, "search_grams_recent") == set()
    assert pieces(store, "search_grams") == expected(store)
    assert found(store, "电梯") == before | {store.matters.list_matters(search="李末")[0]["uuid"]}
    # the WAL now holds only the tidy's own small write, all of it still to fold later:
    # the save that follows appends to a fresh log
    busy, log, _ = store._conn.execute("PRAGMA wal_checkpoint(NOOP)").fetchone()
    assert busy == 0 and 0 < log <= 2 < wal_before[1], (wal_before, log)


def test_a_save_runs_no_search_index_statement(store: Store) -> None:
    """The save itself (issue 15's p99): the matter, its number, outbox and audit rows and
    one read of the mark — no piece of the search index written or probed."""
    store.matters.save_new_matter(matter_row("王一", "漏水"), "test")  # the mark set
    seen: list[str] = []
    store._conn.set_trace_callback(seen.append)
    try:
        store.matters.save_new_matter(matter_row("王二", "电梯停运"), "test")
    finally:
        store._conn.set_trace_callback(None)
    assert seen and not [s for s in seen if "search_grams" in s], seen
