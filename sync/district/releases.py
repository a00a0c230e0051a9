"""Desk releases the district serves (issue 19): uploaded by an administrator, signed with
the district's release key, fetched by desks a piece at a time.

- ``district_keys`` — the district's Ed25519 release key, made once (the first enrollment or
  release needs it; concurrent first uses agree on one key through the primary key). Desks
  receive the public half at enrollment and pin it: a release signed by any other key is
  refused on the desk, whatever the server says.
- ``releases`` — one row per platform and version (unique): file name, size, SHA-256, the
  notes the worker reads, and the signature over :func:`sync.protocol.release_message`.
- ``release_chunks`` — the file in pieces of :data:`sync.protocol.RELEASE_CHUNK` bytes,
  stored in the database like attachments (one place to back up; every server process
  reads the same).

The newest release of a platform is the highest version by numbers (``0.10.0`` after
``0.9.2``), never by text and never by upload order: uploading an older build (a rollback
kept for a site) does not make desks "update" to it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.exc import IntegrityError

from sync import protocol as P
from sync.district.errors import NotFound, Refused, TooLarge
from sync.district.tables import _BigId, metadata

if TYPE_CHECKING:
    from sync.district.database import Database

MAX_RELEASE_BYTES = 400 * 1024 * 1024
KEY_NAME = "release"

district_keys = Table(
    "district_keys", metadata,
    Column("name", String(20), primary_key=True),
    Column("private_hex", String(64), nullable=False),
    Column("public_hex", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
)
releases = Table(
    "releases", metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("platform", String(10), nullable=False),
    Column("version", String(40), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("notes", Text, nullable=False),
    Column("signature", String(128), nullable=False),
    Column("published_at", String(40), nullable=False),
    Column("published_by", String(64), nullable=False),
    UniqueConstraint("platform", "version", name="uq_releases_platform_version"),
)
release_chunks = Table(
    "release_chunks", metadata,
    Column("release_id", BigInteger, nullable=False),
    Column("idx", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    PrimaryKeyConstraint("release_id", "idx"),
)


class ReleaseRefused(Refused):
    """A release file or its description is not acceptable; ``field`` names what."""

    status = 422
    code = "invalid"

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message, field=field, rule=rule)
        self.field, self.rule = field, rule


def release_key(db: Database, conn: Connection | None = None) -> tuple[Ed25519PrivateKey, str]:
    """The district's release key and its public half (hex), made on first use."""
    if conn is None:
        with db.write() as c:
            return release_key(db, c)
    row = conn.execute(select(district_keys.c.private_hex).where(
        district_keys.c.name == KEY_NAME)).first()
    if row is None:
        new = Ed25519PrivateKey.generate()
        conn.execute(db.dialect_insert(district_keys).values(
            name=KEY_NAME, private_hex=new.private_bytes_raw().hex(),
            public_hex=_public_hex(new), created_at=P.utc_now()).on_conflict_do_nothing())
        row = conn.execute(select(district_keys.c.private_hex).where(
            district_keys.c.name == KEY_NAME)).one()  # ours, or the one that won the race
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(row[0]))
    return key, _public_hex(key)


def _public_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def check_release(path: Path, version: str, platform: str, notes: str) -> None:
    """Refuse a release upload that cannot be served, naming the field and the rule."""
    if platform not in P.RELEASE_PLATFORMS:
        raise ReleaseRefused("platform", "choice", f"平台须为 {'、'.join(P.RELEASE_PLATFORMS)}"
                                                   f"之一，收到 {platform!r}")
    if not re.match(P.RELEASE_VERSION, version):
        raise ReleaseRefused("version", "pattern", f"版本号须为数字和点，如 0.9.2，收到 {version!r}")
    if not re.match(r"^[A-Za-z0-9._+~-]{1,200}$", path.name):
        raise ReleaseRefused("file", "name", f"文件名只能含字母、数字和 . _ + ~ -：{path.name!r}")
    if len(notes) > 4000:
        raise ReleaseRefused("notes", "length", "更新说明最多 4000 字")
    if not path.is_file():
        raise ReleaseRefused("file", "exists", f"找不到安装包文件 {path}")
    size = path.stat().st_size
    if size == 0:
        raise ReleaseRefused("file", "empty", f"安装包文件是空的：{path}")
    if size > MAX_RELEASE_BYTES:
        raise TooLarge(f"安装包超过 {MAX_RELEASE_BYTES // 1024 // 1024} MB：{path}")
    expected = {"linux": (".deb",), "windows": (".exe", ".msi")}[platform]
    if not path.name.endswith(expected):
        raise ReleaseRefused("file", "kind", f"{platform} 的安装包应为 {'/'.join(expected)} "
                                             f"文件：{path.name}")


