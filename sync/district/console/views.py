"""Templates, labels and the helpers pages share (masking, dates, catalog rendering)."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse, Response

from forms.catalog import Catalog, CatalogError, load_catalog
from forms.ids import mask_id, mask_phone
from forms.model import FieldDef, Item
from sync.district.api_deps import storage_of
from sync.district.config import district_zone
from sync.district.console.auth import ROLE_NAMES, User, clear_cookie, set_cookie
from sync.district.console.store import ConsoleStore
from sync.district.storage import Storage

HERE = Path(__file__).parent

STATUS_LABELS = {
    "received": "待审核", "accepted": "已受理", "needs_correction": "需补正",
    "completed": "已办结", "rejected": "不予办理", "routed": "已转办",
}
ROUTE_LABELS = {  # a bundle (一件事) route's status
    "pending": "待处理", "accepted": "已受理", "needs_correction": "需补正",
    "completed": "已办结", "rejected": "不予办理",
}
DESK_STATUS_LABELS = {
    "draft": "草稿", "accepted": "已受理", "deferred": "容缺受理", "correction": "待补正",
    "completed": "当场办结",
}
RESULT_LABELS = {"accepted": "已接收", "duplicate": "重复（已有）", "conflict": "冲突",
                 "rejected": "被拒收"}
RATING_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
ROLE_LABELS = ROLE_NAMES
CALLBACK_OUTCOMES = ("问题已当场解决", "已解释说明（无法律依据）", "纳入台账限期整改",
                     "已转办责任部门", "无法联系到评价人", "误评/恶意差评，申请复核")
AUDIT_ACTIONS = {
    "login.ok": "登录", "login.failed": "登录失败", "login.locked": "登录被锁定",
    "logout": "退出", "case.accept": "受理", "case.correct": "需补正", "case.complete": "办结",
    "case.reject": "不予办理", "case.route": "转办", "pii.reveal": "查看完整个人信息",
    "export": "导出", "callback.close": "差评回访", "desk.enroll_code": "开注册码",
    "desk.revoke": "停用办事点", "catalog.publish": "发布目录", "user.add": "添加用户",
    "user.role": "修改角色", "user.disable": "停用用户", "user.enable": "启用用户",
    "attachment.download": "下载附件", "attachment.view": "查看附件", "audit.checkpoint_lost": "审计校验点丢失",
    "route.accepted": "联办事项受理", "route.needs_correction": "联办事项需补正",
    "route.completed": "联办事项办结", "route.rejected": "联办事项不予办理",
    "department.add": "添加部门",
    "district.restore": "区级数据库从备份恢复", "district.epoch_detected": "发现区级数据库已恢复",
    "calendar.publish": "发布节假日安排", "release.add": "上传办事台新版本",
    "roster.import": "导入主动服务花名册", "roster.delete": "删除花名册人员",
    "user.password": "重置密码", "user.profile": "修改用户信息",
    "desk.enroll_code_cancel": "作废注册码", "callback.attempt": "差评回访未联系上",
    "matter.dispatch": "工单派单", "matter.sign": "工单签收", "matter.answer": "工单反馈",
    "matter.extend": "工单延期", "matter.revisit": "工单回访", "matter.close": "工单办结",
    "matter.escalate": "工单超时督办", "matter.cause": "办不成事根因", "matter.rectify": "整改登记",
}
AUDIT_KEYS = {"note": "意见", "status": "状态", "reason": "事由", "department": "部门",
              "outcome": "结果", "filters": "筛选条件", "name": "名称", "role": "角色",
              "published": "新发布", "sha256": "附件", "cause": "原因",
              "checkpoint_hash": "校验点哈希", "last_id": "当前最后一条", "last_hash": "其哈希",
              "item_code": "联办事项", "case_status": "案件状态", "added": "新添加",
              "seq": "序号", "as": "代表", "desk_code": "办事点编号", "rows": "条数",
              "version": "版本", "real_name": "姓名", "unit": "科室",
              "attempt": "第几次尝试", "callbacks": "回访结果", "report": "报表",
              "answer": "答复", "satisfaction": "满意度", "due_at": "期限", "by": "分组"}
ACTIONS = {  # form value → (status, label)
    "accept": ("accepted", "受理"), "correct": ("needs_correction", "需补正"),
    "complete": ("completed", "办结"), "reject": ("rejected", "不予办理"),
    "route": ("routed", "转办"),
}
SENSITIVE_TYPES = {"id_number", "phone", "mobile", "bank_account"}


OVERDUE_LABELS = {"overdue": "已超承诺期", "near": "3 天内到期",
                  "unconfirmed": "当场办结·区级未确认"}
EXPORT_FORMATS = {"csv": "CSV 文件", "xlsx": "Excel 文件"}


def audit_action_codes(text: str) -> list[str] | None:
    """The audit actions an 操作 filter means: a code, or (part of) a Chinese label —
    查看 finds 查看完整个人信息. None: no filter."""
    t = text.strip()
    if not t:
        return None
    if t in AUDIT_ACTIONS:
        return [t]
    return [code for code, label in AUDIT_ACTIONS.items() if t in label]


def _filter_words(filters: dict[str, Any], desks: dict[str, str]) -> str:
    if not filters:
        return "全部案件（未筛选）"
    names = {it.code: it.name for it in load_catalog().items}
    words = []
    for k, v in filters.items():
        v = str(v)
        if k == "status":
            words.append("状态：" + ("未办结" if v == "open" else STATUS_LABELS.get(v, v)))
        elif k == "item":
            words.append("事项：" + names.get(v, v))
        elif k == "desk":
            words.append("办事点：" + desks.get(v, v))
        elif k == "department":
            words.append("部门：" + v)
        elif k == "date_from":
            words.append("受理日期自 " + v)
        elif k == "date_to":
            words.append("受理日期至 " + v)
        elif k == "overdue":
            words.append(OVERDUE_LABELS.get(v, v))
        elif k == "priority":
            words.append("仅绿色通道")
        elif k == "dates":
            words.append("办事点日期存疑")
        elif k == "q":
            words.append(f"搜索“{v}”")
        elif k == "worker":
            words.append("经办人：" + v)
        elif k in ("sort", "page"):
            continue
        else:
            words.append(f"{AUDIT_KEYS.get(k, k)}：{v}")
    return "，".join(words) or "全部案件（未筛选）"


def describe_audit(cs: ConsoleStore, st: Storage, entries: list[dict[str, Any]]) -> None:
    """Put each entry's object (``target_text``, ``target_href``) and details (``words``)
    in words: a case by its receipt number and masked applicant, a desk by its code and
    name, statuses and roles by their labels, an export by its filter and row count."""
    from sync.district.console.routes import masked_name  # (routes imports this module)

    desks = {d["desk_id"]: f"{d['desk_code']} {d['name']}" for d in st.desks.all()}
    uuids = [e["target"] for e in entries if len(e["target"]) == 36]
    cases = {r["uuid"]: r for r in cs.caselist.case_summary(uuids)} if uuids else {}
    from sync.district.matters_console import matter_numbers  # issue 15: work orders

    orders = matter_numbers(st, [e["target"] for e in entries
                                 if e["action"].startswith("matter.")])
    names = {it.code: it.name for it in load_catalog().items}
    for e in entries:
        t, d = e["target"], e["detail"]
        e["target_href"] = ""
        if t in cases:
            c = cases[t]
            e["target_text"] = f"{c['receipt_no']} {masked_name(c['applicant_name'])}"
            e["target_href"] = f"/console/cases/{t}"
        elif e["action"].startswith("matter.") and len(t) == 36:
            e["target_text"] = "民情工单 " + orders.get(t, t[:8] + "…")
            e["target_href"] = f"/console/matters/{t}"
        elif len(t) == 36 and t.count("-") == 4:
            e["target_text"] = f"案件 {t[:8]}…"
            e["target_href"] = f"/console/cases/{t}"
        elif t in desks:
            e["target_text"] = "办事点 " + desks[t]
        elif e["action"] == "export":
            e["target_text"] = EXPORT_FORMATS.get(t, t)
        else:
            e["target_text"] = t
        words: list[str] = []
        for k, v in d.items():
            if v in (None, "", [], {}) and k != "filters":
                continue
            if k in ("status", "case_status"):
                words.append(f"{AUDIT_KEYS.get(k, k)}：{STATUS_LABELS.get(str(v), v)}")
            elif k == "filters":
                words.append("筛选：" + _filter_words(v if isinstance(v, dict) else {}, desks))
            elif k == "rows":
                words.append(f"共 {int(v):,} 条")
            elif k == "role":
                words.append("角色：" + ROLE_LABELS.get(str(v), str(v)))
            elif k in ("desk_id", "replaces"):
                words.append(("替换办事点：" if k == "replaces" else "办事点：")
                             + desks.get(str(v), str(v)))
            elif k == "revoked":
                words.append("已停用" if v else "此前已停用")
            elif k == "added":
                words.append("新添加" if v else "已在名单中")
            elif k == "item_code":
                words.append("联办事项：" + names.get(str(v), str(v)))
            elif k == "sha256":
                words.append(f"附件 {str(v)[:8]}")
            elif k in ("note", "reason"):
                words.append(f"{AUDIT_KEYS[k]}：“{v}”")
            else:
                words.append(f"{AUDIT_KEYS.get(k, k)}：{_plain(v)}")
        if e["action"] == "export" and "rows" not in d:
            words.append("（当时未记录条数）")
        e["words"] = words


def local_time(iso: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC ISO timestamp as district local time."""
    if not iso:
        return "—"
    try:
        return datetime.fromisoformat(iso).astimezone(district_zone()).strftime(fmt)
    except ValueError:
        return iso


