"""Bytes on the wire: canonical JSON (sorted keys, compact; orjson's exact fast path for a
flat payload, json for the rest), :func:`loads_json` (orjson where it decodes exactly what
json does), content hashes, and gzip bodies with a cap on what they may expand to.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from typing import Any

try:  # the district's (a faster exact JSON); the desk's bundle leaves it out: json alone
    import orjson as _orjson
except ImportError:  # pragma: no cover - the installed desk (installer/doorstep-desk.spec)
    _orjson = None  # type: ignore[assignment]


_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
_FLAT = frozenset((str, int, bool, type(None)))  # what orjson encodes as json does
# An integer token orjson would decode as a float (past 64 bits: 20 digits, or a minus and
# 19) — or digits in a string that look like one: either way the text goes to json (exact,
# slower). Found by mapping every digit to 0 (a translate and two finds run in C: a regular
# expression took as long as decoding the text).
_DIGITS = bytes(0x30 if 0x30 <= b <= 0x39 else b if b == 0x2D else 0x20 for b in range(256))
_WIDE, _WIDE_NEGATIVE = b"0" * 20, b"-" + b"0" * 19


def _may_be_wide(raw: bytes) -> bool:
    shape = raw.translate(_DIGITS)
    return _WIDE in shape or _WIDE_NEGATIVE in shape


def canonical_json(data: Any) -> bytes:
    """Stable JSON bytes (sorted keys, no spaces) for hashing content: the bytes of
    ``json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))``.

    A flat object of strings, integers, booleans and nulls (a desk's case payload) is
    encoded by orjson where it is installed (the district; the desk's bundle leaves it
    out): the same bytes (``tests/sync/test_protocol_canonical.py``; what it would encode
    otherwise — a float, an integer past 64 bits, a lone surrogate, a key not a string —
    goes to json), a sixth of the time.
    """
    if _orjson is not None and type(data) is dict and _FLAT.issuperset(map(type, data.values())):
        try:
            return _orjson.dumps(data, option=_orjson.OPT_SORT_KEYS)
        except TypeError:  # (orjson.JSONEncodeError) a key not a string, a wide int, ...
            pass
    return _CANONICAL.encode(data).encode("utf-8")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads_json(text: bytes | str, *, constants: bool = False, numbers: bool = True) -> Any:
    """``json.loads(text)``, refusing NaN and Infinity (ValueError, as for any text that is
    not JSON) unless ``constants``; decoded by orjson when it gives the same values: not
    when an integer token may pass 64 bits, and not when orjson refuses the text (json then
    decides: NaN, a lone surrogate escape, a number past a double's range).

    ``numbers=False``: for a caller that reads none of the numbers (only strings, objects
    and arrays): the scan for integers past 64 bits — which orjson would give as floats —
    is skipped (as long as decoding the text, for a case's form data)."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if _orjson is not None and not (numbers and _may_be_wide(raw)):
        try:
            return _orjson.loads(raw)
        except _orjson.JSONDecodeError:
            pass
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return json.loads(text) if constants else json.loads(text, parse_constant=_no_constant)


def dumps_json(data: Any) -> str:
    """Compact JSON text (``ensure_ascii=False``; the same values as ``json.dumps``) of
    strings, integers within 64 bits, booleans, nulls, lists and dicts with string keys —
    by orjson where it is installed (a sixth of the time: a batch's answer)."""
    if _orjson is not None:
        try:
            return str(_orjson.dumps(data), "utf-8")
        except TypeError:  # (orjson.JSONEncodeError) a wide integer, a lone surrogate, ...
            pass
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def content_hash(data: Any) -> str:
    """SHA-256 (hex) of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(data)).hexdigest()


# -- gzip ------------------------------------------------------------------------------------

GZIP_MIN = 1024  # bodies smaller than this are sent as they are


def gzip_body(body: bytes) -> tuple[bytes, dict[str, str]]:
    """Compress a request body when worth it; returns the bytes and the extra headers."""
    if len(body) < GZIP_MIN:
        return body, {}
    return gzip.compress(body, compresslevel=5, mtime=0), {"Content-Encoding": "gzip"}


class TooLarge(ValueError):
    """A body (after decompression) exceeds the allowed size."""


def gunzip_capped(body: bytes, cap: int) -> bytes:
    """Decompress at most ``cap`` bytes; :class:`TooLarge` beyond, ValueError if corrupt."""
    d = zlib.decompressobj(16 + 15)
    try:
        out = d.decompress(body, cap + 1)
    except zlib.error as exc:
        raise ValueError(f"gzip body is corrupt: {exc}") from None
    if len(out) > cap or d.unconsumed_tail:
        raise TooLarge(f"decompressed body exceeds {cap} bytes")
    if not d.eof:
        raise ValueError("gzip body is truncated")
    return out
