"""Helpers for the console tests: the district server in a thread, desks, HTTP sessions
that sign in like a browser, screenshots."""

from __future__ import annotations

import re
import socket
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from sync_helpers import resident_unless_taken, serve_in_thread

from sync.district.console.auth import hash_password
from sync.district.console.store import local_today
from sync.district.storage import Storage

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path("/tmp/console-shots")
PASSWORD = "correct horse battery"


class ConsoleServer:
    """The district app (API + console) under uvicorn in a thread, on a free port."""

    def __init__(self, db_url: str) -> None:
        from sync.district.app import create_app

        self.storage = Storage(db_url)
        self.app = create_app(storage=self.storage)
        self.console = self.app.state.console
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.port = int(self._sock.getsockname()[1])
        # "localhost" (not 127.0.0.1): browsers keep Secure cookies on localhost over HTTP
        self.url = f"http://localhost:{self.port}"
        self.api_url = f"http://127.0.0.1:{self.port}"
        self.server, self._thread = serve_in_thread(self.app, self._sock)

    def add_user(self, username: str, role: str, password: str = PASSWORD) -> None:
        self.console.users.add(username, hash_password(password), role)

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=30)
        self._sock.close()
        self.storage.close()


def new_case(ctx: Any, item: str = "MZ-GLJT", today: date | None = None,
             **changes: Any) -> dict[str, Any]:
    """Save a case from the item's example (valid by the catalog's contract)."""
    example = dict(ctx.catalog.get(item).example)
    example.update(changes)
    example = resident_unless_taken(ctx, ctx.catalog.get(item), example, changes)  # issue 23
    # the district's calendar day (the test process's TZ may differ from the district's)
    case: dict[str, Any] = ctx.cases.submit(item, example, ctx.actor(),
                                            today=today or local_today())
    return case


def seed(ctx: Any, items: list[str], *, days_ago: int = 0) -> list[dict[str, Any]]:
    """Cases of several items, accepted ``days_ago`` days ago."""
    day = local_today() - timedelta(days=days_ago)
    return [new_case(ctx, code, today=day) for code in items]


# -- HTTP sessions (security tests) ---------------------------------------------------------

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Web:
    """A console user over plain HTTP. Cookies are carried by hand: httpx (rightly) does
    not send Secure cookies over http://, and the test server has no TLS."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def _take(self, r: httpx.Response) -> httpx.Response:
        for raw in r.headers.get_list("set-cookie"):
            name, _, rest = raw.partition("=")
            value = rest.split(";", 1)[0].strip('"')
            if "max-age=0" in raw.lower() or "expires=thu, 01 jan 1970" in raw.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        m = _CSRF.search(r.text) if "text/html" in r.headers.get("content-type", "") else None
        if m:
            self.csrf = m.group(1)
        return r

    def _hdr(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def get(self, path: str) -> httpx.Response:
        return self._take(self.http.get(path, headers=self._hdr()))

    def post(self, path: str, data: dict[str, Any], csrf: str | None = None) -> httpx.Response:
        body = dict(data)
        token = self.csrf if csrf is None else csrf
        if token:
            body["csrf"] = token
        return self._take(self.http.post(path, data=body, headers=self._hdr()))

    def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        self.get("/console/login")
        r = self.post("/console/login", {"username": username, "password": password,
                                         "next": "/console/"})
        if r.status_code == 303:
            self.get("/console/")
        return r

    def close(self) -> None:
        self.http.close()



def shot(page: Any, name: str, *, full: bool = True) -> Path:
    """Save a screenshot under /tmp/console-shots/ (looked at by a person)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    return path
