"""The canonical JSON that content hashes are taken over: its shortcut for payloads whose
keys are already sorted gives exactly the bytes of the full sort, so a record resent by any
desk version hashes the same (a changed hash would turn a duplicate into a conflict)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sync import protocol as P

scalars = (st.none() | st.booleans() | st.integers(-(2**70), 2**70)
           | st.floats(allow_nan=False) | st.text())
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)


def _reference(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), values, max_size=12), st.booleans())
def test_canonical_json_is_the_sorted_encoding(data: dict[str, Any], pre_sort: bool) -> None:
    if pre_sort:
        data = dict(sorted(data.items()))
    assert P.canonical_json(data) == _reference(data)


def test_a_desk_payload_takes_the_shortcut_with_the_same_bytes() -> None:
    payload = {"applicant_name": "张三", "data_json": json.dumps({"fields": {"a": "\n\""}}),
               "priority": 0, "promised_date": None, "revision": 2, "uuid": "x"}
    assert P.canonical_json(payload) == _reference(payload)
    assert P.canonical_json(dict(reversed(payload.items()))) == _reference(payload)
