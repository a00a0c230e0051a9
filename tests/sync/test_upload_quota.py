"""Each desk's daily upload cap (issue 17): counted per desk and district day as received,
race-free however many uploads run at once, refused with the cap, the use and the reset in
words; the desk keeps its pages queued (the cases go on), waits for the next day — or a
raised cap — and then sends them without a click. A real district server on SQLite and
PostgreSQL; the district's clock is injected (``app.state.now``)."""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from sync_helpers import District, enroll
from test_attachments_sync import _case_with_pages, _photo

from sync import protocol as P
from sync.client import attachments as lane
from sync.client.desk import client_for, sync_desk
from sync.client.errors import QuotaError
from sync.client.http import DistrictClient
from sync.district import cli
from sync.district import upload_quota as Q
from sync.district.case_attachments import pages_of_case
from sync.district.config import load_settings
from sync.district.console.store import ConsoleStore

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY1 = datetime(2030, 3, 1, 22, 30, tzinfo=SHANGHAI)  # the district's clock in these tests
KB = 1024


@pytest.fixture
def make_district(db_url: str) -> Iterator[Callable[..., District]]:
    """Districts over the test's database with a given daily cap, their clock at DAY1."""
    made: list[District] = []

    def make(cap: int) -> District:
        d = District(db_url, settings=load_settings(desk_daily_upload=cap))
        d.app.state.now = lambda: DAY1
        made.append(d)
        return d

    yield make
    for d in made:
        d.stop()


