"""Helpers for the sync tests (imported by conftest and tests): servers, desks, waiting."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sync.district.storage import Storage

BOOT_TIMEOUT = 30.0


def free_port() -> int:
    """A free TCP port on loopback (for servers that must bind it themselves)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], bool], pause: Callable[[float], object],
               timeout: float = BOOT_TIMEOUT, what: str = "condition") -> None:
    """Check ``check`` until true, failing after ``timeout`` seconds (bounded). Between
    checks it waits on ``pause(seconds)`` — the process or thread whose work is awaited
    (``proc.wait``, ``thread.join``), so the wait ends as soon as that one ends."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        pause(0.02)


def proc_pause(proc: subprocess.Popen[Any]) -> Callable[[float], object]:
    """A ``pause`` for :func:`wait_until` that ends early when ``proc`` exits."""

    def pause(seconds: float) -> None:
        try:
            proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            pass

    return pause


def serve_in_thread(app: Any, sock: socket.socket, **config: Any) -> tuple[Any, threading.Thread]:
    """Run ``app`` under uvicorn on ``sock`` in a daemon thread; return once it accepts
    connections (an event set at the end of uvicorn's start-up, or when the thread ends)."""
    import uvicorn

    class _Server(uvicorn.Server):
        ready = threading.Event()

        async def startup(self, sockets: Any = None) -> None:
            try:
                await super().startup(sockets=sockets)
            finally:
                self.ready.set()

    server = _Server(uvicorn.Config(app, log_level="error", ws="none", lifespan="off",
                                    **config))
    server.ready = threading.Event()

    def run() -> None:
        try:
            server.run(sockets=[sock])
        finally:
            server.ready.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert server.ready.wait(BOOT_TIMEOUT), "timed out waiting for the server to start"
    assert server.started, "server failed to start"
    return server, thread


# -- PostgreSQL -----------------------------------------------------------------------------


def _pg_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update"], check=True, env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "postgresql"],
                       check=True, env=env, capture_output=True)
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL is not installed and could not be installed")
    return Path(found[-1]).parent


class PgCluster:
    """A throw-away PostgreSQL cluster on a free loopback port (``durable``: with
    ``fsync`` on, as a district runs — the tests leave it off, for speed; ``locale``:
    initdb's, ``C`` unless told)."""

    def __init__(self, durable: bool = False, locale: str = "C") -> None:
        self.durable, self.locale = durable, locale
        self.bindir = _pg_bindir()
        self.base = Path(tempfile.mkdtemp(prefix="doorstep-pg-"))
        self.base.chmod(0o755)
        self.data = self.base / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.base, "postgres", "postgres")

    def _run(self, *cmd: str) -> None:
        full = [str(self.bindir / cmd[0]), *cmd[1:]]
        if self.as_root:
            full = ["runuser", "-u", "postgres", "--", *full]
        subprocess.run(full, check=True, capture_output=True, cwd="/")

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", f"--locale={self.locale}")
        opts = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
                f"-c fsync={'on' if self.durable else 'off'} -c max_connections=300")
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.base / "log"),
                  "-w", "-t", "60", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def url(self, db: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]


# -- the district server --------------------------------------------------------------------


