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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    delete,
    exists,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from forms.expr import names_in
from forms.expr import parse as parse_expr
from forms.ids import mask_id
from forms.proactive import FLAGS, Person, RuleError, day_env, parse_rule, person_env
from sync import protocol as P
from sync.district.roster import roster
from sync.district.tables import _BigId, changes, metadata

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from forms.catalog import Catalog
    from sync.district.database import Database

INSERT_BATCH = 5000

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
    Column("item_name", String(100), nullable=False, server_default=""),
    Column("no_signature", Integer, nullable=False, server_default="0"),
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
    Column("outcome_worker", String(40)),
    Column("change_seq", _BigId),  # the ``proactive`` change that told the desk (NULL: not yet)
    Column("told_desk_id", String(40)),  # the desk told (a replacement laptop is told again)
    UniqueConstraint("item_code", "id_number", "cycle", name="proactive_entry_once"),
    Index("proactive_entries_desk", "desk_code", "id"),
    Index("proactive_entries_item", "item_code", "compound"),
    Index("proactive_entries_untold", "desk_code", "told_desk_id"),
    Index("proactive_entries_told", "change_seq"),
)
corrections = Table(  # 已迁出 / 已故 from the desks: to pass on to the roster's department
    "roster_corrections", metadata,
    Column("id_number", String(18), primary_key=True),
    Column("kind", String(20), nullable=False),  # moved | deceased
    Column("note", Text, nullable=False, server_default=""),
    Column("desk_code", String(32), nullable=False),
    Column("entry_id", _BigId, nullable=False),
    Column("at", String(40), nullable=False),
    Column("passed_on_at", String(40)),
)


class ProactiveError(ValueError):
    """A run that cannot start (a rule that does not evaluate, a bad month), in words."""


@dataclass(frozen=True)
class _Plan:
    code: str
    name: str
    no_signature: bool
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
        out.append(_Plan(item.code, item.name, pro.no_signature, pro.reason, cycle, rule,
                         due))
    return out


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


def _key_columns(plans: list[_Plan]) -> tuple[bool, bool, bool, bool]:
    """Which of sex, compound, grid and the flags any rule or due-by reads (the birth date
    always counts): residents alike in these get the same answers."""
    names: set[str] = set()
    for p in plans:
        for text in (p.rule.text, p.due.text):
            names |= names_in(parse_expr(text))
    return ("sex" in names, "compound" in names, "grid" in names,
            bool(names & set(FLAGS)))


def _evaluate(conn: Connection, plans: list[_Plan], base: dict[str, Any], slot: str,
              now: str) -> tuple[int, int, dict[str, int]]:
    """Every resident through every rule, set-based: the answers (which plans hold, and
    their due dates) depend only on what the rules read — the birth date and, when a rule
    names them, sex, compound, grid and the flags — so the roster's distinct such keys are
    read (one grouped scan in the database; at 1,000,000 residents about one in ten), the
    rules are evaluated once per key, the keys that hit go to a temporary table, and one
    ``INSERT … SELECT`` joins it with the roster, skipping (item, resident, cycle) already
    listed through the unique index. No resident row travels to Python, and the next day's
    run costs what the first costs whatever the earlier lists hold."""
    keys = _key_names(plans)
    kcols = [roster.c[k] for k in keys]
    hits = _hits_table(keys)
    hits.create(conn)
    residents = 0
    rows: list[dict[str, Any]] = []
    for *key, n in conn.execute(select(*kcols, func.count()).group_by(*kcols)):
        residents += int(n)
        k = dict(zip(keys, key, strict=True))
        flags_json = k.get("flags_json", "[]")
        person = Person(birth_date=date.fromisoformat(k["birth_date"]), sex=k.get("sex", ""),
                        compound=k.get("compound", ""), grid=k.get("grid", ""),
                        flags=frozenset(json.loads(flags_json)) if flags_json != "[]" else
                        frozenset())
        for p, due_text in _answer(plans, base, person):
            rows.append({**k, "item_code": p.code, "item_name": p.name,
                         "no_signature": int(p.no_signature), "cycle": p.cycle,
                         "reason": p.reason, "due": due_text})
            if len(rows) >= INSERT_BATCH:
                conn.execute(hits.insert(), rows)
                rows = []
    if rows:
        conn.execute(hits.insert(), rows)
    by_item = {p.code: 0 for p in plans}
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {hits.name}")  # a temporary table has no statistics
    before = conn.execute(select(func.coalesce(func.max(entries.c.id), 0))).scalar_one()
    h, r, done = hits.c, roster.c, entries.alias("done")
    new = (select(h.item_code, h.item_name, h.no_signature, r.id_number, h.cycle,
                  literal(slot, String), func.coalesce(compounds.c.desk_code, ""), r.compound,
                  r.name, r.address, h.reason, h.due, literal(now, String))
           .select_from(roster.join(hits, and_(*(r[k] == h[k] for k in keys)))
                        .outerjoin(compounds, compounds.c.compound == r.compound))
           .where(~exists().where(done.c.item_code == h.item_code,
                                  done.c.id_number == r.id_number, done.c.cycle == h.cycle))
           .order_by(r.id_number, h.item_code))
    conn.execute(entries.insert().from_select(
        ["item_code", "item_name", "no_signature", "id_number", "cycle", "slot", "desk_code",
         "compound", "name", "address", "reason", "due", "listed_at"], new))
    for code, n in conn.execute(select(entries.c.item_code, func.count()).where(
            entries.c.id > before, entries.c.slot == slot).group_by(entries.c.item_code)):
        by_item[code] = int(n)
    hits.drop(conn)
    return sum(by_item.values()), residents, by_item


