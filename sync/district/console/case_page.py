"""Case pages, one case: the detail page (rendered through the catalog version it was
filled under), the audited reveal of personal data, decisions on the case and on a 一件事
route, clearing a duplicate flag, and the case's attachments (audited)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from sync import protocol as P
from sync.district.api_deps import storage_of
from sync.district.case_attachments import page_of_case, pages_of_case
from sync.district.console import auth
from sync.district.console.auth import Actor, Revealer, User, Viewer
from sync.district.console.cases import (
    decide_case,
    decision_problem,
    done_text,
    masks_names,
)
from sync.district.console.proactive import case_mark as proactive_case
from sync.district.console.routes import masked_name, redirect
from sync.district.console.store import (
    OPEN_STATUSES,
    ConsoleStore,
    local_today,
)
from sync.district.console.views import (
    DESK_STATUS_LABELS,
    RATING_LABELS,
    ROUTE_LABELS,
    STATUS_LABELS,
    catalog_for,
    flash,
    form_rows,
    render,
)
from sync.district.desk_dates import desk_date_flag
from sync.district.duplicates import clear_duplicate, duplicates_of
from sync.district.errors import DistrictError
from sync.district.storage import Storage

router = APIRouter()


def _detail(request: Request, uuid: str, reveal: bool = False,
            reason: str = "", status_code: int = 200,
            decision: dict[str, Any] | None = None) -> Response:
    st = storage_of(request)
    cs: ConsoleStore = auth.console(request)
    case = st.cases.get(uuid)
    if case is None:
        return render(request, "error.html", 404, title="没有这个案件",
                      message=f"没有找到案件 {uuid}。")
    user: User = request.state.user
    mask = masks_names(user) and not reveal
    cat, exact = catalog_for(cs, case["catalog_version"])
    item = cat.get(case["item_code"]) if case["item_code"] in cat else None
    payload = case["payload"] or {}
    data, fields = _form_data(case, payload, mask)
    try:
        mats = json.loads(payload.get("materials_json") or "{}")
    except ValueError:
        mats = {}
    materials = _materials(item, mats)
    history = _history(st, cs, case, uuid)
    attachments = payload.get("attachments") if isinstance(payload.get("attachments"),
                                                           list) else []
    pages = pages_of_case(st, uuid)  # issue 17: photos and scans, after the case
    resp = render(
        request, "case.html", status_code, decision=decision or {}, case=case,
        desk_name=cs.desk_names().get(case["desk_id"], ""), item=item, exact=exact, cat=cat,
        rows=form_rows(item, fields if isinstance(fields, dict) else {}, reveal),
        derived=data.get("derived", {}) if isinstance(data, dict) else {},
        materials=materials, mats=mats, history=history, attachments=attachments, pages=pages,
        identity_card=isinstance(data, dict) and isinstance(data.get("identity"), dict)
        and data["identity"].get("source") == "card",
        proactive=proactive_case(st, case, data),  # issue 18: 免申即享
        reveal=reveal, reason=reason, callback=cs.callbacks.get(uuid),
        departments=st.departments.names(), is_open=case["district_status"] in OPEN_STATUSES,
        ROUTE_LABELS=ROUTE_LABELS, ROUTE_NEXT=P.ROUTE_NEXT,
        RATING_LABELS=RATING_LABELS, DESK_STATUS_LABELS=DESK_STATUS_LABELS,
        today=local_today().isoformat(), date_flag=desk_date_flag(st, uuid),
        dup_flags=duplicates_of(st, uuid))  # issue 23
    if reveal:
        resp.headers["Cache-Control"] = "no-store"
    return resp


def _form_data(case: dict[str, Any], payload: dict[str, Any],
               mask: bool) -> tuple[Any, Any]:
    """The case's stored form (``data``) and its fields, the applicant's name masked in
    both the case and the fields when ``mask``."""
    try:
        data = json.loads(payload.get("data_json") or "{}")
    except ValueError:
        data = {}
    fields = data.get("fields", data) if isinstance(data, dict) else {}
    if mask and isinstance(fields, dict):
        case["applicant_name"] = masked_name(case["applicant_name"])
        fields = {k: masked_name(v) if k == "applicant_name" and isinstance(v, str) else v
                  for k, v in fields.items()}
    return data, fields


def _materials(item: Any, mats: dict[str, Any]) -> list[dict[str, Any]]:
    """The item's materials, each with what the desk recorded of it (received, missing,
    shared), then the missing ones the item no longer lists."""
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
    return materials


def _change_words(h: dict[str, Any]) -> str:
    """A change in words: a 一件事 route's change names its item; a status is always in
    words (never a raw "pending" or "route")."""
    if h["kind"] == "route":
        label = ROUTE_LABELS.get(h["status"] or "", STATUS_LABELS.get(h["status"] or "",
                                                                      "状态变更"))
        return f"{h.get('item_name') or '联办事项'}：{label}"
    return STATUS_LABELS.get(h["status"] or "", "状态变更")


_AUDITED_ON_CASE = {"pii.reveal": "查看完整个人信息", "callback.close": "差评回访",
                    "attachment.download": "下载附件", "attachment.view": "查看附件"}


def _history(st: Storage, cs: ConsoleStore, case: dict[str, Any], uuid: str
             ) -> list[dict[str, Any]]:
    """The case's history in time order: its changes, the console's audited looks at it,
    decisions lost in a restore, the desk's revisions."""
    history = [{"at": h["at"], "who": h["actor"], "what": _change_words(h), "note": h["note"],
                "department": h["department"]} for h in case["history"]]
    for a in cs.audit.entries(target=uuid, limit=100):
        if a["action"] in _AUDITED_ON_CASE:
            history.append({"at": a["at"], "who": a["actor"],
                            "what": _AUDITED_ON_CASE[a["action"]],
                            "note": a["detail"].get("reason") or a["detail"].get("note", ""),
                            "department": None})
    for r in st.reconcile.status_reports(case_uuid=uuid):  # issue 22: lost in a restore
        label = STATUS_LABELS.get(r["status"], r["status"])
        history.append({"at": r["at"], "who": f"{case['desk_code']}（办事点报告）",
                        "what": f"区级恢复前的决定：{label}（区级已丢失，请重新作出）",
                        "note": r["note"], "department": r["department"]})
    for r in case["revisions"]:
        history.append({"at": r["received_at"], "who": case["desk_code"],
                        "what": f"办事点上传第 {r['revision']} 版", "note": "",
                        "department": None})
    history.sort(key=lambda h: h["at"])
    return history


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
    st = storage_of(request)
    form = await request.form()
    reason = str(form.get("reason") or "").strip()[:200]
    if len(reason) < 2:
        return flash(redirect(f"/console/cases/{uuid}#reveal"), "error",
                     "查看完整个人信息须填写事由。")
    cs: ConsoleStore = auth.console(request)
    if st.cases.get(uuid) is None:
        return render(request, "error.html", 404, title="没有这个案件", message="没有找到该案件。")
    entry = await run_in_threadpool(cs.audit.append, user.username, "pii.reveal", uuid,
                                    reason=reason)
    # redirect after POST: a reload of the page shown is a GET that reveals nothing more
    return redirect(f"/console/cases/{uuid}?shown={entry}")


