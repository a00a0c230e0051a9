"""The desk's fast batch encoding (sync.client.http.batch_body, assembled around the
payload texts as stored) says exactly what the protocol's model says (issue 13: one
definition of every wire shape; the fast path is proven against it)."""

from __future__ import annotations

import gzip
import json
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync import protocol as P
from sync.client.http import batch_body

# what the desk's payloads hold: text (any Unicode, control characters too), integers,
# booleans, null, lists and objects (floats are left out of the byte comparison only:
# Python and pydantic write some exponents differently, e.g. 1e+16 and 1e16)
scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=12)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=10)
records = st.lists(st.fixed_dictionaries({
    "id": st.integers(1, 2**40), "kind": st.sampled_from(["case", "rating", "matter"]),
    "case_uuid": st.uuids().map(str), "revision": st.integers(1, 10**6),
    "payload": st.dictionaries(st.text(max_size=8), values, max_size=5)}), max_size=4)


def _body(desk_id: str, batch_id: str, recs: list[dict[str, Any]]) -> bytes:
    data, headers = batch_body(desk_id, batch_id, recs)
    return gzip.decompress(data) if headers.get("Content-Encoding") == "gzip" else data


def _model(desk_id: str, batch_id: str, recs: list[dict[str, Any]]) -> P.BatchRequest:
    return P.BatchRequest(desk_id=desk_id, batch_id=uuid.UUID(batch_id), records=[
        {k: r[k] for k in ("id", "kind", "case_uuid", "revision", "payload")} for r in recs])


@settings(max_examples=300, deadline=None)
@given(desk_id=st.text(min_size=1, max_size=20), batch_id=st.uuids().map(str), recs=records)
def test_fast_body_is_the_models_bytes(desk_id: str, batch_id: str,
                                       recs: list[dict[str, Any]]) -> None:
    assert _body(desk_id, batch_id, recs) == \
        _model(desk_id, batch_id, recs).model_dump_json().encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(desk_id=st.text(min_size=1, max_size=20), batch_id=st.uuids().map(str), recs=records,
       floats=st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=3))
def test_stored_payload_texts_say_what_the_model_says(desk_id: str, batch_id: str,
                                                      recs: list[dict[str, Any]],
                                                      floats: list[float]) -> None:
    """As the desk sends them: each payload's text as stored (sorted keys, spaces) goes
    into the body as it is; the district reads the same batch as the model's."""
    for r in recs:
        r["payload"]["amounts"] = floats
        r["payload_json"] = json.dumps(r["payload"], ensure_ascii=False, sort_keys=True)
    sent = P.BatchRequest.model_validate_json(_body(desk_id, batch_id, recs))
    assert sent == _model(desk_id, batch_id, recs)
    assert json.loads(_body(desk_id, batch_id, recs)) == \
        json.loads(_model(desk_id, batch_id, recs).model_dump_json())


results = st.lists(st.fixed_dictionaries({
    "index": st.integers(0, 500), "id": st.none() | st.integers(1, 2**40),
    "case_uuid": st.none() | st.uuids().map(str), "revision": st.none() | st.integers(1, 99),
    "result": st.sampled_from(["accepted", "duplicate", "conflict", "rejected"]),
    "reason": st.text(max_size=20), "received_at": st.none() | st.just("2026-12-04T09:00:00"),
}), max_size=4)


@settings(max_examples=300, deadline=None)
@given(batch_id=st.text(max_size=40), res=results, replayed=st.booleans(),
       compact=st.booleans())
def test_a_stored_answer_with_the_clock_reads_as_the_model(
        batch_id: str, res: list[dict[str, Any]], replayed: bool, compact: bool) -> None:
    """The batch route's answer: the district's stored answer text (as ingest writes it,
    or compact) with ``server_time`` added by :func:`sync.protocol.batch_answer_body` says
    exactly what :class:`BatchResponse` says of the same fields (issue 13: the splice was
    an f-string in the route, beside the model)."""
    answer: dict[str, Any] = {"batch_id": batch_id, "results": res}
    if replayed:
        answer["replayed"] = True
    stored = json.dumps(answer, ensure_ascii=False,
                        separators=(",", ":") if compact else None)
    now = "2026-12-04T09:00:00.123+00:00"
    body = P.batch_answer_body(stored, now)
    assert P.BatchResponse.model_validate_json(body) == P.BatchResponse(**answer,
                                                                         server_time=now)
    assert json.loads(body) == dict(answer, server_time=now)


def test_a_stored_answer_must_be_an_object_without_the_clock() -> None:
    with pytest.raises(ValueError):
        P.batch_answer_body('{"batch_id":"b","results":[],"server_time":"x"}', "now")
    with pytest.raises(ValueError):
        P.batch_answer_body("[]", "now")
    assert json.loads(P.batch_answer_body("{}", "t")) == {"server_time": "t"}