def _key_names(plans: list[_Plan]) -> list[str]:
    """The roster columns the answers depend on (see :func:`_key_columns`)."""
    use = _key_columns(plans)
    return ["birth_date", *(k for k, u in zip(("sex", "compound", "grid", "flags_json"), use,
                                              strict=True) if u)]


def _hits_table(keys: list[str]) -> Table:
    """The run's temporary table: each key that a plan holds for, with the plan's entry
    fields (gone with the transaction)."""
    return Table(
        "proactive_hits", MetaData(),
        *(Column(k, roster.c[k].type, nullable=False) for k in keys),
        Column("item_code", String(20), nullable=False),
        Column("item_name", String(100), nullable=False),
        Column("no_signature", Integer, nullable=False),
        Column("cycle", String(7), nullable=False),
        Column("reason", Text, nullable=False),
        Column("due", String(10), nullable=False),
        Index("proactive_hits_key", *keys),
        prefixes=["TEMPORARY"])


def _answer(plans: list[_Plan], base: dict[str, Any],
            person: Person) -> tuple[tuple[_Plan, str], ...]:
    """The plans whose rule holds for ``person``, each with its due date."""
    env = person_env(base, person)
    out = []
    for p in plans:
        if not p.rule.node(env):
            continue
        try:
            due_text = p.due.node(env).isoformat()
        except (AttributeError, TypeError, ValueError) as exc:
            raise ProactiveError(f"{p.code} proactive.due：算不出日期（{exc}）") from None
        out.append((p, due_text))
    return tuple(out)


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


# -- the list reaches the desks, the answers come back ------------------------------------


DONE = ("confirmed", "declined", "moved", "deceased")  # answers that end an entry


def _untold(desk_code: str, desk_id: str) -> Any:
    """Entries of ``desk_code`` the desk ``desk_id`` has not been told: never told, or told
    to the laptop it replaced (then only those still open)."""
    e = entries.c
    return (e.desk_code == desk_code) & (e.told_desk_id.is_(None) | (
        (e.told_desk_id != desk_id) & e.outcome.not_in(DONE)))


def untold(db: Database, desk_code: str, desk_id: str) -> bool:
    """Whether an entry waits to be told to the desk (an index range of its code)."""
    with db.read() as conn:
        return conn.execute(select(entries.c.id).where(_untold(desk_code, desk_id)).limit(1)
                            ).first() is not None


def tell(db: Any, desk_id: str, desk_code: str) -> int:
    """Write a ``proactive`` change to ``desk_id`` for each of its code's entries not yet
    told (with the change writers serialised, so seq order is commit order); how many."""
    if not desk_code or not untold(db, desk_code, desk_id):
        return 0
    now = P.utc_now()
    n = 0
    with db.write() as conn:
        db.serialise_changes(conn)
        rows = conn.execute(select(entries.c.id, entries.c.item_code, entries.c.item_name,
                                   entries.c.reason).where(
            _untold(desk_code, desk_id)).order_by(entries.c.id).with_for_update()).all()
        for entry_id, code, item_name, reason in rows:
            seq = conn.execute(changes.insert().values(
                kind=P.PROACTIVE_CHANGE, desk_id=desk_id, case_uuid=None, status="listed",
                note=reason, item_code=code[:16], item_name=item_name[:100], actor="system",
                at=now).returning(changes.c.seq)).scalar_one()
            conn.execute(update(entries).where(entries.c.id == entry_id).values(
                change_seq=seq, told_desk_id=desk_id))
            n += 1
    return n


def change_bodies(conn: Connection, rows: Sequence[Any]) -> dict[int, dict[str, Any]]:
    """The :class:`sync.protocol.ProactiveEntry` of each pulled ``proactive`` change."""
    seqs = [r["seq"] for r in rows if r["kind"] == P.PROACTIVE_CHANGE]
    if not seqs:
        return {}
    out = {}
    for e in conn.execute(select(entries).where(entries.c.change_seq.in_(seqs))).mappings():
        out[int(e["change_seq"])] = P.ProactiveEntry(
            entry_id=e["id"], item_code=e["item_code"], item_name=e["item_name"],
            name=e["name"], id_masked=mask_id(e["id_number"]), address=e["address"],
            compound=e["compound"], reason=e["reason"], due=e["due"],
            no_signature=bool(e["no_signature"])).model_dump()
    return out


