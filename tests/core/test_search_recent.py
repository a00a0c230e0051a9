"""New matters' search pieces in ``search_grams_recent`` (issue 15): a save appends its
pieces there instead of dirtying one random leaf of ``search_grams`` per piece; searches read
both tables; the pieces move to ``search_grams`` in one transaction (by the window between
saves, or by a save once the recent matters span :data:`RECENT_MATTERS` row ids)."""

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


def found(store: Store, q: str) -> set[str]:
    return {r["uuid"] for r in store.matters.list_matters(search=q)}


@pytest.fixture(params=["plain", "encrypted"])
def store(request: Any, tmp_path: Path) -> Any:
    s = Store.open(tmp_path / "desk.sqlite3", key=KEY if request.param == "encrypted" else None)
    yield s
    s.close()


def test_a_new_matter_is_found_from_recent_and_after_the_move(store: Store) -> None:
    m = store.matters.save_new_matter(matter_row("欧阳娜娜", "楼上漏水"), "test")
    rid = int(store._read("SELECT id FROM matters WHERE uuid = ?", [m["uuid"]])[0]["id"])
    assert pieces(store, "search_grams_recent") == expected(store)
    assert pieces(store, "search_grams") == set()
    for q in ("欧", "阳娜", "欧阳娜娜", "漏水", "汉阳花园"):
        assert found(store, q) == {m["uuid"]}, q
    assert store.search.move_recent_grams() == len(expected(store))
    assert pieces(store, "search_grams_recent") == set()
    assert pieces(store, "search_grams") == expected(store)
    for q in ("欧", "阳娜", "欧阳娜娜", "漏水", "汉阳花园"):
        assert found(store, q) == {m["uuid"]}, q
    # an edit after the move: the new owner's pieces in recent, the rest in the main
    # table — a query spanning both still finds it, the old owner's pieces are gone
    store.matters.handover_matter(m["uuid"], "司马光明", "换人", "test")
    assert (rid, "司马") in pieces(store, "search_grams_recent")
    assert not {g for r, g in pieces(store, "search_grams") if g.startswith("刘")}
    assert found(store, "司马光明") == {m["uuid"]} and found(store, "刘晓燕") == set()
    assert pieces(store, "search_grams") | pieces(store, "search_grams_recent") == \
        expected(store)
    assert store.search.move_recent_grams() > 0 and store.search.move_recent_grams() == 0


def test_a_save_moves_recent_once_it_spans_too_many_matters(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_search, "RECENT_MATTERS", 3)
    saved = [store.matters.save_new_matter(matter_row(f"王{c}", "漏水"), "test") for c in "甲乙丙"]
    assert pieces(store, "search_grams") == set()
    fourth = store.matters.save_new_matter(matter_row("王丁", "漏水"), "test")
    rid = int(store._read("SELECT id FROM matters WHERE uuid = ?", [fourth["uuid"]])[0]["id"])
    assert {r for r, _ in pieces(store, "search_grams_recent")} == {rid}
    assert pieces(store, "search_grams") | pieces(store, "search_grams_recent") == \
        expected(store)
    assert found(store, "漏水") == {m["uuid"] for m in [*saved, fourth]}


def test_the_move_is_all_or_nothing_and_may_be_repeated(store: Store) -> None:
    store.matters.save_new_matter(matter_row("张秀英", "噪音扰民"), "test")
    recent = pieces(store, "search_grams_recent")
    with pytest.raises(RuntimeError), store.transaction() as c:
        store_search._move_recent(c)
        raise RuntimeError("crash mid-move")
    assert pieces(store, "search_grams_recent") == recent
    assert pieces(store, "search_grams") == set()
    # a piece already in the main table (a move redone) is moved without complaint
    rid, gram = next(iter(recent))
    with store.transaction() as c:
        c.execute("INSERT INTO search_grams(kind, gram, rid) VALUES (?,?,?)",
                  [MATTER_KIND, gram, rid])
    store.search.move_recent_grams()
    assert pieces(store, "search_grams") == expected(store)
    assert pieces(store, "search_grams_recent") == set()


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
    assert pieces(store, "search_grams") | pieces(store, "search_grams_recent") == \
        expected(store)
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
    fresh = record("司马娜娜", "15912340000")  # its pieces in search_grams_recent
    for m in (moved, fresh):  # closing after the move: pieces in both tables
        svc.close(m["uuid"], f"已联系物业，{m['resident_name']}满意", "满意", desk.actor())
    assert pieces(desk.store, "search_grams") and pieces(desk.store, "search_grams_recent")
    pending = desk.store.sync.pending_outbox()
    desk.store.sync.mark_outbox([{"id": p["id"], "result": "accepted"} for p in pending], "b")
    desk.store.reconcile.start_epoch("district-1", "e1", 1, changed=False)
    desk.store.reconcile.confirm_agreement("e1", desk.store.reconcile.acked()["acked_max"])
    assert maintenance.purge_expired_matters(desk.store, days=0, today=date(2999, 1, 1)) == 2
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
    """Each save asks how many matters ``search_grams_recent`` spans; with 100 matters'
    pieces there (~6,000 rows) that must stay a couple of index probes. The single
    ``SELECT min(rid), max(rid)`` it was read every row: 0.7 ms of a 1 ms save."""
    for i in range(100):
        store.matters.save_new_matter(matter_row(f"王{i:03d}", "楼上卫生间漏水，墙面发霉，多次协调未果"),
                              "test")
    assert len(pieces(store, "search_grams_recent")) > 3000
    assert store_search._recent_span(store._conn) == 100
    assert vm_steps(store, lambda: store_search._recent_span(store._conn)) < 100


def test_tidying_after_a_save_folds_the_wal_and_moves_the_pieces(store: Store) -> None:
    """The window's tidy between saves (issue 15's save p99): the WAL is folded into the
    database and started afresh, so the next save neither pays SQLite's automatic
    checkpoint nor the restarted WAL's header sync; the pieces move once they span
    TIDY_MATTERS matters. Searches find the same matters before and after."""
    if store.path is None:
        pytest.skip("an in-memory store has no WAL")
    n = store_search.TIDY_MATTERS
    for i in range(n - 1):
        store.matters.save_new_matter(matter_row(f"李{i:03d}", "电梯停运"), "test")
    store.tidy_after_save()
    assert len(pieces(store, "search_grams_recent")) > 0  # below the mark: left in place
    before = found(store, "电梯")
    store.matters.save_new_matter(matter_row("李末", "电梯停运"), "test")
    wal_before = store._conn.execute("PRAGMA wal_checkpoint(NOOP)").fetchone()
    store.tidy_after_save()
    assert pieces(store, "search_grams_recent") == set()
    assert pieces(store, "search_grams") == expected(store)
    assert found(store, "电梯") == before | {store.matters.list_matters(search="李末")[0]["uuid"]}
    # the WAL now holds only the tidy's own small write, all of it still to fold later:
    # the save that follows appends to a fresh log
    busy, log, _ = store._conn.execute("PRAGMA wal_checkpoint(NOOP)").fetchone()
    assert busy == 0 and 0 < log <= 2 < wal_before[1], (wal_before, log)
