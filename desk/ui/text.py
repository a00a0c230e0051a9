"""User-facing words: the translation hook and labels for codes the core stores.

Simplified Chinese is the source language; ``tr`` looks text up in the installed
translation (English: ``resources/translations/doorstep_en.ts``). ``pyside6-lupdate``
collects every literal passed to ``tr(...)``.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QCoreApplication

# a receipt number, desk code or item code (HY-QL01-20261208-0001, HY-QL01, MZ-GLJT)
_CODE = re.compile(r"[A-Z]{2}(?:-[A-Z0-9]{2,})+")
WORD_JOINER = "\u2060"  # no line break here (Unicode's WJ: invisible, no width)


def tr(text: str) -> str:
    """The UI text in the current language."""
    return QCoreApplication.translate("", text)


def esc(value: Any) -> str:
    """HTML-escape a value for rich-text labels."""
    import html  # (not at import: the lock screen paints before it is needed)

    return html.escape("" if value is None else str(value))


def whole(text: str) -> str:
    """``text`` with every code in it kept on one line where a label wraps it: Qt breaks
    a line after a hyphen, and "HY-" at the end of one line with "YH02-20261201-0003" on
    the next is hard to read out to a resident. A word joiner after each of a code's
    hyphens (works in plain and rich text; apply after :func:`esc`)."""
    return _CODE.sub(lambda m: m.group(0).replace("-", "-" + WORD_JOINER), text)


def status_label(code: str | None) -> str:
    """The desk status of a case, in words."""
    return {
        "draft": tr("草稿"), "accepted": tr("已受理"), "deferred": tr("容缺受理"),
        "correction": tr("待补正"),
    }.get(code or "", code or "")


def route_label(code: str | None) -> str:
    """A 一件事 route's status at the district, in words."""
    return {
        "pending": tr("待处理"), "accepted": tr("已受理"), "needs_correction": tr("需补正"),
        "completed": tr("已办结"), "rejected": tr("不予办理"),
    }.get(code or "", code or "")


def district_label(code: str | None) -> str:
    """The district's decision on a case, in words (empty before any)."""
    return {
        "received": tr("区级已接收"), "accepted": tr("区级已受理"),
        "needs_correction": tr("需补正"), "completed": tr("已办结"),
        "rejected": tr("不予办理"), "routed": tr("已转办"),
    }.get(code or "", code or "")


def sync_label(code: str | None) -> str:
    """Where a case stands in the upload queue."""
    return {
        "pending": tr("待上传"), "synced": tr("已上传"), "rejected": tr("被退回"),
        "conflict": tr("冲突"),
    }.get(code or "", code or "")


def rating_label(level: int | None) -> str:
    """A 好差评 level (5 best … 1 worst) in words."""
    return {
        5: tr("非常满意"), 4: tr("满意"), 3: tr("基本满意"), 2: tr("不满意"),
        1: tr("非常不满意"),
    }.get(level or 0, "")


def kind_label(kind: str, days: int) -> str:
    """On-the-spot or promised, with the time limit."""
    if kind == "on_the_spot":
        return tr("即办件（当场办结）")
    return tr("承诺件（{n}个工作日）").format(n=days)


def material_form_label(form: str) -> str:
    """How a material is brought: original, copy, ..."""
    return {
        "original": tr("原件"), "copy": tr("复印件"), "original_and_copy": tr("原件及复印件"),
        "electronic": tr("电子证照"),
    }.get(form, form)


def action_label(action: str) -> str:
    """An audit or district event, in words."""
    return {
        "case.create": tr("受理登记"), "case.supply": tr("补交材料"),
        "case.rate": tr("居民评价"), "case.update": tr("修改案件"),
        "case.reveal": tr("查看完整信息"),
        "sync.rejected": tr("上传被退回"), "sync.conflict": tr("上传冲突"),
        "district.status": tr("区级状态更新"), "district.note": tr("区级备注"),
        "district.duplicate": tr("区级重复申请提示"),
    }.get(action, action)


def actor_label(actor: str | None) -> str:
    """Who did something in a case's history, in words: 居民, 区级, 系统 or the worker
    (工作人员 and the name the desk recorded)."""
    code = actor or ""
    fixed = {"resident": tr("居民"), "district": tr("区级"), "sync": tr("系统（同步）"),
             "system": tr("系统")}
    if code in fixed:
        return fixed[code]
    return tr("工作人员") + (f" {code}" if code and code != "worker" else "")
