"""Case pages, the list: the filtered case list and its bulk decisions, and what the
case pages share (the list's filters, who sees names masked, a decision's checks and its
words). The page of one case is :mod:`sync.district.console.case_page`; the exports are
:mod:`sync.district.console.case_exports`."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from forms.catalog import load_catalog
from sync.district.api_deps import storage_of
from sync.district.console import auth
from sync.district.console.auth import Actor, User, Viewer
from sync.district.console.case_list import SORTS, CaseFilter, sort_spec
from sync.district.console.routes import _back, masked_name, redirect
from sync.district.console.store import ConsoleStore, local_today
from sync.district.console.views import (
    ACTIONS,
    STATUS_LABELS,
    flash,
    render,
)
from sync.district.decisions import STATUS_NEEDS
from sync.district.errors import DistrictError
from sync.district.storage import Storage

router = APIRouter()


def list_filter(request: Request) -> CaseFilter:
    return _filter_from(request.query_params)


def _filter_from(qp: Any) -> CaseFilter:
    """The list's filters from query parameters, each checked against its choices."""
    f = CaseFilter(**{k: str(qp.get(k, "")).strip()[:64] for k in CaseFilter.__dataclass_fields__})
    if f.status and f.status != "open" and f.status not in STATUS_LABELS:
        f.status = ""
    if f.overdue not in ("", "overdue", "near", "unconfirmed"):
        f.overdue = ""
    if f.sort and f.sort.removeprefix("-") not in SORTS:
        f.sort = ""
    if f.priority not in ("", "1"):
        f.priority = ""
    if f.dates not in ("", "1"):
        f.dates = ""
    if f.dup not in ("", "1"):
        f.dup = ""
    return f


def _choices(st: Storage) -> dict[str, Any]:
    cat = load_catalog()
    return {"items": [(it.code, it.name) for it in cat.items],
            "departments": st.departments.names()}  # the managed list


def masks_names(user: User) -> bool:
    """Viewers (who cannot reveal personal data) see applicants' names masked."""
    return not user.can("reveal")


BULK_MAX = 2000  # "select all N matching": at most this many cases in one bulk action


def decision_problem(action: str, note: str, department: str,
                     departments: list[str]) -> tuple[str, str] | None:
    """What is wrong with a decision before any case is touched: (field, message), or
    None. The rules are ``storage.decisions.set_status``'s own
    (:data:`sync.district.decisions.STATUS_NEEDS`: what each status needs), checked once up
    front and told in the console's words."""
    if action not in ACTIONS:
        return "action", "请选择要执行的操作。"
    need = STATUS_NEEDS.get(ACTIONS[action][0])
    if need == "note" and not note:
        return "note", f"“{ACTIONS[action][1]}”须写明原因（意见/原因），办事点和群众据此办理。"
    if need == "department" and not department:
        return "department", "转办须选择转办部门。"
    if need == "department" and department not in departments:
        return "department", f"部门“{department}”不在转办部门名单中。"
    return None


def done_text(action: str, department: str, n: int | None = None) -> str:
    """What a decision did, in words (never "已需补正")."""
    label = STATUS_LABELS[ACTIONS[action][0]]
    what = f"已转办至{department}" if action == "route" else f"状态已改为“{label}”"
    who = f"{n} 件案件" if n is not None else "案件"
    return f"{who}{what}，办事点下次同步时可见。"


def _render_list(request: Request, cs: ConsoleStore, user: User, f: CaseFilter, page: int,
                 status_code: int = 200, **extra: Any) -> Response:
    result = cs.caselist.list_cases(f, page)
    if masks_names(user):
        for r in result.rows:
            r["applicant_name"] = masked_name(r["applicant_name"])
    query = urlencode(f.as_query())
    unsorted = urlencode({k: v for k, v in f.as_query().items() if k != "sort"})
    sort_key, sort_desc = sort_spec(f.sort)
    ctx: dict[str, Any] = {"selected": set(), "bulk": {}, "bulk_error": None}
    ctx.update(extra)
    return render(request, "cases.html", status_code, f=f, page=result, query=query,
                  unsorted=unsorted, sort_key=sort_key, sort_desc=sort_desc,
                  spot=cs.caselist.spot_codes(), workers=cs.caselist.worker_choices(),
                  desks=cs.desk_choices(), desk_names=cs.desk_names(), bulk_max=BULK_MAX,
                  today=local_today().isoformat(), **ctx, **_choices(storage_of(request)))


