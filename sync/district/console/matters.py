"""The console's resident-matter pages (民情诉求, issue 15): the work-order queue (工单) and
each order's page with its timeline and decisions; the 办不成事 queue and root-cause report;
the 民情台账 with its rectification items (整改); the three rates and the 好差评 board.

Decisions go through :func:`sync.district.matters_store.decide` (one transaction with the
audit entry; an order moves only from a status the step allows, so a decision someone else
made first is answered "已被他人处理", 409). A refused decision re-renders the order's page
(422) with the message beside the control and the input kept.

Roles: admin and reviewer (the district clerk) do everything; viewer reads and exports; a
``department`` user sees only the orders dispatched to its department and signs for,
answers and extends them — any other order, and every other console page, is a 403 page.
Reports and the ledger export are audited with their filter and row count."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response, StreamingResponse

from sync import protocol as P
from sync.district import matters_console as MC
from sync.district import matters_ledger as ML
from sync.district import matters_reports as MR
from sync.district import matters_store as M
from sync.district.api_deps import storage_of
from sync.district.config import district_zone
from sync.district.console import auth
from sync.district.console.auth import Forbidden, User
from sync.district.console.case_exports import file_stream
from sync.district.console.views import flash, local_time, render
from sync.district.errors import NotFound, Refused

router = APIRouter()
Reader = Depends(auth.requires("matters"))
Exporter = Depends(auth.requires("matters_export"))
CLERK = frozenset({"admin", "reviewer"})
# action → who may take it (a department user only on its own department's orders)
ACTION_ROLES = {"dispatch": CLERK, "revisit": CLERK, "close": CLERK,
                "sign": CLERK | {"department"}, "answer": CLERK | {"department"},
                "extend": CLERK | {"department"}}
ACTION_WORDS = {"dispatch": "派单", "sign": "签收", "answer": "反馈", "extend": "延期",
                "revisit": "回访", "close": "办结"}
ANSWER_BY = {"phone": "电话", "in_person": "当面", "none": "不需答复"}
PER_PAGE = 50


def _scope(user: User) -> str | None:
    """A department user's department (every read and decision is limited to it)."""
    return user.department if user.role == "department" else None


def _out_of_scope(user: User) -> Forbidden:
    return Forbidden(f"您只能查看和处理派给本部门（{user.department}）的民情工单。", user)


def _filter(qp: Any) -> MC.QueueFilter:
    text = {k: str(qp.get(k, "")).strip()[:64]
            for k in ("status", "category", "department", "sla", "desk", "q", "sort")}
    f = MC.QueueFilter(status=text["status"], category=text["category"],
                       department=text["department"], sla=text["sla"], desk=text["desk"],
                       q=text["q"], sort=text["sort"], cannot=qp.get("cannot") == "1")
    if f.status and f.status != "open" and f.status not in P.MATTER_STATUSES:
        f.status = ""
    if f.sla not in ("", "due_soon", "overdue"):
        f.sla = ""
    if f.sort.lstrip("-") not in MC.SORTS:
        f.sort = "due"
    return f


def _ctx(request: Request) -> dict[str, Any]:
    st = storage_of(request)
    return {"STATUS_WORDS": MC.STATUS_WORDS, "SLA_WORDS": MC.SLA_WORDS,
            "matter_departments": MC.departments(st), "matter_categories": MC.categories(st),
            "ANSWER_BY": ANSWER_BY, "ROOT_CAUSES": MC.ROOT_CAUSES,
            "RECT_STATES": MC.RECT_STATES, "SATISFACTION": P.MATTER_SATISFACTION}


# -- the queue ---------------------------------------------------------------------------------

