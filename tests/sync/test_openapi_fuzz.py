"""schemathesis against the running district's ``/openapi.json``: no input makes it fail
with a 5xx (unsigned and malformed requests must be refused with a clear 4xx)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from sync_helpers import District


@pytest.fixture
def api_schema(tmp_path: Path) -> Iterator[schemathesis.BaseSchema]:
    district = District(f"sqlite:///{tmp_path / 'fuzz.sqlite3'}")
    try:
        yield schemathesis.openapi.from_url(district.url + "/openapi.json")
    finally:
        district.stop()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[not_a_server_error])
