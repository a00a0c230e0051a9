"""What one matter save does (issue 15, the save's p99 against the bare commit): every
statement it runs, seen through SQLite's trace — one transaction; neither the district's
configuration nor the holiday arrangements read once parsed (``PRAGMA data_version`` says
whether another process wrote since; this store's own writes say so themselves), and still
seen at the next save when one arrives, from a pull or another process; no hand-overs read for
a matter just recorded; no search piece written (the tidy after the save indexes it) — and
what it stores is unchanged (its outbox entry, made just after the save by
``queue_waiting``, still says no hand-overs)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from desk.core.matters import MatterService

LEAK = {"category": "投诉", "subcategory": "漏水", "urgency": "一般",
        "description": "楼上卫生间漏水", "resident": {"name": "王建国", "phone": "13812345678"},
        "place": {"compound": "汉阳花园", "building": "3"}, "answer_by": "phone"}


def test_a_save_runs_each_statement_it_needs_once(desk: Any) -> None:
    svc = MatterService(desk.store)
    svc.record(LEAK, desk.actor())  # the first: caches warmed
    seen: list[str] = []
    desk.store._conn.set_trace_callback(seen.append)
    try:
        m = svc.record(LEAK, desk.actor())
    finally:
        desk.store._conn.set_trace_callback(None)
    kinds = Counter(" ".join(s.split()[:4]) for s in seen)
    assert kinds["BEGIN IMMEDIATE"] == 1 and kinds["COMMIT"] == 1, seen
    assert not [s for s in seen if "FROM matter_configs" in s or "FROM calendars" in s], seen
    assert kinds["PRAGMA data_version"] <= 2, seen
    assert not [s for s in seen if "FROM matter_handovers" in s], seen
    assert not [s for s in seen if "search_grams" in s], seen
    assert [s.split()[0] for s in seen].count("INSERT") == 3  # seq, matter, audit entry:
    # its outbox entry is made just after the save (test_matter_queue)
    assert not [s for s in seen if "outbox" in s], seen
    assert not [s for s in seen if s.startswith("SELECT last FROM receipt_seq")], seen
    assert desk.store.matters.queue_waiting() == 2
    row = desk.store._read("SELECT payload_json FROM outbox JOIN outbox_payloads USING (id) "
                           "WHERE case_uuid = ?", [m["uuid"]])
    assert json.loads(row[0]["payload_json"])["handovers"] == []


def test_a_pulled_configuration_is_parsed_once_not_at_every_save(desk: Any) -> None:
    """A desk that pulled the district's categories read and parsed every version at each
    save; now once per version arrived (another process's pull changes the stamp too)."""
    from forms.matters import default_config

    body = dict(default_config().body, version="d-2")
    with desk.store.transaction() as c:
        desk.store.matters._store_matter_config(c, 1, body)
    svc = MatterService(desk.store)
    assert svc.config.version == "d-2"
    seen: list[str] = []
    desk.store._conn.set_trace_callback(seen.append)
    try:
        svc.record(LEAK, desk.actor())
    finally:
        desk.store._conn.set_trace_callback(None)
    assert not [s for s in seen if "body_json FROM matter_configs" in s], seen
    with desk.store.transaction() as c:  # a newer version pulled: read at the next save
        desk.store.matters._store_matter_config(c, 2, dict(body, version="d-3"))
    assert svc.config.version == "d-3"


def test_what_another_process_writes_is_seen_at_the_next_save(desk: Any) -> None:
    """The caches ask SQLite whether another connection committed: a configuration or an
    arrangement written by another process (a pull from the command line) is in force at
    the window's next save, and a calendar file dropped in the folder too."""
    from desk.core.dbapi import connect
    from forms.matters import default_config

    svc = MatterService(desk.store)
    svc.record(LEAK, desk.actor())  # both cached
    cal_before = desk.store.calendar.work_calendar()
    other = connect(desk.store.path, None, isolation_level=None)
    try:
        other.execute("INSERT INTO matter_configs(seq, version, body_json, received_at) "
                      "VALUES (7, 'd-9', ?, '2026-12-04T08:00:00+08:00')",
                      [json.dumps(dict(default_config().body, version="d-9"))])
    finally:
        other.close()
    assert svc.record(LEAK, desk.actor())["config_version"] == "d-9"
    assert desk.store.calendar.work_calendar() is cal_before  # nothing about it changed
    folder = desk.store.calendar.calendar_dir
    folder.mkdir(exist_ok=True)
    (folder / "2031.json").write_text(json.dumps({
        "year": 2031, "source": "本机文件", "holidays": [["2031-01-01", "元旦"]],
        "workdays": []}, ensure_ascii=False), encoding="utf-8")
    assert desk.store.calendar.work_calendar() is not cal_before
