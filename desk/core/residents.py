"""The resident at the centre (issue 23): the duplicate-application rule, one look at a
resident, and reusing what a resident gave before.

A resident is their ID number (the applicant's ``applicant_id``). The store keeps no
separate register: their cases are found through the search index (see
:mod:`desk.core.store_residents`).

- :func:`once_problem` — the item's ``once`` rule (catalog data, :class:`forms.model.Once`)
  applied to the resident's earlier cases of the item; :func:`once_guard` runs it inside the
  save's write transaction (:meth:`desk.core.store.Store.save_new_case`).
- :class:`ResidentService` — the resident view: their cases (item, date, status, what is
  due), matters from pluggable sources (:data:`MATTER_SOURCES`), the household members
  named in their cases; the reusable fields of their latest case.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from desk.core.errors import ValidationFailed
from forms.engine import Problem
from forms.model import Item, Once

if TYPE_CHECKING:
    from desk.core.store import Store

CLOSED_DISTRICT = frozenset({"completed", "rejected"})
# reusable fields whose change is noted on the case (the resident moved, a new phone)
CHANGE_NOTED = frozenset({"applicant_phone", "residence", "hukou_address", "address"})


class DuplicateApplication(ValidationFailed):
    """Saving would duplicate an application the desk knows (``once`` rule); nothing saved.
    ``existing`` is the earlier case (receipt number, date, status) the worker is shown."""

    def __init__(self, problem: Problem, existing: dict[str, Any], once: Once) -> None:
        super().__init__([problem])
        self.kind = "duplicate"
        self.existing = existing
        self.once = once


def case_state_words(case: dict[str, Any]) -> str:
    """A case's state in a few words for the resident: 受理中, 待补正, 已办结, 不予办理…"""
    ds = case.get("district_status")
    if ds == "completed":
        return "已办结"
    if ds == "rejected":
        return "不予办理"
    if case.get("status") == "correction" or ds == "needs_correction":
        return "待补正"
    return "受理中"


def counts_against(once: Once, case: dict[str, Any], today: date) -> bool:
    """Whether an earlier case stops a new application under ``once``. A rejected one never
    does; ``while_open``: still open (not completed); ``per_year``: accepted in the same
    calendar year; ``lifetime``: any."""
    ds = case.get("district_status")
    if ds == "rejected":
        return False
    if once.rule == "while_open":
        return ds not in CLOSED_DISTRICT
    if once.rule == "per_year":
        return str(case.get("accepted_date", ""))[:4] == f"{today.year:04d}"
    return True


def once_problem(item: Item, earlier: list[dict[str, Any]], today: date,
                 exception: str = "") -> DuplicateApplication | None:
    """The refusal for a new application of ``item`` by a resident with the ``earlier``
    cases (newest first), or None when allowed — no rule, nothing counting, or an
    exception the item allows chosen by the worker."""
    once = item.once
    if once is None:
        return None
    hits = [c for c in earlier if counts_against(once, c, today)]
    if not hits or (exception and exception in once.exceptions):
        return None
    prev = hits[0]
    text = (f"该居民已于 {prev['accepted_date']} 申请本事项（受理编号 {prev['receipt_no']}，"
            f"{case_state_words(prev)}）；本事项规定{once.label}")
    if once.exceptions:
        text += f"，如属{'、'.join(once.exceptions)}，请选择相应的例外办理"
    return DuplicateApplication(Problem("applicant_id", "duplicate", text), prev, once)


def once_guard(item: Item, today: date, exception: str, data: dict[str, Any]
               ) -> Callable[[list[dict[str, Any]]], dict[str, Any] | None] | None:
    """The check :meth:`Store.save_new_case` runs in its transaction with the resident's
    earlier cases of the item: raises :class:`DuplicateApplication`, or — when the worker
    chose an allowed exception — returns the case's ``data_json`` with the exception
    recorded (``duplicate_exception``: kind, rule, the receipt numbers it was chosen over)."""
    if item.once is None:
        return None
    once = item.once

    def check(earlier: list[dict[str, Any]]) -> dict[str, Any] | None:
        refused = once_problem(item, earlier, today, exception)
        if refused is not None:
            raise refused
        if not exception:
            return None
        over = [c["receipt_no"] for c in earlier if counts_against(once, c, today)]
        record = {"kind": exception, "rule": once.rule, "over": over}
        return {"data_json": json.dumps(dict(data, duplicate_exception=record),
                                        ensure_ascii=False, sort_keys=True)}

    return check