class District:
    """A district server in a thread of this process, on a free loopback port."""

    def __init__(self, db_url: str, *, enable_discard: bool = False,
                 settings: Any = None) -> None:
        from sync.district.app import create_app

        self.db_url = db_url
        self.storage = Storage(db_url)
        self.app = create_app(storage=self.storage, enable_discard=enable_discard,
                              settings=settings)
        self._sock = socket.socket()
        # reusable at once by restart(), even while connections it accepted linger
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = int(self._sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.server, self._thread = serve_in_thread(self.app, self._sock,
                                                    timeout_keep_alive=30)

    def code(self, desk_code: str = "HY-QL01", name: str = "七里一村社区流动办事点") -> str:
        """A fresh one-time enrollment code."""
        return self.storage.desks.create_enroll_code(desk_code, name)

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=30)
        self._sock.close()
        self.storage.close()

    def drop_routes(self, *paths: str) -> None:
        """From now on ``paths`` answer 404, as at a district from before them. (The API's
        routes are in included routers, so they are hidden by routes put in front.)"""
        from starlette.exceptions import HTTPException
        from starlette.requests import Request
        from starlette.responses import Response
        from starlette.routing import Route

        async def not_found(_request: Request) -> Response:
            raise HTTPException(404)

        self.app.router.routes[:0] = [
            Route(p, not_found, methods=["GET", "POST", "PUT", "DELETE"]) for p in paths]

    def restart(self, between: Callable[[], object] | None = None) -> None:
        """Stop serving, run ``between`` (e.g. a restore from a backup) while nothing holds
        the database, then serve a fresh app on the same address."""
        from sync.district.app import create_app

        self.stop()
        try:
            if between is not None:
                between()
        finally:  # serve again even when ``between`` failed (later tests still need it)
            self.storage = Storage(self.db_url)
            self.app = create_app(storage=self.storage)
            self._sock = socket.socket()
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._sock.bind(("127.0.0.1", self.port))
            self.server, self._thread = serve_in_thread(self.app, self._sock,
                                                        timeout_keep_alive=30)


BACKUP_TOOL = Path(__file__).resolve().parents[2] / "installer" / "district" / \
    "doorstep-district-backup"


def backup_district(db_url: str, folder: Path) -> Path:
    """A backup made by the shipped ``doorstep-district-backup`` (SQLite or PostgreSQL)."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([str(BACKUP_TOOL), "--db", db_url, "--dir", str(folder), "--days",
                           "30"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    path = Path(done.stdout.strip().splitlines()[-1])
    assert path.is_file() and path.stat().st_size > 0
    return path


class DistrictProcess:
    """A district server in a subprocess (``doorstep-district serve``), killable with -9."""

    def __init__(self, db_url: str, port: int | None = None, workers: int = 1) -> None:
        self.db_url = db_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers  # serve --workers N
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        import requests

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sync.district.cli", "--db", self.db_url, "serve",
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "error",
             "--workers", str(self.workers)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

        def up() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.proc.stderr.read()!r}")  # type: ignore[union-attr]
            try:
                with requests.get(f"{self.url}/healthz", timeout=1) as r:
                    return r.status_code == 200
            except requests.RequestException:
                return False

        wait_until(up, proc_pause(self.proc), what="district subprocess to start")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()  # SIGKILL: no clean shutdown
        self.proc.wait(timeout=30)
        if self.proc.stderr:
            self.proc.stderr.close()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()


# -- desks ----------------------------------------------------------------------------------


_FRESH = __import__("itertools").count(1)


def fresh_id(like: str = "420105194501010017", n: int | None = None) -> str:
    """A valid ID number no earlier call in this process returned, with the same region,
    sex and (nearly) the same birth date as ``like``. Issue 23: one resident may hold some
    items once (``once`` in the catalog), so a test saving several cases of such an item
    gives each its own resident."""
    from datetime import date, timedelta

    from forms.ids import id_check_digit

    n = next(_FRESH) if n is None else n
    seq = 100 + (n % 450) * 2 + int(like[16]) % 2  # 100..999, the sex digit's parity kept
    born = date(int(like[6:10]), int(like[10:12]), int(like[12:14])) - timedelta(days=n // 450)
    body = f"{like[:6]}{born:%Y%m%d}{seq:03d}"
    return body + id_check_digit(body)


def one_resident_each(item: Any, submission: dict[str, Any],
                      changes: dict[str, Any]) -> dict[str, Any]:
    """``submission`` with a fresh applicant when the item allows a resident one
    application (``once``) and the caller did not choose the applicant."""
    if item.once is not None and "applicant_id" not in changes:
        return dict(submission, applicant_id=fresh_id(str(submission["applicant_id"])))
    return submission


def resident_unless_taken(ctx: Any, item: Any, submission: dict[str, Any],
                          changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """``submission`` as it is while its applicant may still apply on this desk; with a
    fresh applicant once they hold the item (``once``, issue 23) — so the first case keeps
    the example's resident, and a test saving more gets one resident per case."""
    if item.once is None or "applicant_id" in (changes or {}):
        return submission
    if not ctx.store.residents.resident_item_cases(str(submission["applicant_id"]), item.code):
        return submission
    return dict(submission, applicant_id=fresh_id(str(submission["applicant_id"])))


