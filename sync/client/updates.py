"""New desk versions through the district (issue 19): learn, fetch, verify — never install.

At each sync the desk asks the district for the newest release of its platform
(:func:`check_release`). An offer is kept only when it is newer than the running desk and
signed by the release key the desk pinned at enrollment (a desk enrolled before releases
existed pins the key the district first shows it, over its signed channel). The worker
sees "有新版本 V" with the notes and chooses to download: :func:`download_release` fetches
the file a piece at a time into ``updates/NAME.part`` beside the desk's data, resuming from
what is already there after a broken connection, and keeps it only when its size, SHA-256
and the signature all match. Installing is the worker's click, outside this module: the
desk opens the ``.deb`` (or runs the Windows installer) with the system's own installer.

An older district that has no release endpoint answers 404: the desk simply learns of no
release, and every other part of the sync goes on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sync import protocol as P
from sync.client import ed25519
from sync.client.errors import SyncError

if TYPE_CHECKING:
    from desk.core.app import DeskContext
    from sync.client.http import DistrictClient  # (requests: not loaded for offered())

log = logging.getLogger(__name__)
PLATFORM = "windows" if sys.platform.startswith("win") else "linux"


class UpdateError(SyncError):
    """A release that cannot be fetched or does not verify; the message says what to do."""

    kind = "update"
    default = "新版本下载失败，请稍后重试"


def running_version() -> str:
    """The version of the desk that is running."""
    from desk import __version__

    return str(__version__)


def newer(version: str, than: str) -> bool:
    """Is ``version`` newer than ``than`` (by numbers; an unreadable version is not)?"""
    try:
        return P.version_key(version) > P.version_key(than)
    except ValueError:
        return False


def signature_ok(key_hex: str, rel: P.ReleaseInfo) -> bool:
    """Was ``rel`` signed by the release key ``key_hex``?"""
    try:
        key, signature = bytes.fromhex(key_hex), bytes.fromhex(rel.signature)
    except ValueError:
        return False
    return ed25519.verify(key, P.release_message(rel.platform, rel.version, rel.filename,
                                                 rel.size, rel.sha256, rel.notes), signature)


def offered(ctx: DeskContext) -> P.ReleaseInfo | None:
    """The release the desk offers its worker, if any (newer than this desk, verified)."""
    raw = ctx.store.get_meta("release_offer") or ""
    if not raw:
        return None
    try:
        rel = P.ReleaseInfo.model_validate_json(raw)
    except ValueError:
        return None
    return rel if newer(rel.version, running_version()) else None


def check_release(ctx: DeskContext, client: DistrictClient, summary: dict[str, Any]) -> None:
    """Ask the district for its newest release; keep it as the offer when it is newer and
    signed by the pinned key. Never fails the sync: ``summary["release"]`` says what came
    of it (the version offered, or None)."""
    store = ctx.store
    summary["release"] = None
    try:
        offer = client.release_offer(PLATFORM)
    except SyncError as exc:
        if exc.status != 404:  # 404: a district from before releases — nothing to learn
            log.info("release check failed: %s", exc.code or exc.kind)
        return
    pinned = store.get_meta("release_key") or ""
    if not pinned and offer.release_key:
        pinned = offer.release_key  # enrolled before releases existed: pin it now
        store.set_meta("release_key", pinned)
    rel = offer.release
    if offer.release_key != pinned:
        log.warning("the district's release key is not the one this desk pinned")
        summary["release_error"] = "key_changed"
        rel = None
    elif rel is not None and not signature_ok(pinned, rel):
        log.warning("release %s is not signed by the pinned key", rel.version)
        summary["release_error"] = "bad_signature"
        rel = None
    if rel is None or not newer(rel.version, running_version()):
        store.set_meta("release_offer", "")
        return
    store.set_meta("release_offer", rel.model_dump_json())
    summary["release"] = rel.version


def updates_dir(ctx: DeskContext) -> Path:
    """Where downloaded installers are kept (beside the desk's data)."""
    return Path(ctx.paths.data_dir) / "updates"


def download_release(ctx: DeskContext, client: DistrictClient, rel: P.ReleaseInfo, *,
                     progress: Callable[[int, int], None] | None = None,
                     piece: int = P.RELEASE_CHUNK) -> Path:
    """Fetch ``rel`` into :func:`updates_dir`, resuming a partial download; returns the
    verified file. A file whose size, SHA-256 or signature does not match is deleted and
    :class:`UpdateError` raised (the next attempt starts from zero)."""
    pinned = ctx.store.get_meta("release_key") or ""
    if not pinned or not signature_ok(pinned, rel):
        raise UpdateError("新版本的签名与本办事点登记的区级密钥不符，已拒绝；请联系区级管理员",
                          code="bad_signature")
    folder = updates_dir(ctx)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / rel.filename
    if final.is_file() and final.stat().st_size == rel.size and _sha256(final) == rel.sha256:
        return final
    part = folder / (rel.filename + ".part")
    have = part.stat().st_size if part.is_file() else 0
    if have > rel.size:
        part.unlink()
        have = 0
    with part.open("ab") as out:
        while have < rel.size:
            data, size = client.release_piece(rel.platform, rel.version, have, piece)
            if size != rel.size or not data:  # not the file that was signed: start again
                out.close()
                part.unlink()
                raise UpdateError("区级提供的安装包与版本说明不一致，已删除；请联系区级管理员",
                                  code="size_mismatch")
            out.write(data)
            out.flush()  # a broken connection keeps what arrived: the next attempt resumes
            have += len(data)
            if progress is not None:
                progress(have, rel.size)
    if part.stat().st_size != rel.size or _sha256(part) != rel.sha256:
        part.unlink()
        raise UpdateError("下载的安装包校验不符，已删除；请重新下载", code="hash_mismatch")
    part.replace(final)
    ctx.store.set_meta("release_downloaded", json.dumps(
        {"version": rel.version, "path": str(final)}, ensure_ascii=False))
    return final


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1024 * 1024), b""):
            h.update(block)
    return h.hexdigest()
