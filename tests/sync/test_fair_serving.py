"""Server processes share a burst of desks (issue 20): with ``serve --workers N`` each
process runs on :class:`sync.district.serving.FairLoop`, which accepts one connection at a
time and none while the process holds a full load of batches — on asyncio's own loop the
first process to wake accepted every connection waiting (fifty desks at once: 38 batches
to one process, 10 to the other), and its batches waited behind each other while the other
process sat idle.

The loop itself on a real socket (no batches: the load is set by hand), then two real
``doorstep-district serve --workers 2`` processes on PostgreSQL taking a burst of desks,
every batch answered once (``tests/sync/test_sqlite_workers.py`` does the same on SQLite).
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import requests
from burst_helpers import batch_body, batch_records, case_template, enroll_desks, post_at_once
from sqlalchemy import func, select
from sync_helpers import DistrictProcess

from sync.district import serving
from sync.district.serving import BatchLoad, FairLoop, batch_held
from sync.district.storage import Storage
from sync.district.tables import batches, cases


@pytest.fixture
def limit_two(monkeypatch: pytest.MonkeyPatch) -> Iterator[BatchLoad]:
    """This process's load as a fresh one, full at two batches (whatever other tests' apps
    in this process left in the real one)."""
    load = BatchLoad(limit=2)
    monkeypatch.setattr(serving, "LOAD", load)
    yield load


def test_asyncio_has_the_steps_fair_serving_takes() -> None:
    assert serving.AVAILABLE  # else every process would accept as asyncio does


def _scenario(load: BatchLoad, close_first: bool) -> tuple[int, int, int]:
    """(connections accepted while the process was full, then after a batch was answered,
    sockets paused meanwhile)."""
    got: list[asyncio.BaseTransport] = []

    async def run() -> tuple[int, int, int]:
        arrived = asyncio.Event()

        class Conn(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                got.append(transport)
                arrived.set()

        server = await asyncio.get_running_loop().create_server(Conn, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        with ExitStack() as clients:
            with batch_held(), batch_held():  # full: as many as the limit
                for _ in range(3):
                    clients.enter_context(socket.create_connection(("127.0.0.1", port)))
                for _ in range(50):  # the loop sees them waiting, many times over
                    await asyncio.sleep(0)
                while_full, paused = len(got), len(load._paused)
                if close_first:
                    server.close()
            # one batch answered: room again
            if not close_first:
                while len(got) < 3:
                    arrived.clear()
                    await asyncio.wait_for(arrived.wait(), 30)
            else:
                for _ in range(50):
                    await asyncio.sleep(0)
            after = len(got)
            for t in got:
                t.close()
        server.close()
        await server.wait_closed()
        return while_full, after, paused

    def in_its_thread() -> tuple[int, int, int]:
        # (a thread of its own: no event loop of another test's can be running in it)
        loop = FairLoop()
        try:
            return loop.run_until_complete(run())
        finally:
            loop.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(in_its_thread).result(timeout=120)


def test_a_full_process_takes_no_connection_until_a_batch_is_answered(
        limit_two: BatchLoad) -> None:
    while_full, after, paused = _scenario(limit_two, close_first=False)
    assert (while_full, paused) == (0, 1)  # left in the socket's queue for another process
    assert after == 3  # then every one, the next process to have room being this one
    assert limit_two.held == 0 and not limit_two._paused


def test_a_socket_closed_while_paused_stays_closed(limit_two: BatchLoad) -> None:
    while_full, after, paused = _scenario(limit_two, close_first=True)
    assert (while_full, after, paused) == (0, 0, 1)
    assert not limit_two._paused


DESKS, PER_BATCH = 12, 60


@pytest.mark.postgres
def test_two_processes_on_postgresql_answer_a_burst_each_batch_once(
        tmp_path: Path, pg_cluster: Any) -> None:
    name = "t_" + uuid.uuid4().hex[:12]
    pg_cluster.admin(f"CREATE DATABASE {name}")
    url = pg_cluster.url(name)
    try:
        template = case_template(tmp_path)
        creds = enroll_desks(url, DESKS)
        posts = [(k, batch_body(desk_id, str(uuid.uuid4()),
                                batch_records(template, k, 0, PER_BATCH)))
                 for k, (desk_id, _) in enumerate(creds)]
        server = DistrictProcess(url, workers=2)
        server.start()
        try:
            answers = post_at_once(server.url, creds, posts)
            # after the burst, a new connection is taken at once (no process left paused)
            assert requests.get(server.url + "/healthz", timeout=30).status_code == 200
        finally:
            server.stop()
        assert all(code == 200 for code, _ in answers), answers
        assert all({r["result"] for r in a["results"]} == {"accepted"} for _, a in answers)
        st = Storage(url)
        try:
            with st.read() as conn:
                assert conn.execute(select(func.count()).select_from(batches)).scalar() == DESKS
                held = conn.execute(select(func.count()).select_from(cases)).scalar()
            assert held == DESKS * PER_BATCH
        finally:
            st.close()
    finally:
        pg_cluster.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
