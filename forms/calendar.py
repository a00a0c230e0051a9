"""China's official holiday arrangement (放假调休), year by year, as data.

A year's arrangement — the holidays, the make-up working days on weekends (调休上班) and
the State Council notice it comes from — is a :class:`YearCalendar`. A
:class:`WorkCalendar` answers "is this a working day?" from, in order:

1. the arrangements it was given (``district``: published by the district and pulled by
   the desk; ``local``: a file dropped in a stand-alone desk's data folder),
2. the arrangements shipped with the program (``shipped``: ``forms/calendar_data/YYYY.json``,
   one file per year, made from the ``chinesecalendar`` package's data; adding a year is
   adding one such file),
3. the ``chinesecalendar`` package itself (``package``: a newer release may know a year
   not shipped yet),
4. a fallback (``fallback``) that knows the statutory festival days — 元旦, 春节 (除夕 to
   正月初三), 清明 (the solar term), 劳动节, 端午 (五月初五), 中秋 (八月十五) and 国庆 —
   computed from the Chinese calendar with ``lunar-python``, but not the make-up days or
   the bridging days of the notice; results that count such a day are marked inexact.

A notice (``{"year", "holidays", "workdays", "source", "festivals"?}``) is checked by
:func:`parse_notice`: every problem names its field and the rule it breaks; a year whose
holiday count looks unusual is accepted with a warning (the notice is the authority).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).with_name("calendar_data")

SOURCES = ("district", "local", "shipped", "package", "fallback")
SOURCE_LABELS = {"district": "区级发布", "local": "本机文件", "shipped": "随程序发布",
                 "package": "chinesecalendar 包", "fallback": "推算（未含调休）"}

# Festivals in the order of a notice; the names a console form offers.
FESTIVALS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
_PACKAGE_NAMES = {"New Year's Day": "元旦", "Spring Festival": "春节",
                  "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
                  "Dragon Boat Festival": "端午节", "National Day": "国庆节",
                  "Mid-autumn Festival": "中秋节",
                  "Anti-Fascist 70th Day": "抗战胜利70周年纪念日"}

# A year's notice gives 25–40 days off (statutory days, bridges and the weekends inside
# them) and 0–12 make-up days; outside that it is shown with a warning, never refused.
USUAL_HOLIDAYS = (20, 45)
USUAL_WORKDAYS = (0, 12)
MAX_DATES = 120


class CalendarError(ValueError):
    """A notice that cannot be used: ``problems`` is a list of {field, rule, message}."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(p["message"] for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class YearCalendar:
    """One year's official arrangement."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str = ""  # the notice, e.g. 国办发明电〔2026〕9号
    origin: str = "district"  # one of SOURCES
    version: int | None = None  # the district's publish sequence for the year
    festivals: tuple[dict[str, Any], ...] = ()
    published_at: str | None = None

    def is_workday(self, day: date) -> bool:
        """A working day under this arrangement."""
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def to_json(self) -> dict[str, Any]:
        """The notice shape (what ``calendar publish --file`` reads and desks store)."""
        out: dict[str, Any] = {"year": self.year,
                               "holidays": sorted(d.isoformat() for d in self.holidays),
                               "workdays": sorted(d.isoformat() for d in self.workdays),
                               "source": self.source}
        if self.festivals:
            out["festivals"] = [dict(f) for f in self.festivals]
        return out

    def working_days_by_month(self) -> list[int]:
        """Working days in each month (12 numbers): the console's preview."""
        counts = [0] * 12
        day = date(self.year, 1, 1)
        while day.year == self.year:
            if self.is_workday(day):
                counts[day.month - 1] += 1
            day += timedelta(days=1)
        return counts


# -- checking a notice ------------------------------------------------------------------------


def _problem(fld: str, rule: str, message: str) -> dict[str, str]:
    return {"field": fld, "rule": rule, "message": message}


