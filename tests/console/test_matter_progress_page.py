"""A resident matter on the public progress page (issue 15 with issue 18): the 受理单's QR
code (printed, rasterised, scanned) and its number and check code typed by hand open the
matter's category, dates and steps on a phone — never the resident's name, phone, ID
number, address, what was said or the answer's text; a wrong code gets the page's one
"没有查到". Real district server, real desk, real Chromium at 390×844 without JavaScript."""

from __future__ import annotations

import subprocess
from typing import Any

import httpx
from console_helpers import ConsoleServer

from desk.core.matters import MatterService
from desk.core.receipts.matter_slip import matter_code, render_matter_pdf
from desk.core.receipts.verify import group_code
from sync.client.desk import sync_desk
from sync.district import matters_store as M

NAME, PHONE, IDN = "欧阳娜娜", "13912345678", "110101195001011239"
SECRETS = [NAME, PHONE, IDN, PHONE[-4:], IDN[-6:], "十七栋", "2308室", "天花板渗水",
           "已为欧阳女士"]


def test_a_matters_slip_opens_its_steps_on_a_phone(server: ConsoleServer, make_desk: Any,
                                                   browser: Any, tmp_path: Any) -> None:
    desk = make_desk()
    m = MatterService(desk.store).record({
        "category": "投诉", "subcategory": "漏水", "description": f"{NAME}家天花板渗水",
        "resident": {"name": NAME, "phone": PHONE, "id_number": IDN}, "answer_by": "phone",
        "place": {"compound": "汉阳花园", "building": "十七栋", "room": "2308室"}},
        desk.actor())
    assert sync_desk(desk)["complete"]
    st = server.storage
    M.decide(st, m["uuid"], "dispatch", department="WY")
    M.decide(st, m["uuid"], "sign")
    M.decide(st, m["uuid"], "answer", text="已为欧阳女士修复楼上管道，电话" + PHONE)
    stored = desk.store.matters.get_matter(m["uuid"])
    code = matter_code(desk, stored)
    # the slip's QR code is the page's address (printed and scanned as a phone would)
    pdf = tmp_path / "slip.pdf"
    pdf.write_bytes(render_matter_pdf(desk, stored))
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", "-f", "1", "-l", "1",
                    str(pdf), str(tmp_path / "slip")], check=True, timeout=120)
    out = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                          str(next(tmp_path.glob("slip*.png")))], capture_output=True,
                         text=True, timeout=120, check=True).stdout.split()
    assert out == [f"{server.api_url.upper()}/Q/{m['matter_no']}/{code}"]

    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                              java_script_enabled=False, is_mobile=True)
    ctx.set_default_timeout(45_000)
    page = ctx.new_page()
    try:
        resp = page.goto(out[0])
        assert resp is not None and resp.status == 200
        text, html = page.inner_text("main"), page.content()
        assert "已答复，等待回访" in text and "民情诉求：投诉·漏水" in text
        assert m["matter_no"] in text
        steps = page.locator("ol li").all_inner_texts()
        assert [s.rsplit(" ", 1)[0] for s in steps] == [
            "在办事点登记", "区级已收到", "已派单至物业服务企业办理", "承办部门已签收",
            "承办部门已答复，办事点将转告您"]
        days = [s.split()[-1] for s in steps]
        assert days == sorted(days)
        for secret in SECRETS:
            assert secret not in html, secret
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # typed by hand, grouped and in lower case
        page.goto(server.api_url + "/q")
        page.fill("#r", m["matter_no"].lower())
        page.fill("#c", group_code(code).lower())
        page.click("button[type=submit]")
        page.wait_for_url("**/q?r=*")
        assert "已答复，等待回访" in page.inner_text("main")
    finally:
        ctx.close()
    # a wrong code: the same answer as an unknown number
    wrong = ("A" if code[0] != "A" else "B") + code[1:]
    fake = m["matter_no"][:-4] + "9999"
    with httpx.Client(base_url=server.api_url) as web:
        a = web.get(f"/q/{m['matter_no']}/{wrong}")
        b = web.get(f"/q/{fake}/{wrong}")
        assert a.status_code == b.status_code == 404
        assert a.text.replace(m["matter_no"], "N") == b.text.replace(fake, "N")
