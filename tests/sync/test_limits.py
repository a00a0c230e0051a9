"""Limits an unauthenticated caller must not get past, against a real server process:
signing headers are checked before the body is read (unknown, revoked or malformed ones are
refused unread, so large posts cannot fill memory), every body the routes read whole is
capped, and huge numbers in query strings are refused with 422, never a 500."""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sync_helpers import District, DistrictProcess

from sync import protocol as P
from sync.district.storage import Storage

MB = 1024 * 1024
BIG = 60 * MB
PARALLEL = 8


def _rss_kib(pid: int, field: str = "VmHWM") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} for {pid}")


def _head(port: int, path: str, headers: dict[str, str], length: int) -> socket.socket:
    """Open a connection and send a POST's (a PUT's, for an attachment) request line and
    headers (no body yet)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    method = "PUT" if path.startswith(P.PATH_ATTACHMENTS) else "POST"
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}",
             "Content-Type: application/json", f"Content-Length: {length}",
             *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    s.sendall("\r\n".join(lines).encode())
    return s


def _status(s: socket.socket) -> int:
    data = b""
    while b"\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1])


def _forged(desk_id: str) -> dict[str, str]:
    return {P.H_DESK: desk_id, P.H_TIMESTAMP: str(int(time.time())),
            P.H_NONCE: secrets.token_hex(16), P.H_SIGNATURE: secrets.token_hex(32)}


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[DistrictProcess]:
    url = f"sqlite:///{tmp_path / 'district.sqlite3'}"
    Storage(url).close()
    p = DistrictProcess(url)
    p.start()
    try:
        yield p
    finally:
        p.stop()


def test_bad_signing_headers_are_refused_before_the_body_is_read(
        server_process: DistrictProcess, tmp_path: Path) -> None:
    st = Storage(server_process.db_url)
    code = st.desks.create_enroll_code("HY-QL09", "被停用的办事点")
    revoked = st.desks.enroll(P.EnrollRequest(code=code, receipt_key=secrets.token_hex(32)))
    st.desks.revoke(revoked.desk_id)
    st.close()
    cases = {
        "made-up desk": (_forged("desk-" + secrets.token_hex(8)), 401),
        "revoked desk": (_forged(revoked.desk_id), 403),
        "malformed desk id": (_forged("desk/../../" + "x" * 300), 401),
        "malformed signature": ({**_forged(revoked.desk_id), P.H_SIGNATURE: "zz"}, 401),
        "no signature": ({P.H_DESK: revoked.desk_id}, 401),
    }
    for what, (headers, status) in cases.items():
        for path, length in ((P.PATH_BATCHES, BIG), (P.PATH_PIN, BIG),
                             (P.PATH_STATUS_REPORTS, BIG),
                             (f"{P.PATH_ATTACHMENTS}/{'a' * 64}?offset=0&total={10 * MB}",
                              10 * MB)):
            # the headers announce a large body; none of it is sent, yet the answer comes
            s = _head(server_process.port, path, headers, length)
            try:
                assert _status(s) == status, (what, path)
            finally:
                s.close()


def test_parallel_large_forged_posts_keep_memory_bounded(
        server_process: DistrictProcess) -> None:
    assert server_process.proc is not None
    pid = server_process.proc.pid
    before = _rss_kib(pid)
    chunk = b"x" * MB
    answers: list[int | str] = []
    gate = threading.Barrier(PARALLEL, timeout=60)

    def post() -> None:
        s = _head(server_process.port, P.PATH_BATCHES,
                  _forged("desk-" + secrets.token_hex(8)), BIG)
        gate.wait()
        try:
            for _ in range(BIG // MB):  # the server may stop reading and close: fine
                s.sendall(chunk)
        except OSError:
            pass
        try:
            answers.append(_status(s))
        except (OSError, IndexError, ValueError) as exc:
            answers.append(type(exc).__name__)
        finally:
            s.close()

    threads = [threading.Thread(target=post) for _ in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
        assert not t.is_alive()
    grew = (_rss_kib(pid) - before) // 1024
    assert grew < 64, f"server peak memory grew by {grew} MB for {PARALLEL} forged posts"
    # each was refused (401), or — the server stops reading and closes — cut off
    assert set(answers) <= {401, "ConnectionResetError", "BrokenPipeError"}, answers
    assert answers.count(401) >= 1
    # the server still answers
    assert requests.get(server_process.url + "/healthz", timeout=30).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/enroll", "/api/v1/desk/unlock", "/console/login"])
def test_bodies_read_whole_are_capped(server_process: DistrictProcess, path: str) -> None:
    s = _head(server_process.port, path, {}, BIG)
    try:
        assert _status(s) == 413
    finally:
        s.close()
    # sent without a length (chunked): refused as it passes the cap
    def body() -> Iterator[bytes]:
        for _ in range(4):
            yield b"a" * MB

    r = requests.post(server_process.url + path, data=body(), timeout=60,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413, r.text[:200]


# -- huge numbers -------------------------------------------------------------------------------

def test_huge_numbers_are_refused_with_422(district: District) -> None:
    st = district.storage
    desk = st.desks.enroll(P.EnrollRequest(code=district.code(), receipt_key=secrets.token_hex(32)))
    sha = "0" * 64
    asks = [("GET", f"{P.PATH_CHANGES}?since=9223372036854775808"),
            ("GET", f"{P.PATH_CHANGES}?since={10**23}"),
            ("GET", f"{P.PATH_CHANGES}?since=0&limit={10**23}"),
            ("PUT", f"{P.PATH_ATTACHMENTS}/{sha}?offset={10**23}&total=4"),
            ("PUT", f"{P.PATH_ATTACHMENTS}/{sha}?offset=0&total={10**23}")]
    for method, path in asks:
        body = b"abcd" if method == "PUT" else b""
        h = P.signed_headers(desk.desk_id, desk.desk_secret, method, path, body, time.time())
        r = requests.request(method, district.url + path, data=body, headers=h, timeout=30)
        assert r.status_code in (413, 422), (path, r.status_code, r.text[:200])
    h = P.signed_headers(desk.desk_id, desk.desk_secret, "GET",
                         f"{P.PATH_CHANGES}?since=9223372036854775807", b"", time.time())
    r = requests.get(district.url + f"{P.PATH_CHANGES}?since=9223372036854775807", headers=h,
                     timeout=30)
    assert r.status_code == 200 and r.json()["changes"] == []