def _dates(body: Mapping[str, Any], key: str, label: str, year: int | None,
           problems: list[dict[str, str]]) -> list[date]:
    raw = body.get(key, [])
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        problems.append(_problem(key, "type", f"{key}（{label}）应为日期列表，"
                                              f"如 [\"2027-01-01\"]"))
        return []
    if len(raw) > MAX_DATES:
        problems.append(_problem(key, "too_many", f"{key}（{label}）最多 {MAX_DATES} 个日期，"
                                                  f"收到 {len(raw)} 个"))
        return []
    out: list[date] = []
    seen: set[date] = set()
    for i, v in enumerate(raw):
        where = f"{key}[{i}]"
        try:
            if not isinstance(v, str) or len(v) != 10:
                raise ValueError
            d = date.fromisoformat(v)
        except ValueError:
            problems.append(_problem(where, "date", f"{where}（{label}）“{v}”不是日期，"
                                                    f"应为 YYYY-MM-DD"))
            continue
        if year is not None and d.year != year:
            problems.append(_problem(where, "in_year", f"{where}（{label}）{v} 不在 {year} "
                                                       f"年内（跨年的日期请发布在 {d.year} 年的"
                                                       f"安排中）"))
            continue
        if d in seen:
            problems.append(_problem(where, "duplicate", f"{where}（{label}）{v} 重复出现"))
            continue
        seen.add(d)
        out.append(d)
    return out


def parse_notice(body: Any, *, origin: str = "district") -> tuple[YearCalendar, list[str]]:
    """Check a notice and return it with its warnings; :class:`CalendarError` otherwise.

    Rules: ``year`` a whole number 2000–2100; ``holidays`` and ``workdays`` lists of
    YYYY-MM-DD dates inside that year, each once; every make-up working day falls on a
    Saturday or Sunday; no date is both; ``source`` (the notice's number and date) is
    given. Unusual counts (holidays outside :data:`USUAL_HOLIDAYS`, make-up days outside
    :data:`USUAL_WORKDAYS`) are warnings.
    """
    problems: list[dict[str, str]] = []
    if not isinstance(body, Mapping):
        raise CalendarError([_problem("notice", "type", "节假日安排应为一个 JSON 对象："
                                      "{\"year\", \"holidays\", \"workdays\", \"source\"}")])
    year = body.get("year")
    if isinstance(year, str) and year.strip().isdigit():
        year = int(year.strip())
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        problems.append(_problem("year", "range", f"year（年份）应为 2000 至 2100 的整数，"
                                                  f"收到 {body.get('year')!r}"))
        year = None
    holidays = _dates(body, "holidays", "放假日期", year, problems)
    workdays = _dates(body, "workdays", "调休上班日期", year, problems)
    for d in workdays:
        if d.weekday() < 5:
            problems.append(_problem("workdays", "weekend",
                                     f"workdays（调休上班日期）{d.isoformat()} 是星期"
                                     f"{'一二三四五'[d.weekday()]}，调休上班日应在周六或周日"))
    for d in sorted(set(holidays) & set(workdays)):
        problems.append(_problem("holidays", "both",
                                 f"{d.isoformat()} 同时出现在 holidays（放假）和 workdays"
                                 f"（调休上班）中，一天只能是其中之一"))
    source = body.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append(_problem("source", "required", "source（通知文号和日期）不能为空，"
                                                       "如“国办发明电〔2026〕9号”"))
        source = ""
    elif len(source) > 200:
        problems.append(_problem("source", "length", "source（通知文号和日期）最多 200 字"))
    festivals = body.get("festivals") or []
    if not isinstance(festivals, list) or not all(isinstance(f, Mapping) for f in festivals):
        problems.append(_problem("festivals", "type", "festivals（节日）应为对象列表"))
        festivals = []
    if not holidays and not any(p["field"].startswith("holidays") for p in problems):
        problems.append(_problem("holidays", "required", "holidays（放假日期）不能为空"))
    if problems:
        raise CalendarError(problems)
    assert year is not None
    warnings: list[str] = []
    if not USUAL_HOLIDAYS[0] <= len(holidays) <= USUAL_HOLIDAYS[1]:
        warnings.append(f"{year} 年放假 {len(holidays)} 天，与往年（{USUAL_HOLIDAYS[0]}–"
                        f"{USUAL_HOLIDAYS[1]} 天）差别较大，请与通知核对")
    if not USUAL_WORKDAYS[0] <= len(workdays) <= USUAL_WORKDAYS[1]:
        warnings.append(f"{year} 年调休上班 {len(workdays)} 天，与往年（至多 "
                        f"{USUAL_WORKDAYS[1]} 天）差别较大，请与通知核对")
    cal = YearCalendar(year, frozenset(holidays), frozenset(workdays), source.strip(), origin,
                       festivals=tuple(_clean_festival(f) for f in festivals))
    return cal, warnings