def new_case(ctx: Any, item: str = "MZ-GLJT", **changes: Any) -> dict[str, Any]:
    """Save a case from the item's example submission (a valid one by contract); see
    :func:`resident_unless_taken` for items a resident may hold once."""
    example = dict(ctx.catalog.get(item).example)
    example.update(changes)
    example = resident_unless_taken(ctx, ctx.catalog.get(item), example, changes)
    case: dict[str, Any] = ctx.cases.submit(item, example, ctx.actor())
    return case


def enroll(district: District, ctx: Any) -> dict[str, Any]:
    """Enroll a desk with the district through the real client."""
    from sync.client.desk import enroll_desk

    info: dict[str, Any] = enroll_desk(ctx, district.url,
                                       district.code(ctx.settings.desk_code))
    return info


def bulk_cases(ctx: Any, n: int, item: str = "MZ-GLJT") -> list[str]:
    """Save ``n`` valid cases in one transaction (fast set-up); their UUIDs."""
    from datetime import date

    it = ctx.catalog.get(item)
    result = ctx.cases.check(item, dict(it.example))
    assert result.ok
    rows = [ctx.cases.build_case(it, result, ctx.actor(), date.today()) for _ in range(n)]
    saved = ctx.store.bulk_insert_cases(rows, "test")
    return [c["uuid"] for c in saved]


class FaultProxy:
    """A TCP proxy on loopback that breaks chosen connections.

    ``policy(n)`` gives the fault for the n-th connection (0-based): ``"drop"`` closes the
    connection as soon as the server starts answering (the server has committed by then),
    ``"reset"`` passes the headers and half of the body, then resets the connection; None
    passes everything. ``latency`` seconds are added to every forwarded chunk.
    """

    def __init__(self, upstream_port: int, policy: Callable[[int], str | None],
                 latency: float = 0.0) -> None:
        self.upstream_port, self.policy, self.latency = upstream_port, policy, latency
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self.faults: dict[str, int] = {"drop": 0, "reset": 0}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            mode = self.policy(self.connections)
            self.connections += 1
            t = threading.Thread(target=self._pump, args=(client, mode), daemon=True)
            self._threads.append(t)
            t.start()

    def _pump(self, client: socket.socket, mode: str | None) -> None:
        import selectors
        import struct

        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30)
        except OSError:
            client.close()
            return
        sel = selectors.DefaultSelector()
        sel.register(client, selectors.EVENT_READ)
        sel.register(upstream, selectors.EVENT_READ)
        answer = b""
        try:
            while not self._stop.is_set():
                for key, _ in sel.select(timeout=0.2):
                    src = key.fileobj
                    data = src.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    if self.latency:
                        time.sleep(self.latency)
                    if src is client:
                        upstream.sendall(data)
                        continue
                    if mode == "drop":
                        self.faults["drop"] += 1
                        return
                    if mode == "reset":
                        answer += data
                        head = answer.find(b"\r\n\r\n")
                        if head < 0 or len(answer) <= head + 5:
                            continue
                        body = len(answer) - head - 4
                        client.sendall(answer[:head + 4 + body // 2])
                        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                          struct.pack("ii", 1, 0))
                        self.faults["reset"] += 1
                        return
                    client.sendall(data)
        except OSError:
            return
        finally:
            sel.close()
            upstream.close()
            client.close()

    def close(self) -> None:
        self._stop.set()
        self._accept.join(timeout=10)
        self.sock.close()
        for t in self._threads:
            t.join(timeout=10)
