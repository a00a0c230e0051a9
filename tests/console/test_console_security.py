"""Console security: nothing reachable signed out, roles, CSRF, session expiry and
rotation, cookie flags, audited reveal of personal data, password storage, the CLI."""

from __future__ import annotations

import io
import sys
from typing import Any

import pytest
from console_helpers import PASSWORD, ConsoleServer, Web, new_case

from sync.client.desk import sync_desk
from sync.district.console import auth
from sync.district.console.store import ConsoleStore

PAGES = ["/console/", "/console/batches", "/console/cases", "/console/callbacks",
         "/console/desks", "/console/catalog", "/console/users", "/console/audit",
         "/console/export.csv", "/console/export.xlsx", "/console/export.csv?status=open"]


@pytest.fixture
def synced(server: ConsoleServer, make_desk: Any) -> dict[str, Any]:
    """One desk with three cases (one rated 非常不满意), synced."""
    ctx = make_desk()
    cases = [new_case(ctx, "MZ-GLJT"), new_case(ctx, "MZ-DB"), new_case(ctx, "YB-JMCB")]
    ctx.cases.rate(cases[0]["uuid"], 1, "等了很久")
    assert sync_desk(ctx)["complete"]
    return {"ctx": ctx, "cases": cases}


def test_nothing_reachable_signed_out(server: ConsoleServer, synced: dict[str, Any],
                                      web: Any) -> None:
    anon: Web = web(None)
    uuid = synced["cases"][0]["uuid"]
    batch = server.console.list_batches().rows[0]["batch_id"]
    for path in [*PAGES, f"/console/cases/{uuid}", f"/console/batches/{batch}"]:
        r = anon.get(path)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/console/login?next="), path
        assert "王桂兰" not in r.text and "420105" not in r.text
    for path, data in [(f"/console/cases/{uuid}/status", {"action": "complete"}),
                       ("/console/cases/bulk", {"action": "complete", "uuid": uuid}),
                       (f"/console/cases/{uuid}/reveal", {"reason": "看看"}),
                       ("/console/desks/codes", {"desk_code": "X-1", "name": "x"}),
                       ("/console/users", {"username": "evil", "role": "admin",
                                           "password": "x" * 12})]:
        r = anon.post(path, data, csrf="forged")
        assert r.status_code == 303 and "/console/login" in r.headers["location"], path
    assert server.storage.cases.get(uuid)["district_status"] == "received"  # type: ignore[index]
    assert server.console.users.get("evil") is None


def test_sign_in_cookie_flags_and_rotation(server: ConsoleServer, web: Any) -> None:
    w: Web = web(None)
    w.get("/console/login")
    planted = "planted-token-from-an-attacker"
    w.cookies[auth.COOKIE] = planted
    r = w.post("/console/login", {"username": "admin", "password": PASSWORD})
    assert r.status_code == 303
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith(auth.COOKIE))
    low = cookie.lower()
    assert "secure" in low and "httponly" in low and "samesite=strict" in low
    assert "path=/console" in low
    first = w.cookies[auth.COOKIE]
    assert first != planted and server.console.users.session(auth.token_hash(planted)) is None
    # signing in again issues a new token and ends the old session
    w.get("/console/login")
    w.post("/console/login", {"username": "admin", "password": PASSWORD})
    second = w.cookies[auth.COOKIE]
    assert second != first
    assert server.console.users.session(auth.token_hash(first)) is None
    assert w.get("/console/").status_code == 200
    # the database holds only hashes of tokens and an Argon2id hash of the password
    assert server.console.users.session(auth.token_hash(second)) is not None
    assert server.console.users.get("admin")["password_hash"].startswith("$argon2id$")  # type: ignore[index]


def test_wrong_password_and_lockout(server: ConsoleServer, web: Any) -> None:
    w: Web = web(None)
    for _ in range(5):
        r = w.login("reviewer", "wrong password!")
        assert r.status_code == 401 and auth.COOKIE not in w.cookies
    r = w.login("reviewer")  # right password, but locked for 15 minutes
    assert r.status_code == 429 and auth.COOKIE not in w.cookies
    actions = [e["action"] for e in server.console.audit.entries(target="reviewer")]
    assert actions.count("login.failed") == 5 and "login.locked" in actions


