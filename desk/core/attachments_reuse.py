"""Materials already on file, reused for a resident's new case (issue 23, with issue 17).

When a resident the desk knows (same ID number) starts a new application, the pages of
materials captured for their earlier cases — the ID card, the household register, a
disability certificate — can be attached to the new case instead of being photographed
again:

- :func:`offered_pages`: for each paper material of the new item, the newest earlier case of
  this resident holding pages of a material of that name, with the date they were captured;
- :func:`pages_for_reuse`: the pages the worker picked, checked to belong to this resident's
  own cases, as :class:`Page` objects for the new case (saved there as its own rows in the
  case's transaction, encrypted with the store, uploaded with it), and what the case records
  of them.

Only with the resident's consent (居民同意复用已登记的信息): :meth:`CaseService.submit`
refuses reused pages without it and records who took the consent, when, and where each page
came from.

Only within their validity, on the case's acceptance day (the desk's confirmed day): a
material's ``valid_months`` in the catalog (证明, 体检/诊断报告) counts from the day its page
was captured; a material without one (户口簿, 残疾人证 …) is capped by the catalog-wide
parameter ``reuse_max_months`` when the catalog sets it; the applicant's ID card, when the
earlier case read it from the card and recorded its ``valid_to``, also not past the card's
own expiry. :func:`offered_pages` leaves an expired page out; :func:`pages_for_reuse`
refuses one, naming the material and the day it expired.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from desk.core.attachments import Page
from desk.core.errors import ValidationFailed
from forms.dates import add_months
from forms.engine import Problem, all_materials
from forms.model import Item, Material
from forms.params import Param

if TYPE_CHECKING:
    from desk.core.store import Store

# the applicant's own ID card, whatever an item calls it (居民身份证, 老人身份证, 申请人身份证
# …) — never another person's (代办人身份证, 父亲居民身份证, 申请人及家庭成员身份证)
_OWN_ID_CARD = re.compile(r"^(申请人|老人|本人|持证人)?(居民)?身份证$")
# the catalog-wide cap (months) on reusing a material that has no validity of its own
REUSE_MAX_PARAM = "reuse_max_months"
_LONG_TERM = "长期"


def material_kind(name: str) -> str:
    """What a material is, for reuse across items: the applicant's ID card under any of
    its names; otherwise the material's name itself (户口簿, 残疾人证 …)."""
    return "居民身份证" if _OWN_ID_CARD.match(name) else name


def validity_months(material: Material | None,
                    params: Mapping[str, Param] | None = None) -> int | None:
    """How many months a captured page of ``material`` may be reused: its own
    ``valid_months``, else the catalog's ``reuse_max_months`` (a positive whole number),
    else no limit (None)."""
    if material is not None and material.valid_months is not None:
        return material.valid_months
    cap = (params or {}).get(REUSE_MAX_PARAM)
    value = cap.value if cap is not None else None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def valid_to(material: Material | None, material_name: str, captured_at: str,
             source_case: Mapping[str, Any] | None,
             params: Mapping[str, Param] | None = None) -> date | None:
    """The last day a page captured at ``captured_at`` (ISO, desk zone) may be reused as
    ``material_name`` (None: no limit): ``validity_months`` from the capture day (the day
    before the same date N months on), and for the applicant's ID card not past the expiry
    the earlier case recorded from the card reader."""
    last: date | None = None
    months = validity_months(material, params)
    if months is not None:
        last = add_months(date.fromisoformat(captured_at[:10]), months) - timedelta(days=1)
    if material_kind(material_name) == "居民身份证" and source_case is not None:
        card = _card_valid_to(source_case)
        if card is not None and (last is None or card < last):
            last = card
    return last


def _card_valid_to(case: Mapping[str, Any]) -> date | None:
    """The ID card's own expiry, when the case's identity came from the card reader."""
    try:
        data = case.get("data")
        if data is None:
            data = json.loads(str(case.get("data_json") or "{}"))
        identity = data.get("identity") or {}
        raw = identity.get("valid_to") if identity.get("source") == "card" else None
        if not raw or raw == _LONG_TERM:
            return None
        return date.fromisoformat(str(raw))
    except (ValueError, TypeError, AttributeError):
        return None


