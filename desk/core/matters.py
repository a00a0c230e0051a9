"""Resident matters at the desk (民情诉求, issue 15): record, hand over, close on the spot.

:class:`MatterService` is the one path from a submission (the window's form, or
``doorstep-desk matter new --json FILE``) to the store. A submission::

    {"category": "投诉", "subcategory": "漏水", "urgency": "一般" | "紧急" | "复杂",
     "description": "…", "resident": {"name", "phone", "id_number"} (optional: anonymous),
     "place": {"compound", "building", "unit", "room"} or {"place": "…"},
     "answer_by": "phone" | "in_person" | "none", "from_case": UUID (办不成事)}

Every problem names the field and the rule (:class:`ValidationFailed`); nothing is saved
unless all is well. The worker who records a matter owns it (首问负责) until an explicit,
audited hand-over; its deadline comes from the district's time limit for its category,
sub-category and urgency (:mod:`forms.matters`), counted on the desk's working-day
calendar.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from uuid6 import uuid7

from desk.core import clock
from desk.core.cases import Actor
from desk.core.errors import ValidationFailed
from desk.core.store import Store
from desk.core.store_base import dumps_sorted
from forms.engine import Problem
from forms.ids import (
    IdNumberError,
    mask_id,
    mask_phone,
    normalize_phone,
    parse_id_number,
    phone_problem,
)
from forms.matters import (
    ANSWER_BY,
    CANNOT_DO,
    PLACE_KEYS,
    SATISFACTION,
    URGENCIES,
    MatterConfig,
    MatterConfigError,
    default_config,
    due_at,
    parse_config,
    sla_state,
)

RESIDENT_KEYS = ("name", "phone", "id_number")
KNOWN_KEYS = frozenset(("category", "subcategory", "urgency", "description", "resident",
                        "place", "answer_by", "from_case"))
# a case this desk may open a 办不成事 matter from: 补正 at the desk, or the district's
# needs-correction / not-handled (不予办理) decision
CASE_CANNOT_DO_STATUSES = ("correction",)
DISTRICT_CANNOT_DO_STATUSES = ("needs_correction", "rejected")


def matter_config(store: Store) -> MatterConfig:
    """The district's configuration pulled last that is usable, else the shipped one:
    read and parsed only when one arrived since the last call (its stamp changed — a pull
    in another process changes it too); a save asks every time, so that is one index
    probe, not every version's body."""
    stamp = store.matters.config_stamp()
    with _CONFIGS_LOCK:
        cached = _CONFIGS.get(store.matters)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    cfg = default_config()
    for body in store.matters.matter_config_bodies():
        try:
            cfg = parse_config(body)
            break
        except MatterConfigError:
            continue
    with _CONFIGS_LOCK:
        _CONFIGS[store.matters] = (stamp, cfg)
    return cfg


# the configuration in force per store (its matters part), with the stamp it was read at
_CONFIGS: weakref.WeakKeyDictionary[Any, tuple[tuple[int, int | None], MatterConfig]] = (
    weakref.WeakKeyDictionary())
_CONFIGS_LOCK = threading.Lock()


def _text(data: Mapping[str, Any], key: str, label: str, problems: list[Problem], *,
          required: bool = False, limit: int = 100, where: str = "") -> str:
    raw = data.get(key)
    name = f"{where}{key}"
    if raw is None or raw == "":
        if required:
            problems.append(Problem(name, "required", f"请填写{label}"))
        return ""
    if not isinstance(raw, str):
        problems.append(Problem(name, "type", f"{label}应为文字"))
        return ""
    value = raw.strip()
    if required and not value:
        problems.append(Problem(name, "required", f"请填写{label}"))
    elif len(value) > limit:
        problems.append(Problem(name, "length", f"{label}不超过{limit}个字"))
    return value