def record_outcomes(db: Database, desk: Mapping[str, Any],
                    req: P.ProactiveOutcomesRequest) -> P.ProactiveOutcomesResponse:
    """The desk's answers, in one transaction: each for an entry of the desk's own code
    (anything else is rejected saying nothing about it). The same answer again changes
    nothing; a later one (by its time) replaces an earlier one. 已迁出 / 已故 are kept as
    roster corrections for the department that owns the roster."""
    code = str(desk.get("desk_code") or "")
    results = []
    with db.write() as conn:
        for o in req.outcomes:
            row = conn.execute(select(entries).where(entries.c.id == o.entry_id)
                               .with_for_update()).mappings().first()
            if row is None or row["desk_code"] != code:
                results.append(P.ProactiveOutcomeResult(
                    entry_id=o.entry_id, result="rejected", reason="不是本办事点名单上的居民"))
                continue
            if not row["outcome_at"] or o.at >= row["outcome_at"]:
                conn.execute(update(entries).where(entries.c.id == o.entry_id).values(
                    outcome=o.outcome, outcome_at=o.at, outcome_note=o.note,
                    visit_date=o.visit_date, outcome_worker=o.worker[:40],
                    case_uuid=str(o.case_uuid) if o.case_uuid else row["case_uuid"]))
            if o.outcome in ("moved", "deceased"):
                ins = db.dialect_insert(corrections).values(
                    id_number=row["id_number"], kind=o.outcome, note=o.note, desk_code=code,
                    entry_id=o.entry_id, at=o.at)
                conn.execute(ins.on_conflict_do_update(
                    index_elements=["id_number"],
                    set_={"kind": ins.excluded.kind, "note": ins.excluded.note,
                          "entry_id": ins.excluded.entry_id, "at": ins.excluded.at}))
            results.append(P.ProactiveOutcomeResult(entry_id=o.entry_id, result="accepted"))
    return P.ProactiveOutcomesResponse(results=results)


def roster_corrections(db: Database) -> list[dict[str, Any]]:
    """已迁出 / 已故 reported by desks, newest first (ID numbers masked)."""
    with db.read() as conn:
        rows = conn.execute(select(corrections).order_by(corrections.c.at.desc())
                            ).mappings().all()
    return [dict(r, id_number=mask_id(r["id_number"])) for r in rows]


COVERAGE_KEYS = ("eligible", "contacted", "confirmed", "declined", "unreachable",
                 "home_visit", "moved", "deceased", "paid")


def coverage(db: Database) -> dict[str, Any]:
    """Per item and compound: eligible (listed), contacted (any answer), confirmed,
    declined, unreachable, home visits, moved, deceased and paid (a confirmed resident
    whose 免申 case the district completed); ``items`` totals per item. One grouped pass."""
    from sqlalchemy import case as when

    from sync.district.tables import cases

    e = entries
    answered = e.c.outcome != ""

    def n(cond: Any) -> Any:
        return func.sum(when((cond, 1), else_=0))

    q = (select(e.c.item_code, func.max(e.c.item_name), e.c.compound, func.count(),
                n(answered), *(n(e.c.outcome == k) for k in COVERAGE_KEYS[2:8]),
                n((e.c.outcome == "confirmed") & (cases.c.district_status == "completed")))
         .select_from(e.outerjoin(cases, cases.c.uuid == e.c.case_uuid))
         .group_by(e.c.item_code, e.c.compound).order_by(e.c.item_code, e.c.compound))
    rows: list[dict[str, Any]] = []
    items: dict[str, dict[str, Any]] = {}
    with db.read() as conn:
        for code, name, compound, *counts in conn.execute(q):
            row = {"item_code": code, "item_name": name or code,
                   "compound": compound or "（未填小区）",
                   **{k: int(v or 0) for k, v in zip(COVERAGE_KEYS, counts, strict=True)}}
            rows.append(row)
            total = items.setdefault(code, {"item_code": code, "item_name": row["item_name"],
                                            **dict.fromkeys(COVERAGE_KEYS, 0)})
            for k in COVERAGE_KEYS:
                total[k] += row[k]
    return {"rows": rows, "items": list(items.values())}


def case_entry(db: Database, entry_id: int, desk_code: str) -> dict[str, Any] | None:
    """The list entry a 免申 case names (of the case's own desk), with the desk's answer and
    the case it linked: for the case page."""
    e = entries.c
    with db.read() as conn:
        row = conn.execute(select(e.id, e.item_code, e.item_name, e.reason, e.due, e.outcome,
                                  e.outcome_at, e.case_uuid, e.slot)
                           .where(e.id == entry_id, e.desk_code == desk_code)
                           ).mappings().first()
    return dict(row) if row is not None else None
