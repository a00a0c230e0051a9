"""Two batches in flight (issue 20, ``sync.client.desk.push_outbox``): the desk sends its
next batch while the district still works on the one before, so the district has it at
hand — unless the next batch has a record about a case a batch in flight is about (a
rating of a case still on its way, a case's next revision): that one waits for the answer,
or the district could decide it first and refuse the rating of a case it does not hold
yet. The district's ingest is held here on an event, never on a clock."""

from __future__ import annotations

import threading
from typing import Any

from sync_helpers import District, bulk_cases, enroll, new_case

from sync.client.desk import sync_desk

HOLD = 30.0  # at most this long for the other batch to arrive (it comes in milliseconds)
QUIET = 2.0  # how long a batch is held to show that no other arrives meanwhile


class _Held:
    """Wraps the district's ingest (the pushed body's way in, before its door): the first
    batch waits there until a second batch reaches the ingest (at most ``wait`` seconds),
    so a second batch in flight is seen; ``most``: the most batches at the ingest at
    once."""

    def __init__(self, district: District, wait: float) -> None:
        self.ingest = district.storage.ingest
        self.real = self.ingest.batch_body
        self.wait = wait
        self.second = threading.Event()
        self.lock = threading.Lock()
        self.calls = 0
        self.inside = self.most = 0
        self.order: list[list[str]] = []  # each batch's kinds, in the order they committed
        self.ingest.batch_body = self  # type: ignore[method-assign]

    def __call__(self, desk_id: str, parse: Any, nonce: Any = None) -> Any:
        with self.lock:
            self.calls += 1
            first = self.calls == 1
            self.inside += 1
            self.most = max(self.most, self.inside)
            if not first:
                self.second.set()
        try:
            if first:
                self.second.wait(self.wait)
            seen: list[Any] = []

            def parsed() -> Any:
                got = parse()
                seen[:] = got[1]
                return got

            out = self.real(desk_id, parsed, nonce)
            with self.lock:
                self.order.append([r["kind"] for r in seen])
            return out
        finally:
            with self.lock:
                self.inside -= 1

    def close(self) -> None:
        self.ingest.batch_body = self.real  # type: ignore[method-assign]


def test_the_next_batch_is_sent_before_the_answer(district: District, make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    uuids = bulk_cases(ctx, 60)
    held = _Held(district, HOLD)
    try:
        summary = sync_desk(ctx, batch_size=20)
    finally:
        held.close()
    assert summary["complete"], summary
    # the first batch was held until the second reached the district: two were in flight
    # (a desk that waited for each answer would have left the first held for HOLD seconds)
    assert held.most == 2
    assert summary["batches"] == 3 and summary["accepted"] == 60
    assert district.storage.cases.uuids() == sorted(uuids)
    assert ctx.store.sync.outbox_counts() == {"sent": 60}


def test_a_rating_waits_for_its_case(district: District, make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    case = new_case(ctx, "MZ-GLJT")
    ctx.cases.rate(case["uuid"], 5, "很方便")  # its own outbox entry, the next batch
    held = _Held(district, QUIET)  # no second batch may come while the case is held
    try:
        summary = sync_desk(ctx, batch_size=1)
    finally:
        held.close()
    assert summary["complete"], summary
    assert held.most == 1  # the rating's batch came only after the case's answer
    assert held.order == [["case"], ["rating"]]
    assert (summary["accepted"], summary["rejected"]) == (2, 0)
    assert district.storage.stats()["ratings"] == 1


class _Door:
    """Stands in for the ingest's door (its permits all taken by the test): ``reached`` is
    set when a batch comes to it; ``open()`` lets it through."""

    def __init__(self, real: threading.BoundedSemaphore) -> None:
        self.real, self.reached = real, threading.Event()
        self.held = 0
        while real.acquire(blocking=False):
            self.held += 1

    def __enter__(self) -> None:
        self.reached.set()
        self.real.acquire()

    def __exit__(self, *exc: object) -> None:
        self.real.release()

    def open(self) -> None:
        for _ in range(self.held):
            self.real.release()


def test_a_waiting_batch_is_decoded_only_through_the_door(
        district: District, make_desk: Any, monkeypatch: Any) -> None:
    """A batch waiting at the ingest's door holds its body's bytes, not its decoded records
    (50 desks at once: 49 bodies decoded ahead, and their decoding sharing the GIL with the
    batch being written): the body is decoded once the batch is through."""
    import sync.district.sync_api as api

    ctx = make_desk()
    enroll(district, ctx)
    bulk_cases(ctx, 5)
    decoded: list[bool] = []
    real_parse = api.parse_batch
    monkeypatch.setattr(api, "parse_batch", lambda body: (decoded.append(True),
                                                          real_parse(body))[1])
    ingest = district.storage.ingest
    door = _Door(ingest._door)
    monkeypatch.setattr(ingest, "_door", door)
    out: list[dict[str, Any]] = []
    pusher = threading.Thread(target=lambda: out.append(sync_desk(ctx, batch_size=5)))
    pusher.start()
    try:
        assert door.reached.wait(HOLD), "the batch never came to the door"
        assert decoded == []  # waiting at the door, its body not yet decoded
    finally:
        door.open()
        pusher.join(HOLD)
    assert out and out[0]["complete"] and out[0]["accepted"] == 5, out
    assert decoded == [True]


def test_the_first_batch_leaves_before_the_next_are_read(
        district: District, make_desk: Any, monkeypatch: Any) -> None:
    """The desk sends its first batch as soon as it is read (and noted), and reads the
    next while the district works on it — not all three first (the start of every sync)."""
    import sync.client.desk as desk

    ctx = make_desk()
    enroll(district, ctx)
    bulk_cases(ctx, 30)
    events: list[str] = []
    arrived = threading.Event()
    real_next = desk._next_batch

    def next_batch(*args: Any, **kw: Any) -> Any:
        if events:  # every read after the first waits (a while) for the first batch
            arrived.wait(QUIET)
        events.append("read")
        return real_next(*args, **kw)

    monkeypatch.setattr(desk, "_next_batch", next_batch)
    ingest = district.storage.ingest
    real_body = ingest.batch_body

    def body(*args: Any, **kw: Any) -> Any:
        if not arrived.is_set():
            events.append("arrived")
            arrived.set()
        return real_body(*args, **kw)

    monkeypatch.setattr(ingest, "batch_body", body)
    summary = sync_desk(ctx, batch_size=10)
    assert summary["complete"] and summary["accepted"] == 30, summary
    assert events[:3] == ["read", "arrived", "read"], events


def test_a_matter_is_about_the_case_it_came_from() -> None:
    """办不成事: a matter made from a case waits for a batch in flight with that case."""
    import json

    from sync.client.desk import _Batch

    rec = {"id": 7, "kind": "matter", "case_uuid": "m-1", "revision": 1,
           "payload_json": json.dumps({"uuid": "m-1", "from_case": "c-1"})}
    case = {"id": 6, "kind": "case", "case_uuid": "c-1", "revision": 2, "payload_json": "{}"}
    assert _Batch("b2", [rec]).about == {"m-1", "c-1"}
    assert _Batch("b1", [case]).about & _Batch("b2", [rec]).about
    assert not _Batch("b3", [dict(rec, payload_json="{}")]).about & _Batch("b1", [case]).about
