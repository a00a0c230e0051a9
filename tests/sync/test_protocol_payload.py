"""A case payload's checks as the district runs them (issue 20 made them cheaper, not
different): the form data and materials texts must match the JSON-object pattern the
OpenAPI schema states — now checked at the text's two ends instead of by the regex engine
— with pydantic's own error for a pattern; the payload's other fields are not kept in the
model, yet every one is in the stored payload."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sync import protocol as P
from sync import reasons
from sync.district.ingest_records import prepare_records
from sync.protocol.records import JSON_OBJECT_PATTERN

PAYLOAD: dict[str, Any] = {
    "uuid": "0192f0c4-7a1b-7c3d-8e4f-0123456789ab", "receipt_no": "HY-QL01-20261205-0001",
    "item_code": "MZ-GLJT", "item_name": "高龄津贴", "department": "民政科",
    "catalog_version": "2026.1", "status": "accepted", "revision": 1,
    "applicant_name": "张三", "created_at": "2026-12-05T09:00:00+08:00",
    "updated_at": "2026-12-05T09:00:00+08:00", "desk_code": "HY-QL01",
    "data_json": '{"fields": {}}', "materials_json": "{}"}
spaces = st.sampled_from(["", " ", "\n", "\t ", "\u3000", "\r\n"])
ends = st.sampled_from(["{", "}", "[", "]", "x", " ", ""])


def _check(text: str) -> ValidationError | None:
    try:
        P.CasePayload.model_validate(dict(PAYLOAD, data_json=text))
    except ValidationError as exc:
        return exc
    return None


@settings(max_examples=300)
@given(st.tuples(spaces, ends, st.text(max_size=8), ends, spaces).map("".join) | st.text())
def test_a_json_object_text_is_taken_exactly_when_it_matches_the_pattern(text: str) -> None:
    matches = re.fullmatch(JSON_OBJECT_PATTERN, text) is not None
    assert (_check(text) is None) == matches


@pytest.mark.parametrize("text", ["[]", "{", "}", "x{}", "{} x", "", "  "])
def test_a_text_not_an_object_gets_pydantic_s_pattern_error(text: str) -> None:
    exc = _check(text)
    assert exc is not None
    (err,) = exc.errors()
    assert err["type"] == "string_pattern_mismatch" and err["loc"] == ("data_json",)
    assert err["ctx"] == {"pattern": JSON_OBJECT_PATTERN}


def test_the_schema_still_states_the_pattern() -> None:
    schema = P.CasePayload.model_json_schema()["properties"]
    for name in ("data_json", "materials_json"):
        assert schema[name]["pattern"] == JSON_OBJECT_PATTERN
        assert schema[name]["type"] == "string"


def test_a_record_with_a_list_for_its_data_is_refused_naming_the_form(
        caplog: pytest.LogCaptureFixture) -> None:
    record = {"id": 1, "kind": "case", "case_uuid": PAYLOAD["uuid"], "revision": 1,
              "payload": dict(PAYLOAD, data_json="[1, 2]")}
    prep = prepare_records([record])
    assert not prep.cases
    assert "表单内容" in prep.rejected[0]  # the worker's words: the form's content
    assert "payload.data_json: String should match pattern" in caplog.text  # the log's


def test_fields_the_model_does_not_hold_are_in_the_stored_payload() -> None:
    payload = dict(PAYLOAD, accepted_date="2026-12-05", worker="刘晓燕",
                   promised_date="2026-12-20", anything={"nested": [1, 2]})
    prep = prepare_records([{"id": 1, "kind": "case", "case_uuid": PAYLOAD["uuid"],
                             "revision": 1, "payload": payload}])
    (_i, _rec, cp, _h, _u), = prep.cases
    assert cp.accepted_date == "2026-12-05"
    assert json.loads(prep.bodies[0]) == payload  # every field, as the desk sent it


@pytest.mark.parametrize("written", [
    PAYLOAD["uuid"], PAYLOAD["uuid"].upper(), PAYLOAD["uuid"].replace("-", ""),
    "{" + PAYLOAD["uuid"] + "}", "urn:uuid:" + PAYLOAD["uuid"]])
def test_a_case_uuid_is_kept_as_canonical_text_however_written(written: str) -> None:
    """The desk's own text is taken as the case's key only when it is already the
    canonical form (as desks send it); any other way of writing the same UUID gives the
    same key, and a payload naming another case is refused."""
    for payload_uuid in (written, PAYLOAD["uuid"]):
        prep = prepare_records([{"id": 1, "kind": "case", "case_uuid": written,
                                 "revision": 1, "payload": dict(PAYLOAD, uuid=payload_uuid)}])
        (_i, _rec, _cp, _h, u), = prep.cases
        assert u == PAYLOAD["uuid"] and not prep.rejected
    other = PAYLOAD["uuid"][:-1] + "c"
    prep = prepare_records([{"id": 1, "kind": "case", "case_uuid": written, "revision": 1,
                             "payload": dict(PAYLOAD, uuid=other)}])
    assert not prep.cases and prep.rejected[0] == reasons.MISMATCH
