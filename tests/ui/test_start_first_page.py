"""Issue 13 (start-up regressions): the cases list's first page does not queue behind the
store's corruption check. The check reads every page (~1 s plain, ~5 s encrypted at
100,000 cases); run on the ``db`` lane it held the first page (0.046 → 0.42 s on the
start-up bench, once 17 s). It runs on a lane of its own now, the store holding writes —
a save, and the start's own writes — until it has answered."""

from __future__ import annotations

import threading
from typing import Any

from answers import Answers

from desk.core.demo import make_demo_cases


def test_the_first_page_of_cases_does_not_wait_for_the_corruption_check(
        qtbot: Any, desk: Any) -> None:
    from desk.ui import style
    from desk.ui.main import make_app
    from desk.ui.window import MainWindow

    make_demo_cases(desk, 5, seed=13)
    store = desk.store
    checking, answer = threading.Event(), threading.Event()
    real_check = store.quick_check

    def slow_check() -> str:  # a large store's scan: answers when the test says so
        checking.set()
        assert answer.wait(60)
        return real_check()

    store.quick_check = slow_check
    written: list[str] = []
    real_move = store.search.move_recent_grams
    store.search.move_recent_grams = lambda: (written.append("moved"), real_move())[1]
    app = make_app()
    style.apply(app, False, False)
    win = MainWindow(desk, dialogs=Answers())
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(checking.is_set, timeout=30_000)  # the check has begun
        win.go_cases()
        page = win.cases_page
        qtbot.waitUntil(lambda: page.model.rowCount() == 5, timeout=30_000)
        assert written == []  # the start's writes wait for the check's answer …
        answer.set()
        qtbot.waitUntil(lambda: written == ["moved"], timeout=30_000)  # … then go
        qtbot.waitUntil(lambda: not win.tasks.busy, timeout=30_000)
        assert not win.store_broken
    finally:
        answer.set()
        win.tasks.shutdown()
