"""What a case's receipt says the desk obtained itself (issue 17): the 免提交 materials
(data sharing or electronic licence — never asked of the resident again) and whether the
applicant's identity was read from the ID card rather than typed."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desk.core.receipts.facts import CaseFacts
    from desk.core.receipts.layout import Sheet


def obtained(sheet: Sheet, f: CaseFacts) -> None:
    """Issue 17: the materials the desk obtained by data sharing or electronic licence
    (免提交 — the resident is never asked for them again), and whether the applicant's
    identity was read from the ID card rather than typed."""
    shared = [m for m in f.mats.get("shared", []) if isinstance(m, dict) and m.get("name")]
    if shared:
        sheet.heading("免提交材料")
        names = [f"{m['name']}（{'电子证照' if m.get('source') == 'e_license' else '部门共享'}）"
                 for m in shared]
        sheet.para(f.words.t("以下材料由办事点通过部门共享或电子证照获取，无需您提交：{names}。",
                             names="、".join(names)), small=True)
    reused = reused_materials(f.case)
    if reused:  # issue 23: pages on file from an earlier case, with the resident's consent
        listed = "、".join(f"{r['material']}（取自受理编号 "
                         f"{'、'.join(s['receipt_no'] for s in r['from'])}）" for r in reused)
        sheet.para(f.words.t("已存档，免再次提交：{names}。", names=listed), small=True)
    if identity_from_card(f.case):
        sheet.para(f.words.t("身份信息读自身份证"), small=True)


def reused_materials(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The materials whose pages on file were reused for the case (issue 23)."""
    try:
        data = json.loads(str(case.get("data_json") or "{}"))
    except ValueError:
        return []
    reuse = data.get("reuse") if isinstance(data, dict) else None
    mats = reuse.get("materials") if isinstance(reuse, dict) else None
    return [m for m in mats if isinstance(m, dict) and m.get("material")
            and isinstance(m.get("from"), list)] if isinstance(mats, list) else []


def identity_from_card(case: dict[str, Any]) -> bool:
    """Whether the case records its identity as read from the ID card (issue 17)."""
    try:
        data = json.loads(str(case.get("data_json") or "{}"))
    except ValueError:
        return False
    identity = data.get("identity") if isinstance(data, dict) else None
    return isinstance(identity, dict) and identity.get("source") == "card"
