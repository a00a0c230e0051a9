"""Issue 21: the dashboard's and the 办事点 page's figures at 1,000,000 cases come from
summaries kept in the transaction of every write — ``console_counts`` (open cases by status,
item, desk and promised date; intake per day by item, desk and worker; ratings by day with
差评 by desk, worker and item) with every
write of the read model, ``desk_sent_counts`` (cases each desk sent) with every batch. Here
they are compared with a full recount after each of a random sequence of ingests, new
revisions, decisions, ratings and refreshes (a test step names the write that forgot them),
under 50 concurrent ingests racing refreshes in other connections, and after a district made
before them migrates; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from test_console_store import cs  # noqa: F401  (the fixture)

from sync.district.console.store import (
    OPEN_STATUSES,
    CaseFilter,
    ConsoleStore,
    local_date,
    local_today,
)
from sync.district.errors import Refused
from sync.district.replacement import desk_received
from sync.district.storage import Storage, desks

ITEMS = ["MZ-GLJT", "MZ-DB", "RS-ZGRZ", "MZ-LNYD"]  # promised ×2, 当场办结 ×2
WORKERS = ["刘晓燕", "王建国", ""]
DESKS = [(f"desk-{i}", f"HY-QL0{i}") for i in range(5)]


class Cases:
    """Case and rating records as desks send them (unique receipt numbers)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seq = 0
        self.known: dict[str, dict[str, Any]] = {}  # uuid → its last payload
        self.lock = threading.Lock()

    def case(self, desk: int) -> dict[str, Any]:
        rng = self.rng
        with self.lock:
            self.seq += 1
            seq = self.seq
        day = local_today() - timedelta(days=rng.randrange(25))
        u = str(uuid.uuid4())
        payload = self._payload(u, DESKS[desk][1], f"{DESKS[desk][1]}-{day:%Y%m%d}-{seq:04d}",
                                day, 1)
        with self.lock:
            self.known[u] = payload
        return {"id": seq, "kind": "case", "case_uuid": u, "revision": 1, "payload": payload}

    def _payload(self, u: str, code: str, receipt: str, day: date, rev: int
                 ) -> dict[str, Any]:
        rng = self.rng
        item = rng.choice(ITEMS)
        due = rng.choice([None, day + timedelta(days=rng.randrange(-3, 30))])
        return {
            "uuid": u, "receipt_no": receipt, "item_code": item, "item_name": f"事项{item}",
            "department": "民政", "catalog_version": "t", "status": "accepted",
            "revision": rev, "applicant_name": "王桂兰",
            "created_at": f"{day}T08:00:00.000+00:00",
            "updated_at": f"{day}T08:{rev:02d}:00.000+00:00", "desk_code": code,
            "worker": rng.choice(WORKERS), "accepted_date": day.isoformat(),
            "promised_date": due.isoformat() if due else None,
            "priority": rng.random() < 0.2,
            "data_json": json.dumps({"fields": {"applicant_name": "王桂兰"}}),
            "materials_json": "{}"}

    def revision(self, u: str) -> dict[str, Any]:
        old = self.known[u]
        day = date.fromisoformat(old["accepted_date"])
        payload = self._payload(u, old["desk_code"], old["receipt_no"], day,
                                old["revision"] + 1)
        self.known[u] = payload
        return {"id": 0, "kind": "case", "case_uuid": u, "revision": payload["revision"],
                "payload": payload}

    def rating(self, u: str) -> dict[str, Any]:
        level = self.rng.randrange(1, 6)
        return {"id": 0, "kind": "rating", "case_uuid": u, "revision": 1, "payload": {
            "uuid": u, "level": level, "reason": "慢" if level < 3 else "",
            "rated_at": "2026-11-20T08:00:00.000+00:00"}}


def _desks(st: Storage) -> None:
    with st.write() as conn:
        if not conn.execute(desks.select()).first():
            conn.execute(desks.insert(), [
                {"desk_id": d, "desk_code": code, "name": f"办事点{i}", "secret": "s",
                 "receipt_key": "k", "enrolled_at": "2026-01-01T00:00:00+00:00"}
                for i, (d, code) in enumerate(DESKS)])


