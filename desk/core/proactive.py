"""已确认 on the proactive list (issue 18): the item's form filled from the list entry.

The list carries only a masked ID number; the worker reads (or checks) the resident's card
and the number read must match the masked one — the district's roster and the person in
front of the worker are the same. The item's ``proactive.prefill`` says which form field
takes which roster datum; the worker completes the rest (phone, bank account…) and files
the case as usual. A structured address field is left to the worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from desk.core.errors import ValidationFailed
from forms.engine import Problem
from forms.ids import IdNumberError, mask_id, parse_id_number
from forms.model import Item

if TYPE_CHECKING:
    from desk.core.store import Store


def prefill(item: Item, entry: dict[str, Any], id_number: str) -> dict[str, Any]:
    """The form values ``item`` takes from ``entry`` and the ID number read; refused when
    the number is not a valid one or does not match the list's masked number."""
    try:
        ident = parse_id_number(id_number)
    except IdNumberError as exc:
        raise ValidationFailed([Problem("applicant_id", "id_number", exc.message)]) from None
    if mask_id(ident.number) != str(entry.get("id_masked") or ""):
        raise ValidationFailed([Problem(
            "applicant_id", "mismatch",
            f"身份证号与名单上的 {entry.get('id_masked')} 不符，请核对是否为名单上的居民")])
    data = {"name": entry.get("name"), "id_number": ident.number,
            "address": entry.get("address"), "compound": entry.get("compound"),
            "birth_date": ident.birth_date.isoformat(), "sex": ident.sex}
    out: dict[str, Any] = {}
    pro = item.proactive
    for key, datum in (pro.prefill.items() if pro is not None else ()):
        field = item.field(key)
        value = data.get(datum)
        if value and field.type != "address":
            out[key] = value
    return out


def case_mark(store: Store, item: Item, mark: Any, applicant_id: str) -> dict[str, Any]:
    """What a case filed from 已确认 records of the list (``data["proactive"]``): the entry
    (its id, the rule's reason in words, the due date) and whether the item's proactive
    block says no application signature is needed (免申即享 · 无需签字). ``mark`` is the
    submission's ``{"entry_id": N}``; the entry must be on this desk's list, for this item,
    for the resident whose ID number the form holds — else refused, naming the field."""
    entry_id = mark.get("entry_id") if isinstance(mark, dict) else None
    if not isinstance(entry_id, int) or isinstance(entry_id, bool):
        raise ValidationFailed([Problem("proactive", "type",
                                        "主动服务：应为名单条目编号（entry_id）")])
    entry = next((e for e in store.proactive.proactive_list(include_done=True)
                  if e["entry_id"] == entry_id), None)
    if entry is None:
        raise ValidationFailed([Problem("proactive", "not_found",
                                        "主动服务：名单上没有这位居民")])
    problems = []
    if entry.get("item_code") != item.code:
        problems.append(Problem("proactive", "item",
                                f"主动服务：名单上这位居民要办的是“{entry.get('item_name')}”，"
                                f"不是“{item.name}”"))
    if not applicant_id or mask_id(applicant_id) != str(entry.get("id_masked") or ""):
        problems.append(Problem("applicant_id", "mismatch",
                                f"身份证号与名单上的 {entry.get('id_masked')} 不符，"
                                "请核对是否为名单上的居民"))
    if problems:
        raise ValidationFailed(problems)
    pro = item.proactive
    no_signature = pro.no_signature if pro is not None else bool(entry.get("no_signature"))
    return {"entry_id": entry_id, "reason": str(entry.get("reason") or ""),
            "due": str(entry.get("due") or ""), "no_signature": bool(no_signature)}
