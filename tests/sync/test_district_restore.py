"""The district restored from last night's backup (issue 22), on SQLite and PostgreSQL.

Real parts throughout: a district server on a loopback port, the shipped
``doorstep-district-backup`` script, ``doorstep-district restore``, real desks syncing
through the real client. After a restore every desk's next sync notices the new epoch,
sends again what the district lost (counted in ``resent``), pulls again from the district's
new beginning without losing what it knew, and reports the decisions the district lost; a
desk enrolled after the backup is told to enroll again, and then converges.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sync_helpers import District, backup_district, enroll, new_case, resident_unless_taken

from sync import protocol as P
from sync.client import reconcile
from sync.client.desk import client_for, enroll_desk, sync_desk
from sync.district import cli as district_cli
from sync.district.storage import case_revisions, cases, changes, ratings


def _restore(d: District, backup: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}

    def run() -> None:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            code = district_cli.main(["--db", d.db_url, "restore", str(backup), "--json"])
        assert code == 0
        out.update(json.loads(buf.getvalue()))

    d.restart(run)
    return out


def _deferred_case(ctx: Any) -> dict[str, Any]:
    """A 容缺 case: a deferrable required material missing (supplied later)."""
    for item in ("MZ-GLJT", "MZ-DB"):
        it = ctx.catalog.get(item)
        example = resident_unless_taken(ctx, it, dict(it.example))  # issue 23
        given = list(example.get("materials", []))
        drop = [m.name for m in it.materials if m.required and m.deferrable and m.name in given]
        if drop:
            given.remove(drop[0])
            example["materials"] = given
            case: dict[str, Any] = ctx.cases.submit(item, example, ctx.actor())
            return case
    raise AssertionError("no item with a deferrable material")


def _supply(ctx: Any, u: str) -> None:
    missing = [m["name"] for m in json.loads(ctx.store.get_case(u)["materials_json"])["missing"]]
    ctx.cases.supply_materials(u, missing[:1], ctx.actor())


def _ok(summary: dict[str, Any]) -> dict[str, Any]:
    assert summary["error"] is None and summary["complete"], summary
    assert summary["conflicts"] == 0 and summary["rejected"] == 0, summary
    return summary


def _district_view(d: District) -> dict[str, Any]:
    with d.storage.read() as conn:
        revs: dict[str, set[int]] = {}
        for u, r in conn.execute(select(case_revisions.c.case_uuid, case_revisions.c.revision)):
            revs.setdefault(u, set()).add(r)
        return {"cases": {r.uuid: dict(r._mapping) for r in conn.execute(select(cases))},
                "revisions": revs,
                "ratings": {r[0]: r[1] for r in conn.execute(
                    select(ratings.c.case_uuid, ratings.c.level))},
                "last_seq": conn.execute(select(func.max(changes.c.seq))).scalar() or 0}


def _desk_records(ctx: Any) -> tuple[set[str], dict[str, int], dict[str, int]]:
    """(case UUIDs, newest revision per case, rating per case) as the desk has them."""
    rows = ctx.store.sync.outbox_entries(list(range(1, 10_000)))
    uuids = {e["case_uuid"] for e in rows if e["kind"] == "case"}
    newest: dict[str, int] = {}
    for e in rows:
        if e["kind"] == "case":
            newest[e["case_uuid"]] = max(newest.get(e["case_uuid"], 0), e["revision"])
    rated = {e["case_uuid"]: e["payload"]["level"] for e in rows if e["kind"] == "rating"}
    return uuids, newest, rated


def _converged(d: District, desks: list[Any]) -> None:
    """Every record of every desk at the district exactly once, nothing else."""
    view = _district_view(d)
    want_cases: set[str] = set()
    want_ratings: dict[str, int] = {}
    for ctx in desks:
        uuids, newest, rated = _desk_records(ctx)
        assert not uuids & want_cases
        want_cases |= uuids
        want_ratings.update(rated)
        for u, rev in newest.items():
            assert view["revisions"][u] == set(range(1, rev + 1)), u
            assert view["cases"][u]["revision"] == rev
        assert ctx.store.sync.outbox_counts() == {"sent": sum(ctx.store.sync.outbox_counts().values())}
    assert set(view["cases"]) == want_cases  # primary key: each exactly once
    assert view["ratings"] == want_ratings


@pytest.fixture
def served(db_url: str) -> Any:
    d = District(db_url)
    try:
        yield d
    finally:
        d.stop()


def test_restore_brings_every_record_back(served: District, make_desk: Any,
                                          tmp_path: Path) -> None:
    d = served
    a, b = make_desk("HY-QL01"), make_desk("HY-QL02")
    enroll(d, a)
    enroll(d, b)
    early = [new_case(a)["uuid"] for _ in range(4)] + [_deferred_case(a)["uuid"]]
    b_early = [new_case(b)["uuid"] for _ in range(3)]
    _ok(sync_desk(a))
    _ok(sync_desk(b))
    d.storage.decisions.set_status(early[0], "accepted", actor="admin")
    d.storage.decisions.set_status(b_early[0], "routed", department="民政", actor="admin")
    _ok(sync_desk(a))
    _ok(sync_desk(b))
    cursor_at_backup = int(a.store.get_meta("sync_cursor"))

    backup = backup_district(d.db_url, tmp_path / "backups")

    # -- after the backup: cases, a material supplied, ratings, district decisions --------
    late = [new_case(a)["uuid"] for _ in range(5)]
    _supply(a, early[4])
    a.cases.rate(early[1], 5, "")
    a.cases.rate(late[0], 2, "等候时间太长")
    b_late = [new_case(b)["uuid"] for _ in range(3)]
    _ok(sync_desk(a))
    _ok(sync_desk(b))
    d.storage.decisions.set_status(early[1], "completed", actor="admin")
    d.storage.decisions.set_status(late[1], "needs_correction", note="请补交户口簿", actor="admin")
    d.storage.decisions.set_status(b_late[0], "accepted", actor="admin")
    c = make_desk("HY-QL03")  # enrolled after the backup: the restored district never knew it
    enroll(d, c)
    for _ in range(2):
        new_case(c)
    for ctx in (a, b, c):
        _ok(sync_desk(ctx))
    assert a.store.get_case(early[1])["district_status"] == "completed"
    assert a.store.get_case(late[1])["district_status"] == "needs_correction"
    cursor_before = int(a.store.get_meta("sync_cursor"))
    events_before = len(a.store.history(early[0]))

    # -- the disk fails; last night's backup is restored --------------------------------
    done = _restore(d, backup)
    assert done["epoch"] == 2 and done["backup_epoch"] == 1 and done["previous_epoch"] == 1
    ident = d.storage.reconcile.identity()
    assert ident["epoch"] == 2 and ident["epoch_reason"] == "restore"
    view = _district_view(d)
    assert set(early) | set(b_early) == set(view["cases"])  # the district lost the rest
    assert view["last_seq"] < cursor_before
    overview = d.storage.reconcile.agreement_overview()
    assert overview["agreed"] == 0 and overview["total"] == 2  # c is unknown here

    s = _ok(sync_desk(a))
    assert s["epoch_changed"] and s["district_epoch"] == 2
    # 5 new cases, 1 material supply (revision 2), 2 ratings: sent again, exactly those
    assert s["resent"] == 8 and s["accepted"] == 8 and s["duplicates"] == 0, s
    assert s["decisions_reported"] == 2, s  # completed + needs_correction, lost by the district
    s = _ok(sync_desk(b))
    assert s["epoch_changed"] and s["resent"] == 3 and s["accepted"] == 3, s
    assert s["decisions_reported"] == 1

    # the pull cursor started again from the district's new beginning
    assert int(a.store.get_meta("sync_cursor")) == cursor_at_backup < cursor_before
    # nothing the desk knew is lost, nothing it had is doubled
    assert a.store.get_case(early[0])["district_status"] == "accepted"
    assert a.store.get_case(early[1])["district_status"] == "completed"
    assert a.store.get_case(late[1])["district_status"] == "needs_correction"
    assert a.store.get_case(late[1])["district_note"] == "请补交户口簿"
    assert len(a.store.history(early[0])) == events_before
    reported = {(r["case_uuid"], r["status"]) for r in d.storage.reconcile.status_reports()}
    assert reported == {(early[1], "completed"), (late[1], "needs_correction"),
                        (b_late[0], "accepted")}
    # ... and is never taken as the district's own decision
    assert d.storage.cases.get(early[1])["district_status"] == "received"

    # a decision made after the restore reuses a seq the desk had seen: it still arrives
    new_seq = d.storage.decisions.set_status(late[2], "accepted", actor="admin")["seq"]
    assert new_seq <= cursor_before
    s = _ok(sync_desk(a))
    assert s["pulled"] == 1 and s["resent"] == 0 and not s["epoch_changed"]
    assert a.store.get_case(late[2])["district_status"] == "accepted"

    # the desk enrolled after the backup: told to enroll again, not a generic auth error
    s = sync_desk(c)
    assert not s["complete"] and s["error"]["code"] == P.ERR_UNKNOWN_DESK, s
    assert "注册码" in s["error"]["message"] and "重新注册" in s["error"]["message"]
    assert c.store.sync.outbox_counts() == {"sent": 2}  # its cases are kept
    enroll(d, c)
    s = _ok(sync_desk(c))
    assert s["epoch_changed"] and s["resent"] == 2 and s["accepted"] == 2, s

    _converged(d, [a, b, c])
    for ctx in (a, b, c):
        s = _ok(sync_desk(ctx))
        assert s["resent"] == 0 and s["pushed"] == 0 and not s["epoch_changed"], s
    overview = d.storage.reconcile.agreement_overview()
    assert overview["agreed"] == overview["total"] == 3
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert district_cli.main(["--db", d.db_url, "desks", "--json"]) == 0
    listed = json.loads(out.getvalue())
    assert {x["agreement"]["state"] for x in listed if x["revoked_at"] is None} == {"agreed"}
    assert {v["state"] for v in overview["desks"].values() if v["held"] is not None} == \
        {"agreed"}


def test_an_edit_refused_for_a_decision_the_restore_took_away_goes_up_again(
        served: District, make_desk: Any, tmp_path: Path) -> None:
    """A supply refused because the district had closed the case is offered again once the
    district's history went back before that close: otherwise the next supply reaches the
    district without it (revisions 1 and 3 held, 2 set aside on the desk for a reason the
    district no longer has). Found by the convergence state machine."""
    d = served
    a = make_desk("HY-QL01")
    enroll(d, a)
    it = a.catalog.get("MZ-GLJT")
    example = resident_unless_taken(a, it, dict(it.example))  # issue 23
    late = ["近期一寸免冠照片", "社保卡或本人银行卡"]
    example["materials"] = [m for m in example["materials"] if m not in late]
    u = a.cases.submit("MZ-GLJT", example, a.actor())["uuid"]
    _ok(sync_desk(a))
    snapshot = backup_district(d.db_url, tmp_path / "before-close")
    d.storage.decisions.set_status(u, "completed", actor="admin")
    _ok(sync_desk(a))
    a.cases.supply_materials(u, late[:1], a.actor())  # revision 2: the case is closed there
    refused = sync_desk(a)
    assert refused["rejected"] == 1, refused
    assert [e["revision"] for e in a.store.sync.set_aside()] == [2]

    _restore(d, snapshot)  # the close is gone with the district's history
    a.cases.supply_materials(u, late[1:], a.actor())  # revision 3
    s = sync_desk(a)
    assert s["epoch_changed"] and s["refused_retried"] == 1, s
    assert s["rejected"] == 0 and s["complete"], s
    assert a.store.sync.set_aside() == []
    _converged(d, [a])  # revisions 1, 2 and 3, in order, nothing set aside


def test_restore_to_a_month_old_backup(served: District, make_desk: Any,
                                       tmp_path: Path) -> None:
    d = served
    a, b = make_desk("HY-QL01"), make_desk("HY-QL02")
    enroll(d, a)
    enroll(d, b)
    new_case(a)
    _ok(sync_desk(a))
    _ok(sync_desk(b))
    old = backup_district(d.db_url, tmp_path / "month-ago")
    month_ago = time.time() - 31 * 86400
    os.utime(old, (month_ago, month_ago))
    made: dict[int, list[str]] = {0: [], 1: []}
    for day in range(30):  # a month of work: cases, decisions, a catalog, a nightly backup
        for k, ctx in enumerate((a, b)):
            made[k].append(new_case(ctx)["uuid"])
            _ok(sync_desk(ctx))
        d.storage.decisions.set_status(made[day % 2][-1], "accepted", actor="admin")
        if day % 10 == 0:
            a.cases.rate(made[0][-1], 4, "")
    backup_district(d.db_url, tmp_path / "nightly")

    _restore(d, old)
    s = _ok(sync_desk(a))
    assert s["epoch_changed"] and s["resent"] == 30 + 3, s
    s = _ok(sync_desk(b))
    assert s["epoch_changed"] and s["resent"] == 30, s
    _converged(d, [a, b])
    assert a.store.get_case(made[0][0])["district_status"] == "accepted"


def test_a_database_restored_by_hand_is_detected(served: District, make_desk: Any,
                                                 tmp_path: Path) -> None:
    """Restored without the command (the epoch in the backup is the old one): the district
    finds its history behind what a desk reports and starts a new epoch itself."""
    d = served
    a = make_desk()
    enroll(d, a)
    new_case(a)
    _ok(sync_desk(a))
    backup = backup_district(d.db_url, tmp_path / "b")
    new_case(a)
    _ok(sync_desk(a))

    def by_hand() -> None:
        from sync.district.restore import _restore_postgres, _restore_sqlite

        if d.db_url.startswith("sqlite"):
            _restore_sqlite(d.db_url, backup)
        else:
            _restore_postgres(d.db_url, backup)

    d.restart(by_hand)
    assert d.storage.reconcile.identity()["epoch"] == 1  # nothing told it
    s = _ok(sync_desk(a))
    assert s["epoch_changed"] and s["resent"] == 1, s
    ident = d.storage.reconcile.identity()
    assert ident["epoch"] == 2 and ident["epoch_reason"] == "detected"
    _converged(d, [a])


def test_restore_refuses_what_is_not_a_district_backup(db_url: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    junk = tmp_path / "district-20261201-023000.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    assert district_cli.main(["--db", db_url, "restore", str(junk)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("file: [refused]") and junk.name in err
    assert district_cli.main(["--db", db_url, "restore", str(tmp_path / "nope")]) == 1
    assert "备份文件不存在" in capsys.readouterr().err


def test_purge_never_removes_what_the_district_has_not_confirmed(
        served: District, make_desk: Any, tmp_path: Path) -> None:
    from desk.core.maintenance import purge_expired

    d = served
    a = make_desk()
    enroll(d, a)
    u1, u2 = new_case(a)["uuid"], new_case(a)["uuid"]
    assert a.store.maintenance.purge_personal_data("2999-01-01", "test") == 0  # never confirmed
    _ok(sync_desk(a))
    for u in (u1, u2):
        d.storage.decisions.set_status(u, "completed", actor="admin")
    _ok(sync_desk(a))
    backup = backup_district(d.db_url, tmp_path / "b")
    a.cases.rate(u1, 5, "")
    _ok(sync_desk(a))
    _restore(d, backup)
    # the desk hears of the new epoch (the round then breaks off before the agreement)
    with client_for(a) as client:
        summary = reconcile.new_keys()
        reconcile.begin(a.store, client, summary)
    assert summary["epoch_changed"] and summary["resent"] == 1
    assert a.store.reconcile.confirmed() == 0
    assert a.store.maintenance.purge_personal_data("2999-01-01", "test") == 0
    assert purge_expired(a.store, days=0) == 0
    _ok(sync_desk(a))  # agreement again, in the new epoch
    assert a.store.reconcile.confirmed() == a.store.reconcile.acked()["acked_max"]
    assert a.store.maintenance.purge_personal_data("2999-01-01", "test") == 2


def test_reenrolling_at_the_same_district_keeps_the_count(served: District,
                                                         make_desk: Any) -> None:
    """A desk enrolled again (a new id) where the district knows its old one: what the
    district holds under the old id counts, nothing is sent again."""
    d = served
    a = make_desk()
    enroll(d, a)
    for _ in range(3):
        new_case(a)
    _ok(sync_desk(a))
    old_id = a.store.get_meta("desk_id")
    code = d.storage.desks.create_enroll_code(a.settings.desk_code, "七里一村", replaces=old_id)
    info = enroll_desk(a, d.url, code)
    assert info["desk_id"] != old_id
    s = _ok(sync_desk(a))
    assert s["resent"] == 0 and not s["epoch_changed"], s


def test_fifty_desks_finding_the_district_behind_start_one_epoch(db_url: str) -> None:
    """50 desks report, at once, more than the district holds (a database restored by hand):
    exactly one new epoch starts, and every desk is told the same one."""
    import secrets
    from concurrent.futures import ThreadPoolExecutor

    from sync.district.storage import Storage

    st = Storage(db_url)
    try:
        ids = [st.desks.enroll(P.EnrollRequest(code=st.desks.create_enroll_code(f"HY-C{i:02d}", "办事点"),
                                         receipt_key=secrets.token_hex(32))).desk_id
               for i in range(50)]
        before = st.reconcile.identity()
        req = P.ReconcileRequest(epoch_id=before["epoch_id"], cursor=10**6, acked=3,
                                 acked_max=3)
        with ThreadPoolExecutor(max_workers=50) as pool:
            answers = list(pool.map(lambda d: st.reconcile.check(d, req), ids))
        after = st.reconcile.identity()
        assert after["epoch"] == before["epoch"] + 1 and after["epoch_reason"] == "detected"
        assert {a.epoch_id for a in answers} == {after["epoch_id"]}
        assert [e["reason"] for e in st.reconcile.epoch_history()] == ["detected", "created"]
        assert not any(a.agreed for a in answers)
    finally:
        st.close()


def test_only_a_check_that_starts_an_epoch_is_flushed_on_its_own(db_url: str,
                                                                 monkeypatch: Any) -> None:
    """Every desk's sync round checks twice; a check that changes nothing only notes when it
    was made, committed without a flush of its own (an fsync each, most of a small desk's
    round) — a new epoch is written durably."""
    import secrets

    from sync.district.storage import Storage

    st = Storage(db_url)
    try:
        desk = st.desks.enroll(P.EnrollRequest(code=st.desks.create_enroll_code("HY-C01", "办事点"),
                                               receipt_key=secrets.token_hex(32))).desk_id
        flushed: list[bool] = []
        real = st.reconcile.db.write

        def write(*, durable: bool = True) -> Any:
            flushed.append(durable)
            return real(durable=durable)

        monkeypatch.setattr(st.reconcile.db, "write", write)
        epoch = st.reconcile.identity()["epoch_id"]
        plain = st.reconcile.check(desk, P.ReconcileRequest(epoch_id=epoch, cursor=0, acked=0,
                                                            acked_max=0))
        assert plain.agreed and flushed == [False]
        behind = st.reconcile.check(desk, P.ReconcileRequest(epoch_id=epoch, cursor=10**6,
                                                             acked=0, acked_max=0))
        assert behind.epoch_id != epoch and flushed == [False, True]
    finally:
        st.close()


def test_a_district_from_before_the_check_still_syncs(served: District,
                                                      make_desk: Any) -> None:
    """A desk upgraded before its district: no /reconcile there (404) — the round is
    complete as before, ``agreed`` unknown, and nothing is confirmed, so nothing is purged."""
    d = served
    d.drop_routes(P.PATH_RECONCILE)
    a = make_desk()
    enroll(d, a)
    u = new_case(a)["uuid"]
    s = sync_desk(a)
    assert s["complete"] and s["error"] is None and s["agreed"] is None, s
    assert s["accepted"] == 1 and s["resent"] == 0
    d.storage.decisions.set_status(u, "completed", actor="admin")
    assert sync_desk(a)["complete"]
    assert a.store.get_case(u)["district_status"] == "completed"
    assert a.store.maintenance.purge_personal_data("2999-01-01", "test") == 0


def test_a_re_pulled_change_never_replaces_a_newer_decision(desk: Any) -> None:
    """After an epoch change the desk pulls again from 0: a change it already had (even as
    an older client stored it, without fields added since) is recognised and changes
    nothing; the decision the district lost stays and is the one reported."""
    u = new_case(desk)["uuid"]
    st = desk.store
    st.reconcile.start_epoch("district-1", "e1", 1, changed=False)
    old = {"seq": 5, "kind": "status", "case_uuid": u, "status": "accepted", "note": "",
           "department": None, "at": "2026-11-30T02:00:00.000+00:00"}
    st.sync.apply_changes([old], "5")
    st.sync.apply_changes([{"seq": 9, "kind": "status", "case_uuid": u, "status": "completed",
                            "note": "", "department": None,
                            "at": "2026-12-01T02:00:00.000+00:00"}], "9")
    st.reconcile.start_epoch("district-1", "e2", 2, changed=True)
    assert st.get_meta("sync_cursor") == "0" and st.reconcile.confirmed() == 0
    again = dict(old, item_code=None, item_name=None)  # as a newer district sends it
    assert st.sync.apply_changes([again], "5") == 0
    case = st.get_case(u)
    assert case["district_status"] == "completed"
    assert len([h for h in st.history(u) if h["actor"] == "district"]) == 2
    assert [d["status"] for d in st.reconcile.lost_decisions()] == ["completed"]
    # a new decision after the restore, under a seq the desk had seen before, arrives
    assert st.sync.apply_changes([{"seq": 9, "kind": "status", "case_uuid": u, "status": "rejected",
                                   "note": "不符合条件", "department": None,
                                   "at": "2026-12-02T02:00:00.000+00:00"}], "9") == 1
    assert st.get_case(u)["district_status"] == "rejected"


def test_district_events_pulled_before_the_upgrade_keep_their_history(tmp_path: Path) -> None:
    """A desk store from before issue 22 (events keyed by seq alone): the migration keeps
    every event, in order, under the epoch '' — adopted as the district's at the first
    check — and the store opens and applies changes as before."""
    import sqlite3

    import sqlite_utils
    from sqlite_utils.migrations import Migrations

    from desk.core import store_schema
    from desk.core.store import Store

    path = tmp_path / "old.sqlite3"
    old = Migrations(store_schema.MIGRATION_SET)
    for fn in (store_schema.m001_initial, store_schema.m002_catalog_seq):
        old()(fn)
    db = sqlite_utils.Database(sqlite3.connect(path))
    old.apply(db)
    db.execute("INSERT INTO district_events(seq, case_uuid, kind, body_json, at) VALUES "
               "(3, 'u1', 'status', '{\"status\": \"accepted\"}', '2026-11-01T00:00:00'), "
               "(7, 'u1', 'status', '{\"status\": \"completed\"}', '2026-11-02T00:00:00')")
    db.conn.commit()
    db.conn.close()
    st = Store.open(path)
    try:
        rows = st._read("SELECT id, epoch, seq, kind FROM district_events ORDER BY id")
        assert [(r["epoch"], r["seq"]) for r in rows] == [("", 3), ("", 7)]
        st.reconcile.start_epoch("district-1", "e1", 1, changed=False)  # the first check adopts them
        assert {r["epoch"] for r in st._read("SELECT epoch FROM district_events")} == {"e1"}
        assert st.sync.apply_changes([{"seq": 7, "kind": "status", "case_uuid": "u1",
                                       "status": "completed", "at": "2026-11-02T00:00:00"}],
                                "7") == 0  # the same seq in the same epoch: already had
    finally:
        st.close()


def test_pages_the_restore_took_away_go_up_again(served: District, make_desk: Any,
                                                  tmp_path: Path) -> None:
    """Photos and scans linked to a case after the backup: the restore takes the case, the
    pages' bytes and links away; the desk's next sync sends the case and then its pages
    again (they had been marked as held there for good, and stayed missing); the page the
    district still holds is linked again as a duplicate."""
    from test_attachments_sync import _case_with_pages, _photo

    from sync.district.case_attachments import pages_of_case

    d = served
    a = make_desk("HY-QL01")
    enroll(d, a)
    kept, _ = _case_with_pages(a, [_photo(5)])
    _ok(sync_desk(a))
    backup = backup_district(d.db_url, tmp_path / "backups")  # holds the first case's page
    pages = [_photo(6), _photo(7)]
    later, material = _case_with_pages(a, pages)
    first = _ok(sync_desk(a))
    assert first["attachments_sent"] == 2 and len(pages_of_case(d.storage, later["uuid"])) == 2
    _restore(d, backup)
    assert pages_of_case(d.storage, later["uuid"]) == []
    assert [d.storage.attachments.get(p.sha256) for p in pages] == [None, None]

    again = _ok(sync_desk(a))
    assert again["epoch_changed"] and again["attachments_waiting"] == 0, again
    assert again["attachments_error"] is None and again["attachments_rejected"] == []
    held = pages_of_case(d.storage, later["uuid"])
    assert [(r["material"], r["page"], r["sha256"]) for r in held] == [
        (material, 1, pages[0].sha256), (material, 2, pages[1].sha256)]
    assert [d.storage.attachments.get(p.sha256) for p in pages] == [p.data for p in pages]
    assert len(pages_of_case(d.storage, kept["uuid"])) == 1
    assert _ok(sync_desk(a))["attachments_sent"] == 0  # once: nothing left to send


def test_answers_to_the_proactive_list_the_restore_took_away_go_up_again(
        served: District, make_desk: Any, tmp_path: Path) -> None:
    """免申即享: the worker's answers for the district's list, sent after the backup, are
    gone with the restore; the desk's next sync sends them again (they had been marked sent
    for good and the district's list showed the residents as never visited)."""
    from test_proactive_desk import _list_run

    from sync.district import proactive

    d = served
    st = d.storage
    _list_run(st, tmp_path)
    a = make_desk("HY-QL01")
    enroll(d, a)
    _ok(sync_desk(a))
    backup = backup_district(d.db_url, tmp_path / "backups")  # the list, no answers
    listed = a.store.proactive.proactive_list()
    for e in listed[:2]:
        a.store.proactive.record_proactive_outcome(e["entry_id"], "unreachable", worker="刘晓燕")
    assert _ok(sync_desk(a))["proactive_sent"] == 2

    def outcomes() -> dict[int, Any]:
        with st.read() as conn:
            return {r.id: r.outcome for r in conn.execute(
                select(proactive.entries.c.id, proactive.entries.c.outcome))}

    assert {outcomes()[e["entry_id"]] for e in listed[:2]} == {"unreachable"}
    _restore(d, backup)
    st = d.storage  # (the restarted server's)
    assert {outcomes()[e["entry_id"]] for e in listed[:2]} == {""}  # never answered
    again = _ok(sync_desk(a))
    assert again["epoch_changed"] and again["proactive_sent"] == 2, again
    assert {outcomes()[e["entry_id"]] for e in listed[:2]} == {"unreachable"}
    assert _ok(sync_desk(a))["proactive_sent"] == 0
