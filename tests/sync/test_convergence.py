"""Several desks and the district converge, whatever the order and the interruptions
(a hypothesis stateful test against a real server, on SQLite and on PostgreSQL).

Each example enrolls three fresh desks with one running district. Steps, in any order:
desks save cases (complete, 容缺 with a deferrable material missing, or 补正 with a required
one missing), supply materials later (a new revision), take the resident's rating and sync —
directly, through a TCP proxy that drops or resets chosen connections after the district has
answered (with or without the client's own retries), or towards a port where nothing listens;
meanwhile the district accepts, asks for correction (with a note), routes, completes or
rejects cases, through :class:`Storage` or the ``doorstep-district`` command — and is backed
up with the shipped ``doorstep-district-backup`` and **restored from an earlier snapshot**
(``doorstep-district restore``; issue 22), losing everything it received and decided since.

After a final full sync of every desk:

- every case a desk saved is at the district exactly once, under that desk, at the desk's
  newest accepted revision, with exactly the revisions the desk has as sent (same content);
- the revisions refused are the ones made after the district closed the case, set aside
  on the desk with the reason; nothing is pending or in conflict;
- every district status, note and department is on the owning desk; every rating arrived;
  a decision the district lost in a restore (and did not make again) stays on the desk as
  it was, and the district keeps it as that desk's report.

While steps run, no desk ever loses an outbox entry and the district never holds a case or
a revision no desk made.

Resident matters (issue 15) run beside the cases: desks record them (with a resident or
anonymous), hand them over (首问负责: a new revision each time) and close them on the spot
while the district has not dispatched them; the district dispatches, signs, answers and
revisits them (不满意 → 重办). At the end every matter is at the district once, under its
desk, at the desk's newest revision with exactly the desk's revisions (same content), every
matter record on the desks is sent, and each desk shows the district's last decision on
each of its matters (or, when a restore took the district's newest decisions away, one it
had been told).
"""

from __future__ import annotations

import hashlib
import json
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from sync_helpers import District, FaultProxy, backup_district, resident_unless_taken

from sync import protocol as P
from sync import reasons
from sync.client.desk import client_for, enroll_desk, sync_desk
from sync.district import cli as district_cli
from sync.district import matters_store as M
from sync.district.errors import Refused
from sync.district.matters_tables import matter_revisions, matters
from sync.district.storage import case_revisions, cases, changes, ratings

DESKS = 3
ITEMS = ("MZ-GLJT", "MZ-DB")
NOTES = {"needs_correction": "请补交近三个月收入证明", "rejected": "不符合申请条件",
         "routed": "转人社部门", "accepted": "", "completed": ""}
CLOSED_REASONS = ("已办结", "已不予办理")
MATTERS = {"named": {"category": "投诉", "subcategory": "漏水", "description": "楼上漏水",
                     "resident": {"name": "王秀英", "phone": "13871234567"},
                     "place": {"compound": "七里一村", "building": "12"}},
           "anonymous": {"category": "求助", "urgency": "紧急", "description": "电梯困人"}}
MATTER_STEPS = {"dispatch": {}, "sign": {}, "answer": {"text": "已安排维修"},
                "revisit_unhappy": {"satisfaction": "不满意", "text": "仍未修好"},
                "revisit_happy": {"satisfaction": "满意"}, "close": {"text": "已解决"}}
# the steps an order's status allows (one is picked: every held open order moves)
MATTER_NEXT = {"received": ("dispatch", "close"), "dispatched": ("sign", "dispatch"),
               "signed": ("answer",), "answered": ("revisit_happy", "revisit_unhappy"),
               "redo": ("sign", "answer"), "closed": ()}

pick = st.integers(min_value=0, max_value=10**6)
desk_no = st.integers(min_value=0, max_value=DESKS - 1)
batch_sizes = st.sampled_from([1, 2, 500])