def _desk_of(payload: dict[str, Any]) -> str:
    return next(d for d, code in DESKS if code == payload["desk_code"])


def _stored(cs: ConsoleStore) -> Counter[tuple[str, ...]]:  # noqa: F811
    with cs.db.read() as conn:
        return Counter({tuple(r[:5]): int(r[5]) for r in conn.execute(text(
            "SELECT kind, day, a, b, c, n FROM console_counts WHERE n <> 0"))})


def _recount(cs: ConsoleStore, *, from_ratings: bool = False  # noqa: F811
             ) -> Counter[tuple[str, ...]]:
    """Every summary row counted again from ``console_cases`` (and, with ``from_ratings``,
    the ratings from the ``ratings`` table itself), with plain GROUP BYs."""
    out: Counter[tuple[str, ...]] = Counter()
    open_ = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    with cs.db.read() as conn:
        for status, item, prio, dated, n in conn.execute(text(
                "SELECT district_status, item_code, priority, promised_date IS NOT NULL,"
                f" count(*) FROM console_cases WHERE district_status IN ({open_})"
                " GROUP BY district_status, item_code, priority, promised_date IS NOT NULL")):
            out["open", "", status, item, f"{1 if prio else 0}{1 if dated else 0}"] += n
        for day, item, n in conn.execute(text(
                "SELECT accepted_date, item_code, count(*) FROM console_cases"
                " GROUP BY accepted_date, item_code")):
            out["ii", day, item, "", ""] += n
        for day, desk, worker, n in conn.execute(text(
                "SELECT accepted_date, desk_id, worker, count(*) FROM console_cases"
                " GROUP BY accepted_date, desk_id, worker")):
            out["id", day, desk, "", ""] += n
            out["iw", day, desk, worker, ""] += n
        for desk, status, n in conn.execute(text(
                "SELECT desk_id, district_status, count(*) FROM console_cases"
                f" WHERE district_status IN ({open_}) GROUP BY desk_id, district_status")):
            out["desk", "", desk, status, ""] += n
        for day, item, n in conn.execute(text(
                "SELECT promised_date, item_code, count(*) FROM console_cases"
                f" WHERE district_status IN ({open_}) AND promised_date IS NOT NULL"
                " GROUP BY promised_date, item_code")):
            out["due", day, item, "", ""] += n
        rated = conn.execute(text(
            "SELECT r.level, r.received_at, c.desk_code, c.worker, c.item_name"
            " FROM ratings r JOIN console_cases c ON c.uuid = r.case_uuid") if from_ratings
            else text("SELECT r.level, r.received_at, c.desk_code, c.worker, c.item_name"
                      " FROM console_rated r JOIN console_cases c ON c.uuid = r.uuid")).all()
    for level, at, code, worker, item in rated:
        day, bad = local_date(at).isoformat(), "1" if level <= 2 else "0"
        out["rl", day, str(level), "", ""] += 1
        out["rd", day, code, bad, ""] += 1
        out["rw", day, worker, code, bad] += 1
        out["ri", day, item, bad, ""] += 1
    return out


def _sent_recount(st: Storage) -> dict[str, int]:
    with st.read() as conn:
        return {d: int(n) for d, n in conn.execute(text(
            "SELECT desk_id, count(DISTINCT case_uuid) FROM case_revisions GROUP BY desk_id"))}


def _check(cs: ConsoleStore, step: str) -> None:  # noqa: F811
    assert _stored(cs) == _recount(cs), f"console_counts ≠ recount after {step}"
    sent = {d: v["cases"] for d, v in desk_received(cs.db).items() if v["cases"]}
    assert sent == _sent_recount(cs.db), f"desk_sent_counts ≠ recount after {step}"


