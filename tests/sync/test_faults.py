"""Faults between desk and district. Each test moves a number of cases through the fault
and proves none was lost or doubled: the district holds exactly the desk's case UUIDs, one
revision each, and the desk's outbox is empty with every case synced."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests
from sync_helpers import District, DistrictProcess, FaultProxy, bulk_cases, enroll, wait_until

from sync.client.desk import client_for, sync_desk
from sync.district.storage import Storage


def _fast_client(ctx: Any, server: str, **kw: Any) -> Any:
    # one request per connection, so the proxy's policy applies per request; no real sleeps
    session = requests.Session()
    session.headers["Connection"] = "close"
    kw.setdefault("sleep", lambda _s: None)
    return client_for(ctx, server, session=session, **kw), session


def _assert_exactly_once(storage: Storage, ctx: Any, uuids: list[str]) -> None:
    assert storage.cases.uuids() == sorted(uuids)
    stats = storage.stats()
    assert stats["cases"] == stats["revisions"] == len(uuids)
    assert ctx.store.sync.outbox_counts() == {"sent": len(uuids)}
    assert ctx.store.search.count_cases(sync_state="synced") == len(uuids)


@pytest.mark.parametrize("fault", ["drop", "reset"])
def test_broken_answers_are_resent_safely(district: District, make_desk: Any,
                                          fault: str) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    uuids = bulk_cases(ctx, 300)
    proxy = FaultProxy(district.port, lambda n: fault if n % 2 == 0 and n < 20 else None)
    try:
        client, session = _fast_client(ctx, proxy.url)
        with session, client:
            summary = sync_desk(ctx, client=client, batch_size=50)
    finally:
        proxy.close()
    assert summary["complete"], summary
    assert proxy.faults[fault] >= 6  # every batch's first answer was lost
    assert summary["accepted"] == 300 and summary["batches"] == 6  # replays: stored answers
    _assert_exactly_once(district.storage, ctx, uuids)


def test_slow_link(district: District, make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    uuids = bulk_cases(ctx, 120)
    proxy = FaultProxy(district.port, lambda n: None, latency=0.05)
    try:
        summary = sync_desk(ctx, server=proxy.url, batch_size=40)
    finally:
        proxy.close()
    assert summary["complete"] and summary["accepted"] == 120
    _assert_exactly_once(district.storage, ctx, uuids)


@pytest.mark.slow
def test_server_killed_mid_batch_and_restarted(db_url: str, make_desk: Any) -> None:
    server = DistrictProcess(db_url)
    server.start()
    observer = Storage(db_url)
    try:
        ctx = make_desk()
        code = observer.desks.create_enroll_code("HY-QL01", "七里一村")
        from sync.client.desk import enroll_desk

        enroll_desk(ctx, server.url, code)
        uuids = bulk_cases(ctx, 3000)
        outcome: dict[str, Any] = {}

        def push() -> None:
            client, session = _fast_client(ctx, server.url, retries=0)
            with session, client:
                outcome.update(sync_desk(ctx, client=client, batch_size=500))

        t = threading.Thread(target=push)
        t.start()
        wait_until(lambda: observer.stats()["batches"] >= 1, t.join,
                   what="the first batch to commit")
        server.kill()
        t.join(timeout=120)
        assert not t.is_alive()
        assert outcome["complete"] is False and outcome["error"]["kind"] == "network"
        held = observer.stats()["cases"]
        assert 0 < held < 3000 and held % 500 == 0  # whole batches only: atomic commits
        server.start()
        summary = sync_desk(ctx, server=server.url, batch_size=500)
        assert summary["complete"], summary
        _assert_exactly_once(observer, ctx, uuids)
    finally:
        server.stop()
        observer.close()


def test_a_batch_whose_answer_was_lost_goes_again_under_its_id(district: District,
                                                                make_desk: Any) -> None:
    """The in-flight note: a batch the district committed whose answer never came back
    (the desk stopped there) is the first thing the next round sends, under the same batch
    id, and gets the stored answer — the note is committed before a batch is sent."""
    import gzip
    import json

    from sync.client.errors import NetworkError

    ctx = make_desk()
    enroll(district, ctx)
    uuids = bulk_cases(ctx, 200)
    outbox = sorted(e["id"] for e in ctx.store.sync.pending_outbox(1000))
    sent: list[tuple[int, str]] = []  # (the batch's place in the outbox, its id) as sent

    def recording(lose: int | None) -> Any:
        client = client_for(ctx, district.url)
        real = client.push_body

        def push(body: tuple[bytes, dict[str, str]]) -> Any:
            doc = json.loads(gzip.decompress(body[0]))
            # two batches are in flight at once: a batch is known by its first entry
            place = outbox.index(doc["records"][0]["id"]) // 50 + 1
            sent.append((place, doc["batch_id"]))
            resp = real(body)
            if place == lose:
                raise NetworkError("answer lost")
            return resp

        client.push_body = push  # type: ignore[method-assign]
        return client

    with recording(lose=2) as client:
        first = sync_desk(ctx, client=client, batch_size=50)
    assert first["error"]["kind"] == "network" and first["batches"] == 1
    # the district committed the second, and the third: sent once the first's answer came,
    # while the second was still in flight
    ids = dict(sent)
    assert sorted(ids) == [1, 2, 3] and district.storage.stats()["batches"] == 3
    noted = json.loads(ctx.store.get_meta("sync_inflight") or "[]")
    assert [b["batch_id"] for b in noted[:2]] == [ids[2], ids[3]]
    with recording(lose=None) as client:
        again = sync_desk(ctx, client=client, batch_size=50)
    assert again["complete"], again
    # the same ids again, first (the district's stored answers), then the fourth
    assert {b for _, b in sent[3:5]} == {ids[2], ids[3]} and [p for p, _ in sent[5:]] == [4]
    assert district.storage.stats()["batches"] == 4
    assert again["accepted"] == 150 and again["duplicates"] == 0
    assert not ctx.store.get_meta("sync_inflight")
    _assert_exactly_once(district.storage, ctx, uuids)