class Convergence(RuleBasedStateMachine):
    """Desks, the district and a flaky link between them."""

    district: ClassVar[District]
    root: ClassVar[Path]
    restores: ClassVar[int] = 0  # restores run (the step must really be exercised)
    runs: ClassVar[int] = 0  # machines made: each enrolls new desks under its own codes
    matter_decisions: ClassVar[int] = 0  # district decisions on matters that went through

    def __init__(self) -> None:
        super().__init__()
        from desk.core.app import DeskContext

        d = self.district
        self.plan: list[str | None] = []  # faults for the proxy's next connections
        self.proxy = FaultProxy(d.port, self._fault)
        self.dead = socket.socket()  # bound, never listening: connections are refused
        self.dead.bind(("127.0.0.1", 0))
        self.dead_url = f"http://127.0.0.1:{self.dead.getsockname()[1]}"
        folder = Path(tempfile.mkdtemp(prefix="converge-", dir=self.root))
        Convergence.runs += 1  # one active desk per code (issue 21 item 2): fresh codes
        run = Convergence.runs
        self.desks: list[Any] = []
        self.desk_ids: list[str] = []
        for k in range(DESKS):
            ctx = DeskContext.open(str(folder / f"desk-{k}"))
            ctx.settings.desk_code = f"HY-P{run:04d}{k}"
            ctx.settings.worker_name = "刘晓燕"
            ctx.save_settings()
            self.desks.append(ctx)
            code = d.storage.desks.create_enroll_code(f"HY-P{run:04d}{k}", f"第{k}号流动办事点")
            self.desk_ids.append(enroll_desk(ctx, d.url, code)["desk_id"])
        self.owner: dict[str, int] = {}  # case uuid -> desk index
        self.revision: dict[str, int] = {}  # newest revision made on the desk
        self.missing: dict[str, list[str]] = {}  # materials the resident may still bring
        self.rated: dict[str, int] = {}
        self.records: list[int] = [0] * DESKS  # outbox entries each desk made
        self.held: list[str] = []  # cases the district held at the last look
        self.closed: set[str] = set()  # cases the district completed or rejected
        self.folder = folder
        # district snapshots (issue 22): (backup file, closed cases, decisions made) then
        self.snapshots: list[tuple[Path, set[str], dict[str, list[str]]]] = []
        self.decided: dict[str, list[str]] = {}  # statuses the district decided, in order
        self.lost: dict[str, list[str]] = {}  # decisions a restore took from the district
        # decisions lost in a restore, then made anew and lost again before the desk pulled
        # the newer one: the desk may still hold the first (it was never told otherwise)
        self.lost_before: dict[str, list[str]] = {}
        self.reopened: set[str] = set()  # closed, then reopened by a restore
        # resident matters (issue 15): owner desk, newest desk revision, desk-closed ones,
        # the district's decisions (statuses, in order) and those a restore took away
        self.m_owner: dict[str, int] = {}
        self.m_revision: dict[str, int] = {}
        self.m_decided: dict[str, list[str]] = {}
        self.m_snapshots: list[dict[str, list[str]]] = []
        self.m_lost: dict[str, list[str]] = {}
        self.m_lost_before: dict[str, list[str]] = {}

    def _fault(self, _n: int) -> str | None:
        return self.plan.pop(0) if self.plan else None

    def _cases_of(self, k: int) -> list[str]:
        return sorted(u for u, o in self.owner.items() if o == k)

    # -- the desks ----------------------------------------------------------------------------

    @rule(k=desk_no, item=st.sampled_from(ITEMS),
          shape=st.sampled_from(["complete", "deferred", "correction"]))
    def save_case(self, k: int, item: str, shape: str) -> None:
        ctx = self.desks[k]
        it = ctx.catalog.get(item)
        example = resident_unless_taken(ctx, it, dict(it.example))  # issue 23
        given = list(example.get("materials", []))
        required = {m.name: m for m in it.materials if m.required}
        if shape != "complete":
            want_deferrable = shape == "deferred"
            drop = next(n for n in given
                        if n in required and required[n].deferrable == want_deferrable)
            given.remove(drop)
        example["materials"] = given
        case = ctx.cases.submit(item, example, ctx.actor())
        assert case["status"] == ("accepted" if shape == "complete" else shape)
        u = case["uuid"]
        self.owner[u], self.revision[u] = k, 1
        self.missing[u] = [m["name"] for m in json.loads(case["materials_json"])["missing"]]
        self.records[k] += 1

    @precondition(lambda self: any(names for u, names in self.missing.items()
                                   if u not in self.reopened))
    @rule(n=pick, how_many=st.integers(min_value=1, max_value=3))
    def supply_materials(self, n: int, how_many: int) -> None:
        candidates = sorted(u for u, names in self.missing.items()
                            if names and u not in self.reopened)
        self._supply(candidates[n % len(candidates)], how_many)

    @precondition(lambda self: any(self.missing[u] for u in self.closed))
    @rule(n=pick)
    def supply_materials_after_the_district_closed_it(self, n: int) -> None:
        candidates = sorted(u for u in self.closed if self.missing[u])
        self._supply(candidates[n % len(candidates)], 1)

    def _supply(self, u: str, how_many: int) -> None:
        k = self.owner[u]
        ctx = self.desks[k]
        names = self.missing[u][:how_many]
        case = ctx.cases.supply_materials(u, names, ctx.actor())
        self.revision[u] += 1
        assert case["revision"] == self.revision[u]
        self.records[k] += 1

    @precondition(lambda self: len(self.rated) < len(self.owner))
    @rule(n=pick, level=st.integers(min_value=1, max_value=5))
    def rate(self, n: int, level: int) -> None:
        candidates = sorted(u for u in self.owner if u not in self.rated)
        u = candidates[n % len(candidates)]
        k = self.owner[u]
        self.desks[k].cases.rate(u, level, "" if level > 2 else "等候时间太长")
        self.rated[u] = level
        self.records[k] += 1

    # -- resident matters on the desks (issue 15) ----------------------------------------------

    @rule(k=desk_no, shape=st.sampled_from(sorted(MATTERS)))
    def record_matter(self, k: int, shape: str) -> None:
        from desk.core.matters import MatterService

        ctx = self.desks[k]
        m = MatterService(ctx.store).record(MATTERS[shape], ctx.actor())
        self.m_owner[m["uuid"]], self.m_revision[m["uuid"]] = k, 1
        self.records[k] += 1

    def _open_matters(self) -> list[str]:
        return sorted(u for u, k in self.m_owner.items()
                      if (self.desks[k].store.matters.get_matter(u) or {}).get("status") == "open")

    @precondition(lambda self: self._open_matters())
    @rule(n=pick)
    def hand_matter_over(self, n: int) -> None:
        u = self._open_matters()[n % len(self._open_matters())]
        k = self.m_owner[u]
        ctx = self.desks[k]
        m = ctx.store.matters.handover_matter(u, f"接手人{self.m_revision[u] + 1}", "熟悉此类诉求",
                                              ctx.actor().worker)
        self.m_revision[u] += 1
        assert m["revision"] == self.m_revision[u]
        self.records[k] += 1

    @precondition(lambda self: self._open_matters())
    @rule(n=pick)
    def close_matter_on_the_spot(self, n: int) -> None:
        from desk.core.errors import ValidationFailed
        from desk.core.matters import MatterService

        u = self._open_matters()[n % len(self._open_matters())]
        k = self.m_owner[u]
        ctx = self.desks[k]
        try:
            m = MatterService(ctx.store).close(u, "当场解答", "满意", ctx.actor())
        except ValidationFailed:  # the district dispatched it (and the desk knows)
            event("a matter the district dispatched is not closed at the desk")
            return
        self.m_revision[u] += 1
        assert m["revision"] == self.m_revision[u]
        self.records[k] += 1

    def _district_matters(self) -> dict[str, dict[str, Any]]:
        with self.district.storage.read() as conn:
            rows = conn.execute(select(matters).where(matters.c.desk_id.in_(self.desk_ids)))
            return {r["uuid"]: dict(r) for r in rows.mappings()}

    @precondition(lambda self: self.m_owner)
    @rule(n=pick, choice=pick)
    def district_decides_a_matter(self, n: int, choice: int) -> None:
        held = {u: r for u, r in self._district_matters().items() if r["status"] != "closed"}
        if not held:
            return
        u = sorted(held)[n % len(held)]
        steps = MATTER_NEXT[held[u]["status"]]
        step = steps[choice % len(steps)]
        kw = dict(MATTER_STEPS[step])
        try:
            out = M.decide(self.district.storage, u, step.split("_")[0], actor="hypothesis",
                           **kw)
        except Refused as exc:
            assert exc.extra.get("rule") == "transition", exc.message
            return
        self.m_decided.setdefault(u, []).append(out["status"])
        Convergence.matter_decisions += 1
        # decided again: the desk gets this one, unless a restore takes it away before the
        # desk syncs (then the desk keeps what it had, perhaps a decision lost earlier)
        self.m_lost_before.setdefault(u, []).extend(self.m_lost.pop(u, []))
        event(f"district matter step: {step}")

    # -- sync, whole or broken ----------------------------------------------------------------

    @rule(k=desk_no, batch=batch_sizes)
    def sync(self, k: int, batch: int) -> None:
        summary = sync_desk(self.desks[k], batch_size=batch)
        assert summary["error"] is None and summary["complete"], summary
        assert summary["conflicts"] == 0, summary
        self.held = sorted(self._district_cases())

    @rule(k=desk_no, batch=batch_sizes, retries=st.sampled_from([0, 2]),
          faults=st.lists(st.sampled_from(["drop", "reset", None]), min_size=1, max_size=5))
    def sync_through_a_flaky_link(self, k: int, batch: int, retries: int,
                                  faults: list[str | None]) -> None:
        ctx = self.desks[k]
        self.plan[:] = faults
        session = requests.Session()
        session.headers["Connection"] = "close"  # one request per connection
        try:
            with session, client_for(ctx, self.proxy.url, session=session, retries=retries,
                                     sleep=lambda _s: None) as client:
                summary = sync_desk(ctx, client=client, batch_size=batch)
        finally:
            self.plan.clear()
        assert summary["conflicts"] == 0, summary
        if summary["error"] is not None:
            assert summary["error"]["kind"] in ("network", "server"), summary
        event(f"flaky link: {'broken' if summary['error'] else 'got through'}")
        self.held = sorted(self._district_cases())

    @rule(k=desk_no)
    def sync_with_the_district_unreachable(self, k: int) -> None:
        ctx = self.desks[k]
        before = ctx.store.sync.outbox_counts()
        with client_for(ctx, self.dead_url, retries=0, timeout=(2.0, 5.0)) as client:
            summary = sync_desk(ctx, client=client)
        assert summary["error"]["kind"] == "network" and not summary["complete"]
        assert ctx.store.sync.outbox_counts() == before

    # -- the district -------------------------------------------------------------------------

    def _district_cases(self) -> dict[str, dict[str, Any]]:
        with self.district.storage.read() as conn:
            rows = conn.execute(select(cases).where(cases.c.desk_id.in_(self.desk_ids)))
            return {r["uuid"]: dict(r) for r in rows.mappings()}

    @precondition(lambda self: self.held)
    @rule(n=pick, status=st.sampled_from(sorted(NOTES)), by_command=st.booleans())
    def district_decides(self, n: int, status: str, by_command: bool) -> None:
        self._decide(self.held[n % len(self.held)], status, by_command)

    @precondition(lambda self: self.held)
    @rule(n=pick, status=st.sampled_from(sorted(P.CLOSED_STATUSES)), by_command=st.booleans())
    def district_closes(self, n: int, status: str, by_command: bool) -> None:
        self._decide(self.held[n % len(self.held)], status, by_command)

    def _decide(self, u: str, status: str, by_command: bool) -> None:
        closed = u in self.closed
        department = "人社" if status == "routed" else None
        if by_command:
            args = ["--db", self.district.db_url, "set-status", "--case", u,
                    "--status", status, "--note", NOTES[status], "--actor", "hypothesis"]
            if department:
                args += ["--department", department]
            assert district_cli.main(args) == (1 if closed else 0)
        else:
            try:
                self.district.storage.decisions.set_status(u, status, note=NOTES[status],
                                                 department=department, actor="hypothesis")
            except Refused:
                assert closed
            else:
                assert not closed
        if status in P.CLOSED_STATUSES:
            self.closed.add(u)
        if not closed:
            self.decided.setdefault(u, []).append(status)
            # decided again: the desk gets this one (unless a restore takes it away first)
            self.lost_before.setdefault(u, []).extend(self.lost.pop(u, []))

    # -- backups and restores (issue 22) ------------------------------------------------------

    @initialize()
    def a_matter_at_the_district_from_the_start(self) -> None:
        # the district's matter steps are available from the first step, so every run
        # takes a matter through the district's flow (runs drew none in 15 examples on both
        # databases and the coverage assertion below failed with nothing wrong)
        self.record_matter(0, sorted(MATTERS)[0])
        self.sync(0, 500)
        # and one district step on it, so every run has one (the random rules could close it
        # on the spot or never draw a step: runs failed the assertion below again)
        before = Convergence.matter_decisions
        for choice in range(4):
            self.district_decides_a_matter(0, choice)
            if Convergence.matter_decisions > before:
                break
        assert Convergence.matter_decisions > before

    @initialize()
    def district_backed_up_before_anything(self) -> None:
        # a snapshot from the start, and one restore from it once a case went through after
        # it: every run exercises the restore step (with the snapshot alone available from
        # the first step, fresh-venv runs still drew no restore in 15 examples, twice, and
        # the coverage assertion below failed although nothing was wrong); the random rules
        # restore again from this snapshot or later ones
        self.district_backed_up()
        self.save_case(0, ITEMS[0], "complete")
        self.sync(0, 500)
        self.district_restored_from_an_earlier_snapshot(0)

    @rule()
    def district_backed_up(self) -> None:
        folder = self.folder / f"backup-{len(self.snapshots)}"
        self.snapshots.append((backup_district(self.district.db_url, folder),
                               set(self.closed), {u: list(v) for u, v in self.decided.items()}))
        self.m_snapshots.append({u: list(v) for u, v in self.m_decided.items()})

    @precondition(lambda self: self.snapshots)
    @rule(n=pick)
    def district_restored_from_an_earlier_snapshot(self, n: int) -> None:
        backup, closed, decided = self.snapshots[n % len(self.snapshots)]
        m_decided = self.m_snapshots[n % len(self.snapshots)]

        def restore() -> None:
            assert district_cli.main(["--db", self.district.db_url, "restore",
                                      str(backup)]) == 0

        self.district.restart(restore)
        Convergence.restores += 1
        for u, statuses in self.decided.items():
            kept = decided.get(u, [])
            if statuses != kept:
                # (added to: a second restore, from an older snapshot, loses older ones)
                self.lost[u] = self.lost.get(u, []) + statuses[len(kept):]
        self.reopened |= self.closed - closed
        self.closed = set(closed)
        self.decided = {u: list(v) for u, v in decided.items()}
        for u, statuses in self.m_decided.items():
            kept = m_decided.get(u, [])
            if statuses != kept:
                self.m_lost[u] = self.m_lost.get(u, []) + statuses[len(kept):]
        self.m_decided = {u: list(v) for u, v in m_decided.items()}
        self.held = sorted(self._district_cases())
        event("district restored from an earlier snapshot")

    # -- while it runs ------------------------------------------------------------------------

    @invariant()
    def nothing_is_lost_on_a_desk(self) -> None:
        for k, ctx in enumerate(self.desks):
            assert sum(ctx.store.sync.outbox_counts().values()) == self.records[k]
            assert ctx.store.sync.outbox_counts().get("conflict", 0) == 0

    @invariant()
    def the_district_holds_only_what_desks_made(self) -> None:
        for u, row in self._district_cases().items():
            assert u in self.owner, u
            assert row["desk_id"] == self.desk_ids[self.owner[u]]
            assert 1 <= row["revision"] <= self.revision[u]
            assert (row["district_status"] in P.CLOSED_STATUSES) == (u in self.closed)
        for u, row in self._district_matters().items():
            assert u in self.m_owner, u
            assert row["desk_id"] == self.desk_ids[self.m_owner[u]]
            assert 1 <= row["revision"] <= self.m_revision[u]

    # -- at the end ---------------------------------------------------------------------------

    def teardown(self) -> None:
        try:
            self._converge()
        finally:
            self.proxy.close()
            self.dead.close()
            for ctx in self.desks:
                ctx.close()

    def _converge(self) -> None:
        for ctx in self.desks:
            summary = sync_desk(ctx)
            assert summary["complete"] and summary["error"] is None, summary
            assert summary["pending"] == 0 and summary["conflicts"] == 0, summary
        held = self._district_cases()
        assert sorted(held) == sorted(self.owner)  # every case, once
        with self.district.storage.read() as conn:
            stored_revs: dict[str, dict[int, str]] = {}
            for r in conn.execute(select(case_revisions.c.case_uuid, case_revisions.c.revision,
                                         case_revisions.c.content_hash).where(
                    case_revisions.c.desk_id.in_(self.desk_ids))):
                stored_revs.setdefault(r[0], {})[r[1]] = r[2]
            stored_ratings = {r[0]: r[1] for r in conn.execute(
                select(ratings.c.case_uuid, ratings.c.level).where(
                    ratings.c.desk_id.in_(self.desk_ids)))}
        assert set(stored_revs) == set(self.owner)
        assert stored_ratings == self.rated
        for k, ctx in enumerate(self.desks):
            counts = ctx.store.sync.outbox_counts()
            assert set(counts) <= {"sent", "rejected"}, counts
            outbox = {(e["kind"], e["case_uuid"], e["revision"]): e for e in
                      ctx.store.sync.outbox_entries(list(range(1, self.records[k] + 1)))}
            assert len(outbox) == self.records[k]
            reasons = {(e["kind"], e["case_uuid"], e["revision"]): e["last_error"]
                       for e in ctx.store.sync.set_aside()}
            for key, e in outbox.items():
                e["last_error"] = reasons.get(key)
            for u in self._cases_of(k):
                self._case_converged(ctx, k, u, held[u], stored_revs[u], outbox)
            for u, level in self.rated.items():
                if self.owner[u] == k:
                    assert outbox[("rating", u, 1)]["state"] == "sent"
                    assert ctx.store.get_case(u)["rating"] == level
        self._matters_converged()

    def _matters_converged(self) -> None:
        held = self._district_matters()
        assert sorted(held) == sorted(self.m_owner)  # every matter, once
        with self.district.storage.read() as conn:
            stored: dict[str, dict[int, str]] = {}
            for r in conn.execute(select(matter_revisions.c.matter_uuid,
                                         matter_revisions.c.revision,
                                         matter_revisions.c.content_hash).where(
                    matter_revisions.c.matter_uuid.in_(sorted(held)))):
                stored.setdefault(r[0], {})[r[1]] = r[2]
            last: dict[str, str] = {}  # the district's last decision on each matter
            for r in conn.execute(select(changes.c.case_uuid, changes.c.status).where(
                    changes.c.kind == "matter", changes.c.case_uuid.in_(sorted(held))
                    ).order_by(changes.c.seq)):
                last[r[0]] = r[1]
        for u, k in self.m_owner.items():
            ctx, row = self.desks[k], held[u]
            assert row["desk_id"] == self.desk_ids[k]
            assert row["revision"] == self.m_revision[u]
            entries = {e["revision"]: e for e in ctx.store.sync.outbox_entries(
                list(range(1, self.records[k] + 1))) if e["kind"] == "matter"
                and e["case_uuid"] == u}
            assert sorted(entries) == sorted(stored[u]) == list(
                range(1, self.m_revision[u] + 1))
            for rev, e in entries.items():
                assert e["state"] == "sent", e
                assert stored[u][rev] == hashlib.sha256(
                    P.canonical_json(e["payload"])).hexdigest()
            local = ctx.store.matters.get_matter(u)
            assert local is not None and local["revision"] == self.m_revision[u]
            if u in self.m_lost:  # the district lost its newest decisions in a restore
                known = (self.m_decided.get(u, []) + self.m_lost[u]
                         + self.m_lost_before.get(u, []))
                assert local["district_status"] is None or local["district_status"] in known
                if local["district_status"] != last.get(u):
                    event("a matter decision the district lost stays on the desk")
            else:
                assert local["district_status"] == last.get(u), (u, row["status"])

    def _case_converged(self, ctx: Any, k: int, u: str, row: dict[str, Any],
                        stored: dict[int, str], outbox: dict[Any, Any]) -> None:
        assert row["desk_id"] == self.desk_ids[k]
        mine = [outbox[("case", u, r)] for r in range(1, self.revision[u] + 1)]
        sent = [e["revision"] for e in mine if e["state"] == "sent"]
        refused = [e for e in mine if e["state"] != "sent"]
        # the accepted revisions come first; only edits after the district closed it are
        # refused, each set aside with its reason
        assert sent == list(range(1, len(sent) + 1)), (u, [e["state"] for e in mine])
        if refused:
            event("an edit after the district closed the case was set aside")
        for e in refused:
            assert e["state"] == "rejected"
            assert row["district_status"] in P.CLOSED_STATUSES or u in self.reopened
            assert any(w in (e["last_error"] or "") for w in CLOSED_REASONS), e
        # the district has exactly the desk's accepted revisions, with the same content
        assert row["revision"] == len(sent)
        assert sorted(stored) == sent
        for e in mine[:len(sent)]:
            assert stored[e["revision"]] == hashlib.sha256(
                P.canonical_json(e["payload"])).hexdigest()
        local = ctx.store.get_case(u)
        assert local["revision"] == self.revision[u]
        assert local["sync_state"] == ("synced" if not refused else "rejected")
        # the district's decision is on the desk (or, when a restore took the district's
        # newest decisions away, the desk keeps the one it had)
        if u in self.lost:
            lost = self.lost[u] + self.lost_before.get(u, [])
            known = self.decided.get(u, []) + lost
            assert local["district_status"] is None or local["district_status"] in known
            now = None if row["district_status"] == "received" else row["district_status"]
            if local["district_status"] != now:  # it had pulled a decision since lost
                assert local["district_status"] in lost
                event("a decision the district lost stays on the desk")
        elif row["district_status"] == "received":
            assert local["district_status"] is None
        else:
            assert local["district_status"] == row["district_status"]
            assert (local["district_note"] or "") == row["district_note"]
            if row["district_department"]:
                assert local["district_department"] == row["district_department"]


