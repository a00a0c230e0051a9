"""What one matter save does (issue 15, the save's p99 against the bare commit): every
statement it runs, seen through SQLite's trace — one transaction; the district's
configuration's stamp read once and its body not at all once parsed; no hand-overs read for
a matter just recorded; no search piece written (the tidy after the save indexes it) — and
what it stores is unchanged (its outbox entry still says no hand-overs)."""

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
    assert sum(1 for s in seen if "FROM matter_configs" in s) == 1, seen
    assert not [s for s in seen if "body_json FROM matter_configs" in s], seen
    assert not [s for s in seen if "FROM matter_handovers" in s], seen
    assert not [s for s in seen if "search_grams" in s], seen
    assert [s.split()[0] for s in seen].count("INSERT") == 4  # seq, matter,
    # its outbox entry and audit entry
    assert not [s for s in seen if s.startswith("SELECT last FROM receipt_seq")], seen
    row = desk.store._read("SELECT payload_json FROM outbox WHERE case_uuid = ?", [m["uuid"]])
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