def _clean_festival(f: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": str(f.get("name") or "")[:40], "start": str(f.get("start") or "")[:10],
            "end": str(f.get("end") or "")[:10],
            "workdays": [str(w)[:10] for w in (f.get("workdays") or [])][:10]}


def notice_from_festivals(year: Any, source: str, rows: Iterable[Mapping[str, Any]]
                          ) -> dict[str, Any]:
    """A notice from the console form: one row per festival — name, first and last day
    off, make-up days. Problems name the row (``festivals[i].start`` …)."""
    problems: list[dict[str, str]] = []
    holidays: list[str] = []
    workdays: list[str] = []
    festivals: list[dict[str, Any]] = []
    for i, r in enumerate(rows):
        name = str(r.get("name") or "").strip()
        start_s = str(r.get("start") or "").strip()
        end_s = str(r.get("end") or "").strip() or start_s
        made = r.get("workdays") or []
        if isinstance(made, str):
            made = [w for w in made.replace("，", ",").replace(" ", ",").split(",") if w]
        if not (name or start_s or made):
            continue
        where = f"festivals[{i}]"
        label = name or f"第 {i + 1} 行"
        if not name:
            problems.append(_problem(f"{where}.name", "required", f"{label}：请填写节日名称"))
        try:
            start = date.fromisoformat(start_s)
            end = date.fromisoformat(end_s)
        except ValueError:
            problems.append(_problem(f"{where}.start", "date",
                                     f"{label}：放假起止日期应为 YYYY-MM-DD"))
            continue
        if end < start:
            problems.append(_problem(f"{where}.end", "order",
                                     f"{label}：放假结束日期 {end_s} 早于开始日期 {start_s}"))
            continue
        if (end - start).days > 15:
            problems.append(_problem(f"{where}.end", "length",
                                     f"{label}：放假 {start_s} 至 {end_s} 超过 16 天"))
            continue
        d = start
        while d <= end:
            holidays.append(d.isoformat())
            d += timedelta(days=1)
        workdays.extend(str(w).strip() for w in made)
        festivals.append({"name": name, "start": start.isoformat(), "end": end.isoformat(),
                          "workdays": [str(w).strip() for w in made]})
    if problems:
        raise CalendarError(problems)
    return {"year": year, "holidays": holidays, "workdays": workdays, "source": source,
            "festivals": festivals}


# -- shipped and local files ------------------------------------------------------------------


def load_year_file(path: Path, origin: str) -> YearCalendar:
    """A year's arrangement from a notice-shaped JSON file (the file name is ``YYYY.json``)."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CalendarError([_problem("file", "json", f"{path.name}：无法读取（{exc}）")]
                            ) from None
    cal, _ = parse_notice(body, origin=origin)
    if path.stem != str(cal.year):
        raise CalendarError([_problem("year", "file_name", f"{path.name} 中的年份是 "
                                                           f"{cal.year}，文件名应为 "
                                                           f"{cal.year}.json")])
    return cal


def load_folder(folder: Path | None, origin: str) -> dict[int, YearCalendar]:
    """Every ``YYYY.json`` in a folder (unreadable or invalid files are skipped)."""
    out: dict[int, YearCalendar] = {}
    if folder is None or not folder.is_dir():
        return out
    for p in sorted(folder.glob("[0-9][0-9][0-9][0-9].json")):
        try:
            cal = load_year_file(p, origin)
        except CalendarError:
            continue
        out[cal.year] = cal
    return out


@cache
def shipped() -> dict[int, YearCalendar]:
    """The arrangements shipped with the program (``forms/calendar_data``)."""
    return load_folder(DATA_DIR, "shipped")


def from_package(year: int) -> YearCalendar | None:
    """The ``chinesecalendar`` package's arrangement for a year, or None."""
    import chinese_calendar
    from chinese_calendar import constants

    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return None
    hol = {d: str(getattr(n, "value", n)) for d, n in constants.holidays.items()
           if d.year == year}
    work = {d: str(getattr(n, "value", n)) for d, n in constants.workdays.items()
            if d.year == year}
    if not hol:
        return None
    return YearCalendar(year, frozenset(hol), frozenset(work),
                        f"chinesecalendar {_package_version()}", "package",
                        festivals=tuple(_group_festivals(hol, work)))


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chinesecalendar")
    except PackageNotFoundError:  # pragma: no cover
        return ""


