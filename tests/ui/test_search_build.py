"""The window fills a migrated store's search index in the background (issue 14 item 15):
one batch per task, other work between the batches, searches right throughout."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from answers import Answers

from desk.core import store_search
from desk.core.app import DeskContext
from desk.core.demo import make_demo_cases


def test_the_window_builds_the_search_index_between_other_work(
        qtbot: Any, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from desk.ui import style
    from desk.ui.main import make_app
    from desk.ui.window import MainWindow

    ctx = DeskContext.open(str(data_dir))
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.save_settings()
    make_demo_cases(ctx, 60, seed=14)
    name = ctx.store.search.list_cases(limit=60)[-1]["applicant_name"]  # the oldest: built last
    with ctx.store.transaction() as c:  # as a store from before the index was
        c.execute("DROP TABLE search_grams")
        c.execute("DELETE FROM _sqlite_migrations WHERE name = 'm016_search_grams'")
    ctx.close()
    monkeypatch.setattr(store_search, "SYNC_BUILD_ROWS", 10)
    monkeypatch.setattr(store_search, "BUILD_BATCH", 4)  # 15 batches
    ctx = DeskContext.open(str(data_dir))
    store = ctx.store
    assert not store.search.search_grams_ready()
    expected = store.search.count_cases(search=name)  # the scan
    assert expected >= 1
    batches: list[int | None] = []
    build, go = store.search.build_search_grams, threading.Event()

    def counted(batch: int | None = None) -> bool:
        batches.append(batch)
        if len(batches) == 2:  # hold the second batch until a search has been queued
            assert go.wait(timeout=60)
        return build(batch)

    monkeypatch.setattr(store.search, "build_search_grams", counted)

    app = make_app()
    style.apply(app, False, False)
    win = MainWindow(ctx, dialogs=Answers())
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: len(batches) == 2, timeout=60_000)
        # a search asked for during the build runs between two batches, and is right
        found: list[tuple[int, bool]] = []
        win.tasks.run(lambda: (store.search.count_cases(search=name), store.search.search_grams_ready()),
                      on_done=found.append)
        go.set()
        qtbot.waitUntil(lambda: bool(found), timeout=60_000)
        assert found == [(expected, False)]  # the scan's answer, before the build ended
        qtbot.waitUntil(store.search.search_grams_ready, timeout=120_000)
        qtbot.waitUntil(lambda: not win.tasks.busy, timeout=60_000)
        assert len(batches) == 15
        assert store.search.count_cases(search=name) == expected
        assert "search_grams" in store.search._name_clause(name)[0]
    finally:
        win.tasks.shutdown()
        ctx.close()


def test_the_window_moves_new_matters_search_pieces_at_start(
        qtbot: Any, data_dir: Path) -> None:
    """Issue 15: a matter saved without its search pieces (above the mark) is indexed on
    the background lane when the window starts; the matter is found before and after."""
    from desk.core.matters import MatterService
    from desk.ui import style
    from desk.ui.main import make_app
    from desk.ui.window import MainWindow

    ctx = DeskContext.open(str(data_dir))
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.save_settings()
    m = MatterService(ctx.store).record(
        {"category": "投诉", "subcategory": "漏水", "urgency": "一般",
         "description": "欧阳娜娜反映楼上漏水", "resident": {"name": "欧阳娜娜",
                                                     "phone": "15912345678"},
         "answer_by": "phone", "place": {"compound": "汉阳花园", "building": "3",
                                         "unit": "2", "room": "301"}}, ctx.actor())
    store = ctx.store

    def recent() -> int:  # matters waiting to be indexed
        with store.reading() as c:
            return store_search._tail_length(c)

    assert recent() > 0
    assert [x["uuid"] for x in store.matters.list_matters(search="欧阳娜娜")] == [m["uuid"]]
    app = make_app()
    style.apply(app, False, False)
    win = MainWindow(ctx, dialogs=Answers())
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: recent() == 0, timeout=60_000)
        assert int(store._read("SELECT count(*) AS n FROM search_grams WHERE rid = "
                               "(SELECT id FROM matters WHERE uuid = ?) AND kind = 1",
                               [m["uuid"]])[0]["n"]) > 10
        assert [x["uuid"] for x in store.matters.list_matters(search="欧阳娜娜")] == [m["uuid"]]
    finally:
        win.tasks.shutdown()
        ctx.close()