# -- one look at a resident ----------------------------------------------------------------

MatterSource = Callable[["Store", str], list[dict[str, Any]]]
# Where a resident's matters (民情诉求, issue 15) come from: each source gets the store and
# the ID number and returns rows with at least ``title``, ``date``, ``status``, ``due``.
# The desk's own matters table is the first; district lists may be added.
def desk_matters(store: Store, id_number: str) -> list[dict[str, Any]]:
    """The resident's matters recorded at this desk (issue 15)."""
    out = []
    for m in store.residents.resident_matters(id_number):
        title = str(m["category"]) + (f"·{m['subcategory']}" if m.get("subcategory") else "")
        closed = m["status"] == "closed"
        out.append({"uuid": m["uuid"], "matter_no": m["matter_no"], "title": title,
                    "date": str(m["created_at"])[:10],
                    "status": "已办结" if closed else "办理中",
                    "due": "" if closed else f"{str(m['due_at'])[:10]} 前答复"})
    return out


MATTER_SOURCES: list[MatterSource] = [desk_matters]


@dataclass
class ResidentView:
    """What the desk knows of one resident."""

    id_number: str
    name: str
    phone: str
    cases: list[dict[str, Any]] = field(default_factory=list)
    matters: list[dict[str, Any]] = field(default_factory=list)
    household: list[dict[str, str]] = field(default_factory=list)


def _due(case: dict[str, Any], today: date) -> str:
    """What is due on a case, in words: deferred materials and their date, or the promise."""
    try:
        mats = json.loads(case.get("materials_json") or "{}")
    except ValueError:
        mats = {}
    owed = [m for m in mats.get("missing", [])
            if m.get("required") and not m.get("supplied_on")]
    if owed and case.get("status") in ("deferred", "correction"):
        names = "、".join(str(m["name"]) for m in owed[:3]) + ("等" if len(owed) > 3 else "")
        when = mats.get("defer_due")
        return f"待补：{names}" + (f"（{when}前）" if when else "")
    if case.get("district_status") in CLOSED_DISTRICT:
        return ""
    promised = case.get("promised_date")
    if promised and promised == case.get("accepted_date"):
        # an on-the-spot item (当场办结): done at the desk, the district yet to confirm
        return "当场办结，待区级确认"
    if promised and promised >= today.isoformat():
        return f"承诺 {promised} 前办结"
    if promised:
        return f"承诺 {promised} 前办结（已超期）"
    return ""


def _fields(case: dict[str, Any]) -> dict[str, Any]:
    try:
        fields = json.loads(case.get("data_json") or "{}").get("fields", {})
    except ValueError:
        return {}
    return fields if isinstance(fields, dict) else {}


def _household(all_fields: list[dict[str, Any]], own_id: str) -> list[dict[str, str]]:
    """People named in the resident's cases with an ID number (family members of a 低保
    household, the other spouse…), each once: name, ID number, relation."""
    out: dict[str, dict[str, str]] = {}
    for fields in all_fields:
        for value in fields.values():
            rows = value if isinstance(value, list) else []
            for row in rows:
                if not isinstance(row, dict):
                    continue
                pid = str(row.get("id_number") or "").upper()
                if not pid or pid == own_id or pid in out:
                    continue
                out[pid] = {"id_number": pid, "name": str(row.get("name") or ""),
                            "relation": str(row.get("relation") or "")}
    return list(out.values())