def add_release(db: Database, path: Path, *, version: str, platform: str, notes: str = "",
                actor: str, audit: Any = None) -> dict[str, Any]:
    """Store ``path`` as the release ``version`` for ``platform``, signed; ``audit(conn,
    row)`` runs in the same transaction. A version already uploaded for the platform is
    refused (a release never changes once desks may have fetched it)."""
    notes = notes.strip()
    check_release(path, version, platform, notes)
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(P.RELEASE_CHUNK), b""):
            digest.update(block)
    size, sha = path.stat().st_size, digest.hexdigest()
    try:
        with db.write() as conn:
            key, public = release_key(db, conn)
            signature = key.sign(P.release_message(platform, version, path.name, size, sha,
                                                         notes))
            row = {"platform": platform, "version": version, "filename": path.name,
                   "size": size, "sha256": sha, "notes": notes, "signature": signature.hex(),
                   "published_at": P.utc_now(), "published_by": actor}
            pk = conn.execute(releases.insert().values(**row)).inserted_primary_key
            assert pk is not None
            rid = pk[0]
            with path.open("rb") as f:
                for idx, block in enumerate(iter(lambda: f.read(P.RELEASE_CHUNK), b"")):
                    conn.execute(release_chunks.insert().values(
                        release_id=rid, idx=idx, data=block))
            if audit is not None:
                audit(conn, row)
    except IntegrityError:
        raise ReleaseRefused("version", "unique", f"{platform} 版本 {version} 已上传过；"
                                                  "已发布的版本不能替换，请用新的版本号") from None
    return dict(row, release_key=public)


def list_releases(db: Database, platform: str | None = None) -> list[dict[str, Any]]:
    """Every release, newest version first within each platform."""
    q = select(releases.c.platform, releases.c.version, releases.c.filename, releases.c.size,
               releases.c.sha256, releases.c.notes, releases.c.published_at,
               releases.c.published_by)
    if platform:
        q = q.where(releases.c.platform == platform)
    with db.read() as conn:
        rows = [dict(r) for r in conn.execute(q).mappings()]
    return sorted(rows, key=lambda r: (r["platform"], P.version_key(r["version"])),
                  reverse=True)


def newest(db: Database, platform: str) -> P.ReleaseOffer:
    """What a desk on ``platform`` is offered: the highest version, and the key."""
    if platform not in P.RELEASE_PLATFORMS:
        raise ReleaseRefused("platform", "choice", f"未知平台 {platform!r}")
    _key, public = release_key(db)
    with db.read() as conn:
        rows = list(conn.execute(select(releases).where(
            releases.c.platform == platform)).mappings())
    if not rows:
        return P.ReleaseOffer(release=None, release_key=public)
    best = max(rows, key=lambda r: P.version_key(r["version"]))
    return P.ReleaseOffer(release=P.ReleaseInfo(
        platform=best["platform"], version=best["version"], filename=best["filename"],
        size=best["size"], sha256=best["sha256"], notes=best["notes"],
        published_at=best["published_at"], signature=best["signature"]), release_key=public)


def read_piece(db: Database, platform: str, version: str, offset: int,
               length: int = P.RELEASE_CHUNK) -> tuple[bytes, int]:
    """``length`` bytes (at most one chunk's worth) of a release from ``offset``, and the
    file's size. An offset at the end gives no bytes."""
    length = max(1, min(length, P.RELEASE_CHUNK))
    with db.read() as conn:
        rel = conn.execute(select(releases.c.id, releases.c.size).where(
            releases.c.platform == platform, releases.c.version == version)).first()
        if rel is None:
            raise NotFound(f"区级没有 {platform} 版本 {version} 的安装包")
        rid, size = rel
        if offset < 0 or offset > size:
            raise ReleaseRefused("offset", "range", f"位置 {offset} 超出安装包大小 {size}")
        end = min(size, offset + length)
        first, last = offset // P.RELEASE_CHUNK, max(offset, end - 1) // P.RELEASE_CHUNK
        parts = conn.execute(select(release_chunks.c.data).where(
            release_chunks.c.release_id == rid, release_chunks.c.idx >= first,
            release_chunks.c.idx <= last).order_by(release_chunks.c.idx)).scalars().all()
    blob = b"".join(bytes(p) for p in parts)
    start = offset - first * P.RELEASE_CHUNK
    return blob[start:start + (end - offset)], size
