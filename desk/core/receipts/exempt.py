"""免申即享 on a case's receipt (issue 18): a case filed from 已确认 on the proactive list
records the list entry (``data["proactive"]``); its receipt says so in the case rows and the
stub, and — when the item's proactive block says no signature is needed — prints 无需签字
where the applicant's signature line would be."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desk.core.receipts.layout import Sheet

SIGN_LABELS = ["申请人（代办人）签字：", "经办人签字："]
STUB_SIGN = "申请人（代办人）签收："


def proactive_mark(case: dict[str, Any]) -> dict[str, Any] | None:
    """The case's proactive mark, or None for a case the resident applied for."""
    try:
        data = json.loads(str(case.get("data_json") or "{}"))
    except ValueError:
        return None
    mark = data.get("proactive") if isinstance(data, dict) else None
    return mark if isinstance(mark, dict) and mark.get("entry_id") else None


def exempt_rows(case: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """The receipt's 办理方式 row of a 免申 case (none otherwise)."""
    mark = proactive_mark(case)
    if mark is None:
        return []
    words = "免申即享（办事点主动服务" + (f"：{mark['reason']}" if mark.get("reason") else "") + "）"
    if mark.get("no_signature"):
        words += "，无需签字"
    return [("办理方式", words, True)]


def exempt_stub(case: dict[str, Any]) -> list[tuple[str, str]]:
    """The receipt stub's line of a 免申 case (无需签字 goes where the 签收 line would be)."""
    return [] if proactive_mark(case) is None else [("办理方式", "免申即享")]


def stub_signature(sheet: Sheet, case: dict[str, Any]) -> None:
    """The A4 stub's 签收 line; for a 免申 case whose item needs no signature, 无需签字
    in its place. The correction notice's stub passes no case (``{}``): the resident signs
    for the notice whatever the case."""
    mark = proactive_mark(case)
    if mark is None or not mark.get("no_signature"):
        sheet.signature([STUB_SIGN], date_line=True)
        return
    sheet.space(8)  # clear of the table, as the signature line would be
    sheet.para("申请人：免申即享，无需签字")


def signatures(sheet: Sheet, case: dict[str, Any], image: bytes | None) -> None:
    """The signature lines; for a 免申 case whose item needs no signature, 无需签字 in
    place of the applicant's line (the worker still signs)."""
    mark = proactive_mark(case)
    if mark is None or not mark.get("no_signature"):
        sheet.signature(SIGN_LABELS, image=image)
        return
    sheet.para("申请人：免申即享，无需签字")
    sheet.signature(SIGN_LABELS[1:])
