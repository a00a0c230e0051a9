"""The window's blocking notice while the clock is in doubt (issue 24)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from answers import Answers

from desk.core import clock


def _at(day: str, hour: int = 10) -> datetime:
    d = date.fromisoformat(day)
    return datetime(d.year, d.month, d.day, hour - 8, tzinfo=UTC)


@pytest.fixture
def behind(qtbot: Any, desk: Any) -> Iterator[Any]:
    """The window of a desk that synced on 2026-12-02 and whose clock now reads 2024-03-01."""
    from desk.ui import style
    from desk.ui.main import make_app
    from desk.ui.window import MainWindow

    desk.store.clock.record_district_time("2026-12-02T02:00:00+00:00")
    with clock.use(_at("2024-03-01")):
        app = make_app()
        style.apply(app, False, False)
        w = MainWindow(desk, dialogs=Answers())
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        qtbot.waitUntil(lambda: not w.tasks.busy)
        yield w
        w.tasks.shutdown()


def test_blocking_notice_until_the_date_is_confirmed(qtbot: Any, behind: Any, desk: Any) -> None:
    w = behind
    notice = w.clock_notice
    qtbot.waitUntil(lambda: notice.blocking)
    assert "本机日期可能不正确：上次与区级同步是 2026-12-02" in notice.message.text()
    assert not w.centralWidget().isEnabled()  # nothing can be started underneath
    assert notice.geometry() == w.rect()
    # the date offered is never before the district's last time
    assert notice.date_edit.date().toString("yyyy-MM-dd") == "2026-12-02"
    assert notice.date_edit.minimumDate().toString("yyyy-MM-dd") == "2026-12-02"
    notice.date_edit.setDate(notice.date_edit.date().addDays(2))
    qtbot.mouseClick(notice.confirm_button, qtbot_left())
    assert not notice.blocking
    assert w.centralWidget().isEnabled()
    # audited with the worker's name; the desk works under the confirmed date
    row = desk.store._read("SELECT actor, detail_json FROM audit WHERE action = 'clock.confirm'")
    assert row[0]["actor"] == "刘晓燕"
    assert json.loads(row[0]["detail_json"])["day"] == "2026-12-04"
    assert desk.desk_day() == date(2026, 12, 4)
    # rechecking on the same clock day keeps it settled
    notice.check()
    assert not notice.blocking


def test_corrected_clock_lifts_the_notice(qtbot: Any, behind: Any) -> None:
    notice = behind.clock_notice
    qtbot.waitUntil(lambda: notice.blocking)
    with clock.use(_at("2026-12-04")):
        qtbot.mouseClick(notice.recheck_button, qtbot_left())
        assert not notice.blocking
        assert behind.centralWidget().isEnabled()


def qtbot_left() -> Any:
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
