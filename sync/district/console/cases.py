"""Case pages: the filtered list, bulk actions, the detail page with decisions and the
audited reveal of personal data, and CSV / XLSX exports streamed in constant memory."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from forms.catalog import load_catalog
from sync import protocol as P
from sync.district.case_attachments import page_of_case, pages_of_case
from sync.district.console import auth
from sync.district.console.auth import Actor, Exporter, Revealer, User, Viewer
from sync.district.console.proactive import case_mark as proactive_case
from sync.district.console.routes import _back, masked_name, redirect
from sync.district.console.store import (
    OPEN_STATUSES,
    SORTS,
    CaseFilter,
    ConsoleStore,
    local_today,
    sort_spec,
)
from sync.district.console.views import (
    ACTIONS,
    DESK_STATUS_LABELS,
    RATING_LABELS,
    ROUTE_LABELS,
    STATUS_LABELS,
    catalog_for,
    flash,
    form_rows,
    local_time,
    render,
)
from sync.district.desk_dates import desk_date_flag
from sync.district.duplicates import clear_duplicate, duplicates_of
from sync.district.errors import DistrictError

router = APIRouter()


def _filter(request: Request) -> CaseFilter:
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


def _choices(cs: ConsoleStore) -> dict[str, Any]:
    cat = load_catalog()
    return {"items": [(it.code, it.name) for it in cat.items],
            "departments": cs.st.departments.names()}  # the managed list


def _masks_names(user: User) -> bool:
    """Viewers (who cannot reveal personal data) see applicants' names masked."""
    return not user.can("reveal")


BULK_MAX = 2000  # "select all N matching": at most this many cases in one bulk action
NEEDS_NOTE = ("correct", "reject")


def decision_problem(action: str, note: str, department: str,
                     departments: list[str]) -> tuple[str, str] | None:
    """What is wrong with a decision before any case is touched: (field, message), or
    None. The same rules :meth:`Storage.set_status` enforces, checked once up front."""
    if action not in ACTIONS:
        return "action", "请选择要执行的操作。"
    if action in NEEDS_NOTE and not note:
        return "note", f"“{ACTIONS[action][1]}”须写明原因（意见/原因），办事点和群众据此办理。"
    if action == "route" and not department:
        return "department", "转办须选择转办部门。"
    if action == "route" and department not in departments:
        return "department", f"部门“{department}”不在转办部门名单中。"
    return None


def _done_text(action: str, department: str, n: int | None = None) -> str:
    """What a decision did, in words (never "已需补正")."""
    label = STATUS_LABELS[ACTIONS[action][0]]
    what = f"已转办至{department}" if action == "route" else f"状态已改为“{label}”"
    who = f"{n} 件案件" if n is not None else "案件"
    return f"{who}{what}，办事点下次同步时可见。"


def _render_list(request: Request, cs: ConsoleStore, user: User, f: CaseFilter, page: int,
                 status_code: int = 200, **extra: Any) -> Response:
    result = cs.list_cases(f, page)
    if _masks_names(user):
        for r in result.rows:
            r["applicant_name"] = masked_name(r["applicant_name"])
    query = urlencode(f.as_query())
    unsorted = urlencode({k: v for k, v in f.as_query().items() if k != "sort"})
    sort_key, sort_desc = sort_spec(f.sort)
    ctx: dict[str, Any] = {"selected": set(), "bulk": {}, "bulk_error": None}
    ctx.update(extra)
    return render(request, "cases.html", status_code, f=f, page=result, query=query,
                  unsorted=unsorted, sort_key=sort_key, sort_desc=sort_desc,
                  spot=cs.spot_codes(), workers=cs.worker_choices(),
                  desks=cs.desk_choices(), desk_names=cs.desk_names(), bulk_max=BULK_MAX,
                  today=local_today().isoformat(), **ctx, **_choices(cs))


@router.get("/cases", include_in_schema=False)
def case_list(request: Request, page: int = 1, user: User = Viewer) -> Response:
    """The filtered case list (masked), newest accepted first or as sorted."""
    cs: ConsoleStore = auth.console(request)
    cs.readmodel.refresh(max_age=1.0)
    return _render_list(request, cs, user, _filter(request), page)


