"""Resident matters (民情诉求): the district's categories, time limits and departments, and
the time-limit clock — pure Python, no Qt, no network.

The data are the district's (``forms/matter_config.yaml`` holds the defaults; a district
publishes its own version and desks pull it like the catalog): categories with their
sub-categories, a time limit per urgency (紧急 / 一般 / 复杂), the departments work orders
are dispatched to (one of them the fallback owner, 兜底) and the supervisor role overdue
orders are escalated to.

A time limit counts in ``hours`` (clock hours), ``days`` (calendar days) or ``workdays``
(working days of the official calendar, :mod:`forms.calendar`: the due time is the same
time of day on the Nth working day after the day received). :func:`due_at` gives the
deadline and :func:`sla_state` whether a matter is in time, due soon (即将超时) or overdue
(超时).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

from forms.calendar import WorkCalendar, default_calendar
from forms.workdays import add_working_days

CONFIG_FILE = Path(__file__).with_name("matter_config.yaml")

URGENCIES = ("紧急", "一般", "复杂")
SATISFACTION = ("满意", "基本满意", "不满意")
ANSWER_BY = ("phone", "in_person", "none")
SLA_UNITS = ("hours", "days", "workdays")
CANNOT_DO = "办不成事"  # the category a 办不成事 matter (from a case) is filed under
UNIT_LABELS = {"hours": "小时", "days": "天", "workdays": "个工作日"}
SLA_STATES = ("normal", "due_soon", "overdue")  # 正常 / 即将超时 / 超时
# a matter's place: its parts in order, and the word each number is read with
PLACE_KEYS = ("compound", "building", "unit", "room", "place")
PLACE_SUFFIX = {"building": "栋", "unit": "单元", "room": "室"}


def place_words(place: Mapping[str, Any]) -> str:
    """小区 3栋 2单元 502室, or the free-text place: as the desk's 受理单 prints it and the
    district's console shows it (a bare "七里一村 12 2 301" left the reader to guess which
    number is which)."""
    bits = []
    for key in PLACE_KEYS:
        value = str(place.get(key) or "").strip()
        if value:
            suffix = PLACE_SUFFIX.get(key, "")
            bits.append(value if not suffix or value.endswith(suffix) else value + suffix)
    return " ".join(bits)


class MatterConfigError(ValueError):
    """A published matter configuration is unusable; ``problems`` name field and rule."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{p['field']}: [{p['rule']}] {p['message']}"
                                   for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Sla:
    """A time limit: ``amount`` ``unit`` (hours, days or workdays)."""

    amount: int
    unit: str

    @property
    def label(self) -> str:
        """In words, e.g. ``2小时``, ``7天``, ``3个工作日``."""
        return f"{self.amount}{UNIT_LABELS[self.unit]}"

    def to_json(self) -> dict[str, Any]:
        """As published."""
        return {"amount": self.amount, "unit": self.unit}


@dataclass(frozen=True)
class Subcategory:
    """A sub-category (漏水, 电梯, ...): its usual department and its own time limits."""

    name: str
    department: str | None = None
    sla: Mapping[str, Sla] = field(default_factory=dict)


@dataclass(frozen=True)
class Category:
    """A category (咨询, 求助, 投诉, ...) with its sub-categories and time limits."""

    name: str
    sla: Mapping[str, Sla]
    subcategories: tuple[Subcategory, ...]

    def subcategory(self, name: str) -> Subcategory | None:
        """The sub-category called ``name``, or None."""
        return self._subcategories.get(name)

    @cached_property
    def _subcategories(self) -> dict[str, Subcategory]:
        return {s.name: s for s in reversed(self.subcategories)}  # the first of a name wins


@dataclass(frozen=True)
class Department:
    """A department work orders go to; ``fallback`` marks the default owner (兜底)."""

    code: str
    name: str
    fallback: bool = False


