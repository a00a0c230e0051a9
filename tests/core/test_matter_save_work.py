"""What one matter save does (issue 15, the save's p99 against the bare commit): every
statement it runs, seen through SQLite's trace — one transaction; the district's
configuration read once; no hand-overs read for a matter just recorded; each search piece
written once — and what it stores is unchanged (its outbox entry still says no hand-overs)."""

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
    assert not [s for s in seen if "FROM matter_handovers" in s], seen
    grams = [s for s in seen if "INTO search_grams" in s]
    assert grams and len(grams) == len(set(grams)), grams
    assert [s.split()[0] for s in seen].count("INSERT") == 4 + len(grams)  # seq, matter,
    # its outbox entry and audit entry, its search pieces
    row = desk.store._read("SELECT payload_json FROM outbox WHERE case_uuid = ?", [m["uuid"]])
    assert json.loads(row[0]["payload_json"])["handovers"] == []
