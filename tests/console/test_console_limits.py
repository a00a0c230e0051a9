"""Console limits that must hold under attack, on SQLite and PostgreSQL: the sign-in lockout
cannot be raced (at most ``MAX_FAILED_LOGINS`` passwords are checked however many sign-ins
arrive at once), and huge numbers in query strings give a normal page, never a 500."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from console_helpers import PASSWORD, ConsoleServer, Web

from sync.district.console.users import MAX_FAILED_LOGINS

PARALLEL = 60
RIGHT_AT = 30  # the right password is the 30th of the 60


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ConsoleServer]:
    """A console server with users admin and reviewer, over SQLite or PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'district.sqlite3'}"
        drop = None
    else:
        cluster = request.getfixturevalue("pg_cluster")
        name = "c_" + uuid.uuid4().hex[:12]
        cluster.admin(f"CREATE DATABASE {name}")
        url, drop = cluster.url(name), name
    s = ConsoleServer(url)
    s.add_user("admin", "admin")
    s.add_user("reviewer", "reviewer")
    try:
        yield s
    finally:
        s.stop()
        if drop:
            request.getfixturevalue("pg_cluster").admin(
                f"DROP DATABASE IF EXISTS {drop} WITH (FORCE)")


def test_parallel_sign_ins_cannot_race_the_lockout(any_server: ConsoleServer) -> None:
    webs = [Web(any_server.api_url) for _ in range(PARALLEL)]
    try:
        for w in webs:  # each browser has its sign-in form (and its double-submit cookie)
            w.get("/console/login")
        gate = threading.Barrier(PARALLEL, timeout=120)

        def attempt(i: int) -> int:
            w = webs[i]
            password = PASSWORD if i == RIGHT_AT - 1 else f"wrong password {i:02d}"
            gate.wait()
            return w.post("/console/login", {"username": "reviewer", "password": password,
                                             "next": "/console/"}).status_code

        with ThreadPoolExecutor(PARALLEL) as pool:
            codes = list(pool.map(attempt, range(PARALLEL)))
    finally:
        for w in webs:
            w.close()

    assert set(codes) <= {303, 401, 429}, codes
    wrong_checked, signed_in = codes.count(401), codes.count(303)
    actions = [e["action"] for e in any_server.console.audit.entries(target="reviewer",
                                                                     limit=500)]
    assert actions.count("login.failed") == wrong_checked
    assert actions.count("login.ok") == signed_in
    assert actions.count("login.locked") == codes.count(429) == PARALLEL - wrong_checked \
        - signed_in
    if signed_in == 0:
        # the right password came after the attempts were used up: it was not even checked
        assert codes[RIGHT_AT - 1] == 429
        assert wrong_checked == MAX_FAILED_LOGINS
    else:
        # the right password was one of the first MAX_FAILED_LOGINS attempts: the success
        # clears the count, and at most MAX_FAILED_LOGINS more wrong ones are checked
        assert codes[RIGHT_AT - 1] == 303
        assert wrong_checked <= 2 * MAX_FAILED_LOGINS - 1
    row = any_server.console.users.get("reviewer")
    assert row is not None
    if wrong_checked >= MAX_FAILED_LOGINS and signed_in == 0:
        # once locked, the right password does not get in
        w = Web(any_server.api_url)
        try:
            assert w.login("reviewer").status_code == 429
        finally:
            w.close()


HUGE = [
    "/console/cases?page=9223372036854775807",
    "/console/cases?page=9223372036854775808",
    "/console/cases?page=-9223372036854775809",
    "/console/batches?page=" + "1" + "0" * 23,
    "/console/batches?page=-" + "1" + "0" * 23,
    "/console/callbacks?page=" + "1" + "0" * 23,
    "/console/callbacks?state=done&page=" + "1" + "0" * 23,
    "/console/audit?before=" + "1" + "0" * 23,
    "/console/audit?before=-" + "1" + "0" * 23,
    "/console/audit?before=9223372036854775807",
]


def test_huge_numbers_give_a_normal_page(any_server: ConsoleServer) -> None:
    w = Web(any_server.api_url)
    try:
        assert w.login("admin").status_code == 303
        for path in HUGE:
            r = w.get(path)
            assert r.status_code == 200, (path, r.status_code, r.text[:300])
            assert "text/html" in r.headers["content-type"]
    finally:
        w.close()


def test_huge_page_shows_the_bounded_page(any_server: ConsoleServer) -> None:
    from sync.district.console.store import MAX_PAGE

    page: Any = any_server.console.list_batches(10**23)
    assert page.page == MAX_PAGE and page.rows == []
    assert any_server.console.callbacks.page("open", -(10**23)).page == 1