@router.get("/matters", include_in_schema=False)
def queue_page(request: Request, page: int = 1, user: User = Reader) -> Response:
    """The work-order queue: filters, sortable columns, 即将超时/超时, paging."""
    st = storage_of(request)
    f = _filter(request.query_params)
    page = max(1, min(page, 100_000))
    rows, total = MC.queue(st, f, scope=_scope(user), page=page, per_page=PER_PAGE,
                           cap=MC.COUNT_CAP)
    capped = total > MC.COUNT_CAP  # past the cap: "more than", as the cases list says
    total = min(total, MC.COUNT_CAP)
    params = {k: v for k, v in f.active().items() if k != "cannot"}
    if f.cannot:
        params["cannot"] = "1"
    query = urlencode(params)

    def sort_link(key: str) -> str:
        new = f"-{key}" if f.sort == key else key
        return "/console/matters?" + urlencode({**params, "sort": new})

    pages = max(1, (total + PER_PAGE - 1) // PER_PAGE)
    return render(request, "matters.html", rows=rows, total=total, f=f, query=query,
                  counts=MC.counts(st, scope=_scope(user)), sort_link=sort_link,
                  page={"page": page, "pages": pages, "capped": capped}, capped=capped,
                  base="/console/matters?" + urlencode({**params, "sort": f.sort}),
                  desks=sorted({d["desk_code"] for d in st.desks.all()}),
                  **_ctx(request))


# -- 办不成事 ----------------------------------------------------------------------------------

@router.get("/matters/cannot", include_in_schema=False)
def cannot_page(request: Request, by: str = "root_cause", user: User = Reader) -> Response:
    """The 办不成事 queue (open ones first by deadline) and the root-cause report."""
    st = storage_of(request)
    if by not in ML.REPORT_GROUPS:
        by = "root_cause"
    rows, total = MC.queue(st, MC.QueueFilter(cannot=True, status="open"),
                           scope=_scope(user), per_page=200)
    report = ML.cannot_report(st, by) if _scope(user) is None else []
    return render(request, "matters_cannot.html", rows=rows, total=total, report=report,
                  by=by, REPORT_GROUPS=ML.REPORT_GROUPS, **_ctx(request))


@router.get("/matters/cannot/report.xlsx", include_in_schema=False)
async def cannot_export(request: Request, by: str = "root_cause",
                        user: User = Exporter) -> Response:
    """The root-cause report as XLSX (each group with its count and examples); audited."""
    st = storage_of(request)
    if _scope(user) is not None:
        raise Forbidden("办不成事根因报告只对区级用户开放。", user)
    if by not in ML.REPORT_GROUPS:
        by = "root_cause"
    cs = auth.console(request)
    report = await run_in_threadpool(ML.cannot_report, st, by, 5)
    rows = [[g["key"], str(g["count"]), str(g["open"]),
             "；".join(f"{e['matter_no']} {e['description']}" for e in g["examples"])]
            for g in report]
    head = _head("办不成事根因报告", user, f"按{ML.REPORT_GROUPS[by]}分组",
                 "从解决一个问题到解决一类问题：每组的件数、未办结件数和例子")
    path = await run_in_threadpool(
        _xlsx, "办不成事根因", head, [ML.REPORT_GROUPS[by], "件数", "未办结", "例子"],
        rows, (18, 8, 8, 90))
    await run_in_threadpool(lambda: cs.audit.append(user.username, "export", "xlsx",
                                             report="matters.cannot", filters={"by": by},
                                             rows=len(rows)))
    return _download(path, f"办不成事根因-{by}-{_today()}.xlsx")


# -- 民情台账 ----------------------------------------------------------------------------------

def _ledger_filter(qp: Any) -> ML.LedgerFilter:
    f = ML.LedgerFilter(**{k: str(qp.get(k, "")).strip()[:64]
                           for k in ML.LedgerFilter.__dataclass_fields__})
    if f.rect not in ("", "any", "open", "done", "overdue"):
        f.rect = ""
    if f.status and f.status != "open" and f.status not in P.MATTER_STATUSES:
        f.status = ""
    return f


LEDGER_LIMIT = 500  # rows shown on the page (the export has all)


@router.get("/matters/ledger", include_in_schema=False)
def ledger_page(request: Request, user: User = Reader) -> Response:
    """民情台账: every matter with its place, status and rectification; filterable."""
    st = storage_of(request)
    f = _ledger_filter(request.query_params)
    problems = ML.check_ledger_filter(f)
    rows: list[dict[str, Any]] = []
    if not problems:
        for chunk in ML.ledger(st, f, scope=_scope(user), limit=LEDGER_LIMIT):
            rows += chunk
    return render(request, "matters_ledger.html", 422 if problems else 200, rows=rows, f=f,
                  problems=problems, query=urlencode(f.active()), limit=LEDGER_LIMIT,
                  desks=sorted({d["desk_code"] for d in st.desks.all()}),
                  URGENCIES=P.MATTER_URGENCIES, **_ctx(request))


LEDGER_COLUMNS = ("诉求编号", "受理时间", "办事点", "首问负责人", "类别", "细类", "紧急程度",
                  "诉求内容", "状态", "承办部门", "期限", "时限状态", "答复", "回访满意度",
                  "整改状态", "整改部门", "整改措施", "整改期限", "整改完成时间")


def _ledger_cells(r: dict[str, Any]) -> list[str]:
    return [r["matter_no"], local_time(r["received_at"]), r["desk_code"], r["owner"],
            r["category"], r["subcategory"] or "", r["urgency"], r["description"],
            MC.STATUS_WORDS.get(r["status"], r["status"]), r["department"] or "",
            local_time(r["due_at"]), MC.SLA_WORDS.get(r["sla_state"], ""), r["answer"] or "",
            r["satisfaction"] or "",
            ("整改逾期" if r["rect_overdue"] else MC.RECT_STATES.get(r["rect_state"] or "", "")),
            r["rect_department"] or "", r["rect_measure"] or "", r["rect_due"] or "",
            local_time(r["rect_done_at"]) if r["rect_done_at"] else ""]


@router.get("/matters/ledger.xlsx", include_in_schema=False)
async def ledger_export(request: Request, user: User = Exporter) -> Response:
    """The filtered ledger as XLSX with a header block (what, filter, who, when); audited
    with the filter and the row count, like the case exports."""
    st = storage_of(request)
    cs = auth.console(request)
    f = _ledger_filter(request.query_params)
    problems = ML.check_ledger_filter(f)
    if problems:
        return render(request, "error.html", 422, title="筛选条件有误", message="；".join(problems))
    words = "；".join(f"{_LEDGER_WORDS.get(k, k)}：{v}" for k, v in f.active().items()) \
        or "全部诉求"
    if _scope(user) is not None:
        words += f"（仅{user.department}）"
    head = _head("民情台账", user, words, "居民姓名、电话、身份证号不导出")

    def rows() -> Iterator[list[str]]:
        for chunk in ML.ledger(st, f, scope=_scope(user)):
            for r in chunk:
                yield _ledger_cells(r)

    path, n = await run_in_threadpool(_xlsx_counted, "民情台账", head, list(LEDGER_COLUMNS),
                                      rows(), (24, 17, 10, 10, 8, 10, 8, 40, 8, 16, 17, 8,
                                               30, 8, 8, 16, 30, 11, 17))
    await run_in_threadpool(lambda: cs.audit.append(user.username, "export", "xlsx",
                                             report="matters.ledger", filters=f.active(),
                                             rows=n))
    return _download(path, f"民情台账-{_today()}.xlsx")


_LEDGER_WORDS = {"category": "类别", "status": "状态", "urgency": "紧急程度", "owner": "首问负责人",
                 "desk": "办事点", "date_from": "受理日期自", "date_to": "受理日期至", "rect": "整改"}


# -- the three rates and the 好差评 board ----------------------------------------------------

def _this_month() -> str:
    return datetime.now(district_zone()).strftime("%Y-%m")


def _this_quarter() -> str:
    d = datetime.now(district_zone())
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


@router.get("/matters/rates", include_in_schema=False)
def rates_page(request: Request, period: str = "", by: str = "department",
               quarter: str = "", user: User = Reader) -> Response:
    """响应率 · 解决率 · 满意率 (each with its numerator and denominator) for a period, by
    department, category, desk or month; the overdue list; the quarter's 好差评 board."""
    st = storage_of(request)
    if _scope(user) is not None:
        raise Forbidden("三率统计和好差评榜只对区级用户开放。", user)
    period, quarter = period.strip() or _this_month(), quarter.strip() or _this_quarter()
    if by not in MR.RATE_GROUPS:
        by = "department"
    problems = []
    try:
        rates = MR.rates(st, period, by)
    except Refused as exc:
        problems.append("统计期：" + exc.message.removeprefix("period: "))
        rates = None
    try:
        board = MR.board(st, quarter)
    except Refused as exc:
        problems.append("季度：" + exc.message.removeprefix("period: "))
        board = None
    return render(request, "matters_rates.html", 422 if problems else 200, rates=rates,
                  board=board, period=period, quarter=quarter, by=by, problems=problems,
                  RATE_GROUPS=MR.RATE_GROUPS, DEFS=MR.RATE_DEFINITIONS,
                  overdue=MR.overdue(st), **_ctx(request))


@router.get("/matters/board.xlsx", include_in_schema=False)
async def board_export(request: Request, quarter: str = "", user: User = Exporter) -> Response:
    """The quarter's 好差评 board (per worker, per desk) as XLSX; audited."""
    st = storage_of(request)
    if _scope(user) is not None:
        raise Forbidden("好差评榜只对区级用户开放。", user)
    cs = auth.console(request)
    quarter = quarter.strip() or _this_quarter()
    try:
        board = await run_in_threadpool(MR.board, st, quarter)
    except Refused as exc:
        return render(request, "error.html", 422, title="季度有误",
                      message=exc.message.removeprefix("period: "))

    def pct(v: Any) -> str:
        return "—" if v is None else f"{v}%"

    rows = [[("经办人" if who == "worker" else "办事点"), t["key"], str(t["c_rated"]),
             str(t["c_good"]), str(t["c_bad"]), pct(t["c_pct"]), str(t["m_rated"]),
             str(t["m_happy"]), pct(t["m_pct"])]
            for who in ("worker", "desk") for t in board[who]]
    head = _head("好差评榜", user, board["words"],
                 "案件好评=4–5 星，差评=1–2 星；诉求满意=回访满意或基本满意")
    path = await run_in_threadpool(
        _xlsx, "好差评榜", head, ["对象", "名称", "案件评价数", "好评", "差评", "好评率",
                                 "诉求回访数", "满意", "满意率"], rows,
        (8, 24, 10, 8, 8, 8, 10, 8, 8))
    await run_in_threadpool(lambda: cs.audit.append(user.username, "export", "xlsx",
                                             report="matters.board",
                                             filters={"quarter": quarter}, rows=len(rows)))
    return _download(path, f"好差评榜-{quarter}.xlsx")


# -- one order ---------------------------------------------------------------------------------

def _order_page(request: Request, user: User, uuid: str, *, status: int = 200,
                error: dict[str, Any] | None = None) -> Response:
    st = storage_of(request)
    o = MC.order(st, uuid, scope=_scope(user))
    if o is None:
        if _scope(user) is not None and MC.order(st, uuid) is not None:
            raise _out_of_scope(user)
        return render(request, "error.html", 404, title="没有这条工单",
                      message="没有找到这条民情工单，可能编号有误。")
    can = {a: user.role in roles for a, roles in ACTION_ROLES.items()}
    return render(request, "matter.html", status, o=o, can=can, error=error or {},
                  allowed={a: o["status"] in M._STEPS[a][0] for a in M._STEPS},
                  **_ctx(request))


@router.get("/matters/{uuid}", include_in_schema=False)
def order_page(request: Request, uuid: str, user: User = Reader) -> Response:
    """An order: what was said, where, by whom; its timeline; the decisions open to the
    user's role."""
    return _order_page(request, user, uuid[:36])


def _due_text(raw: str) -> str:
    """A ``datetime-local`` value (district local time, no offset) → ISO with its offset;
    anything else is passed on for the store to refuse naming the field."""
    raw = raw.strip()
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    if value.tzinfo is None:
        value = value.replace(tzinfo=district_zone())
    return value.isoformat()


@router.post("/matters/{uuid}/{action}", include_in_schema=False)
async def decide(request: Request, uuid: str, action: str,
                 user: User = auth.SignedIn) -> Response:
    """One decision (dispatch / sign / answer / extend / revisit / close) or a follow-up
    (``followup``: 办不成事 coordination or 整改)."""
    st = storage_of(request)
    form = {k: str(v) for k, v in (await request.form()).items() if k != "csrf"}
    uuid = uuid[:36]
    if action == "followup":
        return await _followup(request, user, uuid, form)
    if action not in ACTION_ROLES:
        return render(request, "error.html", 404, title="没有这个操作", message="未知的工单操作。")
    if user.role not in ACTION_ROLES[action]:
        raise Forbidden(f"您的角色无权对工单“{ACTION_WORDS[action]}”。", user)
    cs = auth.console(request)
    scope = _scope(user)
    kw: dict[str, Any] = {}
    if action == "dispatch":
        kw["department"] = form.get("department", "")
    elif action == "answer":
        kw["text"] = form.get("answer", "")
    elif action == "extend":
        kw.update(text=form.get("reason", ""), due_at=_due_text(form.get("due_at", "")))
    elif action == "revisit":
        kw.update(satisfaction=form.get("satisfaction", ""), text=form.get("reason", ""))
    elif action == "close":
        kw["text"] = form.get("reason", "")

    def audited(conn: Any, out: dict[str, Any]) -> None:
        cs.audit.append_in(conn, user.username, f"matter.{action}", uuid, status=out["status"],
                    department=out["department"], seq=out["seq"], **out["matter"],
                    **({"as_department": scope} if scope else {}))

    try:
        out = await run_in_threadpool(lambda: M.decide(
            st, uuid, action, actor=user.username, scope_department=scope,
            audit=audited, **kw))
    except NotFound:
        if scope is not None:
            raise _out_of_scope(user) from None
        return render(request, "error.html", 404, title="没有这条工单",
                      message="没有找到这条民情工单，可能编号有误。")
    except Refused as exc:
        field = str(exc.extra.get("field") or "")
        message = exc.message.removeprefix(f"{field}: ")
        if exc.extra.get("rule") == "transition":  # someone else decided first
            return await run_in_threadpool(lambda: _order_page(
                request, user, uuid, status=409, error={
                    "action": action, "field": "status", "form": form,
                    "message": f"已被他人处理：{message}。页面已刷新为最新状态，请核对后再操作。"}))
        return await run_in_threadpool(lambda: _order_page(
            request, user, uuid, status=422,
            error={"action": action, "field": field, "message": message, "form": form}))
    words = ACTION_WORDS[action]
    text = f"工单 {out['matter_no']} 已{words}，现为“{MC.STATUS_WORDS[out['status']]}”。"
    if action == "revisit" and out["status"] == "redo":
        text = f"回访不满意：工单 {out['matter_no']} 已退回 {out['department']} 重办。"
    return flash(RedirectResponse(f"/console/matters/{uuid}", status_code=303), "ok", text)


async def _followup(request: Request, user: User, uuid: str, form: dict[str, str]
                    ) -> Response:
    st = storage_of(request)
    if user.role not in CLERK:
        raise Forbidden("只有区级审核员和管理员可以登记协调部门、根本原因和整改。", user)
    cs = auth.console(request)
    what = form.get("what", "")

    def audited(conn: Any, out: dict[str, Any]) -> None:
        detail = {k: v for k, v in out.items() if k not in ("uuid", "what") and v}
        cs.audit.append_in(conn, user.username, f"matter.{'cause' if what == 'cannot' else 'rectify'}",
                    uuid, **detail)

    try:
        await run_in_threadpool(lambda: ML.save_followup(st, uuid, what, form,
                                                         actor=user.username, audit=audited))
    except Refused as exc:
        field = str(exc.extra.get("field") or "")
        code = 404 if exc.extra.get("rule") == "not_found" else 422
        error = {"action": f"followup-{what}", "field": field, "form": form,
                 "message": exc.message.removeprefix(f"{field}: ")}
        return await run_in_threadpool(lambda: _order_page(request, user, uuid, status=code,
                                                           error=error))
    text = "已登记协调部门和根本原因。" if what == "cannot" else "已保存整改事项。"
    return flash(RedirectResponse(f"/console/matters/{uuid}", status_code=303), "ok", text)


# -- exports -----------------------------------------------------------------------------------

def _today() -> str:
    return datetime.now(district_zone()).strftime("%Y%m%d")


def _head(what: str, user: User, filters: str, note: str) -> list[tuple[str, str]]:
    return [(what, ""), ("筛选条件", filters), ("导出人", user.username),
            ("导出时间", local_time(datetime.now(UTC).isoformat(), "%Y-%m-%d %H:%M:%S")),
            ("说明", note)]


def _xlsx(sheet: str, head: list[tuple[str, str]], columns: list[str],
          rows: list[list[str]], widths: tuple[int, ...]) -> str:
    return _xlsx_counted(sheet, head, columns, iter(rows), widths)[0]


def _xlsx_counted(sheet: str, head: list[tuple[str, str]], columns: list[str],
                  rows: Iterator[list[str]], widths: tuple[int, ...]) -> tuple[str, int]:
    """An XLSX file (constant memory): a header block, a blank row, the table."""
    import xlsxwriter

    fd, path = tempfile.mkstemp(prefix="doorstep-matters-", suffix=".xlsx")
    os.close(fd)
    wb = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": tempfile.gettempdir(),
                                    "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet(sheet)
    bold = wb.add_format({"bold": True})
    th = wb.add_format({"bold": True, "bg_color": "#E8EEF5"})
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    n = 0
    for label, value in head:
        ws.write_string(n, 0, label, bold)
        ws.write_string(n, 1, value)
        n += 1
    n += 1
    ws.freeze_panes(n + 1, 0)
    for i, c in enumerate(columns):
        ws.write_string(n, i, c, th)
    n += 1
    count = 0
    for r in rows:
        for i, v in enumerate(r):
            ws.write_string(n, i, v)
        n += 1
        count += 1
    wb.close()
    return path, count


def _download(path: str, name: str) -> Response:
    from urllib.parse import quote

    ascii_name = "".join(ch if ch.isascii() else "_" for ch in name)
    return StreamingResponse(file_stream(path), media_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                               f"filename*=UTF-8''{quote(name)}",
        "Content-Length": str(os.path.getsize(path)), "Cache-Control": "no-store"})