def _decide(cs: ConsoleStore, user: User, uuid: str, action: str, note: str,
            department: str) -> dict[str, Any]:
    status = ACTIONS[action][0]

    def audit(conn: Any, _res: dict[str, Any]) -> None:  # in the decision's transaction
        cs.audit.append_in(conn, user.username, "case." + action, uuid, status=status, note=note,
                    department=department or None)

    return cs.st.set_status(uuid, status, note=note, department=department or None,
                            actor=user.username, audit=audit)


@router.post("/cases/bulk", include_in_schema=False)
async def bulk(request: Request, user: User = Actor) -> Response:
    """One decision on every selected case; each case is decided on its own, so one that
    cannot change (e.g. already closed) does not stop the rest."""
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

    problem = decision_problem(action, note, department, cs.st.departments.names())
    if problem:  # checked once, before any case is touched
        return await run_in_threadpool(again, problem[1], problem[0])
    if everything:
        total = await run_in_threadpool(cs.count_cases, f)
        if total > BULK_MAX:
            return await run_in_threadpool(
                again, f"符合条件的案件有 {total} 件，一次最多处理 {BULK_MAX} 件，请缩小筛选范围。",
                "all_matching")
        uuids = [r["uuid"] for rows in await run_in_threadpool(
            lambda: list(cs.iter_cases(f))) for r in rows]
    else:
        uuids = picked
    if not uuids:
        return await run_in_threadpool(again, "请先勾选案件。", "uuid")
    def run() -> tuple[int, list[str]]:
        done, failed = 0, []
        names = {r["uuid"]: r for r in cs.case_summary(uuids)}
        for u in uuids:
            try:
                _decide(cs, user, u, action, note, department)
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
    return flash(redirect(back), "ok", _done_text(action, department, done))


def _detail(request: Request, uuid: str, reveal: bool = False,
            reason: str = "", status_code: int = 200,
            decision: dict[str, Any] | None = None) -> Response:
    cs: ConsoleStore = auth.console(request)
    case = cs.st.get_case(uuid)
    if case is None:
        return render(request, "error.html", 404, title="没有这个案件",
                      message=f"没有找到案件 {uuid}。")
    user: User = request.state.user
    mask = _masks_names(user) and not reveal
    cat, exact = catalog_for(cs, case["catalog_version"])
    item = cat.get(case["item_code"]) if case["item_code"] in cat else None
    payload = case["payload"] or {}
    try:
        data = json.loads(payload.get("data_json") or "{}")
    except ValueError:
        data = {}
    fields = data.get("fields", data) if isinstance(data, dict) else {}
    if mask and isinstance(fields, dict):
        case["applicant_name"] = masked_name(case["applicant_name"])
        fields = {k: masked_name(v) if k == "applicant_name" and isinstance(v, str) else v
                  for k, v in fields.items()}
    try:
        mats = json.loads(payload.get("materials_json") or "{}")
    except ValueError:
        mats = {}
    missing = {m.get("name"): m for m in mats.get("missing", []) if isinstance(m, dict)}
    received = set(mats.get("received", []))
    shared = {m.get("name"): m for m in mats.get("shared", []) if isinstance(m, dict)}
    materials = []
    for m in item.materials if item else []:
        miss = missing.pop(m.name, None)
        materials.append({"name": m.name, "form": m.form_label, "required": m.required,
                          "deferrable": m.deferrable, "received": m.name in received,
                          "missing": miss, "shared": shared.get(m.name)})
    for name, miss in missing.items():
        materials.append({"name": name, "form": miss.get("form", ""), "required":
                          miss.get("required", True), "deferrable": miss.get("deferrable"),
                          "received": False, "missing": miss, "shared": None})
    def change_words(h: dict[str, Any]) -> str:
        # a 一件事 route's change names its item; a status is always in words (never a raw
        # "pending" or "route")
        if h["kind"] == "route":
            label = ROUTE_LABELS.get(h["status"] or "", STATUS_LABELS.get(h["status"] or "",
                                                                          "状态变更"))
            return f"{h.get('item_name') or '联办事项'}：{label}"
        return STATUS_LABELS.get(h["status"] or "", "状态变更")

    history = [{"at": h["at"], "who": h["actor"], "what": change_words(h), "note": h["note"],
                "department": h["department"]} for h in case["history"]]
    for a in cs.audit.entries(target=uuid, limit=100):
        if a["action"] in ("pii.reveal", "callback.close", "attachment.download",
                           "attachment.view"):
            what = {"pii.reveal": "查看完整个人信息", "callback.close": "差评回访",
                    "attachment.download": "下载附件", "attachment.view": "查看附件"}[a["action"]]
            history.append({"at": a["at"], "who": a["actor"], "what": what,
                            "note": a["detail"].get("reason") or a["detail"].get("note", ""),
                            "department": None})
    for r in cs.st.reconcile.status_reports(case_uuid=uuid):  # issue 22: lost in a restore
        label = STATUS_LABELS.get(r["status"], r["status"])
        history.append({"at": r["at"], "who": f"{case['desk_code']}（办事点报告）",
                        "what": f"区级恢复前的决定：{label}（区级已丢失，请重新作出）",
                        "note": r["note"], "department": r["department"]})
    for r in case["revisions"]:
        history.append({"at": r["received_at"], "who": case["desk_code"],
                        "what": f"办事点上传第 {r['revision']} 版", "note": "",
                        "department": None})
    history.sort(key=lambda h: h["at"])
    attachments = payload.get("attachments") if isinstance(payload.get("attachments"),
                                                           list) else []
    pages = pages_of_case(cs.st, uuid)  # issue 17: photos and scans, after the case
    resp = render(
        request, "case.html", status_code, decision=decision or {}, case=case,
        desk_name=cs.desk_names().get(case["desk_id"], ""), item=item, exact=exact, cat=cat,
        rows=form_rows(item, fields if isinstance(fields, dict) else {}, reveal),
        derived=data.get("derived", {}) if isinstance(data, dict) else {},
        materials=materials, mats=mats, history=history, attachments=attachments, pages=pages,
        identity_card=isinstance(data, dict) and isinstance(data.get("identity"), dict)
        and data["identity"].get("source") == "card",
        proactive=proactive_case(cs.st, case, data),  # issue 18: 免申即享
        reveal=reveal, reason=reason, callback=cs.callbacks.get(uuid),
        departments=cs.st.departments.names(), is_open=case["district_status"] in OPEN_STATUSES,
        ROUTE_LABELS=ROUTE_LABELS, ROUTE_NEXT=P.ROUTE_NEXT,
        RATING_LABELS=RATING_LABELS, DESK_STATUS_LABELS=DESK_STATUS_LABELS,
        today=local_today().isoformat(), date_flag=desk_date_flag(cs.st, uuid),
        dup_flags=duplicates_of(cs.st, uuid))  # issue 23
    if reveal:
        resp.headers["Cache-Control"] = "no-store"
    return resp