class ResidentService:
    """Reads the resident view and the reusable fields; never writes."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def find(self, query: str, limit: int = 20) -> list[dict[str, str]]:
        """Residents matching a search (ID number or its end, name, phone tail, pinyin
        initials): ID number, latest name and phone, newest first."""
        q = query.strip()
        if not q:
            return []
        sub, params = self.store.search._search_clause(q)
        out = []
        for pid in self.store.residents.resident_ids(sub, params, limit):
            latest = self.store.residents.resident_cases(pid, limit=1)
            fields = json.loads(latest[0]["data_json"]).get("fields", {}) if latest else {}
            out.append({"id_number": pid,
                        "name": str(latest[0]["applicant_name"]) if latest else "",
                        "phone": str(fields.get("applicant_phone", ""))})
        return out

    def view(self, id_number: str, today: date) -> ResidentView:
        """Everything the desk has for the resident with ``id_number``."""
        pid = id_number.strip().upper()
        rows = self.store.residents.resident_cases(pid)
        first = rows[0] if rows else {}
        all_fields = [_fields(r) for r in rows]  # each case's form data parsed once
        fields = all_fields[0] if all_fields else {}
        # issue 23: the district's notes that the resident applied at another desk too
        flagged = self.store.sync.duplicate_flagged([r["uuid"] for r in rows]) if rows else set()
        cases = [{"uuid": r["uuid"], "receipt_no": r["receipt_no"],
                  "item_code": r["item_code"], "item_name": r["item_name"],
                  "date": r["accepted_date"], "state": case_state_words(r),
                  "due": _due(r, today),
                  "duplicate": "；".join(n["note"] for n in self.store.sync.duplicate_notes(
                      r["uuid"]) if n["state"] == "flagged") if r["uuid"] in flagged else ""}
                 for r in rows]
        matters: list[dict[str, Any]] = []
        for source in MATTER_SOURCES:
            matters.extend(source(self.store, pid))
        return ResidentView(id_number=pid, name=str(first.get("applicant_name", "")),
                            phone=str(fields.get("applicant_phone", "")), cases=cases,
                            matters=matters, household=_household(all_fields, pid))

    # -- data given once -------------------------------------------------------------------

    def reusable_values(self, id_number: str, item: Item) -> dict[str, Any]:
        """What the resident gave before for ``item``'s reusable fields (catalog
        ``reusable``), each from their newest case that has it: ``values`` (key → value),
        ``sources`` (key → receipt number), ``from`` (the newest case used, its uuid).
        Offered on the form only after the resident agrees (居民同意复用已登记的信息)."""
        keys = [f.key for f in item.fields if f.reusable]
        rows = self.store.residents.resident_cases(id_number.strip().upper())
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        newest = ""
        for r in rows:
            fields = _fields(r)
            for k in keys:
                if k not in values and fields.get(k) not in (None, "", [], {}):
                    values[k] = fields[k]
                    sources[k] = str(r["receipt_no"])
                    newest = newest or str(r["uuid"])
            if len(values) == len(keys):
                break
        return {"values": values, "sources": sources, "from": newest}

    def reuse_record(self, item: Item, data: dict[str, Any], source_uuid: str
                     ) -> dict[str, Any]:
        """What goes on a case filled with the resident's consent: the consent, the fields
        that were offered, and each contact or address field the worker changed (phone,
        addresses — noted as a change, so the district updates its records)."""
        record: dict[str, Any] = {"consent": True}
        pid = str(data.get("applicant_id", ""))
        if not source_uuid or not pid:
            return record
        offered = self.reusable_values(pid, item)
        if source_uuid != offered["from"]:
            mine = {str(r["uuid"]) for r in self.store.residents.resident_cases(pid)}
            if source_uuid not in mine:
                raise ValidationFailed([Problem(
                    "reuse_from", "not_this_resident",
                    "复用来源：该案件不属于本申请人，不能复用其信息")])
        labels = {f.key: f.label for f in item.fields}
        kept = [k for k, v in offered["values"].items() if data.get(k) == v]
        changed = [{"field": k, "label": labels.get(k, k), "was_from": offered["sources"][k]}
                   for k, v in offered["values"].items()
                   if k in CHANGE_NOTED and k in data and data.get(k) != v]
        record.update({"from": sorted(set(offered["sources"].values())),
                       "offered": sorted(offered["values"]), "kept": sorted(kept),
                       "changed": changed})
        return record
