"""Desks posting their batches at the same moment to a real server process (issue 20): what
``test_sqlite_workers.py`` and ``test_fair_serving.py`` share."""

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
from sync_helpers import bulk_cases, fresh_id

from sync import protocol as P
from sync.district.storage import Storage


def case_template(tmp: Path) -> dict[str, Any]:
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


def batch_records(template: dict[str, Any], k: int, b: int, n: int) -> list[dict[str, Any]]:
    """Batch ``b`` of desk ``k`` (desk code ``HY-Wkk``): ``n`` new cases, each of its own
    resident, receipt numbers in sequence."""
    data = json.loads(template["data_json"])
    out = []
    for j in range(n):
        u = str(uuid.uuid4())
        data["fields"]["applicant_id"] = fresh_id()
        p = dict(template, uuid=u, desk_code=f"HY-W{k:02d}",
                 receipt_no=f"HY-W{k:02d}-20261205-{b * n + j + 1:04d}",
                 data_json=json.dumps(data, ensure_ascii=False))
        out.append({"id": b * n + j + 1, "kind": "case", "case_uuid": u,
                    "revision": 1, "payload": p})
    return out


def enroll_desks(url: str, n: int) -> list[tuple[str, str]]:
    """``n`` desks ``HY-W00``… enrolled in the district at ``url``: (desk id, secret)."""
    st = Storage(url)
    try:
        creds = []
        for k in range(n):
            resp = st.desks.enroll(P.EnrollRequest(
                code=st.desks.create_enroll_code(f"HY-W{k:02d}", f"办事点{k}"),
                receipt_key="0" * 64))
            creds.append((resp.desk_id, resp.desk_secret))
        return creds
    finally:
        st.close()


def batch_body(desk_id: str, batch_id: str, records: list[dict[str, Any]]) -> bytes:
    """A batch request's body as a desk sends it (gzip)."""
    return gzip.compress(json.dumps({"protocol": 1, "desk_id": desk_id, "batch_id": batch_id,
                                     "records": records}, ensure_ascii=False).encode())


def post_at_once(server_url: str, creds: list[tuple[str, str]],
                 posts: list[tuple[int, bytes]]) -> list[tuple[int, dict[str, Any]]]:
    """Each ``(desk index, body)`` posted, signed, from a thread of its own, all released at
    the same moment; (status, answer) of each, in order."""
    go = threading.Barrier(len(posts))

    def post(item: tuple[int, bytes]) -> tuple[int, dict[str, Any]]:
        k, body = item
        desk_id, secret = creds[k]
        h = P.signed_headers(desk_id, secret, "POST", P.PATH_BATCHES, body, time.time())
        h.update({"Content-Encoding": "gzip", "Content-Type": "application/json"})
        go.wait(timeout=60)
        with requests.post(server_url + P.PATH_BATCHES, data=body, headers=h,
                           timeout=120) as r:
            return r.status_code, r.json()

    with ThreadPoolExecutor(max_workers=len(posts)) as pool:
        return list(pool.map(post, posts))