def _settled(cs: ConsoleStore) -> None:  # noqa: F811
    """Once the read model is up to date: the ratings are the ratings table's, and the
    dashboard says what the list's filters count."""
    while cs.readmodel.refresh():
        pass
    assert _stored(cs) == _recount(cs, from_ratings=True)
    start = local_today() - timedelta(days=60)
    d = cs.dashboard(start=start)
    period = cs.caselist.count_cases(CaseFilter(date_from=start.isoformat(),
                                       date_to=local_today().isoformat()))
    today = cs.caselist.count_cases(CaseFilter(date_from=local_today().isoformat(),
                                      date_to=local_today().isoformat()))
    for group in ("by_item", "by_desk", "by_worker"):  # the period's intake, and today's
        assert (sum(r[-2] for r in d[group]), sum(r[-1] for r in d[group])) == (period, today)
    assert len(d["by_desk"]) == len({r[0] for r in d["by_desk"]})  # one row per desk
    for key, flt in (("overdue", "overdue"), ("near_due", "near"),
                     ("unconfirmed", "unconfirmed")):
        assert d[key] == cs.caselist.count_cases(CaseFilter(overdue=flt)), key
    assert sum(d["backlog"].values()) == cs.caselist.count_cases(CaseFilter(status="open"))
    assert d["priority_open"] == cs.caselist.count_cases(CaseFilter(status="open", priority="1"))
    with cs.db.read() as conn:
        levels = dict(conn.execute(text("SELECT level, count(*) FROM ratings GROUP BY level")
                                   ).all())
    assert d["ratings"] == levels
    bad = sum(bad for _n, _t, bad in d["bad_rates"]["desk"])
    assert bad == sum(n for lv, n in levels.items() if lv <= 2)
    for group in ("desk", "worker", "item"):
        assert sum(n for _n, n, _b in d["bad_rates"][group]) == sum(levels.values()), group
    pending = {r["desk_id"]: r["pending"] for r in cs.desks_overview()}
    for desk, _code in DESKS:
        assert pending[desk] == cs.caselist.count_cases(CaseFilter(desk=desk, status="open")), desk


def test_counts_equal_a_recount_after_every_write(cs: ConsoleStore) -> None:  # noqa: F811
    st = cs.db
    _desks(st)
    gen = Cases(21)
    rng = random.Random(2126)
    rated: set[str] = set()
    departments = st.departments.names()
    # the first build of many rows at once (PostgreSQL: the COPY path of the read model)
    st.ingest.batch("desk-0", str(uuid.uuid4()), [gen.case(0) for _ in range(520)])
    _check(cs, "ingest (the read model not refreshed yet)")
    cs.readmodel.refresh()
    _check(cs, "the read model's first build of 520 rows")
    for step in range(160):
        op = rng.choice(["ingest", "ingest", "revise", "decide", "decide", "rate", "rate",
                         "refresh", "refresh_some"])
        if op == "ingest":
            desk = rng.randrange(len(DESKS))
            recs = [gen.case(desk) for _ in range(rng.randrange(1, 12))]
            st.ingest.batch(DESKS[desk][0], str(uuid.uuid4()), recs)
        elif op == "revise":  # a new revision: item, worker, promised date may change
            u = rng.choice(sorted(gen.known))
            desk = _desk_of(gen.known[u])
            st.ingest.batch(desk, str(uuid.uuid4()), [gen.revision(u)])
        elif op == "decide":  # the district's decisions, as the console and CLI make them
            u = rng.choice(sorted(gen.known))
            status = rng.choice(["accepted", "needs_correction", "completed", "rejected",
                                 "routed"])
            try:
                st.decisions.set_status(u, status, note="请补正材料", actor="t",
                              department=departments[0] if status == "routed" else None)
            except Refused:
                pass  # a closed case stays closed
        elif op == "rate":
            u = rng.choice(sorted(set(gen.known) - rated))
            rated.add(u)
            st.ingest.batch(_desk_of(gen.known[u]), str(uuid.uuid4()), [gen.rating(u)])
        elif op == "refresh":
            cs.readmodel.refresh()
        else:  # part of the changes (a refresh that stops at its limit)
            cs.readmodel.refresh(limit=rng.randrange(1, 6))
        _check(cs, f"step {step}: {op}")
    _settled(cs)
    assert len(rated) > 20 and _stored(cs)


