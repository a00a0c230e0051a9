"""The canonical JSON that content hashes are taken over: its shortcut for flat payloads
(orjson) gives exactly the bytes of json's full sort, so a record resent by any desk version
hashes the same (a changed hash would turn a duplicate into a conflict); and
:func:`sync.protocol.loads_json` (orjson, the batch body and the cases' form data) decodes
exactly what json decodes, and refuses what json refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync import protocol as P
from sync.protocol import encoding

# text with lone surrogates and control characters too; integers past 64 bits
any_text = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF,
                                 exclude_categories=()))
scalars = (st.none() | st.booleans() | st.integers(-(2**70), 2**70)
           | st.integers(-(2**64) - 2, 2**64 + 2) | st.floats(allow_nan=False) | st.text()
           | any_text)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)


def _reference(data: Any) -> bytes | str:
    """json's bytes, or the error's name (a lone surrogate is not UTF-8: both refuse it)."""
    try:
        return json.dumps(data, ensure_ascii=False, sort_keys=True,
                          separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError as exc:
        return type(exc).__name__


def _canonical(data: Any) -> bytes | str:
    try:
        return P.canonical_json(data)
    except UnicodeEncodeError as exc:
        return type(exc).__name__


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), values, max_size=12), st.booleans())
def test_canonical_json_is_the_sorted_encoding(data: dict[str, Any], pre_sort: bool) -> None:
    if pre_sort:
        data = dict(sorted(data.items()))
    assert _canonical(data) == _reference(data)


def test_a_desk_payload_takes_the_shortcut_with_the_same_bytes() -> None:
    payload = {"applicant_name": "张三", "data_json": json.dumps({"fields": {"a": "\n\""}}),
               "priority": 0, "promised_date": None, "revision": 2, "uuid": "x"}
    assert P.canonical_json(payload) == _reference(payload)
    assert P.canonical_json(dict(reversed(payload.items()))) == _reference(payload)


flat = st.dictionaries(st.text(max_size=8) | any_text, st.none() | st.booleans()
                       | st.integers(-(2**70), 2**70) | st.integers(-(2**64) - 2, 2**64 + 2)
                       | st.text() | any_text, max_size=12)


@settings(max_examples=500, deadline=None)
@given(flat)
def test_a_flat_payload_encodes_as_json_sorts_it(data: dict[str, Any]) -> None:
    assert _canonical(data) == _reference(data)


def test_every_character_encodes_as_json_does() -> None:
    for start in range(0, 0x110000, 0x1000):
        text = "".join(chr(c) for c in range(start, start + 0x1000)
                       if not 0xD800 <= c <= 0xDFFF)  # (lone surrogates: not UTF-8)
        assert P.canonical_json({"k": text}) == _reference({"k": text})


def _typed(value: Any) -> Any:
    """``value`` with each number's type beside it (1 == 1.0 == True in Python)."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, repr(value))


def _json_says(text: str | bytes, *, constants: bool) -> Any:
    if isinstance(text, bytes):
        text = text.decode("utf-8")

    def refuse(name: str) -> Any:
        raise ValueError(name)

    return json.loads(text) if constants else json.loads(text, parse_constant=refuse)


def _outcome(decode: Any, text: str | bytes, constants: bool) -> Any:
    try:
        return "ok", _typed(decode(text, constants=constants))
    except ValueError:
        return "refused", None
    except RecursionError:  # (nested past the interpreter's limit)
        return "too deep", None


@settings(max_examples=500, deadline=None)
@given(values | st.dictionaries(st.text(max_size=5) | any_text, values, max_size=6),
       st.booleans(), st.booleans())
def test_loads_json_decodes_what_json_decodes(value: Any, as_bytes: bool,
                                              constants: bool) -> None:
    text = json.dumps(value, ensure_ascii=as_bytes)  # (Infinity too: refused alike)
    raw: str | bytes = text.encode() if as_bytes else text
    assert _outcome(P.loads_json, raw, constants) == _outcome(_json_says, raw, constants)


