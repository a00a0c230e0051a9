"""The district's part in a desk's keys: checking a receipt's verification code, and the
PIN-wrapped key share (set up, unlock).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    Field,
    StringConstraints,
)

from sync.protocol.messages import Message
from sync.protocol.paths import utc_now


class ReceiptVerification(Message):
    """``GET /api/v1/receipts/verify``: is a receipt genuine? No personal data: whether the
    code is right, whether the district has received the case, and (when it has) the item
    and the acceptance date printed on the receipt."""

    valid: bool
    received: bool = False
    receipt_no: str
    item_name: str | None = None
    accepted_date: str | None = None
    server_time: str = Field(default_factory=utc_now)


Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class PinSetupRequest(Message):
    """``POST /api/v1/desk/pin`` (signed): register a PIN for this desk's quick unlock.

    The district keeps only hashes of the unlock token and of the PIN proof (a value the
    desk derives from the PIN with Argon2id and a salt the district never sees), and
    answers with a new random key share. The desk wraps its data key under a key derived
    from the PIN *and* that share, and keeps the share nowhere: without the district's
    answer, the wrapped key cannot be opened however many PINs a thief tries offline.
    """

    token_hash: Hex64 = Field(description="sha256 of the desk's random unlock token, hex")
    proof_hash: Hex64 = Field(description="sha256 of the PIN proof, hex")


class PinSetupResponse(Message):
    """The new key share (replaces any earlier one; earlier PIN wraps stop working)."""

    key_share: Hex64
    tries: int = Field(description="wrong PINs allowed before the share is locked")
    server_time: str = Field(default_factory=utc_now)


class UnlockRequest(Message):
    """``POST /api/v1/desk/unlock`` (not signed: the desk's secret is inside the locked
    store): the unlock token and the PIN proof for the key share. Refused for a revoked
    desk; after :data:`PIN_TRIES` wrong proofs the share is locked until the desk sets a
    new PIN (which needs the full password)."""

    desk_id: str = Field(min_length=1, max_length=40)
    token: Hex64 = Field(description="the desk's unlock token, hex")
    proof: Hex64 = Field(description="the PIN proof, hex")


class UnlockResponse(Message):
    """The desk's key share."""

    key_share: Hex64
    server_time: str = Field(default_factory=utc_now)
