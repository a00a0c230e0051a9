"""Fixtures for the console tests: a real district server (uvicorn on a free loopback port,
temp SQLite), real desks (``DeskContext`` in temp folders, enrolled and synced through
``sync.client``), HTTP sessions that sign in like a browser, and Debian's Chromium driven
by Playwright's sync API (installed with apt-get when missing).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from console_helpers import CHROMIUM, CHROMIUM_ARGS, ConsoleServer, Web


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ConsoleServer]:
    """A running district server with users admin, reviewer and viewer."""
    s = ConsoleServer(f"sqlite:///{tmp_path / 'district.sqlite3'}")
    for name in ("admin", "reviewer", "viewer"):
        s.add_user(name, name)
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def make_desk(tmp_path: Path, server: ConsoleServer) -> Iterator[Callable[..., Any]]:
    """A factory of desks enrolled with ``server``."""
    from desk.core.app import DeskContext
    from sync.client.desk import enroll_desk

    opened: list[Any] = []

    def make(desk_code: str = "HY-QL01", worker: str = "刘晓燕",
             name: str = "七里一村社区流动办事点") -> Any:
        ctx = DeskContext.open(str(tmp_path / f"desk-{len(opened)}"))
        ctx.settings.desk_code = desk_code
        ctx.settings.desk_name = name
        ctx.settings.worker_name = worker
        ctx.save_settings()
        opened.append(ctx)
        enroll_desk(ctx, server.api_url, server.storage.desks.create_enroll_code(desk_code, name))
        return ctx

    yield make
    for ctx in opened:
        ctx.close()


@pytest.fixture
def web(server: ConsoleServer) -> Iterator[Callable[[str | None], Web]]:
    """``web("admin")`` → a signed-in session; ``web(None)`` → signed out."""
    made: list[Web] = []

    def make(username: str | None = None) -> Web:
        w = Web(server.api_url)
        made.append(w)
        if username:
            r = w.login(username)
            assert r.status_code == 303, r.text
        return w

    yield make
    for w in made:
        w.close()


# -- the browser ----------------------------------------------------------------------------

def _install_chromium() -> None:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update"], check=True, env=env, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "chromium"], check=True, env=env,
                   capture_output=True)


def _has_cjk_font() -> bool:
    if not shutil.which("fc-list"):
        return False
    out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    return bool(out.strip())


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium (installed when missing), plus a CJK font for the screenshots."""
    if not Path(CHROMIUM).exists():
        _install_chromium()
    if not _has_cjk_font():
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        # one of the fonts .ci/run installs (the smaller): the UI's layout tests force
        # each of theirs (tests/ui/conftest.py CJK_FONTS) and name what is missing
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends",
                        "fonts-wqy-microhei"], env=env, capture_output=True)
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed and could not be installed")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    """One headless Chromium for the session (Playwright's sync API)."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
    try:
        yield b
    finally:
        b.close()
        pw.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) at 1366×768, Chinese locale."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN",
                              timezone_id="Asia/Shanghai", accept_downloads=True)
    # waits end on their event; the bound only has to fit a loaded 2-core machine (a page
    # that needs a PostgreSQL query or an Argon2id check can take seconds there)
    ctx.set_default_timeout(45_000)
    p = ctx.new_page()
    try:
        yield p
    finally:
        ctx.close()