def test_desks_and_district_converge(district: District, tmp_path: Path) -> None:
    Convergence.district = district
    Convergence.root = tmp_path
    Convergence.restores = 0
    Convergence.matter_decisions = 0
    run_state_machine_as_test(Convergence, settings=settings(
        max_examples=15, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    assert Convergence.restores > 0  # the district was restored from a snapshot
    assert Convergence.matter_decisions > 0  # matters went through the district's flow



@pytest.fixture
def machine(district: District, tmp_path: Path, monkeypatch: Any) -> Iterator[Convergence]:
    """One machine driven step by step (a replayed sequence), its desks closed after."""
    monkeypatch.setattr(sys.modules[__name__], "event", lambda *_a: None)  # outside hypothesis
    Convergence.district, Convergence.root = district, tmp_path
    m = Convergence()
    try:
        yield m
    finally:
        m._converge = lambda: None  # type: ignore[method-assign]  # the test converges
        m.teardown()


def test_a_decision_lost_twice_over_stays_on_the_desk(machine: Convergence) -> None:
    """The district decides, the desk pulls it, a restore loses it; the district decides
    again and is restored again before the desk pulls the newer decision: the desk keeps the
    first decision (it was never told otherwise), for a case and for a resident matter.

    A fresh-venv run of the state machine drew this and failed: the machine forgot the first
    lost decision once the district made another."""
    m = machine
    m.district_backed_up_before_anything()  # snapshot 0, before the matter and the case
    m.a_matter_at_the_district_from_the_start()  # recorded, synced, dispatched
    m.save_case(1, ITEMS[0], "complete")
    m.sync(1, 500)
    case = next(u for u, k in m.owner.items() if k == 1)
    m._decide(case, "accepted", by_command=False)
    m.sync(0, 500)
    m.sync(1, 500)
    matter = next(iter(m.m_owner))
    assert m.desks[0].store.matters.get_matter(matter)["district_status"] == "dispatched"
    assert m.desks[1].store.get_case(case)["district_status"] == "accepted"
    m.district_restored_from_an_earlier_snapshot(0)
    m.sync(0, 500)
    m.sync(1, 500)  # both sent again; the district holds them as received
    m.district_decides_a_matter(0, 1)  # closed this time, from received
    m._decide(case, "routed", by_command=False)
    assert m.m_decided[matter] == ["closed"] and m.decided[case] == ["routed"]
    m.district_restored_from_an_earlier_snapshot(0)  # before either desk pulled them
    m._converge()  # every desk syncs; the district's and the desks' states are checked
    assert m.desks[0].store.matters.get_matter(matter)["district_status"] == "dispatched"
    assert m.desks[1].store.get_case(case)["district_status"] == "accepted"


def test_decisions_lost_by_two_restores_in_turn_stay_on_the_desk(machine: Convergence) -> None:
    """The desk pulls the district's newest decision; the district is restored from a
    snapshot before it, then from an older one before the decision ahead of it: the desk
    keeps the newest it pulled, for a case and for a resident matter (the machine had
    replaced a case's lost decisions at the second restore, and then failed this)."""
    m = machine
    m.district_backed_up_before_anything()  # snapshot 0
    m.a_matter_at_the_district_from_the_start()  # recorded, synced, dispatched
    m.save_case(1, ITEMS[0], "complete")
    m.sync(1, 500)
    case = next(u for u, k in m.owner.items() if k == 1)
    m._decide(case, "accepted", by_command=False)
    m.district_backed_up()  # snapshot 1: the case accepted, the matter dispatched
    m._decide(case, "routed", by_command=False)
    m.district_decides_a_matter(0, 0)  # signed
    m.sync(0, 500)
    m.sync(1, 500)
    matter = next(iter(m.m_owner))
    assert m.desks[0].store.matters.get_matter(matter)["district_status"] == "signed"
    assert m.desks[1].store.get_case(case)["district_status"] == "routed"
    m.district_restored_from_an_earlier_snapshot(1)  # loses routed, signed
    m.district_restored_from_an_earlier_snapshot(0)  # loses accepted, dispatched too
    m._converge()
    assert m.desks[0].store.matters.get_matter(matter)["district_status"] == "signed"
    assert m.desks[1].store.get_case(case)["district_status"] == "routed"


def test_a_rating_noted_in_flight_waits_for_its_case_after_a_restore(
        machine: Convergence) -> None:
    """A desk's push of a rating breaks off (the batch stays noted, to be resent under its
    own id); the district is restored from a snapshot before the rated case; at the next
    sync the case is queued again, and goes up before the rating — the noted batch is not
    sent ahead of it. A fresh-venv run of the state machine drew this: the noted batch went
    first, the district refused the rating ("该案件尚未上传到区级") and it was set aside for
    good, missing from the district's ratings."""
    m = machine
    m.district_backed_up_before_anything()  # snapshot 0: nothing of desk 1
    m.save_case(1, ITEMS[0], "complete")
    m.sync(1, 500)
    case = next(u for u, k in m.owner.items() if k == 1)
    m.rate(sorted(u for u in m.owner if u not in m.rated).index(case), 4)
    m.sync_through_a_flaky_link(1, 500, 0, [None, "reset"])  # the check, then the push
    noted = json.loads(m.desks[1].store.get_meta("sync_inflight") or "[]")
    assert [len(b["ids"]) for b in noted] == [1]  # the rating, to be resent
    m.district_restored_from_an_earlier_snapshot(0)
    m._converge()  # the case, then the rating: both held, nothing set aside
    assert m.desks[1].store.sync.set_aside() == []


def test_a_rating_set_aside_before_its_case_arrived_is_sent_again(machine: Convergence) -> None:
    """A desk whose rating went up ahead of its case (before the fix above) holds it set
    aside as "该案件尚未上传到区级": once the district has acknowledged the case, the
    next sync sends the rating again — it reaches the district's ratings in that sync,
    nothing is left set aside."""
    m = machine
    m.save_case(1, ITEMS[0], "complete")
    case = next(u for u, k in m.owner.items() if k == 1)
    m.rate(sorted(u for u in m.owner if u not in m.rated).index(case), 2)
    store = m.desks[1].store
    rating = next(e for e in store.sync.pending_outbox() if e["kind"] == "rating")
    store.sync.mark_outbox([{"id": rating["id"], "result": "rejected",
                             "reason": reasons.CASE_NOT_RECEIVED}], "an-earlier-desk")
    assert [e["kind"] for e in store.sync.set_aside()] == ["rating"]
    summary = sync_desk(m.desks[1])  # the case goes up; then the rating once more
    assert summary["complete"] and summary["refused_retried"] == 1, summary
    m._converge()  # the district holds the case and its rating; nothing set aside
    assert store.sync.set_aside() == []
