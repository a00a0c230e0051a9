"""The district's HTTP stack (issue 20): uvicorn, as ``doorstep-district serve`` starts it
(``http`` left at ``auto``, ``loop`` at :data:`sync.district.cli.LOOP`), parses requests
with httptools — installed by the project's dependencies, not by hand — on asyncio's own
event loop. Without httptools uvicorn falls back to h11, and a city morning of 400 desks
waits longer (``bench/bench_city.py``: p95 round 3.1-4.5 s rather than 1.5-1.8 s)."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import requests
from sync_helpers import serve_in_thread

from sync.district.cli import LOOP


async def _which(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An ASGI app answering with its event loop's class."""
    assert scope["type"] == "http"
    loop = type(asyncio.get_running_loop())
    body = f"{loop.__module__}.{loop.__qualname__}".encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


def test_served_with_httptools_on_asyncio() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server, thread = serve_in_thread(_which, sock, loop=LOOP)
    try:
        port = sock.getsockname()[1]
        got = requests.get(f"http://127.0.0.1:{port}/", timeout=30)
        assert got.status_code == 200
        assert got.text.startswith("asyncio."), got.text
        assert server.config.http_protocol_class.__name__ == "HttpToolsProtocol"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