def mask_value(kind: str, value: str) -> str:
    """Mask an ID number, phone or account for display."""
    if not value:
        return ""
    if kind == "id_number":
        return mask_id(value)
    if kind in ("phone", "mobile"):
        return mask_phone(value)
    s = value.strip()
    return s[:4] + "*" * max(0, len(s) - 8) + s[-4:] if len(s) > 8 else "*" * len(s)


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["localtime"] = local_time
    env.filters["num"] = lambda n: f"{int(n or 0):,}"
    env.filters["status"] = lambda s: STATUS_LABELS.get(s or "", s or "—")
    env.filters["plain"] = lambda v: (STATUS_LABELS.get(v, v) if isinstance(v, str) else
                                      "是" if v is True else "否" if v is False else
                                      "，".join(f"{AUDIT_KEYS.get(k, k)} {x}" for k, x in
                                               v.items()) if isinstance(v, dict) else _plain(v))
    env.filters["desk_status"] = lambda s: DESK_STATUS_LABELS.get(s or "", s or "—")
    env.globals.update(STATUS_LABELS=STATUS_LABELS, RESULT_LABELS=RESULT_LABELS,
                       RATING_LABELS=RATING_LABELS, ROLE_LABELS=ROLE_LABELS,
                       ACTIONS=ACTIONS, AUDIT_ACTIONS=AUDIT_ACTIONS, AUDIT_KEYS=AUDIT_KEYS,
                       CALLBACK_OUTCOMES=CALLBACK_OUTCOMES,
                       urlencode=urlencode, quote=quote)
    return env