@router.post("/cases/{uuid}/status", include_in_schema=False)
async def decide(request: Request, uuid: str, user: User = Actor) -> Response:
    """A decision on one case; it reaches the desk at its next sync."""
    st = storage_of(request)
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
                               await run_in_threadpool(st.departments.names))
    if problem:
        return await run_in_threadpool(again, *problem)
    try:
        await run_in_threadpool(decide_case, st, cs, user, uuid, action, note, department)
    except DistrictError as exc:
        field, _, text = exc.message.partition(": ")
        if not text or field not in ("note", "department", "status"):
            field, text = "action", exc.message
        return await run_in_threadpool(again, field, text, exc.status)
    await run_in_threadpool(cs.readmodel.refresh)
    return flash(redirect(f"/console/cases/{uuid}"), "ok", done_text(action, department))


@router.post("/cases/{uuid}/routes/{item_code}", include_in_schema=False)
async def decide_route(request: Request, uuid: str, item_code: str,
                       user: User = Actor) -> Response:
    """A department's decision on one route of a bundle (一件事) case; the desk pulls it."""
    st = storage_of(request)
    form = await request.form()
    status = str(form.get("status") or "")
    note = str(form.get("note") or "").strip()[:2000]
    cs: ConsoleStore = auth.console(request)
    back = f"/console/cases/{uuid}#route-{item_code}"

    def audit(conn: Any, res: dict[str, Any]) -> None:
        cs.audit.append_in(conn, user.username, "route." + status, uuid, item_code=item_code,
                    status=status, note=note, case_status=res.get("case_status"))

    try:
        res = await run_in_threadpool(lambda: st.decisions.set_route(
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
    st = storage_of(request)
    form = await request.form()
    note = str(form.get("note") or "").strip()[:500]
    cs: ConsoleStore = auth.console(request)
    back = f"/console/cases/{uuid}#duplicates"

    def audit(conn: Any, res: dict[str, Any]) -> None:
        cs.audit.append_in(conn, user.username, "duplicate.clear", uuid, other=other, note=note,
                    desks_told=res["desks_told"])

    try:
        await run_in_threadpool(lambda: clear_duplicate(
            st, uuid, other, note=note, actor=user.username, audit=audit))
    except DistrictError as exc:
        return flash(redirect(back), "error", exc.message.partition(": ")[2] or exc.message)
    return flash(redirect(back), "ok", "已核实为非重复申请，两个办事点下次同步时可见。")


@router.get("/attachments/{sha256}", include_in_schema=False)
def attachment(request: Request, sha256: str, case: str = "", view: int = 0,
               user: User = Revealer) -> Response:
    """An attachment of a case (scans hold personal data: audited). ``view=1`` shows a
    page of the case (issue 17: an image or a PDF, in the browser) — each view audited as
    ``attachment.view``; reviewers and administrators only (viewers see that pages exist)."""
    st = storage_of(request)
    cs: ConsoleStore = auth.console(request)
    data = st.attachments.get(sha256) if len(sha256) == 64 else None
    if data is None:
        return render(request, "error.html", 404, title="没有这个附件", message="附件尚未上传完成。")
    if view:
        page = page_of_case(st, case, sha256) if case else None
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
