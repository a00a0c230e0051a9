"""The console's resident-matter pages over HTTP (issue 15), on SQLite and PostgreSQL: the
work-order queue (filters, sort, 即将超时/超时), an order's decisions through the store
(errors beside the control with the input kept, 422; a decision someone else made first:
已被他人处理, 409 — 50 at once, exactly one wins), the ``department`` role (its own orders
only, 403 otherwise; created on the users page with its department), the 办不成事 report,
the 民情台账 with 整改 and its audited XLSX export, the three rates against a hand count and
the 好差评 board."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from console_helpers import ConsoleServer, Web, new_case
from matters_helpers import (
    ASK,
    HUANBAO,
    LEAK,
    NOISE,
    WUYE,
    audit_actions,
    desk_for,
    make_server,
    record,
    set_due,
)

from sync.client.desk import sync_desk
from sync.district import matters_ledger as ML
from sync.district import matters_reports as MR

DBS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=DBS)
def ms(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ConsoleServer]:
    s = make_server(request, tmp_path)
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def desk(ms: ConsoleServer, tmp_path: Path) -> Iterator[Any]:
    ctx = desk_for(ms, tmp_path)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def web(ms: ConsoleServer) -> Iterator[Any]:
    made: list[Web] = []

    def make(username: str) -> Web:
        w = Web(ms.api_url)
        made.append(w)
        r = w.login(username)
        assert r.status_code == 303, r.text
        return w

    yield make
    for w in made:
        w.close()


def _post(w: Web, path: str, data: dict[str, str]) -> httpx.Response:
    w.get(path.rsplit("/", 1)[0])  # the order's page: a fresh CSRF token
    return w.post(path, data)


def test_the_queue_filters_sorts_and_shows_due_soon_and_overdue(
        ms: ConsoleServer, desk: Any, web: Any) -> None:
    leak, noise, ask = record(desk, LEAK, NOISE, ASK)
    w = web("reviewer")
    # the cards in alarm colours only with something in them (超时 0 had been red)
    calm = w.get("/console/matters").text
    assert '<li class=""><a href="/console/matters?sla=overdue">' in calm
    assert '<li class=""><a href="/console/matters?sla=due_soon">' in calm
    set_due(ms, leak["uuid"], -3)  # 超时
    set_due(ms, noise["uuid"], 5, warn_hours=-1)  # 即将超时
    page = w.get("/console/matters").text
    assert '<li class="alarm"><a href="/console/matters?sla=overdue">' in page
    assert '<li class="warn"><a href="/console/matters?sla=due_soon">' in page
    for m in (leak, noise, ask):
        assert m["matter_no"] in page
    # the default order: the most urgent deadline first
    assert page.index(leak["matter_no"]) < page.index(noise["matter_no"]) < page.index(
        ask["matter_no"])
    assert "超时" in page and "即将超时" in page
    over = w.get("/console/matters?sla=overdue").text
    assert leak["matter_no"] in over and noise["matter_no"] not in over
    soon = w.get("/console/matters?sla=due_soon").text
    assert noise["matter_no"] in soon and leak["matter_no"] not in soon
    cat = w.get("/console/matters?category=咨询").text
    assert ask["matter_no"] in cat and leak["matter_no"] not in cat
    desc = w.get("/console/matters?sort=-due").text
    assert desc.index(ask["matter_no"]) < desc.index(leak["matter_no"])
    by_desk = w.get("/console/matters?desk=NO-SUCH").text
    assert "没有符合条件的工单" in by_desk
    # a department filter after dispatching
    assert _post(w, f"/console/matters/{leak['uuid']}/dispatch",
                 {"department": WUYE}).status_code == 303
    dep = w.get(f"/console/matters?department={WUYE}").text
    assert leak["matter_no"] in dep and ask["matter_no"] not in dep
    rec = w.get("/console/matters?status=received").text
    assert leak["matter_no"] not in rec and ask["matter_no"] in rec


def test_the_whole_flow_with_errors_beside_the_control_and_the_timeline(
        ms: ConsoleServer, desk: Any, web: Any) -> None:
    (m,) = record(desk, LEAK)
    u = m["uuid"]
    clerk, dept, other = web("reviewer"), web("wuye"), web("huanbao")
    page = clerk.get(f"/console/matters/{u}").text
    assert "王*英" in page and "138****4567" in page and "13871234567" not in page
    assert "七里一村 12栋 2单元 301室" in page  # each number with its word
    # 派单
    r = _post(clerk, f"/console/matters/{u}/dispatch", {"department": "不存在的部门"})
    assert r.status_code == 422 and 'id="dispatch-department-error"' in r.text
    r = _post(clerk, f"/console/matters/{u}/dispatch", {"department": WUYE})
    assert r.status_code == 303
    # another department neither sees nor acts on it (403), the right one signs
    assert other.get(f"/console/matters/{u}").status_code == 403
    assert m["matter_no"] not in other.get("/console/matters").text
    other.get("/console/matters")
    assert other.post(f"/console/matters/{u}/sign", {}).status_code == 403
    assert m["matter_no"] in dept.get("/console/matters").text
    assert _post(dept, f"/console/matters/{u}/sign", {}).status_code == 303
    # a department user cannot revisit or dispatch
    assert _post(dept, f"/console/matters/{u}/dispatch", {"department": WUYE}
                 ).status_code == 403
    # 反馈: empty → 422 beside the textarea; the text kept on a second error elsewhere
    r = _post(dept, f"/console/matters/{u}/answer", {"answer": "  "})
    assert r.status_code == 422 and 'id="answer-answer-error"' in r.text
    assert "请填写答复内容" in r.text
    # 延期: an earlier deadline is refused beside the date, the reason kept
    r = _post(dept, f"/console/matters/{u}/extend", {"due_at": "2020-01-01T10:00",
                                                    "reason": "需协调施工队"})
    assert r.status_code == 422 and 'id="extend-due_at-error"' in r.text
    assert "需协调施工队</textarea>" in r.text
    r = _post(dept, f"/console/matters/{u}/extend", {"due_at": "2099-01-01T10:00",
                                                    "reason": "需协调施工队"})
    assert r.status_code == 303
    assert _post(dept, f"/console/matters/{u}/answer", {"answer": "已约楼上住户维修"}
                 ).status_code == 303
    # 回访 不满意 needs a reason (kept choice), then 重办
    r = _post(clerk, f"/console/matters/{u}/revisit", {"satisfaction": "不满意"})
    assert r.status_code == 422 and 'id="revisit-reason-error"' in r.text
    assert 'value="不满意" checked' in r.text
    r = _post(clerk, f"/console/matters/{u}/revisit",
              {"satisfaction": "不满意", "reason": "仍在渗水"})
    assert r.status_code == 303
    assert "重办" in clerk.get(f"/console/matters/{u}").text
    assert _post(dept, f"/console/matters/{u}/sign", {}).status_code == 303
    assert _post(dept, f"/console/matters/{u}/answer", {"answer": "已更换防水层"}
                 ).status_code == 303
    assert _post(clerk, f"/console/matters/{u}/revisit", {"satisfaction": "满意"}
                 ).status_code == 303
    page = clerk.get(f"/console/matters/{u}").text
    assert "工单已办结，不能再更改" in page
    for words in ("已派单", "已签收", "已反馈", "重办中", "已办结", "仍在渗水", "已更换防水层",
                  "需协调施工队"):
        assert words in page, words
    actions = [a["action"] for a in audit_actions(ms, "matter.")]
    assert actions == ["matter.dispatch", "matter.sign", "matter.extend", "matter.answer",
                       "matter.revisit", "matter.sign", "matter.answer", "matter.revisit"]
    assert [a["actor"] for a in audit_actions(ms, "matter.sign")] == ["wuye", "wuye"]
    # the audit log names the work order and links to it (not to a case)
    log = web("admin").get("/console/audit").text
    assert f"民情工单 {m['matter_no']}" in log and f'href="/console/matters/{u}"' in log
    assert "工单回访" in log and "工单签收" in log
    # the desk sees each step at its next sync
    assert sync_desk(desk)["complete"]
    mine = desk.store.matters.get_matter(u)
    assert mine is not None
    assert (mine["district_status"], mine["district_answer"]) == ("closed", "已更换防水层")


def test_fifty_signs_at_once_one_wins_the_rest_see_taken(ms: ConsoleServer, desk: Any,
                                                         web: Any) -> None:
    (m,) = record(desk, NOISE)
    u = m["uuid"]
    clerk = web("reviewer")
    assert _post(clerk, f"/console/matters/{u}/dispatch", {"department": HUANBAO}
                 ).status_code == 303
    clerk.get(f"/console/matters/{u}")
    cookie, csrf = clerk._hdr(), clerk.csrf
    codes: list[int] = []
    texts: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(50)

    def sign() -> None:
        with httpx.Client(base_url=ms.api_url, timeout=120) as c:
            start.wait(timeout=120)
            r = c.post(f"/console/matters/{u}/sign", data={"csrf": csrf}, headers=cookie)
        with lock:
            codes.append(r.status_code)
            texts.append(r.text)

    threads = [threading.Thread(target=sign) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert sorted(codes) == [303] + [409] * 49, codes
    taken = next(t for c, t in zip(codes, texts, strict=True) if c == 409)
    assert "已被他人处理" in taken and 'id="taken"' in taken
    assert len(audit_actions(ms, "matter.sign")) == 1


def test_department_users_are_created_with_their_department_and_scoped(
        ms: ConsoleServer, desk: Any, web: Any) -> None:
    admin = web("admin")
    admin.get("/console/users")
    r = admin.post("/console/users", {"username": "chengguan", "password": "correct horse 2",
                                      "role": "department", "department": ""})
    assert "所属部门" in admin.get("/console/users").text
    assert ms.console.users.get("chengguan") is None
    r = admin.post("/console/users", {"username": "chengguan", "password": "correct horse 2",
                                      "role": "department", "department": "城市管理局"})
    assert r.status_code == 303
    assert (ms.console.users.get("chengguan") or {})["department"] == "城市管理局"
    added = audit_actions(ms, "user.add")[-1]["detail"]
    assert added["department"] == "城市管理局"
    cg = Web(ms.api_url)
    try:
        cg.get("/console/login")
        r = cg.post("/console/login", {"username": "chengguan", "password": "correct horse 2",
                                       "next": "/console/"})
        assert r.status_code == 303
        r = cg.get("/console/")
        assert r.status_code == 303 and r.headers["location"] == "/console/matters"
        for path in ("/console/cases", "/console/batches", "/console/matters/rates",
                     "/console/users", "/console/export.csv"):
            assert cg.get(path).status_code == 403, path
        q = cg.get("/console/matters")
        assert q.status_code == 200 and "城市管理局" in q.text
        assert 'href="/console/cases"' not in q.text  # the menu has only its pages
        cg.get("/console/matters")
        assert cg.post("/console/logout", {}).status_code == 303
    finally:
        cg.close()


def test_the_command_line_adds_a_department_user(ms: ConsoleServer, capsys: Any,
                                                 monkeypatch: Any) -> None:
    from sync.district.cli import main as district_main

    db = ms.storage.url
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse 3\n"))
    assert district_main(["--db", db, "user", "add", "--username", "shuiwu", "--role",
                          "department"]) == 2
    assert "department: [unknown]" in capsys.readouterr().err
    assert ms.console.users.get("shuiwu") is None
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse 3\n"))
    assert district_main(["--db", db, "user", "add", "--username", "shuiwu", "--role",
                          "department", "--department", "SW"]) == 0
    assert '"department": "水务局"' in capsys.readouterr().out
    assert (ms.console.users.get("shuiwu") or {})["department"] == "水务局"
    assert audit_actions(ms, "user.add")[-1]["detail"]["department"] == "水务局"


def test_cannot_do_report_and_export(ms: ConsoleServer, desk: Any, web: Any) -> None:
    cases = [new_case(desk, "MZ-GLJT"), new_case(desk, "MZ-GLJT"), new_case(desk, "MZ-GLJT")]
    assert sync_desk(desk)["complete"]
    for c in cases:
        ms.storage.decisions.set_status(c["uuid"], "needs_correction", note="缺户籍证明")
    assert sync_desk(desk)["complete"]
    ms_ = record(desk, *[{"from_case": c["uuid"], "subcategory": "补正后仍办不成",
                          "description": f"户籍在外省，无法开具证明 {i}"}
                         for i, c in enumerate(cases)])
    clerk = web("reviewer")
    page = clerk.get("/console/matters/cannot").text
    assert all(m["matter_no"] in page for m in ms_) and "未归因" in page
    r = _post(clerk, f"/console/matters/{ms_[0]['uuid']}/followup",
              {"what": "cannot", "lead": "", "root_cause": "政策空白"})
    assert r.status_code == 422 and 'id="followup-cannot-lead-error"' in r.text
    for m, cause in zip(ms_, ("政策空白", "政策空白", "系统不通"), strict=True):
        r = _post(clerk, f"/console/matters/{m['uuid']}/followup",
                  {"what": "cannot", "lead": "公安", "root_cause": cause})
        assert r.status_code == 422 and "没有“公安”这个部门" in r.text
        r = _post(clerk, f"/console/matters/{m['uuid']}/followup",
                  {"what": "cannot", "lead": "民政局", "partners": "派出所、民政局",
                   "root_cause": cause})
        assert r.status_code == 303
    report = ML.cannot_report(ms.storage)
    assert [(g["key"], g["count"]) for g in report] == [("政策空白", 2), ("系统不通", 1)]
    page = clerk.get("/console/matters/cannot").text
    assert page.index("政策空白") < page.index("系统不通")
    r = clerk.get("/console/matters/cannot/report.xlsx?by=department")
    assert r.status_code == 200
    import openpyxl

    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    assert cells[0][0] == "办不成事根因报告" and cells[6][0] == "牵头部门" and cells[7][:3] == ["民政局", "3", "3"]
    exp = audit_actions(ms, "export")[-1]
    assert exp["detail"]["report"] == "matters.cannot" and exp["detail"]["rows"] == 1
    assert ms.console.users.get("viewer") and web("wuye").get(
        "/console/matters/cannot/report.xlsx").status_code == 403


def test_ledger_rectification_and_audited_export(ms: ConsoleServer, desk: Any,
                                                  web: Any) -> None:
    leak, noise, ask = record(desk, LEAK, NOISE,
                              {**ASK, "category": "建议", "subcategory": "公共设施",
                               "description": "小区缺少休息座椅"})
    clerk = web("reviewer")
    u = ask["uuid"]
    r = _post(clerk, f"/console/matters/{u}/followup",
              {"what": "rect", "rect_department": "社区居委会", "rect_measure": "",
               "rect_due": "2099-12-31"})
    assert r.status_code == 422 and 'id="followup-rect-rect_measure-error"' in r.text
    r = _post(clerk, f"/console/matters/{u}/followup",
              {"what": "rect", "rect_department": "社区居委会", "rect_measure": "增设座椅 6 张",
               "rect_due": "2020-01-01"})
    assert r.status_code == 422 and "整改期限不能早于今天" in r.text
    assert "增设座椅 6 张</textarea>" in r.text
    r = _post(clerk, f"/console/matters/{u}/followup",
              {"what": "rect", "rect_department": "社区居委会", "rect_measure": "增设座椅 6 张",
               "rect_due": "2099-12-31"})
    assert r.status_code == 303
    page = clerk.get("/console/matters/ledger?rect=open").text
    assert ask["matter_no"] in page and leak["matter_no"] not in page and "整改中" in page
    bad = clerk.get("/console/matters/ledger?date_from=2026-13-01")
    assert bad.status_code == 422 and "起始日期" in bad.text
    r = clerk.get("/console/matters/ledger.xlsx?category=投诉")
    assert r.status_code == 200
    import openpyxl

    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    assert cells[0][0] == "民情台账" and cells[1][1] == "类别：投诉"
    assert cells[2][1] == "reviewer"
    table = cells[6:]
    assert table[0][0] == "诉求编号"
    assert sorted(r_[0] for r_ in table[1:]) == sorted([leak["matter_no"], noise["matter_no"]])
    assert not any("13871234567" in str(v) or "王秀英" in str(v) for row in cells for v in row)
    exp = audit_actions(ms, "export")[-1]
    assert (exp["detail"]["report"], exp["detail"]["filters"], exp["detail"]["rows"]) == (
        "matters.ledger", {"category": "投诉"}, 2)
    audit_page = web("admin").get("/console/audit?action=export").text
    assert "共 2 条" in audit_page


def test_rates_match_a_hand_count_and_the_board(ms: ConsoleServer, desk: Any,
                                               web: Any) -> None:
    a, b, c, _d = record(desk, LEAK, dict(LEAK, description="二楼漏水"), NOISE, ASK)
    clerk, wy = web("reviewer"), web("wuye")
    for m in (a, b):
        _post(clerk, f"/console/matters/{m['uuid']}/dispatch", {"department": WUYE})
    _post(clerk, f"/console/matters/{c['uuid']}/dispatch", {"department": HUANBAO})
    # a: signed in time, answered, 满意 → closed; b: signed after its deadline, answered,
    # 不满意 → redo; c: dispatched, never signed; d: not dispatched
    _post(wy, f"/console/matters/{a['uuid']}/sign", {})
    _post(wy, f"/console/matters/{a['uuid']}/answer", {"answer": "已修好"})
    assert _post(clerk, f"/console/matters/{a['uuid']}/revisit", {"satisfaction": "满意"}
                 ).status_code == 303
    set_due(ms, b["uuid"], -1)
    _post(wy, f"/console/matters/{b['uuid']}/sign", {})
    _post(wy, f"/console/matters/{b['uuid']}/answer", {"answer": "已联系"})
    assert _post(clerk, f"/console/matters/{b['uuid']}/revisit",
                 {"satisfaction": "不满意", "reason": "没修"}).status_code == 303
    from datetime import datetime

    from sync.district.config import district_zone

    month = datetime.now(district_zone()).strftime("%Y-%m")
    out = MR.rates(ms.storage, month, "department")
    # hand count: dispatched 3 (a, b, c), signed in time 1 (a) → 1/3; resolved: a → 1/4;
    # rated: a 满意, b 不满意 → 1/2
    assert out["overall"]["response"] == {"num": 1, "den": 3, "pct": 33.3}
    assert out["overall"]["resolve"] == {"num": 1, "den": 4, "pct": 25.0}
    assert out["overall"]["satisfy"] == {"num": 1, "den": 2, "pct": 50.0}
    by = {r["key"]: r for r in out["rows"]}
    assert by[WUYE]["response"]["num"] == 1 and by[WUYE]["response"]["den"] == 2
    assert by["（未派单）"]["total"] == 1
    page = clerk.get(f"/console/matters/rates?period={month}").text
    assert 'data-rate="response">33.3%' in page and "1 / 3" in page
    assert 'data-rate="satisfy">50.0%' in page
    bad = clerk.get("/console/matters/rates?period=2026-13")
    assert bad.status_code == 422 and "统计期" in bad.text
    by_cat = clerk.get(f"/console/matters/rates?period={month}&by=category").text
    assert "咨询" in by_cat
    assert "刘晓燕" in page  # the 好差评 board's worker (matters' owner)
    r = clerk.get("/console/matters/board.xlsx")
    assert r.status_code == 200
    assert audit_actions(ms, "export")[-1]["detail"]["report"] == "matters.board"
