"""Two server processes on one SQLite file (``serve --workers 2``, issue 20): they take the
writers' turn through the lock file beside the database, and nothing the sync promises
weakens — every batch committed once, a batch sent twice at the same moment answered
once and replayed once with the same results, each desk's sent count exact. A real
``doorstep-district serve`` in a subprocess; 8 desks post at once."""

from __future__ import annotations

import gzip
import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select
from sync_helpers import DistrictProcess, bulk_cases, fresh_id

from sync import protocol as P
from sync.district.replacement import desk_sent
from sync.district.storage import Storage
from sync.district.tables import batches, case_revisions, cases

DESKS, BATCHES, PER_BATCH = 8, 2, 60


def _template(tmp: Path) -> dict[str, Any]:
    """A desk's real case payload (the 高龄津贴 example), to vary per case."""
    from desk.core.app import DeskContext

    ctx = DeskContext.open(str(tmp / "tpl"))
    try:
        ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
        ctx.save_settings()
        bulk_cases(ctx, 1)
        payload: dict[str, Any] = ctx.store.sync.pending_outbox(1)[0]["payload"]
    finally:
        ctx.close()
    return payload


def _batch(template: dict[str, Any], k: int, b: int) -> list[dict[str, Any]]:
    data = json.loads(template["data_json"])
    out = []
    for j in range(PER_BATCH):
        u = str(uuid.uuid4())
        data["fields"]["applicant_id"] = fresh_id()
        p = dict(template, uuid=u, desk_code=f"HY-W{k:02d}",
                 receipt_no=f"HY-W{k:02d}-20261205-{b * PER_BATCH + j + 1:04d}",
                 data_json=json.dumps(data, ensure_ascii=False))
        out.append({"id": b * PER_BATCH + j + 1, "kind": "case", "case_uuid": u,
                    "revision": 1, "payload": p})
    return out


def test_two_processes_on_one_sqlite_file_commit_each_batch_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'district.sqlite3'}"
    template = _template(tmp_path)
    st = Storage(url)
    try:
        creds = []
        for k in range(DESKS):
            resp = st.desks.enroll(P.EnrollRequest(
                code=st.desks.create_enroll_code(f"HY-W{k:02d}", f"办事点{k}"),
                receipt_key="0" * 64))
            creds.append((resp.desk_id, resp.desk_secret))
    finally:
        st.close()
    posts = []  # (desk, batch id, gzipped body): each batch twice, at the same moment
    for k, (desk_id, _) in enumerate(creds):
        for b in range(BATCHES):
            bid = str(uuid.uuid4())
            body = gzip.compress(json.dumps(
                {"protocol": 1, "desk_id": desk_id, "batch_id": bid,
                 "records": _batch(template, k, b)}, ensure_ascii=False).encode())
            posts += [(k, bid, body), (k, bid, body)]
    server = DistrictProcess(url, workers=2)
    server.start()
    try:
        go = threading.Barrier(len(posts))

        def post(item: tuple[int, str, bytes]) -> tuple[str, int, dict[str, Any]]:
            k, bid, body = item
            desk_id, secret = creds[k]
            h = P.signed_headers(desk_id, secret, "POST", P.PATH_BATCHES, body, time.time())
            h.update({"Content-Encoding": "gzip", "Content-Type": "application/json"})
            go.wait(timeout=60)
            with requests.post(server.url + P.PATH_BATCHES, data=body, headers=h,
                               timeout=120) as r:
                return bid, r.status_code, r.json()

        with ThreadPoolExecutor(max_workers=len(posts)) as pool:
            answers = list(pool.map(post, posts))
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
