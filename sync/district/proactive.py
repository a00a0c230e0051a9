"""Proactive service lists (主动服务 / 免申即享, issue 18): ``doorstep-district proactive run``.

A run evaluates every catalog item's ``proactive`` rule (:class:`forms.model.Proactive`)
over the roster (:mod:`sync.district.roster`) on one day and writes the list — who, for
which item, why (the rule in words), by when — each resident under the desk that serves
their compound (:data:`compounds`, set with ``proactive compounds``).

**Once per slot.** A run's slot is its day (``--month YYYY-MM``: the first of that month).
The run takes its slot by inserting the slot's row first, in the same transaction as the
list: a second run of the slot — another server process, cron and the scheduler at once —
waits on that row (PostgreSQL; SQLite's single writer) and then finds it taken, adding
nothing. A run that fails leaves no slot and no list behind.

**Idempotent; handled residents stay handled.** An entry is unique per (item, resident,
cycle): the cycle is empty for an item listed ``once``, the year or the month for one that
repeats. A resident already listed in the cycle — whatever the desk answered — is not
listed again, so a re-run (or the next day's run) adds only residents newly qualifying.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError

from forms.proactive import Person, RuleError, day_env, parse_rule, person_env
from sync import protocol as P
from sync.district.roster import roster
from sync.district.tables import _BigId, metadata

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from forms.catalog import Catalog
    from sync.district.database import Database

INSERT_BATCH = 5000
FETCH_BATCH = 20000

compounds = Table(  # which desk serves which compound (小区)
    "proactive_compounds", metadata,
    Column("compound", String(100), primary_key=True),
    Column("desk_code", String(32), nullable=False, index=True),
    Column("set_at", String(40), nullable=False),
)
runs = Table(
    "proactive_runs", metadata,
    Column("slot", String(10), primary_key=True),  # the day the rules were evaluated on
    Column("started_at", String(40), nullable=False),
    Column("catalog_version", String(64), nullable=False),
    Column("listed", Integer, nullable=False, server_default="0"),
    Column("residents", Integer, nullable=False, server_default="0"),
    Column("actor", String(64), nullable=False),
)
entries = Table(
    "proactive_entries", metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("item_code", String(20), nullable=False),
    Column("id_number", String(18), nullable=False),
    Column("cycle", String(7), nullable=False),  # '' (once), YYYY or YYYY-MM
    Column("slot", String(10), nullable=False),
    Column("desk_code", String(32), nullable=False),  # '' when no desk serves the compound
    Column("compound", String(100), nullable=False),
    Column("name", String(100), nullable=False),
    Column("address", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("due", String(10), nullable=False),
    Column("listed_at", String(40), nullable=False),
    Column("outcome", String(20), nullable=False, server_default=""),
    Column("outcome_at", String(40)),
    Column("outcome_note", Text, nullable=False, server_default=""),
    Column("visit_date", String(10)),
    Column("case_uuid", String(36)),
    UniqueConstraint("item_code", "id_number", "cycle", name="proactive_entry_once"),
    Index("proactive_entries_desk", "desk_code", "id"),
    Index("proactive_entries_item", "item_code", "compound"),
)


class ProactiveError(ValueError):
    """A run that cannot start (a rule that does not evaluate, a bad month), in words."""


@dataclass(frozen=True)
class _Plan:
    code: str
    reason: str
    cycle: str
    rule: Any
    due: Any


def slot_of(month: str | None, today: date) -> date:
    """The day a run evaluates on: ``today``, or the first day of ``month`` (YYYY-MM)."""
    if not month:
        return today
    try:
        year, mon = (int(x) for x in month.split("-"))
        return date(year, mon, 1)
    except ValueError:
        raise ProactiveError(f"--month：应写成 YYYY-MM（如 2026-12），不是“{month}”") from None


def catalog_params(catalog: Catalog) -> dict[str, Any]:
    """The catalog's local parameters by name (issue 16), as rules use them."""
    from forms.params import values

    return values(catalog.params)


def _plans(catalog: Catalog, params: Mapping[str, Any], day: date) -> list[_Plan]:
    out = []
    for item in catalog.items:
        pro = item.proactive
        if pro is None:
            continue
        try:
            rule, due = parse_rule(pro.rule, params), parse_rule(pro.due, params)
        except RuleError as exc:
            raise ProactiveError(f"{item.code} proactive：{exc}") from None
        cycle = {"once": "", "year": f"{day.year:04d}",
                 "month": f"{day.year:04d}-{day.month:02d}"}[pro.repeat]
        out.append(_Plan(item.code, pro.reason, cycle, rule, due))
    return out


def _roster_rows(conn: Connection) -> Iterator[Any]:
    """The whole roster in pages by ID number (keyset: each page one index range scan;
    the list is written on the same connection meanwhile, so no server-side cursor)."""
    cols = (roster.c.id_number, roster.c.name, roster.c.birth_date, roster.c.sex,
            roster.c.address, roster.c.compound, roster.c.grid, roster.c.flags_json)
    last = ""
    while True:
        page = conn.execute(select(*cols).where(roster.c.id_number > last)
                            .order_by(roster.c.id_number).limit(FETCH_BATCH)).all()
        yield from page
        if len(page) < FETCH_BATCH:
            return
        last = page[-1][0]