@router.get("/cases/{uuid}", include_in_schema=False)
def case_detail(request: Request, uuid: str, shown: int = 0,
                user: User = Viewer) -> Response:
    """A case rendered through the catalog version it was filled under (masked).

    ``shown``: the audit entry of a reveal just made (the reveal form redirects here):
    the full data is shown once; reloading shows the masked page with a notice, and
    neither reveals nor audits again."""
    if 0 < shown < 2**31 and user.can("reveal"):  # (the audit id column's range)
        cs: ConsoleStore = auth.console(request)
        reason = cs.audit.take_reveal(shown, user.username, uuid)
        if reason is not None:
            return _detail(request, uuid, True, reason)
        return flash(redirect(f"/console/cases/{uuid}"), "info",
                     "完整个人信息只显示一次，已恢复脱敏显示；如需再次查看，请重新填写事由。")
    return _detail(request, uuid)


@router.post("/cases/{uuid}/reveal", include_in_schema=False)
async def reveal(request: Request, uuid: str, user: User = Revealer) -> Response:
    """Show the full personal data once, for a stated reason written to the audit log."""
    form = await request.form()
    reason = str(form.get("reason") or "").strip()[:200]
    if len(reason) < 2:
        return flash(redirect(f"/console/cases/{uuid}#reveal"), "error",
                     "查看完整个人信息须填写事由。")
    cs: ConsoleStore = auth.console(request)
    if cs.st.get_case(uuid) is None:
        return render(request, "error.html", 404, title="没有这个案件", message="没有找到该案件。")
    entry = await run_in_threadpool(cs.audit.append, user.username, "pii.reveal", uuid,
                                    reason=reason)
    # redirect after POST: a reload of the page shown is a GET that reveals nothing more
    return redirect(f"/console/cases/{uuid}?shown={entry}")


