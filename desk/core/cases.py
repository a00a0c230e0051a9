"""The case lifecycle: validate a submission, decide acceptance, save, rate, supply.

Used by the desk window, the command line and the demo generator alike, so each saves
cases the same way.

States at the desk: ``accepted`` (受理), ``deferred`` (容缺受理, materials pending),
``correction`` (补正告知 issued), later ``completed`` at the desk when deferred materials are
all supplied (back to ``accepted``). Synchronisation is tracked separately
(``sync_state``: pending / synced / rejected / conflict) and the district's decisions in
``district_status`` (accepted, needs_correction, completed, rejected, routed).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from uuid6 import uuid7

from desk.core import clock
from desk.core.errors import NotFound, StoreError, ValidationFailed
from desk.core.proactive import case_mark
from desk.core.residents import ResidentService, once_guard
from desk.core.store import RATING_LEVELS, Store, now_iso
from forms.calendar import WorkCalendar
from forms.catalog import Catalog, CatalogError, load_catalog
from forms.engine import Problem, Result, applicant_summary, validate
from forms.model import Item
from forms.workdays import add_working_days

STATUS_LABELS = {
    "draft": "草稿",
    "accepted": "已受理",
    "deferred": "容缺受理",
    "correction": "待补正",
}
DISTRICT_STATUS_LABELS = {
    "received": "区级已接收",
    "accepted": "区级已受理",
    "needs_correction": "需补正",
    "completed": "已办结",
    "rejected": "不予办理",
    "routed": "已转办",
}
SYNC_LABELS = {"pending": "待上传", "synced": "已上传", "rejected": "被退回",
               "conflict": "冲突"}


@dataclass(frozen=True)
class Actor:
    """Who works at the desk: desk code and worker name."""

    desk_code: str
    worker: str


def default_defer_days(item: Item) -> int:
    """Working days a resident has to bring deferred materials (≤ the promised time)."""
    if item.defer_days:
        return min(item.defer_days, max(item.promised_days, 1))
    return max(1, min(5, item.promised_days or 5))


def decide(item: Item, result: Result, today: date,
           calendar: WorkCalendar | None = None) -> dict[str, Any]:
    """Status, promised date and the materials record for a validated submission
    (working days from ``calendar``: the desk's, see
    :meth:`desk.core.store_calendar.Calendar.work_calendar`)."""
    decision = result.decision
    missing = []
    due: str | None = None
    due_exact = True
    if decision == "deferred":
        due_wd = add_working_days(today, default_defer_days(item), calendar)
        due, due_exact = due_wd.day.isoformat(), due_wd.exact
    for m in result.missing:
        entry = {"name": m.name, "form": m.form_label, "count": m.count,
                 "required": m.required, "deferrable": m.deferrable, "note": m.note}
        if decision == "deferred" and m.required:
            entry["due_date"] = due
        missing.append(entry)
    promised: str | None = None
    exact = True
    if decision in ("accepted", "deferred") and item.kind == "promised":
        wd = add_working_days(today, item.promised_days, calendar)
        promised, exact = wd.day.isoformat(), wd.exact
    elif decision in ("accepted", "deferred"):
        promised = today.isoformat()
    materials: dict[str, Any] = {
        "received": result.received,
        "missing": missing,
        # 免提交 (issue 17): obtained by data sharing or electronic licence, not asked for
        "shared": [{"name": m.name, "source": m.source, "department": m.source_department}
                   for m in result.shared],
        "decision": decision,
        "commitment": decision == "deferred",
        "defer_due": due,
    }
    if due is not None:
        materials["defer_exact"] = due_exact  # recomputed when the official calendar arrives
    return {
        "status": decision,
        "promised_date": promised,
        "promised_exact": 1 if exact else 0,
        "materials": materials,
    }


class CaseService:
    """Saves and changes cases; the one path from a form to the store."""

    def __init__(self, store: Store, catalog: Catalog) -> None:
        self.store = store
        self.catalog = catalog
        # the desk's day: China Standard Time (desk.core.clock); the window and the command
        # line put the checked one here (desk.core.clockcheck: strict=True refuses while
        # the clock is in doubt and unconfirmed)
        self.desk_day: Callable[..., date] = lambda strict=False: clock.today()

    def catalog_for(self, version: str) -> Catalog:
        """The catalog a case was filled under: the current one, a version pulled from the
        district and kept in the store, else the shipped one."""
        if not version or version == self.catalog.version:
            return self.catalog
        body = self.store.sync.catalog_version(version)
        if body is not None:
            try:
                return Catalog.from_json(body)
            except CatalogError:
                pass
        return load_catalog()

    def item(self, code: str) -> Item:
        """The catalog item, or a clear error."""
        try:
            return self.catalog.get(code)
        except KeyError:
            raise NotFound("unknown_item", f"没有编码为 {code} 的事项") from None

    def check(self, item_code: str, submission: dict[str, Any],
              today: date | None = None) -> Result:
        """Validate without saving (live validation in the form)."""
        return validate(self.item(item_code), submission, today=today or self.desk_day())

    def submit(self, item_code: str, submission: dict[str, Any], actor: Actor,
               *, today: date | None = None,
               attachments: Sequence[tuple[str, Sequence[Any]]] = (),
               reuse_pages: Sequence[tuple[str, Sequence[str]]] = (),
               session: str = "") -> dict[str, Any]:
        """Validate and save a case; raises :class:`ValidationFailed` with every problem.

        ``attachments`` (issue 17): ``(material name, normalised pages)`` captured on the
        form, saved with the case in one transaction — pages the form staged in the store
        as they were captured (``store.attachments.stage_page`` for form ``session``) are
        claimed, so their bytes are not written again; the session's other staged pages are
        deleted. ``reuse_pages`` (issue 23):
        ``(material name, attachment ids)`` of pages on file from the resident's earlier
        cases, copied into this case as its own pages — only with the resident's consent
        (recorded on the case with who took it and when, and each page's source).

        Returns the stored case (``uuid``, ``receipt_no``, ``status``, ``promised_date``,
        ...). The case is committed durably before this returns.
        """
        if not actor.desk_code or not actor.worker:
            raise ValidationFailed([Problem("desk", "setup",
                                            "尚未完成办事点设置（办事点编码和工作人员姓名）")])
        item = self.item(item_code)
        today = today or self.desk_day(strict=True)
        result = validate(item, submission, today=today)
        if not result.ok:
            raise ValidationFailed(result.errors)
        case, search, data = self._built(item, result, actor, today)
        if result.reuse_consent:  # issue 23: the consent and any changed contact data
            data["reuse"] = ResidentService(self.store).reuse_record(item, result.data,
                                                                     result.reuse_from)
            case["data_json"] = json.dumps(data, ensure_ascii=False, sort_keys=True)
        if result.identity_read:  # issue 17: these fields came from the ID card, not typed
            data["identity"] = {"source": "card", "fields": result.identity_read}
            if result.identity_valid_to:  # issue 23: reused ID card pages expire with it
                data["identity"]["valid_to"] = result.identity_valid_to
            case["data_json"] = json.dumps(data, ensure_ascii=False, sort_keys=True)
        mark = submission.get("proactive")
        if mark is not None:  # issue 18: filed from 已确认 on the proactive list (免申即享)
            data["proactive"] = case_mark(self.store, item, mark, search["id_number"])
            case["data_json"] = json.dumps(data, ensure_ascii=False, sort_keys=True)
        if reuse_pages:  # issue 23: materials on file, copied into the new case
            attachments = [*attachments, *self._reused(result, data, search["id_number"],
                                                       reuse_pages, actor, item, today)]
            case["data_json"] = json.dumps(data, ensure_ascii=False, sort_keys=True)
        guard = once_guard(item, today, result.duplicate_exception, data)
        saved = self.store.save_new_case(case, search, actor.worker, once_check=guard,
                                         attachments=attachments, session=session)
        if mark is not None:  # the answer 已确认, linked to the case, goes with the next sync
            self.store.proactive.record_proactive_outcome(
                data["proactive"]["entry_id"], "confirmed", worker=actor.worker,
                case_uuid=saved["uuid"])
        return saved

    def tidy(self) -> None:
        """What the last saves left for later, off their path
        (:meth:`desk.core.store.Store.tidy_after_save`: new cases' name pieces indexed, the
        WAL folded): the window runs it on its background lane after a save, while the
        worker reads the receipt."""
        self.store.tidy_after_save()

    def _reused(self, result: Result, data: dict[str, Any], id_number: str,
                picks: Sequence[tuple[str, Sequence[str]]], actor: Actor, item: Item,
                today: date) -> list[tuple[str, list[Any]]]:
        """The pages on file to copy into a new case (issue 23), recorded in ``data`` —
        each within its validity on ``today``, the case's acceptance day."""
        from desk.core.attachments_reuse import pages_for_reuse

        if not result.reuse_consent:
            raise ValidationFailed([Problem(
                "reuse_consent", "required",
                "复用材料：须先经居民同意（勾选“居民同意复用已登记的信息”）")])
        pages, record = pages_for_reuse(self.store, id_number, picks, item=item, today=today,
                                        params=self.catalog.params)
        reuse = data.setdefault("reuse", {"consent": True})
        reuse.update({"materials": record, "consent_by": actor.worker,
                      "consent_at": now_iso()})
        return pages

    def build_case(self, item: Item, result: Result, actor: Actor,
                   today: date) -> tuple[dict[str, Any], dict[str, str]]:
        """The store row and search keys for a validated submission."""
        case, search, _ = self._built(item, result, actor, today)
        return case, search

    def _built(self, item: Item, result: Result, actor: Actor, today: date
               ) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
        """:meth:`build_case` and the case's data as a dict (``data_json`` is its text: the
        save adds to it without parsing the text back)."""
        outcome = decide(item, result, today, self.store.calendar.work_calendar())
        who = applicant_summary(item, result.data)
        stamp = now_iso()
        data = {
            "fields": result.data,
            "derived": result.derived,
            "warnings": [p.as_dict() for p in result.warnings],
            "remarks": result.remarks,
        }
        case = {
            "uuid": str(uuid7()),
            "item_code": item.code,
            "item_name": item.name,
            "department": item.department,
            "catalog_version": self.catalog.version,
            "status": outcome["status"],
            "sync_state": "pending",
            "revision": 1,
            "priority": 1 if result.priority else 0,
            "applicant_name": who["name"],
            "created_at": stamp,
            "updated_at": stamp,
            "accepted_date": today.isoformat(),
            "promised_date": outcome["promised_date"],
            "promised_exact": outcome["promised_exact"],
            "desk_code": actor.desk_code,
            "worker": actor.worker,
            "data_json": json.dumps(data, ensure_ascii=False, sort_keys=True),
            "materials_json": json.dumps(outcome["materials"], ensure_ascii=False,
                                         sort_keys=True),
        }
        search = {"name": who["name"], "id_number": who["id_number"], "phone": who["phone"],
                  "proxy_name": who["proxy_name"]}
        return case, search, data

    def rate(self, uuid: str, level: int, reason: str = "") -> None:
        """The resident's 好差评 rating (5 非常满意 … 1 非常不满意); once per case."""
        if level not in RATING_LEVELS:
            raise ValidationFailed([Problem("rating", "range", "评价等级应为1至5")])
        if self.store.get_case(uuid) is None:
            raise NotFound("not_found", "没有找到该案件")
        self.store.save_rating(uuid, level, reason.strip()[:500], "resident")

    def supply_materials(self, uuid: str, names: list[str], actor: Actor,
                         *, today: date | None = None,
                         attachments: Sequence[tuple[str, Sequence[Any]]] = ()
                         ) -> dict[str, Any]:
        """Record materials brought later (容缺 or 补正); accepts the case once complete.
        ``attachments`` (issue 17): ``(material, pages)`` photographed as they were brought,
        saved in the same transaction (pages of a material not supplied now are refused)."""
        case = self.store.get_case(uuid)
        if case is None:
            raise NotFound("not_found", "没有找到该案件")
        today = today or self.desk_day(strict=True)
        mats = json.loads(case["materials_json"])
        outstanding = {m["name"] for m in mats["missing"]}
        unknown = [n for n in names if n not in outstanding]
        if unknown:
            raise ValidationFailed([Problem("materials", "unknown_material",
                                            f"已收材料：“{n}”不在待补材料中") for n in unknown])
        stray = [m for m, _ in attachments if m not in names]
        if stray:
            raise ValidationFailed([Problem("attachments", "not_supplied",
                                            f"附件：“{m}”未登记补交，不能添加其照片")
                                    for m in stray])
        received_at = today.isoformat()
        for m in mats["missing"]:
            if m["name"] in names:
                m["supplied_on"] = received_at
        mats["received"] = list(dict.fromkeys([*mats["received"], *names]))
        still = [m for m in mats["missing"] if m.get("required") and not m.get("supplied_on")]
        changes: dict[str, Any] = {"materials_json": json.dumps(mats, ensure_ascii=False,
                                                                sort_keys=True)}
        if not still and case["status"] in ("deferred", "correction"):
            changes["status"] = "accepted"
            if case["status"] == "correction":
                # the time limit of the catalog version the case was filed under
                filed = self.catalog_for(str(case.get("catalog_version") or ""))
                code = case["item_code"]
                item = filed.get(code) if code in filed else \
                    self.catalog.get(code) if code in self.catalog else None
                days = item.promised_days if item else 0
                wd = add_working_days(today, days, self.store.calendar.work_calendar())
                changes["accepted_date"] = today.isoformat()
                changes["promised_date"] = wd.day.isoformat()
                changes["promised_exact"] = 1 if wd.exact else 0
        pages = [(m, p) for m, p in attachments if p]
        return self.store.update_case(uuid, changes, actor.worker, "case.supply",
                                      {"materials": len(names),
                                       "status": changes.get("status", case["status"]),
                                       **({"pages": sum(len(p) for _, p in pages)}
                                          if pages else {})},
                                      also=self.store.attachments.attachments_writer(uuid, pages,
                                                                                     actor.worker)
                                      if pages else None)

    def add_pages(self, uuid: str, material: str, pages: Sequence[Any],
                  actor: Actor) -> list[dict[str, Any]]:
        """Pages of a material the case already holds (photographed after the intake; issue
        17): one transaction, audited. A material the case has not received is refused
        (its pages come with its 补交: :meth:`supply_materials`)."""
        case = self.store.get_case(uuid)
        if case is None:
            raise NotFound("not_found", "没有找到该案件")
        mats = json.loads(case.get("materials_json") or "{}")
        if material not in mats.get("received", []):
            raise ValidationFailed([Problem("attachments", "not_received",
                                            f"附件：“{material}”尚未收取，请在登记补交时拍照")])
        return self.store.attachments.add_attachments(uuid, material, pages, actor.worker)


def overdue_deferred(case: dict[str, Any], today: date) -> list[dict[str, Any]]:
    """Deferred materials past their due date and not yet supplied."""
    mats = json.loads(case["materials_json"])
    return [m for m in mats.get("missing", [])
            if m.get("due_date") and not m.get("supplied_on")
            and m["due_date"] < today.isoformat()]


def case_warnings(case: dict[str, Any]) -> list[str]:
    """What the worker should know about a saved case: the form's warnings, and a promised
    date counted without the official holiday calendar for its year (the receipt says so
    too)."""
    out = [str(w["message"]) for w in json.loads(case["data_json"]).get("warnings", [])]
    if case.get("promised_date") and not case.get("promised_exact", 1):
        year = str(case["promised_date"])[:4]
        out.append(f"承诺办结日期 {case['promised_date']} 按法定节日推算：{year}年法定节假日安排"
                   "（国务院放假通知）尚未收到，收到后自动重算，请提醒群众以正式通知为准")
    return out


def public_case(case: dict[str, Any]) -> dict[str, Any]:
    """The JSON shape of a case on the command line (``cases --json``), masked."""
    from forms.ids import mask_id, mask_phone

    out = {k: case.get(k) for k in (
        "uuid", "receipt_no", "item_code", "item_name", "department", "status", "sync_state",
        "priority", "applicant_name", "created_at", "accepted_date", "promised_date",
        "district_status", "district_note", "district_department", "revision", "rating")}
    out["priority"] = bool(out["priority"])
    if case.get("id_rev"):
        out["applicant_id_masked"] = mask_id(case["id_rev"][::-1])
    if case.get("phone_rev"):
        out["applicant_phone_masked"] = mask_phone(case["phone_rev"][::-1])
    return out


__all__ = ["Actor", "CaseService", "StoreError", "ValidationFailed", "case_warnings", "decide",
           "overdue_deferred", "public_case"]
