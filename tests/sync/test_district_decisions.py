"""District decisions from the command line, catalog order, departments and bundle routes
(issue 12, items 10-13), against real SQLite files and PostgreSQL, with real desks.

The command line is run as support staff would (``python -m sync.district.cli`` as a
subprocess); its decisions must land in the console's hash-chained audit log, with the
operating-system user as the actor, so ``audit verify`` counts them.
"""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from sync_helpers import District, enroll, new_case

from forms.catalog import load_catalog
from sync.client.desk import sync_desk
from sync.district.console.store import ConsoleStore
from sync.district.errors import Refused
from sync.district.storage import Storage

ME = f"cli:{getpass.getuser()}"


def cli(db: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sync.district.cli", "--db", db, *args],
                          capture_output=True, text=True, input=stdin, timeout=180,
                          env=dict(os.environ, PYTHONIOENCODING="utf-8"))


def ok(db: str, *args: str, stdin: str = "") -> Any:
    out = cli(db, *args, stdin=stdin)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    return json.loads(out.stdout) if out.stdout.strip()[:1] in "[{" else out.stdout.strip()


def audit_entries(db: str) -> list[dict[str, Any]]:
    st = Storage(db)
    try:
        return list(reversed(ConsoleStore(st).audit.entries(limit=1000)))
    finally:
        st.close()


def catalog_body(version: str) -> dict[str, Any]:
    body = load_catalog().to_json()
    body["version"] = version
    return body


# -- item 11: every command-line decision is audited ----------------------------------------


