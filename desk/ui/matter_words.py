"""Resident matters (民情诉求, issue 15) in the worker's words: statuses, urgencies, answer
ways, deadlines, history entries and validation messages, each through ``tr`` (English in
``resources/translations/doorstep_en.ts``). Category and sub-category names are the
district's data and stay as published."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from desk.core import clock
from desk.ui.problems import problem_text
from desk.ui.text import esc, tr
from forms.engine import Problem
from forms.ids import mask_id, mask_phone
from forms.matters import place_words


def urgency_label(code: str | None) -> str:
    """紧急 / 一般 / 复杂 (the stored words are the protocol's)."""
    return {"紧急": tr("紧急"), "一般": tr("一般"), "复杂": tr("复杂")}.get(code or "", code or "")


def satisfaction_label(code: str | None) -> str:
    """满意 / 基本满意 / 不满意."""
    return {"满意": tr("满意"), "基本满意": tr("基本满意"), "不满意": tr("不满意")}.get(
        code or "", code or "")


def answer_label(code: str | None) -> str:
    """How the resident wants the answer."""
    return {"phone": tr("电话答复"), "in_person": tr("当面答复"), "none": tr("无需答复")}.get(
        code or "", code or "")


def district_matter_label(code: str | None) -> str:
    """The district's work-order status, in words (empty before any)."""
    return {"received": tr("区级已接收"), "dispatched": tr("已派单"), "signed": tr("已签收"),
            "answered": tr("已反馈"), "redo": tr("重办中"), "closed": tr("区级已办结"),
            "extended": tr("已延期")}.get(code or "", code or "")


def status_words(m: dict[str, Any]) -> str:
    """Where a matter stands: closed at the desk, the district's step, or open."""
    if m.get("status") == "closed":
        return tr("已当场办结")
    if m.get("district_status"):
        return district_matter_label(str(m["district_status"]))
    return tr("办理中")


def sla_label(state: str | None) -> str:
    """In time, due soon (即将超时) or overdue (超时)."""
    return {"normal": tr("正常"), "due_soon": tr("即将超时"), "overdue": tr("超时")}.get(
        state or "", "")


def short_time(iso: str | None) -> str:
    """``2026-09-30T10:05:00+08:00`` → ``2026-09-30 10:05``, in the desk's zone (the
    district writes its times in UTC)."""
    try:
        t = datetime.fromisoformat(str(iso or ""))
    except ValueError:
        return str(iso or "")[:16].replace("T", " ")
    if t.tzinfo is not None:
        t = t.astimezone(clock.now().tzinfo)
    return t.strftime("%Y-%m-%d %H:%M")


def due_words(due: datetime, sla_label_text: str) -> str:
    """The computed deadline as the form shows it."""
    return tr("{time}前答复（时限 {limit}）").format(
        time=due.strftime("%Y-%m-%d %H:%M"), limit=sla_label_text)


def sla_text(sla_json: str | None) -> str:
    """The time limit stored with a matter, in words (``7天``; units through ``tr``)."""
    sla = json.loads(sla_json or "{}")
    units = {"hours": tr("{n}小时"), "days": tr("{n}天"), "workdays": tr("{n}个工作日")}
    unit = units.get(str(sla.get("unit")))
    return unit.format(n=sla.get("amount")) if unit else str(sla.get("label") or "")


def place_text(place_json: str | None) -> str:
    """汉阳花园 3栋 2单元 502室 (or the place) on one line, as the 受理单 prints it."""
    return place_words(json.loads(place_json or "{}"))


def resident_text(resident_json: str | None) -> str:
    """The resident masked, or 匿名."""
    r = json.loads(resident_json or "{}")
    if not r:
        return tr("匿名")
    bits = [str(r.get("name") or tr("（未留姓名）"))]
    if r.get("phone"):
        bits.append(mask_phone(str(r["phone"])))
    if r.get("id_number"):
        bits.append(mask_id(str(r["id_number"])))
    return " ".join(bits)


def history_rows(m: dict[str, Any], entries: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """A matter's history, oldest first: (when, what, detail) — recorded, each hand-over
    with its reason, closed on the spot, and every district step pulled (派单, 签收, 反馈,
    回访, 办结, 延期)."""
    rows = []
    for e in entries:
        d = e.get("detail") or {}
        action = str(e.get("action", ""))
        at = short_time(str(e.get("at", "")))
        if action == "matter.create":
            rows.append((at, tr("登记诉求"), tr("首问负责人 {owner}").format(
                owner=d.get("owner", ""))))
        elif action == "matter.handover":
            rows.append((at, tr("移交"), tr("{a} → {b}，原因：{why}").format(
                a=d.get("from", ""), b=d.get("to", ""), why=d.get("reason", ""))))
        elif action == "matter.close":
            rows.append((at, tr("当场办结"), tr("居民评价：{s}").format(
                s=satisfaction_label(d.get("satisfaction")))))
        elif action == "matter.taken_over":  # a replacement laptop took it over
            bits = [tr("原电脑 {t} 登记，首问负责人 {owner}").format(
                t=short_time(str(d.get("created_at", ""))), owner=d.get("worker", ""))]
            bits += [tr("{t} 移交 {a} → {b}（{why}）").format(
                t=short_time(str(h.get("at", ""))), a=h.get("from", ""), b=h.get("to", ""),
                why=h.get("reason", "")) for h in d.get("handovers") or []]
            rows.append((at, tr("换新电脑后接手"), "；".join(bits)))
        elif action == "matter.answer_passed":
            rows.append((at, tr("已转告居民"), ""))
        elif action == "district.matter":
            body = d.get("matter") or {}
            bits = [str(x) for x in (d.get("department"), body.get("answer"),
                                     body.get("satisfaction"), d.get("note"))
                    if x]
            if body.get("due_at") and d.get("status") == "extended":
                bits.append(tr("新期限 {t}").format(t=short_time(str(body["due_at"]))))
            rows.append((at, district_step(d), " · ".join(dict.fromkeys(bits))))
        elif action.startswith("sync.matter_"):
            rows.append((at, tr("上传被退回"), str(d.get("reason", ""))))
    return rows


def district_step(d: dict[str, Any]) -> str:
    """What the district did, from the status it moved the order to."""
    status = str(d.get("status") or "")
    body = d.get("matter") or {}
    if status == "redo":
        return tr("回访不满意，重办")
    if status == "closed" and body.get("satisfaction"):
        return tr("回访 · 办结")
    return {"received": tr("区级接收"), "dispatched": tr("派单"), "signed": tr("签收"),
            "answered": tr("反馈"), "closed": tr("办结"), "extended": tr("延期")}.get(
        status, district_matter_label(status) or tr("区级更新"))


def history_html(rows: list[tuple[str, str, str]]) -> str:
    """The rows as the detail page's table."""
    from desk.ui.style import colour

    # an entry on lines of its own — when; what; the details — as the case page does: in
    # 长辈 mode three table columns split a worker's name over two lines
    line = "<p style='margin-top:{0}px;margin-bottom:0'>{1}</p>"
    out = []
    for at, what, detail in rows:
        out.append(line.format(10, f"<span style='color:{colour('muted')}'>"
                                   f"{esc(at).replace(' ', '&nbsp;')}</span>")
                   + line.format(2, f"<b>{esc(what)}</b>")
                   + (line.format(2, esc(detail)) if detail else ""))
    return "<h3>" + tr("办理记录") + "</h3>" + "".join(out)


def matter_problem_text(p: Problem) -> str:
    """A matter's validation message in the UI's language: the engine's path for a
    templated one, else the message's own translation (the fixed ones are listed below for
    lupdate), else the Chinese."""
    if p.template:
        return problem_text(p)
    return tr(p.message)


def known_messages() -> list[str]:
    """The matter service's fixed messages, each through ``tr`` so lupdate finds them."""
    return [
        tr("请选择诉求分类"), tr("请填写诉求内容"), tr("选择电话答复时请填写居民联系电话"),
        tr("请填写接手人"), tr("请说明移交原因"), tr("请填写办理结果"), tr("诉求内容不超过2000个字"),
        tr("办理结果不超过2000个字"), tr("移交原因不超过500个字"), tr("接手人不超过40个字"),
        tr("尚未完成办事点设置（办事点编码和工作人员姓名）"),
    ]
