"""The desk's data key, wrapped by the worker's password.

The whole store (database, WAL, backups) is encrypted with a random 256-bit data key.
That key is kept only wrapped, under a key derived from the worker's password with
Argon2id (memory-hard, so guessing is slow) and a fresh random salt for every wrap, in
``keyring.json`` beside the database. The wrap is encrypt-then-MAC from the standard
library: the data key XOR an HMAC-SHA256 key stream, authenticated by a separate
HMAC-SHA256 tag (checked in constant time) — both keyed by sub-keys of the derived key.
Because the salt is new for every wrap, a key stream is never reused. (This keeps the
desk free of a second crypto library: SQLCipher already carries one.) Repeated wrong
passwords lock the desk for a growing time.

The file holds no secret in the clear: salt, KDF parameters, nonce, the wrapped key and
the failure counter.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw

from desk.core.errors import DeskError

FILE_NAME = "keyring.json"
MIN_PASSWORD = 6
FREE_TRIES = 5
BASE_LOCK = timedelta(minutes=1)
KDF = {"name": "argon2id", "time_cost": 3, "memory_cost": 65536, "parallelism": 2}


class KeyringError(DeskError):
    """Unlocking failed: ``wrong_password``, ``locked_out``, ``no_password``, ``weak``."""


@dataclass
class Unlocked:
    """The data key and how long unlocking took."""

    key: bytes
    seconds: float


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _unb64(s: str) -> bytes:
    return base64.b64decode(s.encode())


def _derive(password: str, salt: bytes, kdf: dict[str, Any]) -> bytes:
    return hash_secret_raw(password.encode("utf-8"), salt, time_cost=int(kdf["time_cost"]),
                           memory_cost=int(kdf["memory_cost"]),
                           parallelism=int(kdf["parallelism"]), hash_len=32, type=Type.ID)


def _subkeys(kek: bytes) -> tuple[bytes, bytes]:
    stream = hmac.new(kek, b"doorstep-desk/v2/stream", hashlib.sha256).digest()
    mac_key = hmac.new(kek, b"doorstep-desk/v2/mac", hashlib.sha256).digest()
    return stream, mac_key


def _wrap(kek: bytes, key: bytes) -> tuple[bytes, bytes]:
    stream, mac_key = _subkeys(kek)
    wrapped = bytes(a ^ b for a, b in zip(key, stream, strict=True))
    return wrapped, hmac.new(mac_key, wrapped, hashlib.sha256).digest()


def _unwrap(kek: bytes, wrapped: bytes, tag: bytes) -> bytes | None:
    stream, mac_key = _subkeys(kek)
    if not hmac.compare_digest(hmac.new(mac_key, wrapped, hashlib.sha256).digest(), tag):
        return None
    return bytes(a ^ b for a, b in zip(wrapped, stream, strict=True))


def _write(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    try:
        path.chmod(0o600)
    except OSError:  # pragma: no cover
        pass


def path_for(data_dir: Path) -> Path:
    """Where the keyring of a data folder lives."""
    return data_dir / FILE_NAME


def exists(data_dir: Path) -> bool:
    """True when the desk's store is password-protected."""
    return path_for(data_dir).exists()


def check_password_rule(password: str) -> None:
    """Refuse passwords too short to be worth deriving a key from."""
    if len(password) < MIN_PASSWORD:
        raise KeyringError("weak", f"密码至少{MIN_PASSWORD}位（可用6位数字PIN，建议更长）")


def create(data_dir: Path, password: str, *, key: bytes | None = None) -> bytes:
    """Create the keyring with a new (or the given) data key; returns the data key."""
    check_password_rule(password)
    key = key or secrets.token_bytes(32)
    salt = secrets.token_bytes(16)
    wrapped, tag = _wrap(_derive(password, salt, KDF), key)
    _write(path_for(data_dir), {"version": 2, "kdf": KDF, "salt": _b64(salt),
                                "wrapped_key": _b64(wrapped), "tag": _b64(tag),
                                "failures": 0, "locked_until": None})
    return key


def unlock(data_dir: Path, password: str, *, now: datetime | None = None) -> bytes:
    """The data key, or :class:`KeyringError` (wrong password / locked out)."""
    now = now or datetime.now(UTC)
    path = path_for(data_dir)
    data = json.loads(path.read_text(encoding="utf-8"))
    until = data.get("locked_until")
    if until and datetime.fromisoformat(until) > now:
        wait = max(1, int((datetime.fromisoformat(until) - now).total_seconds() // 60) + 1)
        raise KeyringError("locked_out", f"密码错误次数过多，请{wait}分钟后再试")
    kek = _derive(password, _unb64(data["salt"]), data["kdf"])
    key = _unwrap(kek, _unb64(data["wrapped_key"]), _unb64(data["tag"]))
    if key is None:
        failures = int(data.get("failures", 0)) + 1
        data["failures"] = failures
        left = FREE_TRIES - failures
        if left <= 0:
            lock = BASE_LOCK * (2 ** min(-left, 10))
            data["locked_until"] = (now + lock).isoformat()
            _write(path, data)
            raise KeyringError("locked_out", f"密码错误次数过多，已锁定"
                                             f"{int(lock.total_seconds() // 60)}分钟")
        _write(path, data)
        raise KeyringError("wrong_password", f"密码不正确，还可再试{left}次")
    if data.get("failures") or data.get("locked_until"):
        data["failures"], data["locked_until"] = 0, None
        _write(path, data)
    return key


def change_password(data_dir: Path, old: str, new: str) -> None:
    """Re-wrap the same data key under a new password."""
    key = unlock(data_dir, old)
    create(data_dir, new, key=key)


def password_from_env() -> str | None:
    """The password for scripted use: ``DOORSTEP_PASSWORD`` or the first line of the file
    named by ``DOORSTEP_PASSWORD_FILE`` (risk: anyone who can read the environment or the
    file can open the desk's data — keep such files on the same encrypted volume, mode 600).
    """
    if os.environ.get("DOORSTEP_PASSWORD"):
        return os.environ["DOORSTEP_PASSWORD"]
    name = os.environ.get("DOORSTEP_PASSWORD_FILE")
    if name:
        try:
            return Path(name).read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError):
            raise KeyringError("no_password", f"无法读取密码文件 {name}") from None
    return None