def test_each_cli_decision_writes_a_chained_audit_entry(district: District, make_desk: Any,
                                                         tmp_path: Path) -> None:
    db = district.db_url
    ctx = make_desk()
    enroll(district, ctx)
    case = new_case(ctx)
    bundle = new_case(ctx, "YJS-SH", services=["死亡户口注销", "惠民殡葬补助"])
    assert sync_desk(ctx)["complete"]
    desk_id = district.storage.desks.all()[0]["desk_id"]
    before = len(audit_entries(db))

    code = ok(db, "enroll-code", "--desk-code", "HY-QL08", "--name", "八号点")
    ok(db, "user", "add", "--username", "reviewer1", "--role", "reviewer",
       stdin="correct horse battery 9\n")
    ok(db, "set-status", "--case", case["uuid"], "--status", "needs_correction",
       "--note", "请补交户口簿")
    ok(db, "set-route", "--case", bundle["uuid"], "--item", "GA-SWZX", "--status", "accepted")
    ok(db, "department", "add", "--name", "不动产登记中心")
    cat_file = tmp_path / "catalog.json"
    cat_file.write_text(json.dumps(catalog_body("2026.11-hanyang.9"), ensure_ascii=False),
                        encoding="utf-8")
    ok(db, "publish-catalog", "--file", str(cat_file))
    ok(db, "revoke", "--desk-id", desk_id)

    new = audit_entries(db)[before:]
    assert [(e["actor"], e["action"], e["target"]) for e in new] == [
        (ME, "desk.enroll_code", "HY-QL08"),
        (ME, "user.add", "reviewer1"),
        (ME, "case.correct", case["uuid"]),
        (ME, "route.accepted", bundle["uuid"]),
        (ME, "department.add", "不动产登记中心"),
        (ME, "catalog.publish", "2026.11-hanyang.9"),
        (ME, "desk.revoke", desk_id),
    ]
    assert code not in json.dumps(new, ensure_ascii=False)  # the code itself is never logged
    assert new[2]["detail"]["note"] == "请补交户口簿"
    assert new[5]["detail"]["published"] is True
    out = cli(db, "audit", "verify", "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    res = json.loads(out.stdout)
    assert res["ok"] is True and res["checked"] == before + 7


def test_a_refused_cli_decision_writes_neither_the_decision_nor_an_entry(
        district: District, make_desk: Any) -> None:
    db = district.db_url
    ctx = make_desk()
    enroll(district, ctx)
    case = new_case(ctx)
    assert sync_desk(ctx)["complete"]
    before = audit_entries(db)
    out = cli(db, "set-status", "--case", case["uuid"], "--status", "rejected")
    assert out.returncode == 1 and "note" in out.stderr and "Traceback" not in out.stderr
    out = cli(db, "revoke", "--desk-id", "desk-nonexistent")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert audit_entries(db) == before
    assert district.storage.cases.get(case["uuid"])["district_status"] == "received"


def test_concurrent_cli_and_console_decisions_keep_one_chain(db_url: str) -> None:
    """50 decisions at once, through the storage layer with the audit hook (what the CLI
    calls) and through the console's own append: one unbroken chain, each counted."""
    st = Storage(db_url)
    try:
        cs = ConsoleStore(st)
        from sync.district.cli import _audited

        errors: list[BaseException] = []
        start = threading.Barrier(50)

        def work(i: int) -> None:
            try:
                start.wait(timeout=60)
                if i % 2:
                    st.departments.add(f"部门{i}", source="cli", actor=ME,
                                      audit=_audited(cs, "department.add", f"部门{i}"))
                else:
                    cs.audit.append("admin", "login.ok", "admin")
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        assert cs.audit.verify() is None
        entries = cs.audit.entries(limit=200)
        assert sum(e["action"] == "department.add" for e in entries) == 25
        assert {f"部门{i}" for i in range(1, 50, 2)} <= set(st.departments.names())
    finally:
        st.close()


# -- item 12: catalog versions in publish order ---------------------------------------------


def test_catalog_versions_follow_the_publish_sequence_not_the_text(
        district: District, make_desk: Any) -> None:
    st = district.storage
    ctx = make_desk()
    enroll(district, ctx)
    nine = st.catalogs.publish(catalog_body("2026.11-hanyang.9"))
    ten = st.catalogs.publish(catalog_body("2026.11-hanyang.10"))  # was refused: "10" < "9"
    assert nine["published"] and ten["published"] and ten["seq"] > nine["seq"]
    assert st.catalogs.latest_version() == "2026.11-hanyang.10"
    assert st.catalogs.publish(catalog_body("2026.11-hanyang.10"))["published"] is False
    other = catalog_body("2026.11-hanyang.9")
    other["items"] = other["items"][:-1]
    with pytest.raises(Refused):
        st.catalogs.publish(other)  # a published version's content never changes
    cs = ConsoleStore(st)
    assert [v["version"] for v in cs.catalog_versions()][:2] == [
        "2026.11-hanyang.10", "2026.11-hanyang.9"]
    # the desk pulls both in one round and adopts the one published last
    summary = sync_desk(ctx)
    assert summary["complete"] and summary["catalog_version"] == "2026.11-hanyang.10"
    assert ctx.catalog.version == "2026.11-hanyang.10"
    assert ctx.store.sync.latest_catalog()["version"] == "2026.11-hanyang.10"


def test_desk_adopts_the_catalog_published_last_across_pulls(
        district: District, make_desk: Any) -> None:
    st = district.storage
    ctx = make_desk()
    enroll(district, ctx)
    st.catalogs.publish(catalog_body("2026.11-hanyang.9"))
    assert sync_desk(ctx)["catalog_version"] == "2026.11-hanyang.9"
    st.catalogs.publish(catalog_body("2026.11-hanyang.10"))
    assert sync_desk(ctx)["catalog_version"] == "2026.11-hanyang.10"
    # reopening the desk picks the same one
    from desk.core.app import current_catalog

    assert current_catalog(ctx.store).version == "2026.11-hanyang.10"


# -- item 13: departments from a managed list -----------------------------------------------


def test_routing_only_to_a_department_of_the_managed_list(district: District,
                                                          make_desk: Any) -> None:
    db = district.db_url
    ctx = make_desk()
    enroll(district, ctx)
    case = new_case(ctx)
    assert sync_desk(ctx)["complete"]
    out = cli(db, "set-status", "--case", case["uuid"], "--status", "routed",
              "--department", "不存在的部门")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "department" in out.stderr and "不存在的部门" in out.stderr and "部门名单" in out.stderr
    assert district.storage.cases.get(case["uuid"])["district_status"] == "received"
    shipped = load_catalog().departments()
    assert set(shipped) <= set(ok(db, "departments", "--json"))  # seeded from the catalog

    ok(db, "department", "add", "--name", "  不存在的部门 ")
    assert ok(db, "department", "add", "--name", "不存在的部门")["added"] is False
    res = ok(db, "set-status", "--case", case["uuid"], "--status", "routed",
             "--department", "不存在的部门", "--note", "转办")
    assert res["department"] == "不存在的部门"
    out = cli(db, "department", "add", "--name", "  ")
    assert out.returncode == 1 and "department" in out.stderr


def test_a_published_catalog_adds_its_departments(district: District) -> None:
    st = district.storage
    body = catalog_body("2026.12-hanyang.1")
    body["items"][0]["department"] = "新设部门"
    st.catalogs.publish(body)
    assert "新设部门" in st.departments.names()


# -- item 10: bundle routes -------------------------------------------------------------------


def test_bundle_routes_only_to_the_services_chosen(district: District, make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    one = new_case(ctx, "YJS-SH", services=["死亡户口注销"])
    two = new_case(ctx, "YJS-SH", services=["死亡户口注销", "城乡居民养老保险死亡待遇"],
                   heirs=[{"name": "王志强", "id_number": "42010519680911003X",
                           "relation": "子女"}])
    assert sync_desk(ctx)["complete"]
    st = district.storage
    got = st.cases.get(one["uuid"])
    assert [(r["item_code"], r["department"], r["status"]) for r in got["routes"]] == [
        ("GA-SWZX", "公安", "pending")]
    got = st.cases.get(two["uuid"])
    # the employees' pension alternative (RS-YSDY) was not chosen: no route
    assert [r["item_code"] for r in got["routes"]] == ["GA-SWZX", "RS-JMYLSW"]

    listed = {c["uuid"]: c for c in ok(district.db_url, "cases", "--json")}
    assert [(r["item_code"], r["department"], r["status"])
            for r in listed[one["uuid"]]["routes"]] == [("GA-SWZX", "公安", "pending")]
    assert [r["item_code"] for r in listed[two["uuid"]]["routes"]] == ["GA-SWZX", "RS-JMYLSW"]


def test_an_unreadable_current_catalog_routes_by_the_shipped_one(
        district: District, make_desk: Any) -> None:
    """The catalog published last no longer reads (published by an earlier server, its items
    carrying a field today's model does not know): the district takes the shipped catalog
    for it — a bundle case is still routed to its members' departments (it was routed
    nowhere: no bundles at all), as the once rules of the duplicate check already were."""
    from sqlalchemy import update

    from sync.district.duplicates import once_rules
    from sync.district.tables import catalogs

    st = district.storage
    body = catalog_body("2026.12-hanyang.1")
    st.catalogs.publish(body)
    for it in body["items"]:
        it["retired_field"] = 1
    with st.write() as conn:
        conn.execute(update(catalogs).where(catalogs.c.version == "2026.12-hanyang.1").values(
            body_json=json.dumps(body, ensure_ascii=False)))
    ctx = make_desk()
    enroll(district, ctx)
    one = new_case(ctx, "YJS-SH", services=["死亡户口注销"])
    sync_desk(ctx)
    got = st.cases.get(one["uuid"])
    assert [(r["item_code"], r["department"], r["status"]) for r in got["routes"]] == [
        ("GA-SWZX", "公安", "pending")]
    shipped = {it.code: it.once.rule for it in load_catalog().items if it.once is not None}
    with st.read() as conn:
        assert shipped and once_rules(st, conn) == shipped


def test_route_lifecycle_closes_the_bundle_and_reaches_the_desk(
        district: District, make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    case = new_case(ctx, "YJS-SH", services=["死亡户口注销", "惠民殡葬补助"])
    assert sync_desk(ctx)["complete"]
    db, u = district.db_url, case["uuid"]

    out = cli(db, "set-route", "--case", u, "--item", "MZ-BZBZ", "--status", "rejected")
    assert out.returncode == 1 and "note" in out.stderr  # a rejection needs its reason
    out = cli(db, "set-route", "--case", u, "--item", "GA-SWZX", "--status", "completed")
    assert out.returncode == 1 and "pending" in out.stderr  # accept before completing
    out = cli(db, "set-route", "--case", u, "--item", "RS-YSDY", "--status", "accepted")
    assert out.returncode == 1 and "item" in out.stderr  # not a route of this case

    ok(db, "set-route", "--case", u, "--item", "GA-SWZX", "--status", "accepted")
    ok(db, "set-route", "--case", u, "--item", "MZ-BZBZ", "--status", "needs_correction",
       "--note", "请补交火化证明原件")
    ok(db, "set-route", "--case", u, "--item", "GA-SWZX", "--status", "completed")
    assert district.storage.cases.get(u)["district_status"] == "received"  # one still open
    assert sync_desk(ctx)["complete"]
    routes = {r["item_code"]: r for r in ctx.store.sync.case_routes(u)}
    assert (routes["GA-SWZX"]["status"], routes["MZ-BZBZ"]["status"]) == (
        "completed", "needs_correction")
    assert routes["MZ-BZBZ"]["note"] == "请补交火化证明原件"
    assert routes["MZ-BZBZ"]["department"] == "民政"

    ok(db, "set-route", "--case", u, "--item", "MZ-BZBZ", "--status", "accepted")
    last = ok(db, "set-route", "--case", u, "--item", "MZ-BZBZ", "--status", "completed")
    assert last["case_status"] == "completed"  # every route closed: the case is done
    assert district.storage.cases.get(u)["district_status"] == "completed"
    out = cli(db, "set-route", "--case", u, "--item", "MZ-BZBZ", "--status", "rejected",
              "--note", "x")
    assert out.returncode == 1
    assert sync_desk(ctx)["complete"]
    assert ctx.store.get_case(u)["district_status"] == "completed"
    assert {r["status"] for r in ctx.store.sync.case_routes(u)} == {"completed"}


def test_concurrent_route_decisions_each_apply_once(district: District,
                                                   make_desk: Any) -> None:
    """50 departments' decisions at once on the routes of many bundle cases: every route
    moves exactly once, the case closes exactly once, the desk sees the end state."""
    ctx = make_desk()
    enroll(district, ctx)
    cases = [new_case(ctx, "YJS-SH", services=["死亡户口注销", "惠民殡葬补助"])
             for _ in range(25)]
    assert sync_desk(ctx)["complete"]
    st = district.storage
    for c in cases:
        for item in ("GA-SWZX", "MZ-BZBZ"):
            st.decisions.set_route(c["uuid"], item, "accepted")
    start = threading.Barrier(50)
    results: list[Any] = []
    errors: list[BaseException] = []

    def work(u: str, item: str) -> None:
        try:
            start.wait(timeout=60)
            results.append(st.decisions.set_route(u, item, "completed", actor="t"))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c["uuid"], item))
               for c in cases for item in ("GA-SWZX", "MZ-BZBZ")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not errors, errors
    closed = [r for r in results if r["case_status"] == "completed"]
    assert len(closed) == 25 and len({r["case_uuid"] for r in closed}) == 25
    assert sync_desk(ctx)["complete"]
    assert {ctx.store.get_case(c["uuid"])["district_status"] for c in cases} == {"completed"}


def test_unknown_uuid_text_is_refused_clearly(district: District) -> None:
    out = cli(district.db_url, "set-route", "--case", str(uuid.uuid4()), "--item", "GA-SWZX",
              "--status", "accepted")
    assert out.returncode == 1 and "case" in out.stderr and "Traceback" not in out.stderr


# -- existing databases: the new columns are added on start ---------------------------------


def test_a_database_from_before_gets_the_new_columns(db_url: str, make_desk: Any) -> None:
    """A district database made before routes, priority and departments existed (the
    columns dropped again here, and before the migrations) is brought up to date when the
    server starts: the migrations take it as the first release and upgrade it."""
    from sqlalchemy import inspect, text

    st = Storage(db_url)
    ConsoleStore(st)
    with st.write() as conn:
        conn.execute(text("DROP INDEX console_cases_priority"))
        for table, col in (("cases", "priority"), ("changes", "item_code"),
                           ("changes", "item_name"), ("console_cases", "priority")):
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {col}"))
        conn.execute(text("DROP TABLE departments"))
        conn.execute(text("DROP TABLE alembic_version"))  # before the migrations (issue 13)
    st.close()

    district = District(db_url)  # a server starting on the old database
    try:
        ConsoleStore(district.storage)
        with district.storage.read() as conn:
            insp = inspect(conn)
            cols = {t: {c["name"] for c in insp.get_columns(t)}
                    for t in ("cases", "changes", "console_cases")}
            assert "console_cases_priority" in {
                i["name"] for i in insp.get_indexes("console_cases")}
        assert "priority" in cols["cases"] and "priority" in cols["console_cases"]
        assert {"item_code", "item_name"} <= cols["changes"]
        ctx = make_desk()
        enroll(district, ctx)
        case = new_case(ctx, "YJS-SH", services=["死亡户口注销"], priority=True)
        assert sync_desk(ctx)["complete"]
        got = district.storage.cases.get(case["uuid"])
        assert got["priority"] == 1 and [r["item_code"] for r in got["routes"]] == ["GA-SWZX"]
        district.storage.decisions.set_route(case["uuid"], "GA-SWZX", "accepted")
        assert "公安" in district.storage.departments.names()
        assert sync_desk(ctx)["complete"]
        assert ctx.store.sync.case_routes(case["uuid"])[0]["status"] == "accepted"
    finally:
        district.stop()


def test_a_bundle_case_is_completed_only_when_every_route_is_closed(
        district: District, make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    done = new_case(ctx, "YJS-SH", services=["死亡户口注销", "惠民殡葬补助"])
    refused = new_case(ctx, "YJS-SH", services=["死亡户口注销", "惠民殡葬补助"])
    assert sync_desk(ctx)["complete"]
    st, db = district.storage, district.db_url
    st.decisions.set_route(done["uuid"], "GA-SWZX", "accepted")
    st.decisions.set_route(done["uuid"], "GA-SWZX", "completed")
    out = cli(db, "set-status", "--case", done["uuid"], "--status", "completed")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "status" in out.stderr and "惠民殡葬/丧葬补助（民政）" in out.stderr
    assert "死亡户口注销（公安）" not in out.stderr  # closed already: not named
    assert st.cases.get(done["uuid"])["district_status"] == "received"

    # refusing the whole case refuses its open routes with the same reason
    st.decisions.set_route(refused["uuid"], "GA-SWZX", "accepted")
    ok(db, "set-status", "--case", refused["uuid"], "--status", "rejected",
       "--note", "死亡证明不是本区医疗机构出具")
    got = st.cases.get(refused["uuid"])
    assert got["district_status"] == "rejected"
    assert {r["status"] for r in got["routes"]} == {"rejected"}
    assert sync_desk(ctx)["complete"]
    routes = ctx.store.sync.case_routes(refused["uuid"])
    assert [(r["item_code"], r["status"], r["note"]) for r in routes] == [
        ("GA-SWZX", "rejected", "死亡证明不是本区医疗机构出具"),
        ("MZ-BZBZ", "rejected", "死亡证明不是本区医疗机构出具")]
    assert ctx.store.get_case(refused["uuid"])["district_status"] == "rejected"


def test_a_desk_that_does_not_name_route_changes_never_gets_one(district: District,
                                                                make_desk: Any) -> None:
    """A protocol-1 desk from before bundle routes refuses a change of a kind it does not
    know (its whole pull would fail): it is sent only statuses and catalogs; a desk that
    names the kinds it reads gets the routes."""
    from sync import protocol as P
    from sync.client.desk import client_for

    ctx = make_desk()
    enroll(district, ctx)
    case = new_case(ctx, "YJS-SH", services=["死亡户口注销", "惠民殡葬补助"])
    assert sync_desk(ctx)["complete"]
    st = district.storage
    st.decisions.set_route(case["uuid"], "GA-SWZX", "accepted")
    st.decisions.set_route(case["uuid"], "GA-SWZX", "completed")
    st.decisions.set_status(case["uuid"], "rejected", note="材料不实")
    with client_for(ctx) as c:
        old = c._call(P.ChangesResponse, "GET", P.PATH_CHANGES, params={"since": 0})
        new = c._call(P.ChangesResponse, "GET", P.PATH_CHANGES,
                      params={"since": 0, "kinds": "status,catalog,route"})
    assert [ch.kind for ch in old.changes] == ["status"]
    assert [ch.kind for ch in new.changes] == ["route", "route", "route", "status"]
    assert int(old.cursor) == int(new.cursor)  # both are current