ENV = _env()


def _case_access(request: Request, uuid: str) -> list[dict[str, Any]]:
    """The case page's 查看与导出记录 (``_case_access.html``)."""
    cs: ConsoleStore = request.app.state.console
    entries = cs.audit.case_access(uuid)
    describe_audit(cs, storage_of(request), entries)
    return entries


ENV.globals["case_access"] = _case_access


def render(request: Request, template: str, status_code: int = 200,
           **ctx: Any) -> HTMLResponse:
    """Render a page with the signed-in user, their CSRF token and any flash message."""
    user: User | None = getattr(request.state, "user", None)
    flash = None
    raw = request.cookies.get("dd_flash")
    if raw:
        try:
            flash = json.loads(base64.urlsafe_b64decode(raw.encode()))
        except ValueError:
            flash = None
    html = ENV.get_template(template).render(request=request, user=user,
                                             csrf=user.csrf if user else "", flash=flash,
                                             path=request.url.path, **ctx)
    resp = HTMLResponse(html, status_code=status_code)
    if raw:
        clear_cookie(resp, "dd_flash")
    return resp


R = TypeVar("R", bound=Response)


def flash(resp: R, kind: str, text: str) -> R:
    """Show ``text`` once on the next page (after a redirect)."""
    body = json.dumps({"kind": kind, "text": text[:400]}).encode()
    set_cookie(resp, "dd_flash", base64.urlsafe_b64encode(body).decode(), max_age=60)
    return resp