def test_login_form_needs_its_csrf_token(server: ConsoleServer, web: Any) -> None:
    w: Web = web(None)
    w.get("/console/login")
    r = w.post("/console/login", {"username": "admin", "password": PASSWORD}, csrf="nope")
    assert r.status_code == 403 and auth.COOKIE not in w.cookies


def test_viewer_cannot_act(server: ConsoleServer, synced: dict[str, Any], web: Any) -> None:
    viewer: Web = web("viewer")
    uuid = synced["cases"][0]["uuid"]
    page = viewer.get(f"/console/cases/{uuid}")
    assert page.status_code == 200 and 'value="complete"' not in page.text
    assert "/reveal" not in page.text
    listing = viewer.get("/console/cases")
    assert listing.status_code == 200 and 'name="uuid"' not in listing.text
    for path, data in [(f"/console/cases/{uuid}/status", {"action": "complete"}),
                       ("/console/cases/bulk", {"action": "complete", "uuid": uuid}),
                       (f"/console/cases/{uuid}/reveal", {"reason": "好奇"}),
                       (f"/console/callbacks/{uuid}", {"outcome": "x", "note": "y"}),
                       ("/console/desks/codes", {"desk_code": "X-1", "name": "x"}),
                       ("/console/catalog/publish", {})]:
        r = viewer.post(path, data)
        assert r.status_code == 403, path
    for path in ("/console/users", "/console/audit"):
        assert viewer.get(path).status_code == 403
    assert server.storage.cases.get(uuid)["district_status"] == "received"  # type: ignore[index]
    assert server.console.callbacks.get(uuid)["state"] == "open"  # type: ignore[index]
    # a viewer may read and export masked lists
    csv = viewer.get("/console/export.csv")
    assert csv.status_code == 200 and "420105********0017" in csv.text
    assert "420105194501010017" not in csv.text


def test_reviewer_cannot_administer(server: ConsoleServer, web: Any) -> None:
    rev: Web = web("reviewer")
    assert rev.get("/console/users").status_code == 403
    rev.get("/console/desks")
    assert rev.post("/console/desks/codes", {"desk_code": "X-1", "name": "x"}).status_code == 403


def test_missing_or_wrong_csrf_is_refused(server: ConsoleServer, synced: dict[str, Any],
                                          web: Any) -> None:
    admin: Web = web("admin")
    uuid = synced["cases"][0]["uuid"]
    admin.get(f"/console/cases/{uuid}")
    for token in ("", "wrong-token"):
        r = admin.post(f"/console/cases/{uuid}/status", {"action": "complete"}, csrf=token)
        assert r.status_code == 403 and "CSRF" in r.text
        r = admin.post("/console/cases/bulk", {"action": "complete", "uuid": uuid}, csrf=token)
        assert r.status_code == 403
    # another user's token is not this session's token
    other: Web = web("reviewer")
    r = admin.post(f"/console/cases/{uuid}/status", {"action": "complete"}, csrf=other.csrf)
    assert r.status_code == 403
    assert server.storage.cases.get(uuid)["district_status"] == "received"  # type: ignore[index]
    r = admin.post(f"/console/cases/{uuid}/status", {"action": "complete"})
    assert r.status_code == 303
    assert server.storage.cases.get(uuid)["district_status"] == "completed"  # type: ignore[index]


def test_session_expires_after_30_idle_minutes(server: ConsoleServer, web: Any) -> None:
    w: Web = web("reviewer")
    assert w.get("/console/").status_code == 200
    th = auth.token_hash(w.cookies[auth.COOKIE])
    server.console.users.expire_session_for_test(th, 29 * 60)
    assert w.get("/console/").status_code == 200  # still inside the window: clock restarts
    server.console.users.expire_session_for_test(th, 31 * 60)
    r = w.get("/console/cases")
    assert r.status_code == 303 and "expired=1" in r.headers["location"]
    assert server.console.users.session(th) is None
    assert w.get("/console/").status_code == 303  # the token is gone for good