def _blob(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _used(district: District, desk_id: str) -> int:
    rule = Q.DailyCap(0, SHANGHAI, district.app.state.now())
    with district.storage.read() as conn:
        return Q.used_today(conn, desk_id, rule.day)


def _put(c: DistrictClient, data: bytes, offset: int, size: int) -> P.AttachmentStatus:
    sha = hashlib.sha256(data).hexdigest()
    return c._call(P.AttachmentStatus, "PUT", f"{P.PATH_ATTACHMENTS}/{sha}",
                   params={"offset": offset, "total": len(data)},
                   data=data[offset:offset + size], compress=False)


def test_cap_reached_is_refused_in_words_and_another_desk_goes_on(
        make_district: Callable[..., District], make_desk: Any) -> None:
    district = make_district(200 * KB)
    a, b = make_desk("HY-QL01"), make_desk("HY-QL02")
    enroll(district, a)
    enroll(district, b)
    with client_for(a) as c:
        assert c.upload_attachment(_blob(150 * KB, 1)).complete
        with pytest.raises(QuotaError) as refused:
            c.upload_attachment(_blob(100 * KB, 2), chunk_size=64 * KB)
        status = c.attachment_status(hashlib.sha256(_blob(1, 0)).hexdigest())
    exc = refused.value
    assert exc.status == 429 and exc.code == P.ERR_UPLOAD_QUOTA == "upload_quota"
    assert exc.message == "本办事点今日上传已达上限 200 KB（已用 150 KB），明日 00:00 后自动继续"
    assert exc.detail["cap"] == 200 * KB and exc.detail["used"] == 150 * KB
    assert exc.detail["need"] == 64 * KB and exc.detail["day"] == "2030-03-01"
    # the district's next midnight, Beijing time (16:00 UTC the day before)
    assert exc.detail["resets_at"] == "2030-03-01T16:00:00+00:00"
    assert status.quota == P.UploadQuota(cap=200 * KB, used=150 * KB, day="2030-03-01",
                                         resets_at="2030-03-01T16:00:00+00:00")
    assert _used(district, a.store.get_meta("desk_id")) == 150 * KB  # the refusal: nothing
    # on the wire: 429 with the seconds to the district's midnight (22:30 → 1.5 h)
    blob = _blob(100 * KB, 2)
    path = f"{P.PATH_ATTACHMENTS}/{hashlib.sha256(blob).hexdigest()}?offset=0&total={len(blob)}"
    raw = requests.put(district.url + path, data=blob, timeout=30, headers=P.signed_headers(
        a.store.get_meta("desk_id"), a.store.get_meta("desk_secret"), "PUT", path, blob,
        time.time()))
    assert raw.status_code == 429 and raw.headers["Retry-After"] == "5400"
    assert raw.json()["error"] == "upload_quota"
    with client_for(b) as c:  # another desk counts its own
        assert c.upload_attachment(_blob(190 * KB, 3)).complete
    assert _used(district, b.store.get_meta("desk_id")) == 190 * KB
    district.app.state.now = lambda: DAY1 + timedelta(hours=2)  # 00:30 the next day
    with client_for(a) as c:
        assert c.upload_attachment(_blob(100 * KB, 2)).complete


def test_concurrent_uploads_of_one_desk_never_pass_the_cap(
        make_district: Callable[..., District], make_desk: Any) -> None:
    cap = 200 * KB
    district = make_district(cap)
    ctx = make_desk()
    enroll(district, ctx)
    desk_id = ctx.store.get_meta("desk_id")
    clients = [client_for(ctx) for _ in range(12)]
    blobs = [_blob(40 * KB + i, 10 + i) for i in range(12)]  # 480 KB together
    start = threading.Barrier(len(clients))
    outcome: dict[int, str] = {}

    def go(i: int) -> None:
        start.wait(timeout=60)
        try:
            clients[i].upload_attachment(blobs[i], chunk_size=8 * KB)
            outcome[i] = "done"
        except QuotaError:
            outcome[i] = "quota"

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    for c in clients:
        c.close()
    assert sorted(outcome) == list(range(12)) and "quota" in outcome.values()
    used = _used(district, desk_id)
    # what the district holds of this desk, whole files and pieces, is what it counted
    held = 0
    for i, blob in enumerate(blobs):
        sha = hashlib.sha256(blob).hexdigest()
        got = district.storage.attachments.status(desk_id, sha).received
        assert got == len(blob) if outcome[i] == "done" else got < len(blob)
        held += got
    assert used == held <= cap
    assert cap - used < 8 * KB + 12  # it filled up to the last piece that fitted


def test_a_resumed_piece_and_content_already_held_count_once(
        make_district: Callable[..., District], make_desk: Any) -> None:
    district = make_district(10 * 1024 * KB)
    a, b = make_desk("HY-QL01"), make_desk("HY-QL02")
    enroll(district, a)
    enroll(district, b)
    desk_a = a.store.get_meta("desk_id")
    data = _blob(100 * KB, 5)
    with client_for(a) as c:
        _put(c, data, 0, 30 * KB)
        _put(c, data, 0, 30 * KB)  # the answer was lost: the same piece again
        _put(c, data, 0, 10 * KB)  # (a shorter resend of what is held)
        assert _used(district, desk_a) == 30 * KB
        assert c.upload_attachment(data, chunk_size=30 * KB).complete  # resumes at 30 KB
        assert _used(district, desk_a) == 100 * KB
        assert c.upload_attachment(data).complete  # held from this desk: nothing sent
        assert _put(c, data, 0, 100 * KB).complete  # nor counted when sent anyway
        assert _used(district, desk_a) == 100 * KB
    # the same page on two cases of the desk goes up once, counted once
    page = _photo(41)
    _case_with_pages(a, [page])
    _case_with_pages(a, [page])
    summary = sync_desk(a)
    assert summary["attachments_sent"] == 2 and summary["attachments_waiting"] == 0
    assert _used(district, desk_a) == 100 * KB + page.size
    # another desk sends the whole file and pays for it: whether another desk holds a
    # file never shows in a desk's answers, its quota included (promise 7)
    with client_for(b) as c:
        assert c.upload_attachment(data).complete
    assert _used(district, b.store.get_meta("desk_id")) == 100 * KB


def test_the_desk_keeps_its_pages_queued_and_sends_them_the_next_day(
        make_district: Callable[..., District], make_desk: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from desk.ui.sync_page import summary_text

    pages = [_photo(31), _photo(32), _photo(33)]
    district = make_district(pages[0].size + pages[1].size // 2)
    ctx = make_desk()
    enroll(district, ctx)
    case, _material = _case_with_pages(ctx, pages)
    first = sync_desk(ctx)
    assert first["complete"] and first["accepted"] == 1 and first["error"] is None
    assert first["attachments_sent"] == 1 and first["attachments_waiting"] == 2
    assert first["attachments_error"] is None and first["attachments_rejected"] == []
    hold = first["attachments_quota"]
    assert hold["message"].startswith("本办事点今日上传已达上限") and "明日 00:00" in hold["message"]
    text = summary_text(first)
    assert "材料照片和扫描件：已上传 1 页；2 页等明日的上传额度，到时自动上传" in text
    assert "本办事点今日上传已达上限" in text and not text.startswith("同步未完成")
    assert [r["page"] for r in pages_of_case(district.storage, case["uuid"])] == [1]
    assert (lane.quota_wait(ctx.store) or {})["waiting"] == 2  # the sync page, status bar
    # the rest of the day: the cases go, the pages wait, nothing is sent for them
    calls: list[int] = []
    real = DistrictClient.upload_attachment

    def counted(self: DistrictClient, data: bytes, **kw: Any) -> P.AttachmentStatus:
        calls.append(1)
        return real(self, data, **kw)

    monkeypatch.setattr(DistrictClient, "upload_attachment", counted)
    case2, _m = _case_with_pages(ctx, [_photo(34)])
    second = sync_desk(ctx)
    assert second["accepted"] == 1 and second["complete"]
    assert district.storage.cases.get(case2["uuid"]) is not None
    assert calls == [] and second["attachments_waiting"] == 3
    assert second["attachments_quota"] is not None and second["attachments_error"] is None
    # the district's next day: they go by themselves (one page a day fits this cap)
    for day in (1, 2, 3):
        district.app.state.now = lambda day=day: DAY1 + timedelta(days=day)
        nxt = sync_desk(ctx)
        assert nxt["attachments_sent"] == 1 and nxt["attachments_waiting"] == 3 - day
        assert nxt["attachments_error"] is None and nxt["attachments_rejected"] == []
    assert nxt["attachments_quota"] is None and lane.quota_wait(ctx.store) is None
    assert len(pages_of_case(district.storage, case["uuid"])) == 3
    assert len(pages_of_case(district.storage, case2["uuid"])) == 1
    assert "等明日" not in summary_text(nxt)


def test_a_raised_cap_lets_the_pages_go_the_same_day(
        make_district: Callable[..., District], make_desk: Any,
        capsys: pytest.CaptureFixture[str]) -> None:
    pages = [_photo(51), _photo(52)]
    district = make_district(pages[0].size)
    ctx = make_desk()
    enroll(district, ctx)
    _case_with_pages(ctx, pages)
    assert sync_desk(ctx)["attachments_waiting"] == 1
    assert sync_desk(ctx)["attachments_quota"] is not None  # the same cap: still waiting
    db = district.db_url
    assert cli.main(["--db", db, "upload-cap", "--desk-code", "hy-ql01", "--set", "5MB"]) == 0
    assert "HY-QL01 的每日上传上限：5 MB" in capsys.readouterr().out
    assert cli.main(["--db", db, "upload-cap", "--json"]) == 0
    shown = capsys.readouterr().out
    assert '"cap": 5242880' in shown and '"own": true' in shown
    again = sync_desk(ctx)
    assert again["attachments_sent"] == 1 and again["attachments_waiting"] == 0
    assert again["attachments_quota"] is None
    entry = ConsoleStore(district.storage).audit.entries(action="desk.upload_cap")[0]
    assert entry["target"] == "HY-QL01" and entry["actor"].startswith("cli:")
    assert entry["detail"] == {"cap": 5242880, "previous": None}
    assert cli.main(["--db", db, "upload-cap", "--desk-code", "HY-QL01", "--default"]) == 0
    assert cli.main(["--db", db, "upload-cap", "--desk-code", "HY-QL09", "--set", "1GB"]) == 1
    assert cli.main(["--db", db, "upload-cap", "--desk-code", "HY-QL01", "--set", "lots"]) == 2


def test_sizes_read_and_written_for_people() -> None:
    assert [Q.size_text(n) for n in (500 * 1024 ** 2, 498 * 1024 ** 2 + 7, 1536 * 1024 ** 2,
                                     300 * KB, 12)] == [
        "500 MB", "498 MB", "1.5 GB", "300 KB", "12 字节"]
    assert [Q.parse_size(t) for t in ("800MB", "1 GB", "300k", "1000", "0")] == [
        800 * 1024 ** 2, 1024 ** 3, 300 * KB, 1000, 0]
    for bad in ("lots", "-5", "2 TB", "99999999999999999999GB"):
        with pytest.raises(ValueError):
            Q.parse_size(bad)
    assert load_settings().desk_daily_upload == 500 * 1024 ** 2


def test_a_district_that_does_not_tell_its_quota_is_waited_for_till_its_midnight(
        make_desk: Any) -> None:
    """An older district answers no ``quota``: the desk waits for the reset time the
    refusal gave, by its estimate of the district's clock, then tries again."""
    ctx = make_desk()
    _case_with_pages(ctx, [_photo(61)])
    ctx.store.sync.mark_outbox([{"id": e["id"], "result": "accepted", "reason": None,
                                 "received_at": P.utc_now()}
                           for e in ctx.store.sync.pending_outbox(10, raw=True)], "b1")
    reset = datetime(2030, 3, 1, 16, 0, tzinfo=ZoneInfo("UTC"))
    ctx.store.set_meta(lane.QUOTA_META, '{"cap": 1, "used": 1, "need": 1, "message": "x", '
                                        f'"resets_at": "{reset.isoformat()}"}}')

    class OlderDistrict:
        def __init__(self) -> None:
            self.at = reset - timedelta(minutes=1)
            self.asked: list[str] = []

        def now(self) -> float:
            return self.at.timestamp()

        def attachment_status(self, sha256: str) -> P.AttachmentStatus:
            self.asked.append(sha256)
            return P.AttachmentStatus(sha256=sha256)

    older: Any = OlderDistrict()
    hold = lane.quota_hold(ctx.store, older)
    wait = lane.quota_wait(ctx.store)
    assert hold is not None and hold["message"] == "x" and len(older.asked) == 1
    assert wait is not None and wait["waiting"] == 1
    older.at = reset
    assert lane.quota_hold(ctx.store, older) is None
    assert len(older.asked) == 1 and lane.quota_wait(ctx.store) is None