def test_counts_under_50_concurrent_ingests(cs: ConsoleStore) -> None:  # noqa: F811
    st = cs.db
    _desks(st)
    gen = Cases(7)
    first = [gen.case(i % len(DESKS)) for i in range(100)]
    for i, (desk, _code) in enumerate(DESKS):
        st.ingest.batch(desk, str(uuid.uuid4()), first[i::len(DESKS)])
    cs.readmodel.refresh()
    others = [ConsoleStore(Storage(st.url)) for _ in range(3)]  # other server processes
    start = threading.Barrier(50)
    errors: list[BaseException] = []
    rated = iter(sorted(gen.known))

    def run(i: int) -> None:
        try:
            desk = i % len(DESKS)
            recs = [gen.case(desk) for _ in range(4)]
            with gen.lock:
                u = next(rated)
            if _desk_of(gen.known[u]) == DESKS[desk][0]:
                recs.append(gen.rating(u))
            start.wait(timeout=120)
            st.ingest.batch(DESKS[desk][0], str(uuid.uuid4()), recs)
            others[i % 3].readmodel.refresh()  # racing the others' refreshes and ingests
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    try:
        assert not [t for t in threads if t.is_alive()]
        assert not errors, errors
        assert _sent_recount(st) == {d: 20 + 40 for d, _ in DESKS}
        _check(cs, "50 concurrent ingests and refreshes")
        _settled(cs)
    finally:
        for o in others:
            o.db.close()


def test_revisions_of_new_cases_racing_count_each_case_once(cs: ConsoleStore  # noqa: F811
                                                            ) -> None:
    """A desk's new cases whose revisions arrive in batches committing at the same moment
    (a resend beside a later push, two server processes): each case counted once in the
    desk's sent count, whichever batch writes its row first and whichever waits for it."""
    st = cs.db
    _desks(st)
    gen = Cases(11)
    storages = [st] + [Storage(st.url) for _ in range(3)]  # other server processes
    try:
        for round_ in range(3):
            batches = []  # (desk, revision r of each of its 6 new cases), r = 1..4
            for d in range(len(DESKS)):
                revs = [[gen.case(d) for _ in range(6)]]
                for _ in range(3):
                    revs.append([gen.revision(r["case_uuid"]) for r in revs[0]])
                batches += [(d, rs) for rs in revs]
            _race(storages, batches)
            _check(cs, f"round {round_}: revisions 1-4 of new cases in concurrent batches")
            with st.read() as conn:
                assert {r[0] for r in conn.execute(text("SELECT revision FROM cases"))} == {4}
    finally:
        for o in storages[1:]:
            o.close()


def _race(storages: list[Storage], batches: list[tuple[int, list[dict[str, Any]]]]) -> None:
    """Every batch at once (a barrier), a desk's revisions through different storages."""
    start = threading.Barrier(len(batches))
    errors: list[BaseException] = []

    def run(d: int, recs: list[dict[str, Any]]) -> None:
        try:
            start.wait(timeout=120)
            answer = storages[(d + recs[0]["revision"]) % len(storages)].ingest.batch(
                DESKS[d][0], str(uuid.uuid4()), recs)
            assert {r["result"] for r in answer["results"]} == {"accepted"}, answer
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=b) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not [t for t in threads if t.is_alive()]
    assert not errors, errors


def test_a_district_made_before_builds_them_in_migrate(cs: ConsoleStore) -> None:  # noqa: F811
    st = cs.db
    _desks(st)
    gen = Cases(3)
    recs = [gen.case(i % 2) for i in range(60)]
    st.ingest.batch("desk-0", str(uuid.uuid4()), recs[0::2])
    st.ingest.batch("desk-1", str(uuid.uuid4()), recs[1::2])
    st.ingest.batch("desk-0", str(uuid.uuid4()), [gen.rating(r["case_uuid"])
                                                   for r in recs[0:20:2]])
    st.decisions.set_status(recs[2]["case_uuid"], "completed", actor="t")
    _settled(cs)
    want, sent = _stored(cs), _sent_recount(st)
    with st.write() as conn:  # as before the summaries existed
        conn.execute(text("DELETE FROM console_counts"))
        conn.execute(text("DELETE FROM desk_sent_counts"))
        conn.execute(text("DELETE FROM console_rated"))
        conn.execute(text("DELETE FROM console_state WHERE key IN"
                          " ('counts_version', 'rated_wm')"))
    again = ConsoleStore(st)  # a server start (or any command) migrates
    assert _stored(again) == want and want
    assert {d: v["cases"] for d, v in desk_received(st).items() if v["cases"]} == sent
    _settled(again)