def _resident(submission: Mapping[str, Any], problems: list[Problem]) -> dict[str, str]:
    """The matter's resident (name, phone, ID number; any may be absent), checked."""
    resident: dict[str, str] = {}
    raw_res = submission.get("resident")
    if raw_res is not None and not isinstance(raw_res, Mapping):
        problems.append(Problem("resident", "type", "居民信息应为 {name, phone, id_number}"))
    elif raw_res:
        for key in sorted(set(raw_res) - set(RESIDENT_KEYS)):
            problems.append(Problem(f"resident.{key}", "unknown", f"不认识的字段“{key}”"))
        resident["name"] = _text(raw_res, "name", "居民姓名", problems, limit=40,
                                 where="resident.")
        phone = _text(raw_res, "phone", "联系电话", problems, limit=20, where="resident.")
        if phone:
            why = phone_problem(phone)
            if why:
                problems.append(Problem("resident.phone", "phone", why))
            resident["phone"] = normalize_phone(phone)
        idn = _text(raw_res, "id_number", "身份证号码", problems, limit=18,
                    where="resident.").upper()
        if idn:
            try:
                parse_id_number(idn)
            except IdNumberError as exc:
                problems.append(Problem("resident.id_number", exc.rule, exc.message))
            resident["id_number"] = idn
        resident = {k: v for k, v in resident.items() if v}
    return resident


def _place(submission: Mapping[str, Any], problems: list[Problem]) -> dict[str, str]:
    """Where the matter is (compound/building/unit/room, or a place), checked."""
    place: dict[str, str] = {}
    raw_place = submission.get("place")
    if raw_place is not None and not isinstance(raw_place, Mapping):
        problems.append(Problem("place", "type",
                                "地点应为 {compound, building, unit, room} 或 {place}"))
    elif raw_place:
        for key in sorted(set(raw_place) - set(PLACE_KEYS)):
            problems.append(Problem(f"place.{key}", "unknown", f"不认识的字段“{key}”"))
        labels = {"compound": "小区", "building": "楼栋", "unit": "单元", "room": "房号",
                  "place": "地点"}
        for key in PLACE_KEYS:
            value = _text(raw_place, key, labels[key], problems, limit=60, where="place.")
            if value:
                place[key] = value
    return place


