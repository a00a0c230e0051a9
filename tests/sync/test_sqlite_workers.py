"""Two server processes on one SQLite file (``serve --workers 2``, issue 20): they take the
writers' turn through the lock file beside the database, and nothing the sync promises
weakens — every batch committed once, a batch sent twice at the same moment answered
once and replayed once with the same results, each desk's sent count exact. A real
``doorstep-district serve`` in a subprocess; 8 desks post at once."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from burst_helpers import batch_body, batch_records, case_template, enroll_desks, post_at_once
from sqlalchemy import func, select
from sync_helpers import DistrictProcess

from sync.district.replacement import desk_sent
from sync.district.storage import Storage
from sync.district.tables import batches, case_revisions, cases

DESKS, BATCHES, PER_BATCH = 8, 2, 60


def test_two_processes_on_one_sqlite_file_commit_each_batch_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'district.sqlite3'}"
    template = case_template(tmp_path)
    creds = enroll_desks(url, DESKS)
    bids, posts = [], []  # each batch twice, at the same moment
    for k, (desk_id, _) in enumerate(creds):
        for b in range(BATCHES):
            bid = str(uuid.uuid4())
            body = batch_body(desk_id, bid, batch_records(template, k, b, PER_BATCH))
            bids += [bid, bid]
            posts += [(k, body), (k, body)]
    server = DistrictProcess(url, workers=2)
    server.start()
    try:
        answers = [(bid, code, answer) for bid, (code, answer)
                   in zip(bids, post_at_once(server.url, creds, posts), strict=True)]
    finally:
        server.stop()
    assert all(code == 200 for _, code, _ in answers), [a for a in answers if a[1] != 200]
    by_batch: dict[str, list[dict[str, Any]]] = {}
    for bid, _, answer in answers:
        by_batch.setdefault(bid, []).append(answer)
    for bid, pair in by_batch.items():
        # committed once: one answer is the commit's, the other its replay, same results
        assert sorted(a["replayed"] for a in pair) == [False, True], bid
        assert pair[0]["results"] == pair[1]["results"]
        assert [r["result"] for r in pair[0]["results"]] == ["accepted"] * PER_BATCH
    st = Storage(url)
    try:
        with st.read() as conn:
            def count(table: Any) -> int:
                return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

            total = DESKS * BATCHES * PER_BATCH
            assert (count(cases), count(case_revisions)) == (total, total)
            assert count(batches) == DESKS * BATCHES
            sent = {d: n for d, n in conn.execute(select(desk_sent.c.desk_id,
                                                         desk_sent.c.cases))}
        assert sent == {d: BATCHES * PER_BATCH for d, _ in creds}
    finally:
        st.close()