def _group_festivals(hol: Mapping[date, str], work: Mapping[date, str]
                     ) -> Iterator[dict[str, Any]]:
    days = sorted(hol)
    i = 0
    while i < len(days):
        j = i
        while (j + 1 < len(days) and days[j + 1] - days[j] == timedelta(days=1)
               and hol[days[j + 1]] == hol[days[i]]):
            j += 1
        name = hol[days[i]]
        zh = _PACKAGE_NAMES.get(name, name)
        near = sorted(w.isoformat() for w, n in work.items()
                      if n == name and abs((w - days[i]).days) <= 40)
        yield {"name": zh, "start": days[i].isoformat(), "end": days[j].isoformat(),
               "workdays": near}
        i = j + 1


# -- the fallback: statutory festival days, lunar ones computed -------------------------------


@cache
def fallback_holidays(year: int) -> frozenset[date]:
    """Statutory festival days of a year (全国年节及纪念日放假办法, as amended 2024), lunar
    ones computed: 元旦, 除夕–正月初三, 清明, 5-1/5-2, 端午, 中秋, 10-1 to 10-3.
    Without the notice's bridges and make-up days."""
    from lunar_python import Lunar

    days = {date(year, 1, 1), date(year, 5, 1), date(year, 5, 2), date(year, 10, 1),
            date(year, 10, 2), date(year, 10, 3)}

    def solar(m: int, d: int) -> date:
        s = Lunar.fromYmd(year, m, d).getSolar()
        return date(s.getYear(), s.getMonth(), s.getDay())

    new_year = solar(1, 1)
    days.update(new_year + timedelta(days=k) for k in range(-1, 3))  # 除夕 … 初三
    days.add(solar(5, 5))
    days.add(solar(8, 15))
    qm = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    days.add(date(qm.getYear(), qm.getMonth(), qm.getDay()))
    return frozenset(d for d in days if d.year == year)


def fallback_year(year: int) -> YearCalendar:
    """The fallback arrangement of a year (its results are inexact)."""
    return YearCalendar(year, fallback_holidays(year), frozenset(), "推算：法定节日，未含调休",
                        "fallback")


# -- the layered calendar ---------------------------------------------------------------------


@dataclass
class WorkCalendar:
    """Working days from the given arrangements, else shipped, else the package, else the
    fallback (see the module's docstring). ``given`` maps a year to its arrangement."""

    given: Mapping[int, YearCalendar] = field(default_factory=dict)
    _years: dict[int, YearCalendar] = field(default_factory=dict, init=False, repr=False)

    def year(self, year: int) -> YearCalendar:
        """The arrangement used for a year (``origin`` says where it came from)."""
        cal = self._years.get(year)
        if cal is None:
            cal = (self.given.get(year) or shipped().get(year) or from_package(year)
                   or fallback_year(year))
            self._years[year] = cal
        return cal

    def is_workday(self, day: date) -> tuple[bool, bool]:
        """(is it a working day, was the official arrangement known for it)."""
        cal = self.year(day.year)
        return cal.is_workday(day), cal.origin != "fallback"

    def known_years(self) -> list[YearCalendar]:
        """Every year with an official arrangement, newest first."""
        years = set(self.given) | set(shipped())
        from chinese_calendar import constants

        years |= {d.year for d in constants.holidays}
        return [self.year(y) for y in sorted(years, reverse=True)]


@cache
def default_calendar() -> WorkCalendar:
    """Shipped data, the package and the fallback (no district or local arrangements)."""
    return WorkCalendar()
