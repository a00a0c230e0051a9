"""The store's parts written once (issue 13): one audit-hash formula for writer and
verifier, one INSERT for every new case, one time per rating, nested transactions as
savepoints — on real SQLite files."""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from desk.core import store as store_mod
from desk.core import store_base
from desk.core.app import DeskContext
from desk.core.store import Store

TODAY = date(2026, 11, 23)
CORE = Path(__file__).parents[2] / "desk" / "core"


def _meta(store: Store, key: str) -> str | None:
    return store.get_meta(key)


def test_audit_writer_and_verifier_use_one_formula(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Change the formula in its one place: entries written under it verify under it, and
    read as broken under the real one — so both sides really go through audit_hash."""
    store = Store.open(tmp_path / "desk.sqlite3")
    try:
        real = store_base.audit_hash
        monkeypatch.setattr(store_base, "audit_hash",
                            lambda *parts: real(*parts)[::-1])  # another formula
        for n in range(3):
            with store.transaction() as c:
                store._audit(c, "worker", "test.entry", None, {"n": n})
        assert store.audit_report()["ok"] is True
        monkeypatch.setattr(store_base, "audit_hash", real)
        report = store.audit_report()
        assert report["ok"] is False and report["problem"] == "hash_mismatch"
    finally:
        store.close()


def test_every_new_case_goes_through_one_insert() -> None:
    inserts = [(p.name, m.group(0)) for p in sorted(CORE.glob("store*.py"))
               for m in re.finditer(r"INSERT (?:OR \w+ )?INTO cases\b", p.read_text("utf-8"))]
    assert inserts == [("store_base.py", "INSERT INTO cases")]


def test_a_rating_is_stamped_once(desk: DeskContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rating row, the payload sent to the district and the outbox entry carry the
    same time, even when the clock moves during the save."""
    item = desk.catalog.get("MZ-GLJT")
    sub = json.loads(json.dumps(item.example))
    case = desk.cases.submit("MZ-GLJT", sub, desk.actor(), today=TODAY)
    ticks = (f"2026-11-23T10:00:{s:02d}.000+08:00" for s in itertools.count())
    monkeypatch.setattr(store_mod, "now_iso", lambda: next(ticks))
    desk.store.save_rating(case["uuid"], 5, "", "resident")
    conn = sqlite3.connect(desk.paths.db)
    try:
        rated_at = conn.execute("SELECT rated_at FROM ratings").fetchone()[0]
        payload, created = conn.execute("SELECT payload_json, created_at FROM outbox JOIN outbox_payloads USING (id) "
                                        "WHERE kind = 'rating'").fetchone()
    finally:
        conn.close()
    assert json.loads(payload)["rated_at"] == rated_at == created


def _count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM meta WHERE key LIKE 't-%'")
                   .fetchone()[0])
    finally:
        conn.close()


def _put(c: Any, key: str) -> None:
    c.execute("INSERT INTO meta(key, value) VALUES (?, '1')", [key])


def test_transactions_nest_as_savepoints(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    store = Store.open(path)
    try:
        with store.transaction() as c:
            _put(c, "t-outer")
            with pytest.raises(RuntimeError), store.transaction() as inner:
                _put(inner, "t-inner-failed")
                raise RuntimeError("inner part fails")
            with store.transaction() as inner:
                _put(inner, "t-inner-kept")
                with store.transaction() as deepest:
                    _put(deepest, "t-deepest")
            assert _count(path) == 0  # nothing committed before the outermost commit
        assert _count(path) == 3
        assert store.get_meta("t-inner-failed") is None
        # a failing outer transaction takes its released savepoints with it
        with pytest.raises(RuntimeError), store.transaction() as c:
            with store.transaction() as inner:
                _put(inner, "t-gone")
            raise RuntimeError("outer fails")
        assert store.get_meta("t-gone") is None and _count(path) == 3
        # a database error inside a savepoint leaves the outer transaction usable
        with store.transaction() as c:
            with pytest.raises(sqlite3.IntegrityError), store.transaction() as inner:
                _put(inner, "t-outer")  # duplicate key
            _put(c, "t-after")
        assert store.get_meta("t-after") == "1"
    finally:
        store.close()


def test_nested_transactions_from_50_threads_at_once(tmp_path: Path) -> None:
    """50 threads each run an outer transaction with a kept and a failed savepoint on one
    store: every kept part lands, no failed part does, no transaction error."""
    path = tmp_path / "desk.sqlite3"
    store = Store.open(path)
    start = threading.Barrier(50)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            start.wait(timeout=60)
            with store.transaction() as c:
                _put(c, f"t-{n}-outer")
                with store.transaction() as inner:
                    _put(inner, f"t-{n}-kept")
                try:
                    with store.transaction() as inner:
                        _put(inner, f"t-{n}-failed")
                        raise ValueError(n)
                except ValueError:
                    pass
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    try:
        assert not errors, errors
        assert not any(t.is_alive() for t in threads)
        assert _count(path) == 100
        assert not [k for k in (f"t-{n}-failed" for n in range(50)) if _meta(store, k)]
    finally:
        store.close()


def test_the_receipt_key_is_made_in_one_place() -> None:
    """Only the store creates the receipt key (receipts and enrollment both ask it)."""
    root = CORE.parents[1]
    makers = sorted(str(p.relative_to(root)) for pkg in ("desk", "sync")
                    for p in (root / pkg).rglob("*.py")
                    if re.search(r"meta_setdefault\(\s*(\"receipt_key\"|META_KEY|RECEIPT_KEY)",
                                 p.read_text("utf-8")))
    assert makers == ["desk/core/store_base.py"]


def test_50_first_receipts_at_once_agree_on_one_key(tmp_path: Path) -> None:
    from desk.core.receipts.verify import receipt_key

    path = tmp_path / "desk.sqlite3"
    Store.open(path).close()
    stores = [Store.open(path) for _ in range(50)]
    start = threading.Barrier(50)
    keys: list[str] = []

    def first(store: Store) -> None:
        start.wait(timeout=60)
        keys.append(receipt_key(store) if len(keys) % 2 else store.receipt_key("登记未完成"))

    threads = [threading.Thread(target=first, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for s in stores:
        s.close()
    assert len(keys) == 50 and len(set(keys)) == 1 and len(keys[0]) == 64


def test_the_store_is_composed_not_stacked() -> None:
    """Issue 13: Store stacks no mixins; each job is a part reached as an attribute, holding
    the store's core and the parts it is given — and no part module imports the store."""
    from desk.core.store_base import Part, StoreBase

    assert Store.__mro__ == (Store, StoreBase, object)
    store = Store.memory()
    try:
        parts = {name: p for name, p in vars(store).items() if isinstance(p, Part)}
        assert set(parts) == {"sync", "search", "matters", "attachments", "residents",
                              "proactive", "clock", "calendar", "handover", "reconcile",
                              "maintenance"}
        for name, part in parts.items():
            given = {k: v for k, v in vars(part).items() if k != "_core"}
            assert part._core is store, name
            # the parts it is given, and its own private state (caches, their locks)
            assert all(isinstance(v, Part) or k.startswith("_")
                       for k, v in given.items()), (name, given)
            assert not any(v is store for v in given.values()), name
            source = (CORE / f"store_{name}.py").read_text(encoding="utf-8")
            assert not re.search(r"from desk\.core(\.store)? import (Store|store)\b", source)
        # nothing moved is left forwarding on the store
        moved = {m for p in parts.values() for m in dir(type(p)) if not m.startswith("__")}
        own = set(dir(Store)) - set(dir(StoreBase))
        assert not (moved - set(dir(Part))) & own
    finally:
        store.close()