def run(db: Database, catalog: Catalog, *, day: date, actor: str,
        params: Mapping[str, Any] | None = None, audit: Any = None) -> dict[str, Any]:
    """Evaluate the rules on ``day`` and write the new entries; at most once per day.

    Returns ``{slot, ran, listed, residents, by_item}``; ``ran`` is False when the slot was
    already taken (by an earlier or concurrent run): nothing was added."""
    params = {**catalog_params(catalog), **(params or {})}
    plans = _plans(catalog, params, day)
    slot = day.isoformat()
    now = P.utc_now()
    try:
        with db.write() as conn:
            # take the slot first: a concurrent run of it waits here, then finds it taken
            conn.execute(runs.insert().values(slot=slot, started_at=now, actor=actor,
                                              catalog_version=catalog.version))
            listed, residents, by_item = _evaluate(conn, plans, day_env(day, params), slot,
                                                   now)
            conn.execute(runs.update().where(runs.c.slot == slot).values(
                listed=listed, residents=residents))
            out = {"slot": slot, "ran": True, "listed": listed, "residents": residents,
                   "by_item": by_item}
            if audit is not None:
                audit(conn, out)
    except IntegrityError:
        with db.read() as conn:
            row = conn.execute(select(runs).where(runs.c.slot == slot)).mappings().first()
        if row is None:
            raise
        return {"slot": slot, "ran": False, "listed": 0, "residents": int(row["residents"]),
                "by_item": {}, "first_run": dict(row)}
    return out


def _evaluate(conn: Connection, plans: list[_Plan], base: dict[str, Any], slot: str,
              now: str) -> tuple[int, int, dict[str, int]]:
    desk_of = dict(conn.execute(select(compounds.c.compound, compounds.c.desk_code)).all())
    taken: dict[str, set[str]] = {}
    for p in plans:
        taken[p.code] = set(conn.execute(select(entries.c.id_number).where(
            entries.c.item_code == p.code, entries.c.cycle == p.cycle)).scalars())
    by_item = {p.code: 0 for p in plans}
    pending: list[dict[str, Any]] = []
    residents = 0
    no_flags: frozenset[str] = frozenset()
    for number, name, born, sex, address, compound, grid, flags_json in _roster_rows(conn):
        residents += 1
        if not plans:
            continue
        person = Person(birth_date=date.fromisoformat(born), sex=sex, compound=compound,
                        grid=grid, flags=no_flags if flags_json == "[]" else
                        frozenset(json.loads(flags_json)))
        env = person_env(base, person)
        for p in plans:
            if not p.rule.node(env) or number in taken[p.code]:
                continue
            try:
                due = p.due.node(env)
                due_text = due.isoformat()
            except (AttributeError, TypeError, ValueError) as exc:
                raise ProactiveError(f"{p.code} proactive.due：算不出日期（{exc}）") from None
            pending.append({"item_code": p.code, "id_number": number, "cycle": p.cycle,
                            "slot": slot, "desk_code": desk_of.get(compound, ""),
                            "compound": compound, "name": name, "address": address,
                            "reason": p.reason, "due": due_text, "listed_at": now})
            by_item[p.code] += 1
        if len(pending) >= INSERT_BATCH:
            conn.execute(entries.insert(), pending)
            pending = []
    if pending:
        conn.execute(entries.insert(), pending)
    return sum(by_item.values()), residents, by_item


def set_compounds(db: Database, desk_code: str, names: list[str], *,
                  audit: Any = None) -> dict[str, Any]:
    """Make ``desk_code`` the desk serving exactly ``names`` (a compound is served by one
    desk: naming it here moves it from any other). Lists already written keep their desk;
    the next run lists new residents under the new one."""
    names = sorted({n.strip() for n in names if n.strip()})
    if not desk_code.strip():
        raise ProactiveError("--desk-code：不能为空")
    now = P.utc_now()
    with db.write() as conn:
        conn.execute(delete(compounds).where(compounds.c.desk_code == desk_code))
        if names:
            conn.execute(delete(compounds).where(compounds.c.compound.in_(names)))
            conn.execute(compounds.insert(), [{"compound": n, "desk_code": desk_code,
                                               "set_at": now} for n in names])
        if audit is not None:
            audit(conn, names)
    return {"desk_code": desk_code, "compounds": names}


def list_compounds(db: Database) -> dict[str, list[str]]:
    """Desk code → the compounds it serves."""
    out: dict[str, list[str]] = {}
    with db.read() as conn:
        for compound, desk in conn.execute(select(compounds.c.compound, compounds.c.desk_code)
                                           .order_by(compounds.c.desk_code,
                                                     compounds.c.compound)):
            out.setdefault(desk, []).append(compound)
    return out


def summary(db: Database) -> dict[str, Any]:
    """Entries by item and outcome, and the last runs."""
    with db.read() as conn:
        counts = conn.execute(select(entries.c.item_code, entries.c.outcome, func.count())
                              .group_by(entries.c.item_code, entries.c.outcome)).all()
        last = conn.execute(select(runs).order_by(runs.c.slot.desc()).limit(5)).mappings().all()
    by_item: dict[str, dict[str, int]] = {}
    for code, outcome, n in counts:
        by_item.setdefault(code, {})[outcome or "待联系"] = int(n)
    return {"by_item": by_item, "runs": [dict(r) for r in last]}