@pytest.mark.parametrize("text", [
    "01", "1.", ".5", "+1", "[1,]", "{'a':1}", "{} x", '"a\nb"', '"a\x00"', '"\\x41"',
    "[1 2]", '{"a" 1}', "tru", "-", "NaN", "[Infinity]", "-Infinity", "\ufeff{}", "",
    '"\\ud800"', "1e400", "-9999999999999999999", "18446744073709551616",
    '{"a":1,"a":2}', '"\\u00e9"', "  {}  ", '"\x7f"', "[" * 2000 + "]" * 2000])
@pytest.mark.parametrize("constants", [False, True])
def test_loads_json_refuses_and_takes_what_json_does(text: str, constants: bool) -> None:
    raw = text.encode("utf-8", "surrogatepass")
    assert _outcome(P.loads_json, raw, constants) == _outcome(_json_says, raw, constants)


def test_without_orjson_json_alone_gives_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """The desk's bundle leaves orjson out (installer/doorstep-desk.spec): the protocol
    imports and answers alike without it."""
    payload = {"applicant_name": "张三", "big": 2**70, "data_json": '{"a": "\\n"}',
               "priority": 0, "promised_date": None, "revision": 2, "uuid": "x"}
    with_orjson = P.canonical_json(payload), P.loads_json(b'{"a": [1, 2.5, "\\u00e9"]}')
    monkeypatch.setattr(encoding, "_orjson", None)
    assert (P.canonical_json(payload), P.loads_json(b'{"a": [1, 2.5, "\\u00e9"]}')) \
        == with_orjson
    assert P.canonical_json(payload) == _reference(payload)
    with pytest.raises(ValueError):
        P.loads_json(b"[NaN]")


def _no_numbers(value: Any) -> Any:
    """``value`` with every number (and boolean) as one mark: what a reader of strings
    sees."""
    if isinstance(value, dict):
        return {k: _no_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_numbers(v) for v in value]
    return "#" if isinstance(value, int | float) else value


@settings(max_examples=300, deadline=None)
@given(values | st.dictionaries(st.text(max_size=5) | any_text, values, max_size=6),
       st.booleans())
def test_loads_json_for_a_reader_of_strings_gives_json_s_strings(value: Any,
                                                                 constants: bool) -> None:
    """``numbers=False`` (the duplicate check reading a case's ID number): the strings,
    objects and arrays are json's, and so is what is refused."""
    raw = json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
    got = _outcome(lambda t, constants: _no_numbers(P.loads_json(
        t, constants=constants, numbers=False)), raw, constants)
    want = _outcome(lambda t, constants: _no_numbers(_json_says(t, constants=constants)),
                    raw, constants)
    assert got == want


def test_a_reader_of_strings_skips_the_wide_number_scan(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan costs as much as decoding a case's form data: the duplicate check, which
    reads only the ID number and the exception chosen, does without it."""
    from sync.district.duplicates import _resident, id_digest

    def scan(raw: bytes) -> bool:
        raise AssertionError("scanned")

    monkeypatch.setattr(encoding, "_may_be_wide", scan)
    data = json.dumps({"fields": {"applicant_id": "11010519491231002X", "age": 10**30},
                       "duplicate_exception": {"kind": "补办"}}, ensure_ascii=False)
    assert P.loads_json(data, numbers=False)["fields"]["applicant_id"] == "11010519491231002X"
    cp = P.CasePayload.model_construct(data_json=data)
    assert _resident(cp) == (id_digest("11010519491231002X"), "补办")


answers = st.recursive(st.none() | st.booleans() | st.integers(-(2**70), 2**70) | any_text,
                       lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(any_text, inner, max_size=3), max_leaves=10)


@settings(max_examples=300, deadline=None)
@given(answers)
def test_dumps_json_reads_back_as_json_s(value: Any) -> None:
    """A batch's answer (P.dumps_json: orjson, json where orjson refuses) decodes to what
    json's own encoding decodes to."""
    try:
        want = _typed(json.loads(json.dumps(value, ensure_ascii=False)))
    except UnicodeEncodeError:  # (a lone surrogate is not UTF-8: both refuse it on the wire)
        return
    text = P.dumps_json(value)
    assert _typed(json.loads(text)) == want
