"""The receipt's verification code and QR code.

A genuine receipt carries a short code derived from the receipt number and the case UUID
with the desk's secret receipt key (HMAC-SHA256, truncated to 80 bits, base32 — 16
characters, printed as four groups). The district, which holds the desk's receipt key,
recomputes it with :func:`verify_receipt`; a forger without the key cannot.

The QR payload is plain text in the QR alphanumeric alphabet (compact, and readable by any
scanner)::

    DSD1:<receipt number>:<CASE UUID, upper case>:<CODE>

Nothing personal is in it.
"""

from __future__ import annotations

import functools
import hmac
import re
from typing import TYPE_CHECKING, NamedTuple

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from forms.printing.qr import draw_qr as draw_qr
from sync.protocol import receipt_code

if TYPE_CHECKING:
    from desk.core.store import Store

PAYLOAD_PREFIX = "DSD1"


class Payload(NamedTuple):
    """The parts of a scanned QR payload."""

    receipt_no: str
    uuid: str
    code: str


def _key_bytes(key_hex: str) -> bytes:
    try:
        key = bytes.fromhex(key_hex)
    except ValueError:
        raise ValueError("receipt key must be hexadecimal") from None
    if len(key) < 16:
        raise ValueError("receipt key must be at least 16 bytes")
    return key


def verification_code(key_hex: str, receipt_no: str, uuid: str) -> str:
    """The 16-character verification code of a receipt (A-Z, 2-7).

    The construction is defined once, in :mod:`sync.protocol`, because the district
    checks the same codes."""
    _key_bytes(key_hex)  # the desk's stricter key check
    return receipt_code(key_hex, receipt_no, uuid)


def normalise_code(code: str) -> str:
    """A code as typed or scanned: grouping, spaces and case do not matter."""
    return re.sub(r"[\s\-]", "", code).upper()


def verify_receipt(key_hex: str, receipt_no: str, uuid: str, code: str) -> bool:
    """True when ``code`` is the genuine verification code of this receipt."""
    try:
        expected = verification_code(key_hex, receipt_no, uuid)
    except ValueError:
        return False
    return hmac.compare_digest(expected, normalise_code(code))


def group_code(code: str) -> str:
    """``ABCDEFGHIJKLMNOP`` → ``ABCD-EFGH-IJKL-MNOP`` (easier to read out on the phone)."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def qr_payload(receipt_no: str, uuid: str, code: str, public_url: str = "") -> str:
    """The text encoded in a receipt's QR code: the district's progress page for this
    receipt when the desk knows the district's public address (issue 18: a phone's camera
    opens it), else the offline payload. A bare host is written in upper case so the code
    stays in QR's compact alphanumeric mode (the page's address ignores case)."""
    if public_url:
        base = public_url.rstrip("/")
        if re.fullmatch(r"https?://[^/]+", base, re.IGNORECASE):
            base = base.upper()
        return f"{base}/Q/{receipt_no.upper()}/{normalise_code(code)}"
    return f"{PAYLOAD_PREFIX}:{receipt_no.upper()}:{uuid.upper()}:{normalise_code(code)}"


_URL_PAYLOAD = re.compile(r"^https?://\S+/q/([A-Z0-9-]+)/([A-Z2-7]+)$", re.IGNORECASE)


def parse_payload(text: str) -> Payload:
    """The receipt number, UUID (lower case; empty in the progress-page form, which
    carries the number and code only) and code of a scanned payload."""
    url = _URL_PAYLOAD.match(text.strip())
    if url:
        return Payload(url.group(1).upper(), "", normalise_code(url.group(2)))
    parts = text.strip().split(":")
    if len(parts) != 4 or parts[0].upper() != PAYLOAD_PREFIX:
        raise ValueError("不是家门口办事台的回执二维码")
    return Payload(parts[1].upper(), parts[2].lower(), normalise_code(parts[3]))


def receipt_key(store: Store) -> str:
    """The desk's receipt key (hex), created on first use (:meth:`Store.receipt_key`)."""
    return str(store.receipt_key())


# -- QR matrix ----------------------------------------------------------------------------

_CACHE_SIZE = 64
QR_MASK = 2


@functools.lru_cache(maxsize=_CACHE_SIZE)
def qr_matrix(payload: str) -> list[list[bool]]:
    """The QR modules (rows of booleans, no quiet zone) for ``payload``.

    Encoded once: the version is fitted while encoding and the matrix drawn directly at the
    size wanted (see :func:`draw_qr`), never re-encoded to measure it. Reprints hit a
    small cache (the matrix is shared: read it, never change it).
    """
    # A fixed mask: qrcode otherwise encodes all eight masks to score them (~75% of the
    # encoding time). Any mask is standard-conformant; the scan test decodes the printed
    # code (tests/core/test_receipts_scan.py) in both formats.
    qr = qrcode.QRCode(version=None, error_correction=ERROR_CORRECT_M, box_size=1, border=0,
                       mask_pattern=QR_MASK)
    qr.add_data(payload, optimize=0)
    qr.make(fit=True)
    return [[bool(v) for v in row] for row in qr.modules]


def clear_qr_cache() -> None:
    """Forget encoded QR codes (benchmarks measure a first print, not a reprint)."""
    qr_matrix.cache_clear()