@dataclass(frozen=True)
class MatterConfig:
    """One published version of the district's matter data."""

    version: str
    categories: tuple[Category, ...]
    departments: tuple[Department, ...]
    warn_fraction: float
    supervisor_role: str
    body: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def category(self, name: str) -> Category | None:
        """The category called ``name``, or None."""
        return self._categories.get(name)

    @cached_property
    def _categories(self) -> dict[str, Category]:
        return {c.name: c for c in reversed(self.categories)}  # the first of a name wins

    def department(self, code: str) -> Department | None:
        """The department with ``code``, or None."""
        return next((d for d in self.departments if d.code == code), None)

    @property
    def fallback_department(self) -> Department:
        """The default owner (兜底) of a matter whose responsibility is unclear."""
        return next(d for d in self.departments if d.fallback)

    def sla_for(self, category: str, subcategory: str | None, urgency: str) -> Sla:
        """The time limit of a matter: the sub-category's for its urgency, else the
        category's (which already holds the defaults). KeyError for an unknown category or
        urgency."""
        cat = self.category(category)
        if cat is None or urgency not in URGENCIES:
            raise KeyError(category if cat is None else urgency)
        sub = cat.subcategory(subcategory) if subcategory else None
        if sub is not None and urgency in sub.sla:
            return sub.sla[urgency]
        return cat.sla[urgency]

    def to_json(self) -> dict[str, Any]:
        """As published (what ``matter categories --json`` prints, each category with its
        time limit per urgency in words)."""
        return {
            "version": self.version,
            "warn_fraction": self.warn_fraction,
            "supervisor_role": self.supervisor_role,
            "urgencies": list(URGENCIES),
            "departments": [{"code": d.code, "name": d.name, "fallback": d.fallback}
                            for d in self.departments],
            "categories": [{
                "name": c.name,
                "sla": {u: dict(c.sla[u].to_json(), label=c.sla[u].label) for u in URGENCIES},
                "subcategories": [{
                    "name": s.name, "department": s.department,
                    "sla": {u: dict(self.sla_for(c.name, s.name, u).to_json(),
                                    label=self.sla_for(c.name, s.name, u).label)
                            for u in URGENCIES},
                } for s in c.subcategories],
            } for c in self.categories],
        }


def _problem(fld: str, rule: str, message: str) -> dict[str, str]:
    return {"field": fld, "rule": rule, "message": message}


def _sla(raw: Any, where: str, problems: list[dict[str, str]]) -> Sla | None:
    if not isinstance(raw, Mapping):
        problems.append(_problem(where, "type", "时限应为 {amount, unit}"))
        return None
    amount, unit = raw.get("amount"), raw.get("unit")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
        problems.append(_problem(f"{where}.amount", "range", "时限应为正整数"))
        return None
    if unit not in SLA_UNITS:
        problems.append(_problem(f"{where}.unit", "choice",
                                 f"时限单位应为 {' / '.join(SLA_UNITS)}"))
        return None
    return Sla(amount, str(unit))


def _sla_map(raw: Any, where: str, problems: list[dict[str, str]]) -> dict[str, Sla]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problems.append(_problem(where, "type", "时限应按紧急程度给出"))
        return {}
    out: dict[str, Sla] = {}
    for urgency, value in raw.items():
        if urgency not in URGENCIES:
            problems.append(_problem(f"{where}.{urgency}", "choice",
                                     f"紧急程度应为 {' / '.join(URGENCIES)}"))
            continue
        sla = _sla(value, f"{where}.{urgency}", problems)
        if sla is not None:
            out[str(urgency)] = sla
    return out


