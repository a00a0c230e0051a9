"""A server process builds its routes before its first request (issue 20).

FastAPI builds an included router's routes (their parameters' and answers' validators,
pydantic ``TypeAdapter``s) when the first request reaches that router, and reads each
endpoint's source file (``inspect.getsourcelines``) for its error context on the
endpoint's first request: a fresh process's first requests — a desk's first sync after the
server started — waited ~80 ms and ~1.4 ms an endpoint for them. ``ready_to_serve`` (what
``serve`` and each worker of ``serve --workers N`` run first) does both before serving.
The probe is checked on a fresh app first: there it does see the work.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastapi.routing
import pydantic
import pytest
import requests
from sync_helpers import District

from sync.district.app import warm_routes


@pytest.fixture
def district(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[District]:
    """A district server (in a thread of this process) no request has reached yet, as in
    a fresh process: FastAPI's endpoint contexts are cached by function, for the process."""
    monkeypatch.setattr(fastapi.routing, "_endpoint_context_cache", {}, raising=False)
    d = District(f"sqlite:///{tmp_path / 'district.sqlite3'}")
    try:
        yield d
    finally:
        d.stop()


def _first_requests(district: District, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """Validators built and source files read while a client makes its first requests:
    a path no route takes (every router is tried) and the server clock (an endpoint)."""
    built: list[object] = []
    read: list[object] = []
    adapter_init = pydantic.TypeAdapter.__init__
    sourcelines = inspect.getsourcelines

    def counting_init(self: Any, *a: Any, **kw: Any) -> None:
        built.append(a[:1])
        adapter_init(self, *a, **kw)

    def counting_sourcelines(obj: Any) -> Any:
        read.append(obj)
        return sourcelines(obj)

    with monkeypatch.context() as m:
        m.setattr(pydantic.TypeAdapter, "__init__", counting_init)
        m.setattr(inspect, "getsourcelines", counting_sourcelines)
        with requests.Session() as client:
            assert client.get(district.url + "/api/v1/no-such-route").status_code == 404
            assert client.get(district.url + "/api/v1/time").status_code == 200
    return len(built), len(read)


def test_a_fresh_app_builds_its_routes_on_the_first_requests(
        district: District, monkeypatch: pytest.MonkeyPatch) -> None:
    built, read = _first_requests(district, monkeypatch)
    assert built > 0 and read > 0  # (what the next test must not see)


def test_a_warmed_app_builds_nothing_for_its_first_requests(
        district: District, monkeypatch: pytest.MonkeyPatch) -> None:
    warm_routes(district.app)
    assert _first_requests(district, monkeypatch) == (0, 0)