def test_disabled_user_loses_sessions(server: ConsoleServer, web: Any) -> None:
    rev: Web = web("reviewer")
    admin: Web = web("admin")
    admin.get("/console/users")
    assert admin.post("/console/users/reviewer", {"what": "disable"}).status_code == 303
    assert rev.get("/console/").status_code == 303
    assert rev.login("reviewer").status_code == 401


def test_reveal_is_audited(server: ConsoleServer, synced: dict[str, Any], web: Any) -> None:
    rev: Web = web("reviewer")
    uuid = synced["cases"][0]["uuid"]
    masked = rev.get(f"/console/cases/{uuid}")
    assert "420105********0017" in masked.text and "420105194501010017" not in masked.text
    assert "13871234567" not in masked.text
    r = rev.post(f"/console/cases/{uuid}/reveal", {"reason": ""})
    assert r.status_code == 303  # a reason is required: nothing shown, nothing logged
    assert not server.console.audit.entries(target=uuid, action="pii.reveal")
    rev.get(f"/console/cases/{uuid}")
    posted = rev.post(f"/console/cases/{uuid}/reveal", {"reason": "电话联系补正材料"})
    assert posted.status_code == 303  # redirect after POST (issue 21): a reload is a GET
    shown = rev.get(posted.headers["location"])
    assert shown.status_code == 200 and "420105194501010017" in shown.text
    assert shown.headers["cache-control"] == "no-store"
    again = rev.get(posted.headers["location"])  # reloaded: masked, not audited again
    assert again.status_code == 303 and "420105194501010017" not in again.text
    other: Web = web("admin")  # another user cannot open this reveal's page
    assert "420105194501010017" not in other.get(posted.headers["location"]).text
    entries = server.console.audit.entries(target=uuid, action="pii.reveal")
    assert [(e["actor"], e["detail"]["reason"]) for e in entries] == [
        ("reviewer", "电话联系补正材料")]
    # the next plain view is masked again; the audit chain is intact
    assert "420105194501010017" not in rev.get(f"/console/cases/{uuid}").text
    assert server.console.audit.verify() is None


def test_audit_chain_detects_tampering(server: ConsoleServer, web: Any) -> None:
    from sqlalchemy import update

    from sync.district.console.store import audit

    web("admin")
    cs = server.console
    cs.audit.append("admin", "pii.reveal", "x", reason="one")
    cs.audit.append("admin", "pii.reveal", "y", reason="two")
    assert cs.audit.verify() is None
    victim = cs.audit.entries(target="x")[0]["id"]
    with server.storage.write() as conn:
        conn.execute(update(audit).where(audit.c.id == victim).values(actor="someone"))
    assert cs.audit.verify() == victim


def test_security_headers(server: ConsoleServer, web: Any) -> None:
    r = web("admin").get("/console/")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store"


def test_cli_user_add_reads_password_from_stdin(tmp_path: Any, monkeypatch: Any,
                                                capsys: Any) -> None:
    from sync.district import cli
    from sync.district.storage import Storage

    db = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long passphrase 1\n"))
    assert cli.main(["--db", db, "user", "add", "--username", "zhang", "--role",
                     "reviewer"]) == 0
    assert '"created": true' in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert cli.main(["--db", db, "user", "add", "--username", "li", "--role", "viewer"]) == 2
    assert "password" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long passphrase 1\n"))
    assert cli.main(["--db", db, "user", "add", "--username", "zhang", "--role",
                     "admin"]) == 1
    st = Storage(db)
    try:
        row = ConsoleStore(st).users.get("zhang")
        assert row is not None and row["role"] == "reviewer"
        assert auth.check_password(row["password_hash"], "a long passphrase 1")
        assert not auth.check_password(row["password_hash"], "a long passphrase 2")
    finally:
        st.close()
