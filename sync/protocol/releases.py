"""Desk releases (issue 19): what the district offers a desk to install and what its
release key signs.
"""

from __future__ import annotations

import hashlib
from typing import Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)

from sync.protocol.messages import Message

ReleasePlatform = Literal["linux", "windows"]
RELEASE_PLATFORMS: tuple[str, ...] = get_args(ReleasePlatform)
RELEASE_VERSION = r"^[0-9]{1,4}(\.[0-9]{1,6}){1,3}$"
RELEASE_CHUNK = 1024 * 1024  # the most a desk asks for in one piece


def version_key(version: str) -> tuple[int, ...]:
    """A release version as numbers, for ordering (``0.10.0`` after ``0.9.2``)."""
    return tuple(int(part) for part in version.split("."))


def release_message(platform: str, version: str, filename: str, size: int, sha256: str,
                    notes: str) -> bytes:
    """What the district's release key signs: the file by its hash, what it is for, and
    the notes the worker reads before choosing to install it."""
    return "\n".join(("doorstep-release/1", platform, version, filename, str(size),
                      sha256, hashlib.sha256(notes.encode()).hexdigest())).encode()


class ReleaseInfo(BaseModel):
    """One desk release the district serves: the file by size and SHA-256, the worker's
    release notes, and the Ed25519 signature over :func:`release_message`."""

    model_config = ConfigDict(extra="ignore")
    platform: ReleasePlatform
    version: str = Field(pattern=RELEASE_VERSION)
    filename: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._+~-]+$")
    size: int = Field(gt=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    notes: str = Field(default="", max_length=4000)
    published_at: str
    signature: str = Field(pattern=r"^[0-9a-f]{128}$")


class ReleaseOffer(Message):
    """``GET /api/v1/release?platform=P`` (signed): the newest release for the platform
    (``release`` is None when there is none) and the district's release key."""

    release: ReleaseInfo | None = None
    release_key: str = ""