def offered_pages(store: Store, id_number: str, item: Item,
                  exclude: str = "", *, today: date,
                  params: Mapping[str, Param] | None = None) -> list[dict[str, Any]]:
    """Per paper material of ``item``, the pages on file from the resident's newest earlier
    case that has that material and whose pages are still valid on ``today`` (the case's
    acceptance day): ``material``, ``case_uuid``, ``receipt_no``, ``item_name``,
    ``captured_at`` (ISO), ``valid_to`` (ISO; empty: no limit), ``pages`` (count),
    ``attachment_ids`` (in page order). ``exclude``: a case not to offer from (the one being
    edited). ``params``: the catalog's parameters (``reuse_max_months``)."""
    materials = {m.name: m for m in all_materials(item) if not m.obtained_by_sharing}
    wanted = list(materials)
    kinds = {material_kind(n): n for n in wanted}
    cases = [c for c in store.residents.resident_cases(id_number.strip().upper())
             if c["uuid"] != exclude]
    if not wanted or not cases:
        return []
    rows = store.attachments.attachments_of_cases([c["uuid"] for c in cases])
    by_case: dict[str, dict[str, list[dict[str, Any]]]] = {}  # case → this item's material
    for r in rows:
        name = kinds.get(material_kind(str(r["material"])))
        if name is not None:
            by_case.setdefault(r["case_uuid"], {}).setdefault(name, []).append(r)
    out = []
    for name in wanted:
        for c in cases:  # newest first
            pages = by_case.get(c["uuid"], {}).get(name)
            if not pages:
                continue
            oldest = min(str(r["created_at"]) for r in pages)
            last = valid_to(materials[name], name, oldest, c, params)
            if last is not None and today > last:
                continue  # expired on the acceptance day: not offered
            pages.sort(key=lambda r: int(r["page"]))
            out.append({"material": name, "case_uuid": c["uuid"],
                        "receipt_no": c["receipt_no"], "item_name": c["item_name"],
                        "captured_at": max(str(r["created_at"]) for r in pages),
                        "valid_to": last.isoformat() if last is not None else "",
                        "pages": len(pages),
                        "attachment_ids": [r["attachment_id"] for r in pages]})
            break
    return out


def pages_for_reuse(store: Store, id_number: str,
                    picks: Sequence[tuple[str, Sequence[str]]], *,
                    item: Item | None = None, today: date | None = None,
                    params: Mapping[str, Param] | None = None
                    ) -> tuple[list[tuple[str, list[Page]]], list[dict[str, Any]]]:
    """``picks``: ``(material of the new case, attachment ids on file)``. Returns the pages
    to save with the new case and the record of where they came from; refuses (naming the
    rule) a page that is not on file, belongs to another resident's case, or — with
    ``today`` (the case's acceptance day) — is past its validity (see :func:`valid_to`;
    ``item`` gives the materials' ``valid_months``, ``params`` the catalog's cap)."""
    mine = {str(c["uuid"]): c for c in store.residents.resident_cases(id_number.strip().upper())}
    wanted = [a for _, ids in picks for a in ids]
    rows = {r["attachment_id"]: r for r in store.attachments.attachment_rows(wanted)}
    problems = []
    for a in wanted:
        r = rows.get(a)
        if r is None:
            problems.append(Problem("reuse_materials", "not_found",
                                    f"复用材料：没有这份存档材料（{a}），可能已按保存期限清除"))
        elif r["case_uuid"] not in mine:
            problems.append(Problem("reuse_materials", "not_this_resident",
                                    "复用材料：该存档材料不属于本申请人，不能复用"))
    for material, ids in picks:
        for a in ids:
            r = rows.get(a)
            if r is not None and material_kind(str(r["material"])) != material_kind(material):
                problems.append(Problem("reuse_materials", "other_material",
                                        f"复用材料：存档的“{r['material']}”不能用作“{material}”"))
    if today is not None and not problems:
        problems += _expired(mine, rows, picks, item, today, params)
    if problems:
        raise ValidationFailed(problems)
    attachments: list[tuple[str, list[Page]]] = []
    record: list[dict[str, Any]] = []
    for material, ids in picks:
        if not ids:
            continue
        pages = []
        for a in ids:
            r = rows[a]
            pages.append(Page(data=store.attachments.attachment_data(a), mime=r["mime"],
                              width=int(r["width"]), height=int(r["height"]),
                              pages=int(r["pages"])))
        attachments.append((material, pages))
        sources = sorted({str(rows[a]["case_uuid"]) for a in ids})
        record.append({"material": material, "pages": len(ids),
                       "from": [{"case_uuid": u, "receipt_no": mine[u]["receipt_no"]}
                                for u in sources],
                       "attachment_ids": list(ids),
                       "captured_at": max(str(rows[a]["created_at"]) for a in ids)})
    return attachments, record


def _expired(mine: Mapping[str, Mapping[str, Any]], rows: Mapping[str, Mapping[str, Any]],
             picks: Sequence[tuple[str, Sequence[str]]], item: Item | None, today: date,
             params: Mapping[str, Param] | None) -> list[Problem]:
    """A problem per picked material with a page past its validity on ``today``."""
    materials = {m.name: m for m in all_materials(item)} if item is not None else {}
    problems = []
    for material, ids in picks:
        for a in ids:
            r = rows[a]
            last = valid_to(materials.get(material), material, str(r["created_at"]),
                            mine[str(r["case_uuid"])], params)
            if last is not None and today > last:
                problems.append(Problem(
                    "reuse_materials", "expired",
                    f"复用材料：存档的“{material}”（{str(r['created_at'])[:10]} 采集）有效期至 "
                    f"{last.isoformat()}，已过期，请居民重新提交"))
                break
    return problems