@router.post("/cases/{uuid}/status", include_in_schema=False)
async def decide(request: Request, uuid: str, user: User = Actor) -> Response:
    """A decision on one case; it reaches the desk at its next sync."""
    form = await request.form()
    action = str(form.get("action") or "")
    note = str(form.get("note") or "").strip()[:2000]
    department = str(form.get("department") or "").strip()[:60]
    cs: ConsoleStore = auth.console(request)

    def again(field: str, message: str, status: int = 422) -> Response:
        # the case page again, the error beside the control that caused it and the
        # clerk's note and department kept (no redirect: nothing typed is lost)
        return _detail(request, uuid, status_code=status, decision={
            "field": field, "message": message, "note": note, "department": department,
            "action": action})

    problem = decision_problem(action, note, department,
                               await run_in_threadpool(cs.st.departments.names))
    if problem:
        return await run_in_threadpool(again, *problem)
    try:
        await run_in_threadpool(_decide, cs, user, uuid, action, note, department)
    except DistrictError as exc:
        field, _, text = exc.message.partition(": ")
        if not text or field not in ("note", "department", "status"):
            field, text = "action", exc.message
        return await run_in_threadpool(again, field, text, exc.status)
    await run_in_threadpool(cs.readmodel.refresh)
    return flash(redirect(f"/console/cases/{uuid}"), "ok", _done_text(action, department))


@router.post("/cases/{uuid}/routes/{item_code}", include_in_schema=False)
async def decide_route(request: Request, uuid: str, item_code: str,
                       user: User = Actor) -> Response:
    """A department's decision on one route of a bundle (一件事) case; the desk pulls it."""
    form = await request.form()
    status = str(form.get("status") or "")
    note = str(form.get("note") or "").strip()[:2000]
    cs: ConsoleStore = auth.console(request)
    back = f"/console/cases/{uuid}#route-{item_code}"

    def audit(conn: Any, res: dict[str, Any]) -> None:
        cs.audit.append_in(conn, user.username, "route." + status, uuid, item_code=item_code,
                    status=status, note=note, case_status=res.get("case_status"))

    try:
        res = await run_in_threadpool(lambda: cs.st.set_route(
            uuid, item_code, status, note=note, actor=user.username, audit=audit))
    except DistrictError as exc:
        return flash(redirect(back), "error", exc.message)
    await run_in_threadpool(cs.readmodel.refresh)
    text = f"{res['item_name']}（{res['department']}）：{ROUTE_LABELS.get(status, status)}"
    if res.get("case_status"):
        text += f"；各联办事项均已处理，案件{STATUS_LABELS[res['case_status']]}"
    return flash(redirect(back), "ok", text + "，办事点下次同步时可见。")


@router.post("/cases/{uuid}/duplicates/{other}/clear", include_in_schema=False)
async def clear_dup(request: Request, uuid: str, other: str, user: User = Actor) -> Response:
    """已核实非重复 (issue 23): clear the flag between two cases, with the finding; both
    desks are told at their next sync; audited in the same transaction."""
    form = await request.form()
    note = str(form.get("note") or "").strip()[:500]
    cs: ConsoleStore = auth.console(request)
    back = f"/console/cases/{uuid}#duplicates"

    def audit(conn: Any, res: dict[str, Any]) -> None:
        cs.audit.append_in(conn, user.username, "duplicate.clear", uuid, other=other, note=note,
                    desks_told=res["desks_told"])

    try:
        await run_in_threadpool(lambda: clear_duplicate(
            cs.st, uuid, other, note=note, actor=user.username, audit=audit))
    except DistrictError as exc:
        return flash(redirect(back), "error", exc.message.partition(": ")[2] or exc.message)
    return flash(redirect(back), "ok", "已核实为非重复申请，两个办事点下次同步时可见。")


@router.get("/attachments/{sha256}", include_in_schema=False)
def attachment(request: Request, sha256: str, case: str = "", view: int = 0,
               user: User = Revealer) -> Response:
    """An attachment of a case (scans hold personal data: audited). ``view=1`` shows a
    page of the case (issue 17: an image or a PDF, in the browser) — each view audited as
    ``attachment.view``; reviewers and administrators only (viewers see that pages exist)."""
    cs: ConsoleStore = auth.console(request)
    data = cs.st.attachments.get(sha256) if len(sha256) == 64 else None
    if data is None:
        return render(request, "error.html", 404, title="没有这个附件", message="附件尚未上传完成。")
    if view:
        page = page_of_case(cs.st, case, sha256) if case else None
        if page is None:
            return render(request, "error.html", 404, title="没有这个附件",
                          message="该案件没有这一页材料。")
        cs.audit.append(user.username, "attachment.view", case, sha256=sha256,
                 material=page["material"], page=page["page"])
        return Response(data, media_type=page["mime"], headers={
            "Content-Disposition": "inline", "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff"})
    cs.audit.append(user.username, "attachment.download", case or sha256, sha256=sha256)
    return Response(data, media_type="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="{sha256[:16]}"',
        "Cache-Control": "no-store"})


