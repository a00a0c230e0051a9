"""Request signing (HMAC-SHA256 over the canonical request: method, path, timestamp,
nonce, body hash), nonces and secrets, and the receipt verification code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sync.protocol.paths import (
    H_DESK,
    H_NONCE,
    H_PROTOCOL,
    H_SIGNATURE,
    H_TIMESTAMP,
    PROTOCOL_VERSION,
)


def new_nonce() -> str:
    """A fresh random nonce."""
    return secrets.token_hex(16)


def new_secret() -> str:
    """A fresh desk secret (shared HMAC key)."""
    return secrets.token_hex(32)


def canonical_request(method: str, path: str, timestamp: str, nonce: str, body: bytes,
                      body_sha256: str | None = None) -> bytes:
    """The bytes a request signature covers (``body_sha256``: the body's SHA-256 in hex,
    when the body was hashed as it streamed in)."""
    digest = body_sha256 if body_sha256 is not None else hashlib.sha256(body).hexdigest()
    return "\n".join([method.upper(), path, timestamp, nonce, digest]).encode("utf-8")


def sign(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of the canonical request."""
    return hmac.new(secret.encode("utf-8"),
                    canonical_request(method, path, timestamp, nonce, body),
                    hashlib.sha256).hexdigest()


def signed_headers(desk_id: str, secret: str, method: str, path: str, body: bytes,
                   now: float) -> dict[str, str]:
    """The four signing headers for a request made at (estimated server) time ``now``."""
    ts = str(int(now))
    nonce = new_nonce()
    return {H_DESK: desk_id, H_TIMESTAMP: ts, H_NONCE: nonce,
            H_SIGNATURE: sign(secret, method, path, ts, nonce, body),
            H_PROTOCOL: str(PROTOCOL_VERSION)}


def verify(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes,
           signature: str) -> bool:
    """True when ``signature`` is right (constant-time comparison)."""
    return hmac.compare_digest(sign(secret, method, path, timestamp, nonce, body),
                               signature or "")


def verify_digest(secret: str, method: str, path: str, timestamp: str, nonce: str,
                  body_sha256: str, signature: str) -> bool:
    """:func:`verify` for a body known by its SHA-256 (hex): the server hashes a body as it
    streams in and checks the signature before holding the body in memory."""
    mac = hmac.new(secret.encode("utf-8"),
                   canonical_request(method, path, timestamp, nonce, b"", body_sha256),
                   hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, signature or "")


# -- receipt verification codes ----------------------------------------------------------------
#
# A receipt carries a code the desk makes with its receipt key (sent to the district at
# enrollment): HMAC-SHA256 over "RECEIPT NO|case uuid", first 80 bits, base32 — the same
# construction as desk.core.receipts.verify (a test keeps the two in step). The district
# recomputes it; a forger without the key cannot.

RECEIPT_CODE_BYTES = 10


def receipt_code(key_hex: str, receipt_no: str, case_uuid: str) -> str:
    """The 16-character verification code of a receipt (A-Z, 2-7)."""
    key = bytes.fromhex(key_hex)
    if len(key) < 16:
        raise ValueError("receipt key must be at least 16 bytes")
    msg = f"{receipt_no.strip().upper()}|{case_uuid.strip().lower()}".encode()
    digest = hmac.new(key, msg, hashlib.sha256).digest()
    return base64.b32encode(digest[:RECEIPT_CODE_BYTES]).decode("ascii")


def receipt_code_ok(key_hex: str, receipt_no: str, case_uuid: str, code: str) -> bool:
    """True when ``code`` (grouping, spaces and case do not matter) is the receipt's code."""
    try:
        expected = receipt_code(key_hex, receipt_no, case_uuid)
    except ValueError:
        return False
    typed = "".join(ch for ch in code if ch not in " -\t\r\n").upper()
    return hmac.compare_digest(expected.encode(), typed.encode("utf-8", "replace"))
