"""Photos and scans go to the district after their case (issue 17): their own lane, in
pieces, resumed after a dropped connection, each page held and linked exactly once, a
desk linking only its own cases' pages."""

from __future__ import annotations

import io
import random
import threading
import uuid
from typing import Any

import pytest
import requests
from sync_helpers import District, FaultProxy, enroll, new_case

from desk.core.attachments import Page, normalise
from sync import protocol as P
from sync.client.attachments import upload_attachments
from sync.client.desk import client_for, sync_desk
from sync.district.case_attachments import link_attachments, pages_of_case


def _photo(seed: int, w: int = 1800, h: int = 1400) -> Page:
    from PIL import Image

    rnd = random.Random(seed)
    img = Image.frombytes("RGB", (w // 4, h // 4), rnd.randbytes(w // 4 * h // 4 * 3))
    buf = io.BytesIO()
    img.resize((w, h)).save(buf, "JPEG", quality=90)
    return normalise(buf.getvalue(), f"p{seed}.jpg")


def _pdf() -> Page:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(100, 700, "户口簿")
    c.showPage()
    c.save()
    return normalise(buf.getvalue(), "scan.pdf")


def _case_with_pages(ctx: Any, pages: list[Page]) -> tuple[dict[str, Any], str]:
    case = new_case(ctx)
    material = ctx.catalog.get("MZ-GLJT").materials[0].name
    ctx.store.attachments.add_attachments(case["uuid"], material, pages, "刘晓燕")
    return case, material


def test_pages_follow_their_case_exactly_once(district: District, make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    pages = [_photo(1), _pdf()]
    case, material = _case_with_pages(ctx, pages)
    # not offered before the district holds the case
    assert ctx.store.attachments.attachments_waiting() == []
    summary = sync_desk(ctx)
    assert summary["complete"] and summary["accepted"] == 1, summary
    assert summary["attachments_sent"] == 2 and summary["attachments_waiting"] == 0
    assert summary["attachments_error"] is None and summary["attachments_rejected"] == []
    held = pages_of_case(district.storage, case["uuid"])
    assert [(r["material"], r["page"], r["mime"], r["sha256"]) for r in held] == [
        (material, 1, "image/jpeg", pages[0].sha256),
        (material, 2, "application/pdf", pages[1].sha256)]
    assert [district.storage.attachments.get(p.sha256) for p in pages] == [p.data for p in pages]
    # a second round sends nothing; resending the links is a duplicate, never a second row
    again = sync_desk(ctx)
    assert again["attachments_sent"] == 0 and again["attachments_bytes"] == 0
    # offered again (as after a district restore that kept the files): linked again, and
    # no byte counted as sent for pages the district already held
    ctx.store.attachments.offer_again()
    offered = sync_desk(ctx)
    assert offered["attachments_sent"] == 2 and offered["attachments_bytes"] == 0, offered
    rows = ctx.store.attachments.attachments_of(case["uuid"])
    assert all(r["linked_at"] for r in rows)
    with client_for(ctx) as c:
        resp = c.link_attachments(P.AttachmentLinksRequest(links=[P.AttachmentLink(
            **{k: r[k] for k in ("attachment_id", "case_uuid", "material", "page", "mime",
                                 "size", "sha256", "pages", "created_at")}) for r in rows]))
        assert [x.result for x in resp.results] == ["duplicate", "duplicate"]
        other = dict(rows[0], page=7)  # the same id for another page: a conflict
        resp = c.link_attachments(P.AttachmentLinksRequest(links=[P.AttachmentLink(
            **{k: other[k] for k in ("attachment_id", "case_uuid", "material", "page",
                                     "mime", "size", "sha256", "pages", "created_at")})]))
        assert resp.results[0].result == "conflict"
    assert len(pages_of_case(district.storage, case["uuid"])) == 2


def test_a_dropped_connection_resumes_the_upload(district: District, make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    page = _photo(2, 2400, 1800)
    assert page.size > 100_000
    case, _material = _case_with_pages(ctx, [page])
    assert sync_desk(ctx)["complete"]  # (the pages went too; start again with a new one)
    page2 = _photo(3, 2400, 1800)
    ctx.store.attachments.add_attachments(case["uuid"], "另一材料", [page2], "刘晓燕")
    # every 4th connection is dropped after the district committed its piece
    proxy = FaultProxy(district.port, lambda n: "drop" if n % 4 == 3 else None)
    session = requests.Session()
    session.headers["Connection"] = "close"  # one request per connection
    rounds = []
    try:
        with session, client_for(ctx, proxy.url, session=session,
                                 sleep=lambda _s: None) as c:
            for _ in range(20):
                s: dict[str, Any] = {}
                upload_attachments(ctx.store, c, s, chunk_size=16 * 1024)
                rounds.append(s)
                if s["attachments_waiting"] == 0:
                    break
    finally:
        proxy.close()
    assert proxy.faults["drop"] >= 1
    assert rounds[-1]["attachments_waiting"] == 0, rounds
    assert district.storage.attachments.get(page2.sha256) == page2.data
    # the bytes counted are those the district took, piece by piece, from where its copy
    # ended: never the page again from its start; a piece whose answer was lost is held
    # without being counted
    sent = sum(r["attachments_bytes"] for r in rounds)
    assert page2.size - proxy.faults["drop"] * 16 * 1024 <= sent <= page2.size, (sent, rounds)
    held = pages_of_case(district.storage, case["uuid"])
    assert sorted(r["sha256"] for r in held) == sorted([page.sha256, page2.sha256])


def test_a_desk_links_only_its_own_cases(district: District, make_desk: Any) -> None:
    a, b = make_desk("HY-QL01"), make_desk("HY-QL02")
    enroll(district, a)
    enroll(district, b)
    case_a, material = _case_with_pages(a, [_photo(4)])
    assert sync_desk(a)["attachments_sent"] == 1
    page = _photo(5)
    with client_for(b) as c:
        c.upload_attachment(page.data)
        link = {"attachment_id": str(uuid.uuid4()), "case_uuid": case_a["uuid"],
                "material": material, "page": 2, "mime": "image/jpeg", "size": page.size,
                "sha256": page.sha256, "pages": 1, "created_at": P.utc_now()}
        unknown = dict(link, attachment_id=str(uuid.uuid4()), case_uuid=str(uuid.uuid4()))
        not_up = dict(link, sha256="0" * 64)
        resp = c.link_attachments(P.AttachmentLinksRequest(links=[
            P.AttachmentLink(**link), P.AttachmentLink(**unknown)]))
        # another desk's case reads exactly as a case the district never heard of
        assert [(x.result, x.reason) for x in resp.results] == [
            ("rejected", "区级系统尚未收到该案件，请先同步案件")] * 2
    with client_for(a) as c:
        not_up["attachment_id"] = str(uuid.uuid4())
        resp = c.link_attachments(P.AttachmentLinksRequest(links=[P.AttachmentLink(**not_up)]))
        assert (resp.results[0].result, resp.results[0].reason) == (
            "rejected", "附件内容尚未上传完成")
    assert len(pages_of_case(district.storage, case_a["uuid"])) == 1


def test_fifty_links_of_one_page_at_once(district: District, make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    page = _photo(6)
    case, _material = _case_with_pages(ctx, [page])
    sync_desk(ctx)
    desk_id = ctx.store.get_meta("desk_id")
    link = P.AttachmentLink(attachment_id=uuid.uuid4(), case_uuid=case["uuid"],
                            material="并发", page=1, mime="image/jpeg", size=page.size,
                            sha256=page.sha256, created_at=P.utc_now())
    results: list[str] = []
    start = threading.Barrier(50)

    def go() -> None:
        start.wait(timeout=60)
        r = link_attachments(district.storage, desk_id,
                             P.AttachmentLinksRequest(links=[link]))
        results.append(r.results[0].result)

    threads = [threading.Thread(target=go) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(results) == ["accepted"] + ["duplicate"] * 49
    assert [r["material"] for r in pages_of_case(district.storage, case["uuid"])].count(
        "并发") == 1


@pytest.mark.parametrize("bad", [{"mime": "image/png"}, {"sha256": "XYZ"}, {"page": 0}])
def test_bad_links_are_refused_by_the_protocol(bad: dict[str, Any]) -> None:
    import pydantic

    good = {"attachment_id": str(uuid.uuid4()), "case_uuid": str(uuid.uuid4()),
            "material": "x", "page": 1, "mime": "image/jpeg", "size": 1,
            "sha256": "0" * 64, "created_at": P.utc_now()}
    with pytest.raises(pydantic.ValidationError):
        P.AttachmentLink(**dict(good, **bad))