def parse_config(body: Any) -> MatterConfig:
    """Check and read a published configuration; :class:`MatterConfigError` names every
    problem."""
    problems: list[dict[str, str]] = []
    if not isinstance(body, Mapping):
        raise MatterConfigError([_problem("config", "type", "应为一个对象")])
    version = body.get("version")
    if not isinstance(version, str) or not version.strip():
        problems.append(_problem("version", "required", "请填写版本"))
    warn = body.get("warn_fraction", 0.25)
    if not isinstance(warn, int | float) or isinstance(warn, bool) or not 0 < warn < 1:
        problems.append(_problem("warn_fraction", "range", "即将超时比例应在 0 和 1 之间"))
        warn = 0.25
    defaults = _sla_map(body.get("default_sla"), "default_sla", problems)
    missing = [u for u in URGENCIES if u not in defaults]
    if missing and not problems:
        problems.append(_problem("default_sla", "required",
                                 f"缺少默认时限：{'、'.join(missing)}"))
    departments: list[Department] = []
    for i, d in enumerate(body.get("departments") or []):
        if not isinstance(d, Mapping) or not str(d.get("code") or "").strip() \
                or not str(d.get("name") or "").strip():
            problems.append(_problem(f"departments[{i}]", "required", "部门应有编码和名称"))
            continue
        departments.append(Department(str(d["code"]).strip(), str(d["name"]).strip(),
                                       bool(d.get("fallback"))))
    codes = [d.code for d in departments]
    if len(set(codes)) != len(codes):
        problems.append(_problem("departments", "unique", "部门编码重复"))
    if sum(d.fallback for d in departments) != 1:
        problems.append(_problem("departments", "fallback",
                                 "应恰好有一个兜底部门（fallback: true）"))
    categories: list[Category] = []
    for i, c in enumerate(body.get("categories") or []):
        where = f"categories[{i}]"
        if not isinstance(c, Mapping) or not str(c.get("name") or "").strip():
            problems.append(_problem(where, "required", "分类应有名称"))
            continue
        sla = dict(defaults)
        sla.update(_sla_map(c.get("sla"), f"{where}.sla", problems))
        subs: list[Subcategory] = []
        for j, s in enumerate(c.get("subcategories") or []):
            sw = f"{where}.subcategories[{j}]"
            if not isinstance(s, Mapping) or not str(s.get("name") or "").strip():
                problems.append(_problem(sw, "required", "子分类应有名称"))
                continue
            dept = s.get("department")
            if dept is not None and str(dept) not in codes:
                problems.append(_problem(f"{sw}.department", "unknown",
                                         f"没有编码为 {dept} 的部门"))
            subs.append(Subcategory(str(s["name"]).strip(), None if dept is None else str(dept),
                                    _sla_map(s.get("sla"), f"{sw}.sla", problems)))
        if len({s.name for s in subs}) != len(subs):
            problems.append(_problem(f"{where}.subcategories", "unique", "子分类重名"))
        categories.append(Category(str(c["name"]).strip(), sla, tuple(subs)))
    if not categories:
        problems.append(_problem("categories", "required", "至少应有一个分类"))
    if len({c.name for c in categories}) != len(categories):
        problems.append(_problem("categories", "unique", "分类重名"))
    if problems:
        raise MatterConfigError(problems)
    return MatterConfig(str(version).strip(), tuple(categories), tuple(departments),
                        float(warn), str(body.get("supervisor_role") or "督办员"),
                        dict(body))


@cache
def default_config() -> MatterConfig:
    """The defaults shipped with the program (``forms/matter_config.yaml``)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return parse_config(yaml.load(CONFIG_FILE.read_text(encoding="utf-8"), Loader=loader))


# -- the clock --------------------------------------------------------------------------------


def due_at(received: datetime, sla: Sla, calendar: WorkCalendar | None = None) -> datetime:
    """When a matter received at ``received`` (aware) must be answered."""
    if received.tzinfo is None:
        raise ValueError("received must carry its time zone")
    if sla.unit == "hours":
        return received + timedelta(hours=sla.amount)
    if sla.unit == "days":
        return received + timedelta(days=sla.amount)
    day = add_working_days(received.date(), sla.amount, calendar or default_calendar()).day
    return datetime.combine(day, received.timetz())


def sla_state(received: datetime, due: datetime, now: datetime,
              warn_fraction: float = 0.25) -> str:
    """``overdue`` (超时) once ``due`` has passed, ``due_soon`` (即将超时) when less than
    ``warn_fraction`` of the time limit is left, else ``normal``."""
    if now >= due:
        return "overdue"
    if due - now <= (due - received) * warn_fraction:
        return "due_soon"
    return "normal"


__all__ = ["ANSWER_BY", "CANNOT_DO", "SATISFACTION", "SLA_STATES", "SLA_UNITS", "URGENCIES",
           "Category", "Department", "MatterConfig", "MatterConfigError", "Sla", "Subcategory",
           "default_config", "due_at", "parse_config", "sla_state"]
