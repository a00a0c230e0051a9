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
from sync.district.console.auth import User, clear_cookie, set_cookie
from sync.district.console_store import LOCAL_TZ, ConsoleStore

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
ROLE_LABELS = {"admin": "管理员", "reviewer": "审核员", "viewer": "只读"}
CALLBACK_OUTCOMES = ("问题已当场解决", "已解释说明（无法律依据）", "纳入台账限期整改",
                     "已转办责任部门", "无法联系到评价人", "误评/恶意差评，申请复核")
AUDIT_ACTIONS = {
    "login.ok": "登录", "login.failed": "登录失败", "login.locked": "登录被锁定",
    "logout": "退出", "case.accept": "受理", "case.correct": "需补正", "case.complete": "办结",
    "case.reject": "不予办理", "case.route": "转办", "pii.reveal": "查看完整个人信息",
    "export": "导出", "callback.close": "差评回访", "desk.enroll_code": "开注册码",
    "desk.revoke": "停用办事点", "catalog.publish": "发布目录", "user.add": "添加用户",
    "user.role": "修改角色", "user.disable": "停用用户", "user.enable": "启用用户",
    "attachment.download": "下载附件", "audit.checkpoint_lost": "审计校验点丢失",
    "route.accepted": "联办事项受理", "route.needs_correction": "联办事项需补正",
    "route.completed": "联办事项办结", "route.rejected": "联办事项不予办理",
    "department.add": "添加部门",
}
AUDIT_KEYS = {"note": "意见", "status": "状态", "reason": "事由", "department": "部门",
              "outcome": "结果", "filters": "筛选条件", "name": "名称", "role": "角色",
              "published": "新发布", "sha256": "附件", "cause": "原因",
              "checkpoint_hash": "校验点哈希", "last_id": "当前最后一条", "last_hash": "其哈希",
              "item_code": "联办事项", "case_status": "案件状态", "added": "新添加",
              "seq": "序号", "as": "代表"}
ACTIONS = {  # form value → (status, label)
    "accept": ("accepted", "受理"), "correct": ("needs_correction", "需补正"),
    "complete": ("completed", "办结"), "reject": ("rejected", "不予办理"),
    "route": ("routed", "转办"),
}
SENSITIVE_TYPES = {"id_number", "phone", "mobile", "bank_account"}


def local_time(iso: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC ISO timestamp as district local time."""
    if not iso:
        return "—"
    try:
        return datetime.fromisoformat(iso).astimezone(LOCAL_TZ).strftime(fmt)
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
