"""schemathesis against the running district's ``/openapi.json``: no input makes it fail
with a 5xx (unsigned and malformed requests must be refused with a clear 4xx).

The signed endpoints are fuzzed through a signing client (an enrolled desk's requests
session signs every request as the real desk does), so the generated inputs reach the
handlers behind the signature check — not only its 401."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from sync_helpers import District

from sync import protocol as P

SIGNED = {(P.PATH_BATCHES, "POST"), (P.PATH_CHANGES, "GET"), (P.PATH_PIN, "POST"),
          (P.PATH_PIN, "DELETE"), (P.PATH_ATTACHMENTS + "/{sha256}", "GET"),
          (P.PATH_ATTACHMENTS + "/{sha256}", "PUT"), (P.PATH_RECONCILE, "POST"),
          (P.PATH_STATUS_REPORTS, "POST"), (P.PATH_PROACTIVE_OUTCOMES, "POST")}


def _is_signed(case: schemathesis.Case) -> bool:
    """An endpoint behind the desk signature (those listed, and any whose OpenAPI entry
    declares the signature header)."""
    op = case.operation
    return ((op.path, op.method.upper()) in SIGNED
            or any(p.name.lower() == P.H_SIGNATURE.lower() for p in op.headers))


class DeskSigning(requests.auth.AuthBase):
    """Signs every request like the desk's sync client (method, path and query as sent,
    timestamp, a fresh nonce, the body's hash)."""

    def __init__(self, desk_id: str, secret: str) -> None:
        self.desk_id, self.secret = desk_id, secret

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        body = r.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        assert isinstance(body, bytes)
        r.headers.update(P.signed_headers(self.desk_id, self.secret, r.method or "GET",
                                          r.path_url, body, time.time()))
        return r


@pytest.fixture
def district(tmp_path: Path) -> Iterator[District]:
    d = District(f"sqlite:///{tmp_path / 'fuzz.sqlite3'}")
    try:
        yield d
    finally:
        d.stop()


@pytest.fixture
def api_schema(district: District) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(district.url + "/openapi.json")


@pytest.fixture
def desk_session(district: District) -> Iterator[requests.Session]:
    """A requests session that signs as an enrolled desk."""
    enrolled = district.storage.desks.enroll(P.EnrollRequest(
        code=district.code(), receipt_key=secrets.token_hex(32)))
    with requests.Session() as s:
        s.auth = DeskSigning(enrolled.desk_id, enrolled.desk_secret)
        yield s


@schemathesis.check
def signature_accepted(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """A signed endpoint answered past the signature check (no auth refusal)."""
    if _is_signed(case) and response.status_code == 401:
        raise AssertionError(f"{case.operation.label}: the signed request was refused: "
                             f"{response.text[:200]}")
    return None


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case, desk_session: requests.Session) -> None:
    case.call_and_validate(session=desk_session,
                           checks=[not_a_server_error, signature_accepted])
