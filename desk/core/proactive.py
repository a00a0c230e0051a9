"""已确认 on the proactive list (issue 18): the item's form filled from the list entry.

The list carries only a masked ID number; the worker reads (or checks) the resident's card
and the number read must match the masked one — the district's roster and the person in
front of the worker are the same. The item's ``proactive.prefill`` says which form field
takes which roster datum; the worker completes the rest (phone, bank account…) and files
the case as usual. A structured address field is left to the worker.
"""

from __future__ import annotations

from typing import Any

from desk.core.errors import ValidationFailed
from forms.engine import Problem
from forms.ids import IdNumberError, mask_id, parse_id_number
from forms.model import Item


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
