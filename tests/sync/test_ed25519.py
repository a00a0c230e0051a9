"""The desk's Ed25519 check (sync.client.ed25519, the RFC 8032 algorithm) agrees with
``cryptography`` on random keys and messages, and refuses every tampering."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sync.client.ed25519 import verify


@pytest.mark.parametrize("n", range(50))
def test_agrees_with_cryptography_and_refuses_tampering(n: int) -> None:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    message = os.urandom(n * 7)
    sig = key.sign(message)
    assert verify(public, message, sig)
    flip = n % 64
    assert not verify(public, message, sig[:flip] + bytes([sig[flip] ^ 1]) + sig[flip + 1:])
    assert not verify(public, message + b"x", sig)
    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw,
                                                                   PublicFormat.Raw)
    assert not verify(other, message, sig)
    assert not verify(public[:31], message, sig) and not verify(public, message, sig[:63])


def test_rfc8032_test_vector_1() -> None:
    public = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    sig = bytes.fromhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
    assert verify(public, b"", sig)
    assert not verify(public, b"\x00", sig)
