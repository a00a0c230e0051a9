"""The district's HTTP stack (issue 20): uvicorn, as ``doorstep-district serve`` starts it
(``http`` and ``loop`` left at ``auto``), parses requests with httptools and runs on
uvloop — installed by the project's dependencies, not by hand. Without them uvicorn falls
back to h11 and asyncio's own loop, and fifty desks at once wait longer for their answers
(``bench/bench_sync.py``: p95 of a batch 1.9-2.7 s rather than 1.7-2.0 s)."""

from __future__ import annotations

import asyncio
import socket
import sys
from typing import Any

import pytest
import requests
from sync_helpers import serve_in_thread


async def _which(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An ASGI app answering with its event loop's class."""
    assert scope["type"] == "http"
    loop = type(asyncio.get_running_loop())
    body = f"{loop.__module__}.{loop.__qualname__}".encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop has no Windows build")
def test_served_with_httptools_on_uvloop() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server, thread = serve_in_thread(_which, sock)
    try:
        port = sock.getsockname()[1]
        got = requests.get(f"http://127.0.0.1:{port}/", timeout=30)
        assert got.status_code == 200
        assert got.text.startswith("uvloop."), got.text
        assert server.config.http_protocol_class.__name__ == "HttpToolsProtocol"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
