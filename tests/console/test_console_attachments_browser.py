"""The pages of a case's materials on the console's case page (issue 17), in Chromium:
reviewers and administrators see the images and open the PDF, every view audited ("who
looked at this resident"); viewers see that pages exist, never the pages."""

from __future__ import annotations

import io
from typing import Any

import pytest
from console_helpers import ConsoleServer, new_case, shot
from test_console_browser import _sign_in

from desk.core.attachments import normalise
from sync.client.desk import sync_desk

pytestmark = pytest.mark.browser


def _pages() -> list[Any]:
    from PIL import Image, ImageDraw
    from reportlab.pdfgen import canvas

    img = Image.new("RGB", (1240, 1754), "white")
    d = ImageDraw.Draw(img)
    for y in range(120, 1650, 48):
        d.line((100, y, 1140, y), fill=(40, 40, 40), width=3)
    d.rectangle((100, 40, 600, 100), fill=(180, 20, 20))
    buf = io.BytesIO()
    img.save(buf, "JPEG")
    pdf = io.BytesIO()
    c = canvas.Canvas(pdf)
    c.drawString(100, 700, "scan")
    c.showPage()
    c.save()
    return [normalise(buf.getvalue(), "户口簿.jpg"), normalise(pdf.getvalue(), "scan.pdf")]


def test_pages_on_the_case_page_audited_and_masked(server: ConsoleServer, make_desk: Any,
                                                   page: Any, browser: Any,
                                                   web: Any) -> None:
    base = server.url
    desk = make_desk()
    case = new_case(desk, "MZ-GLJT")
    material = desk.catalog.get("MZ-GLJT").materials[0].name
    pages = _pages()
    desk.store.attachments.add_attachments(case["uuid"], material, pages, "刘晓燕")
    summary = sync_desk(desk)
    assert summary["complete"] and summary["attachments_sent"] == 2, summary

    _sign_in(page, base, "reviewer")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{base}/console/cases/{case['uuid']}")
    img = page.locator("figure.page img")
    img.first.scroll_into_view_if_needed()
    page.wait_for_function("() => { const i = document.querySelector('figure.page img');"
                           " return i && i.complete && i.naturalWidth > 0; }", timeout=30_000)
    assert page.evaluate("document.querySelector('figure.page img').naturalWidth") == \
        pages[0].width
    assert f"{material} · 第 1 页" in page.locator(".pages").inner_text()
    pdf_link = page.locator("figure.page a.pdf")
    assert pdf_link.inner_text() == "打开 PDF（1 页）"
    shot(page, "issue17-case-pages-reviewer", full=False)
    r = page.request.get(base + pdf_link.get_attribute("href"))
    assert r.status == 200 and r.headers["content-type"] == "application/pdf"
    assert r.body() == pages[1].data
    # every view is in the audit log, and in the case's "who looked" list
    views = server.console.audit.entries(target=case["uuid"], action="attachment.view")
    assert len(views) == 2 and {v["actor"] for v in views} == {"reviewer"}
    page.goto(f"{base}/console/cases/{case['uuid']}")  # (the image is shown again: a view)
    assert "查看附件" in page.locator("#access").inner_text()
    page.wait_for_function("() => document.querySelector('figure.page img').complete")
    seen = len(server.console.audit.entries(target=case["uuid"], action="attachment.view"))
    assert seen == 3

    # a page of another case is not served under this case
    other = new_case(desk, "YB-JMCB")
    sync_desk(desk)
    w = web("admin")
    assert w.get(f"/console/attachments/{pages[0].sha256}?case={other['uuid']}&view=1"
                 ).status_code == 404

    # viewers: the pages are listed, never shown; the bytes are refused
    v = web("viewer")
    html = v.get(f"/console/cases/{case['uuid']}").text
    assert f"{material} · 第 1 页（图片）" in html and "<img" not in html.split("附件")[-1]
    assert "材料图片仅审核员和管理员可查看" in html
    resp = v.get(f"/console/attachments/{pages[0].sha256}?case={case['uuid']}&view=1")
    assert resp.status_code == 403 and resp.content != pages[0].data
    assert len(server.console.audit.entries(target=case["uuid"],
                                            action="attachment.view")) == seen


def test_case_page_shows_card_identity_and_shared_materials(server: ConsoleServer,
                                                           make_desk: Any, web: Any) -> None:
    """Issue 17 items 4–5 on the district's case page (HTML, no browser needed)."""
    import copy

    desk = make_desk()
    sub = copy.deepcopy(desk.catalog.get("GA-CSDJ").example)
    sub["identity_read"] = ["applicant_id", "applicant_name"]
    shared = desk.cases.submit("GA-CSDJ", sub, desk.actor())
    typed = new_case(desk, "YB-JMCB")
    assert sync_desk(desk)["complete"]
    w = web("viewer")
    html = w.get(f"/console/cases/{shared['uuid']}").text
    assert "免提交 · 电子证照" in html and "民政部门（婚姻登记电子证照）" in html
    assert ('id="identity-card"' in html) == bool(sub["identity_read"])
    assert 'id="identity-card"' not in w.get(f"/console/cases/{typed['uuid']}").text