# -- exports --------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    ("受理编号", "receipt_no"), ("事项编码", "item_code"), ("事项名称", "item_name"),
    ("当前部门", "department"), ("办事点", "desk_code"), ("经办人", "worker"),
    ("申请人", "applicant_name"), ("身份证号（脱敏）", "id_masked"),
    ("联系电话（脱敏）", "phone_masked"), ("受理日期", "accepted_date"),
    ("承诺办结日期", "promised_date"), ("区级状态", "district_status"),
    ("区级意见", "district_note"), ("区级接收时间", "received_at"), ("案件编号", "uuid"),
)


def _cells(r: dict[str, Any], mask: bool = False) -> list[Any]:
    out = []
    for _, key in EXPORT_COLUMNS:
        v = r.get(key)
        if key == "applicant_name" and mask:
            v = masked_name(str(v or ""))
        elif key == "district_status":
            v = STATUS_LABELS.get(v or "", v)
        elif key == "received_at":
            v = local_time(v, "%Y-%m-%d %H:%M:%S")
        out.append("" if v is None else v)
    return out


def _safe(v: Any) -> Any:
    # A cell starting with = + - @ is a formula to a spreadsheet: quote it (CSV injection).
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def _csv_stream(cs: ConsoleStore, f: CaseFilter, mask: bool) -> Iterator[bytes]:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([c for c, _ in EXPORT_COLUMNS])
    yield ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel reads UTF-8 correctly
    for rows in cs.iter_cases(f):
        buf.seek(0)
        buf.truncate()
        for r in rows:
            w.writerow([_safe(v) for v in _cells(r, mask)])
        yield buf.getvalue().encode("utf-8")


def filter_words(cs: ConsoleStore, f: CaseFilter) -> list[tuple[str, str]]:
    """The filters of a list in words, e.g. [("办事点", "HY-QL01 七里一村"), ("状态", "需补正")]."""
    items = {it.code: it.name for it in load_catalog().items}
    desks = dict(cs.desk_choices())
    overdue = {"overdue": "已超期（待办）", "near": "3 天内到期（待办）",
               "unconfirmed": "当场办结 · 区级未确认"}
    words = []
    if f.desk:
        words.append(("办事点", desks.get(f.desk, f.desk)))
    if f.status:
        words.append(("状态", "全部待办" if f.status == "open" else STATUS_LABELS[f.status]))
    if f.item:
        words.append(("事项", items.get(f.item, f.item)))
    for label, v in (("部门", f.department), ("经办人", f.worker), ("搜索", f.q)):
        if v:
            words.append((label, v))
    if f.date_from or f.date_to:
        words.append(("受理日期", f"{f.date_from or '…'} 至 {f.date_to or '…'}"))
    if f.overdue:
        words.append(("承诺期", overdue[f.overdue]))
    if f.priority:
        words.append(("绿色通道", "仅绿色通道"))
    if f.dates:
        words.append(("办事点日期", "日期存疑"))
    if f.dup:
        words.append(("重复申请", "待核实"))
    return words