# -- the catalog a case was filled under ---------------------------------------------------

@lru_cache(maxsize=16)
def _published(version: str, body: str) -> Catalog | None:
    try:
        return Catalog.from_json(json.loads(body))
    except (CatalogError, ValueError):
        return None


def catalog_for(cs: ConsoleStore, version: str) -> tuple[Catalog, bool]:
    """The catalog version a case was filled under, and whether it is exactly that one
    (otherwise the shipped catalog, as the nearest we have)."""
    shipped = load_catalog()
    if version == shipped.version:
        return shipped, True
    body = cs.catalog_body(version)
    if body is not None:
        cat = _published(version, json.dumps(body, sort_keys=True))
        if cat is not None:
            return cat, True
    return shipped, False


_ADDRESS_ORDER = ("province", "city", "district", "street", "community", "compound", "building",
                  "unit", "room", "detail")


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):  # e.g. an address: 七里一村小区 12栋 2单元 301
        keys = sorted(value, key=lambda k: (_ADDRESS_ORDER.index(k)
                                            if k in _ADDRESS_ORDER else 99, k))
        return " ".join(_plain(value[k]) for k in keys if value[k] not in (None, ""))
    if isinstance(value, list):
        return "、".join(_plain(v) for v in value)
    return str(value)


def _show(f: FieldDef, value: Any, reveal: bool) -> str:
    if value is None or value == "" or value == []:
        return ""
    if f.type == "yes_no":
        return "是" if value in (True, "true", "是", 1) else "否"
    text = _plain(value)
    if not reveal and (f.type in SENSITIVE_TYPES or f.sensitive):
        return mask_value(f.type, text)
    if f.unit:
        text = f"{text} {f.unit}"
    return text


def form_rows(item: Item | None, fields: dict[str, Any], reveal: bool) -> list[dict[str, Any]]:
    """The case's form data as labelled rows, in the item definition's order; groups
    become nested rows; keys the definition does not know are listed at the end."""
    rows: list[dict[str, Any]] = []
    known: set[str] = set()
    for f in item.fields if item else []:
        known.add(f.key)
        value = fields.get(f.key)
        if f.type == "group":
            groups = value if isinstance(value, list) else [value] if isinstance(
                value, dict) else []
            subs = []
            for g in groups:
                subs.append([{"label": s.label, "value": _show(s, g.get(s.key), reveal)}
                             for s in f.fields or [] if isinstance(g, dict)
                             and g.get(s.key) not in (None, "", [])])
            rows.append({"label": f.label, "groups": subs, "item_label": f.item_label})
            continue
        if value in (None, "", []) and not f.required:
            continue
        rows.append({"label": f.label, "value": _show(f, value, reveal) or "—",
                     "sensitive": f.type in SENSITIVE_TYPES or f.sensitive})
    for key, value in fields.items():
        if key not in known and key != "materials":
            shown = json.dumps(value, ensure_ascii=False) if isinstance(
                value, dict | list) else str(value)
            rows.append({"label": key, "value": "（已隐藏）" if not reveal else shown,
                         "unknown": True})
    return rows