class MatterService:
    """Records and changes resident matters; the one path from a form to the store."""

    def __init__(self, store: Store, now: Callable[[], datetime] = clock.now) -> None:
        self.store = store
        self.now = now

    @property
    def config(self) -> MatterConfig:
        """The categories and time limits in force."""
        return matter_config(self.store)

    def check(self, submission: Mapping[str, Any], cfg: MatterConfig | None = None
              ) -> tuple[dict[str, Any], list[Problem]]:
        """The cleaned submission and every problem with it (nothing saved); ``cfg``: the
        configuration in force when the caller has it already."""
        problems: list[Problem] = []
        cfg = cfg or self.config
        for key in sorted(set(submission) - KNOWN_KEYS):
            problems.append(Problem(key, "unknown", f"不认识的字段“{key}”"))
        from_case = _text(submission, "from_case", "来源案件", problems, limit=64)
        case = None
        if from_case:
            case = self.store.get_case(from_case) or self.store.find_by_receipt(from_case)
            if case is None:
                problems.append(Problem("from_case", "not_found",
                                        f"没有找到来源案件 {from_case}"))
            elif (case["status"] not in CASE_CANNOT_DO_STATUSES
                  and case.get("district_status") not in DISTRICT_CANNOT_DO_STATUSES):
                problems.append(Problem(
                    "from_case", "case_status",
                    f"案件 {case['receipt_no']} 未被要求补正或不予办理，不能转为办不成事"))
        category = _text(submission, "category", "诉求分类", problems, limit=20) or (
            CANNOT_DO if from_case else "")
        cat = cfg.category(category) if category else None
        if not category:
            problems.append(Problem("category", "required", "请选择诉求分类"))
        elif cat is None:
            problems.append(Problem("category", "choice", "诉求分类应为 "
                                    + "、".join(c.name for c in cfg.categories)))
        elif from_case and category != CANNOT_DO:
            problems.append(Problem("category", "from_case",
                                    f"由案件转来的诉求分类应为“{CANNOT_DO}”"))
        subcategory = _text(submission, "subcategory", "子分类", problems, limit=20)
        if subcategory and cat is not None and cat.subcategory(subcategory) is None:
            names = "、".join(s.name for s in cat.subcategories) or "（无子分类）"
            problems.append(Problem("subcategory", "choice",
                                    f"“{category}”的子分类应为 {names}"))
        urgency = _text(submission, "urgency", "紧急程度", problems, limit=4) or "一般"
        if urgency not in URGENCIES:
            problems.append(Problem("urgency", "choice",
                                    f"紧急程度应为 {' / '.join(URGENCIES)}"))
        description = _text(submission, "description", "诉求内容", problems, required=True,
                            limit=2000)
        answer_by = _text(submission, "answer_by", "答复方式", problems, limit=20) or "none"
        if answer_by not in ANSWER_BY:
            problems.append(Problem("answer_by", "choice",
                                    "答复方式应为 phone（电话）/ in_person（当面）/ none（无需答复）"))
        resident = _resident(submission, problems)
        if answer_by == "phone" and not resident.get("phone"):
            problems.append(Problem("resident.phone", "required_for_answer",
                                    "选择电话答复时请填写居民联系电话"))
        place = _place(submission, problems)
        clean = {"category": category, "subcategory": subcategory or None, "urgency": urgency,
                 "description": description, "answer_by": answer_by, "resident": resident,
                 "place": place, "from_case": case["uuid"] if case else None,
                 "from_receipt_no": case["receipt_no"] if case else None}
        return clean, problems

    def record(self, submission: Mapping[str, Any], actor: Actor) -> dict[str, Any]:
        """Validate and save a matter; the recording worker owns it. Returns it as stored
        (``uuid``, ``matter_no``, ``owner``, ``due_at``, ...), committed durably."""
        if not actor.desk_code or not actor.worker:
            raise ValidationFailed([Problem("desk", "setup",
                                            "尚未完成办事点设置（办事点编码和工作人员姓名）")])
        cfg = self.config  # read and parsed once per save
        clean, problems = self.check(submission, cfg)
        if problems:
            raise ValidationFailed(problems)
        sla = cfg.sla_for(clean["category"], clean["subcategory"], clean["urgency"])
        received = self.now().replace(microsecond=0)
        due = due_at(received, sla, self.store.calendar.work_calendar())
        place, resident = clean["place"], clean["resident"]
        at = received.isoformat(timespec="milliseconds")
        matter = {
            "uuid": str(uuid7()),
            "category": clean["category"], "subcategory": clean["subcategory"],
            "urgency": clean["urgency"], "description": clean["description"],
            "place_json": dumps_sorted(place),
            "place_text": " ".join(place[k] for k in PLACE_KEYS if k in place),
            "resident_json": dumps_sorted(resident),
            "resident_name": resident.get("name", ""),
            "resident_phone": resident.get("phone", ""),
            "resident_id": resident.get("id_number", ""),
            "answer_by": clean["answer_by"], "from_case": clean["from_case"],
            "from_receipt_no": clean["from_receipt_no"],
            "status": "open", "owner": actor.worker, "worker": actor.worker,
            "desk_code": actor.desk_code, "revision": 1, "sync_state": "pending",
            "created_at": at, "updated_at": at,
            "due_at": due.isoformat(timespec="seconds"),
            "sla_json": dumps_sorted(dict(sla.to_json(), label=sla.label)),
            "config_version": cfg.version,
        }
        return self.store.matters.save_new_matter(matter, actor.worker)

    def tidy(self) -> None:
        """What the last saves left for later, off their path (see
        :meth:`Store.tidy_after_save`): the window runs it on its background lane after a
        save, while the worker reads the 受理单."""
        self.store.tidy_after_save()

    def handover(self, uuid: str, to: str, reason: str, actor: Actor) -> dict[str, Any]:
        """Hand the matter to ``to`` with a reason (audited); it stays open."""
        return self.store.matters.handover_matter(uuid, to, reason, actor.worker)

    def close(self, uuid: str, result: str, satisfaction: str, actor: Actor) -> dict[str, Any]:
        """Close on the spot with what was done and the resident's satisfaction."""
        problems = []
        result = result.strip()
        if not result:
            problems.append(Problem("result", "required", "请填写办理结果"))
        elif len(result) > 2000:
            problems.append(Problem("result", "length", "办理结果不超过2000个字"))
        if satisfaction not in SATISFACTION:
            problems.append(Problem("satisfaction", "choice",
                                    f"满意度应为 {' / '.join(SATISFACTION)}"))
        if problems:
            raise ValidationFailed(problems)
        return self.store.matters.close_matter(uuid, result, satisfaction, actor.worker)

    def today(self) -> dict[str, list[dict[str, Any]]]:
        """Today's list (see :meth:`desk.core.store_matters.Matters.today_matters`), each
        matter in its public shape."""
        now = self.now()
        lists = self.store.matters.today_matters(due_horizon(now))
        return {k: [public_matter(m, now, self.config.warn_fraction) for m in v]
                for k, v in lists.items()}

    def counts(self) -> dict[str, int]:
        """For the status bar: ``today`` (recorded today) and ``todo`` (the length of
        today's list: due or overdue, answers to pass on, 回访 to come), with the parts."""
        now = self.now()
        start = datetime.combine(now.date(), datetime.min.time(), now.tzinfo)
        end = start + timedelta(days=1)
        c = self.store.matters.matter_counts(start.isoformat(timespec="seconds"),
                                             end.isoformat(timespec="seconds"), due_horizon(now))
        return dict(c, todo=c["due"] + c["answers"] + c["revisits"])


