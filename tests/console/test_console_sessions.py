"""Expired console sessions do not pile up: every sign-in purges them (issue 13)."""

from __future__ import annotations

from typing import Any

from console_helpers import ConsoleServer, Web

from sync.district.console import auth


def test_sign_in_purges_expired_sessions(server: ConsoleServer, web: Any) -> None:
    idle: Web = web("viewer")
    old: Web = web("admin")
    live: Web = web("reviewer")
    hashes = {name: auth.token_hash(w.cookies[auth.COOKIE])
              for name, w in (("idle", idle), ("old", old), ("live", live))}
    server.console.users.expire_session_for_test(hashes["idle"], auth.IDLE_TIMEOUT + 60)
    # signed in 13 hours ago, active a minute ago: past the maximum age
    with server.storage.write() as conn:
        from sqlalchemy import update

        from sync.district.console.schema import sessions
        conn.execute(update(sessions).where(sessions.c.token_hash == hashes["old"])
                     .values(created_at=sessions.c.created_at - auth.MAX_AGE - 3600))
    assert all(server.console.users.session(h) is not None for h in hashes.values())
    again: Web = web("reviewer")  # any sign-in
    assert again.get("/console/").status_code == 200
    assert server.console.users.session(hashes["idle"]) is None
    assert server.console.users.session(hashes["old"]) is None
    assert server.console.users.session(hashes["live"]) is not None
    assert live.get("/console/").status_code == 200