def export_name(cs: ConsoleStore, f: CaseFilter, fmt: str) -> str:
    """The export's file name with its filter, e.g. ``cases-HY-QL01-补正-20261202.csv``
    (desk code, status, item, department, worker, dates; never a search term — it may be
    a resident's name or number)."""
    parts = ["cases"]
    if f.desk:
        label = dict(cs.desk_choices()).get(f.desk, "")  # "HY-QL01 七里一村…"
        parts.append(label.split(" ", 1)[0] or f.desk[:12])
    short = {"needs_correction": "补正", "received": "待审核", "accepted": "已受理",
             "completed": "已办结", "rejected": "不予办理", "routed": "已转办", "open": "待办"}
    if f.status:
        parts.append(short.get(f.status, f.status))
    if f.item:
        parts.append(f.item)
    for v in (f.department, f.worker):
        if v:
            parts.append(v)
    if f.date_from or f.date_to:
        parts.append(f"{f.date_from.replace('-', '')}至{f.date_to.replace('-', '')}"
                     if f.date_from and f.date_to else
                     (f"自{f.date_from.replace('-', '')}" if f.date_from
                      else f"至{f.date_to.replace('-', '')}"))
    if f.overdue:
        parts.append({"overdue": "已超期", "near": "将到期", "unconfirmed": "区级未确认"}[f.overdue])
    if f.priority:
        parts.append("绿色通道")
    if f.dates:
        parts.append("日期存疑")
    if f.dup:
        parts.append("重复申请")
    parts.append(local_today().strftime("%Y%m%d"))
    bad = set('\\/:*?"<>|;,') | {chr(c) for c in range(32)}
    name = "-".join("".join("_" if ch in bad or ch.isspace() else ch for ch in p)
                    for p in parts)
    return f"{name[:150]}.{fmt}"


def _disposition(name: str) -> str:
    """attachment; an ASCII fallback name and the real one (RFC 6266 / 5987)."""
    ascii_name = "".join(ch if ch.isascii() else "_" for ch in name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def _xlsx_file(cs: ConsoleStore, f: CaseFilter, mask: bool = False,
               head_rows: list[tuple[str, str]] | None = None) -> str:
    import xlsxwriter

    fd, path = tempfile.mkstemp(prefix="doorstep-export-", suffix=".xlsx")
    os.close(fd)
    wb = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": tempfile.gettempdir(),
                                    "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("案件")
    head = wb.add_format({"bold": True, "bg_color": "#E8EEF5"})
    widths = (24, 10, 22, 10, 10, 10, 10, 20, 14, 12, 12, 10, 30, 20, 38)
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    # a header block: what this is (filter, exporter, time), then the table
    title = wb.add_format({"bold": True})
    n = 0
    for label, value in head_rows or []:
        ws.write_string(n, 0, label, title)
        ws.write_string(n, 1, value)
        n += 1
    if n:
        n += 1  # a blank row before the table
    ws.freeze_panes(n + 1, 0)
    for i, (c, _) in enumerate(EXPORT_COLUMNS):
        ws.write_string(n, i, c, head)
    n += 1
    for rows in cs.iter_cases(f):
        for r in rows:
            for i, v in enumerate(_cells(r, mask)):
                ws.write_string(n, i, str(v))
            n += 1
    wb.close()
    return path


def _file_stream(path: str) -> Iterator[bytes]:
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(256 * 1024):
                yield chunk
    finally:
        os.unlink(path)


@router.get("/export.{fmt}", include_in_schema=False)
async def export(request: Request, fmt: str, user: User = Exporter) -> Response:
    """The filtered case list as CSV (streamed while it is read) or XLSX (written in
    constant memory, then streamed). Personal data stays masked in exports."""
    if fmt not in ("csv", "xlsx"):
        return render(request, "error.html", 404, title="不支持的格式", message="仅支持 CSV 和 XLSX。")
    cs: ConsoleStore = auth.console(request)
    f = _filter(request)
    await run_in_threadpool(lambda: cs.readmodel.refresh(max_age=1.0))
    # audited with its filter and row count; the cases it holds are remembered (issue 21)
    await run_in_threadpool(cs.log_export, user.username, fmt, f)
    mask = _masks_names(user)  # viewers: names masked as in the list
    name = await run_in_threadpool(export_name, cs, f, fmt)
    headers = {"Content-Disposition": _disposition(name),
               "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    if fmt == "csv":
        return StreamingResponse(_csv_stream(cs, f, mask), media_type="text/csv; charset=utf-8",
                                 headers=headers)
    words = await run_in_threadpool(filter_words, cs, f)
    head_rows = [("案件导出", name),
                 ("筛选条件", "；".join(f"{k}：{v}" for k, v in words) or "全部案件"),
                 ("导出人", user.username),
                 ("导出时间", local_time(P.utc_now(), "%Y-%m-%d %H:%M:%S")),
                 ("说明", "身份证号、电话已脱敏" + ("；申请人姓名已脱敏" if mask else ""))]
    path = await run_in_threadpool(_xlsx_file, cs, f, mask, head_rows)
    headers["Content-Length"] = str(os.path.getsize(path))
    return StreamingResponse(
        _file_stream(path), headers=headers,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