@router.get("/cases", include_in_schema=False)
def case_list(request: Request, page: int = 1, user: User = Viewer) -> Response:
    """The filtered case list (masked), newest accepted first or as sorted."""
    cs: ConsoleStore = auth.console(request)
    cs.readmodel.refresh(max_age=1.0)
    return _render_list(request, cs, user, list_filter(request), page)


def decide_case(st: Storage, cs: ConsoleStore, user: User, uuid: str, action: str, note: str,
                department: str) -> dict[str, Any]:
    status = ACTIONS[action][0]

    def audit(conn: Any, _res: dict[str, Any]) -> None:  # in the decision's transaction
        cs.audit.append_in(conn, user.username, "case." + action, uuid, status=status, note=note,
                    department=department or None)

    return st.decisions.set_status(uuid, status, note=note, department=department or None,
                                   actor=user.username, audit=audit)


@router.post("/cases/bulk", include_in_schema=False)
async def bulk(request: Request, user: User = Actor) -> Response:
    """One decision on every selected case; each case is decided on its own, so one that
    cannot change (e.g. already closed) does not stop the rest."""
    st = storage_of(request)
    form = await request.form()
    action = str(form.get("action") or "")
    picked = list(dict.fromkeys(str(u) for u in form.getlist("uuid")))[:BULK_MAX]
    back = _back(str(form.get("back") or ""), "/console/cases")
    note = str(form.get("note") or "").strip()[:2000]
    department = str(form.get("department") or "").strip()[:60]
    everything = str(form.get("all_matching") or "") == "1"
    cs: ConsoleStore = auth.console(request)
    # the list the clerk was on (its filters, sort and page), to show again on an error
    # with the selection and the note kept
    qs = parse_qs(urlsplit(back).query)
    f = _filter_from({k: v[0] for k, v in qs.items()})
    try:
        page = int(qs.get("page", ["1"])[0])
    except ValueError:
        page = 1
    kept = {"action": action, "note": note, "department": department,
            "all_matching": everything}

    def again(message: str, field: str, status: int = 422,
              failures: list[str] | None = None) -> Response:
        return _render_list(request, cs, user, f, page, status, selected=set(picked),
                            bulk=kept, bulk_error={"field": field, "message": message,
                                                   "failures": failures or []})

    problem = decision_problem(action, note, department, st.departments.names())
    if problem:  # checked once, before any case is touched
        return await run_in_threadpool(again, problem[1], problem[0])
    if everything:
        total = await run_in_threadpool(cs.caselist.count_cases, f)
        if total > BULK_MAX:
            return await run_in_threadpool(
                again, f"符合条件的案件有 {total} 件，一次最多处理 {BULK_MAX} 件，请缩小筛选范围。",
                "all_matching")
        uuids = [r["uuid"] for rows in await run_in_threadpool(
            lambda: list(cs.caselist.iter_cases(f))) for r in rows]
    else:
        uuids = picked
    if not uuids:
        return await run_in_threadpool(again, "请先勾选案件。", "uuid")
    def run() -> tuple[int, list[str]]:
        done, failed = 0, []
        names = {r["uuid"]: r for r in cs.caselist.case_summary(uuids)}
        for u in uuids:
            try:
                decide_case(st, cs, user, u, action, note, department)
                done += 1
            except DistrictError as exc:
                r = names.get(u)
                # named by receipt number and applicant (masked, as in any message)
                who = f"{r['receipt_no']}（{masked_name(r['applicant_name'])}）" if r else u
                failed.append(f"{who}：{exc.message.split(': ', 1)[-1]}")
        cs.readmodel.refresh()
        return done, failed

    done, failed = await run_in_threadpool(run)
    label = ACTIONS[action][1]
    if failed:
        return await run_in_threadpool(
            again, f"“{label}”：成功 {done} 件，未成功 {len(failed)} 件，见下列案件：",
            "cases", 409, failed)
    return flash(redirect(back), "ok", done_text(action, department, done))