DUE_WITHIN = timedelta(hours=24)


def due_horizon(now: datetime) -> str:
    """Today's list takes the open matters due by this instant: within the next 24 hours
    (or overdue), whatever the hour — at 22:00 an urgent matter due at 00:30 is still
    today's work, not tomorrow's."""
    return (now + DUE_WITHIN).isoformat(timespec="seconds")


def public_matter(m: Mapping[str, Any], now: datetime | None = None,
                  warn_fraction: float = 0.25) -> dict[str, Any]:
    """The JSON shape of a matter on the command line (``matters --json``), masked."""
    out = {k: m.get(k) for k in (
        "uuid", "matter_no", "category", "subcategory", "urgency", "description", "status",
        "owner", "worker", "answer_by", "from_case", "from_receipt_no", "created_at",
        "due_at", "result", "satisfaction", "closed_at", "sync_state", "revision",
        "district_status", "district_note", "district_answer", "district_department",
        "district_due_at")}
    out["place"] = json.loads(m.get("place_json") or "{}")
    out["sla"] = json.loads(m.get("sla_json") or "{}")
    resident = json.loads(m.get("resident_json") or "{}")
    out["resident"] = {"name": resident.get("name", ""),
                       "phone_masked": mask_phone(resident["phone"]) if resident.get("phone")
                       else "",
                       "id_masked": mask_id(resident["id_number"]) if resident.get("id_number")
                       else ""}
    out["anonymous"] = not resident
    if "handovers" in m:
        out["handovers"] = list(m["handovers"])
    if out["status"] == "open" and now is not None and m.get("due_at"):
        received = datetime.fromisoformat(str(m["created_at"]))
        due = datetime.fromisoformat(str(m.get("district_due_at") or m["due_at"]))
        out["sla_state"] = sla_state(received, due, now, warn_fraction)
    return out


__all__ = ["MatterService", "due_horizon", "matter_config", "public_matter"]
