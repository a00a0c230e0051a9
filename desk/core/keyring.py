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
the failure counter. Its KDF parameters are checked against :data:`KDF_BOUNDS` before use
(an edited file is refused with a clear message rather than allowed to take all memory).
Every read-modify-write happens under the file lock ``keyring.json.lock`` (filelock) and
writes through a unique temporary file, fsynced, renamed, with the folder fsynced: so
parallel unlock attempts are each counted and none trips over another's temporary file.

Two ways in:

- the **full password** (at least 8 characters, not only digits) unlocks anywhere,
  offline included — it is the one that must stand up to an offline guesser;
- an optional **6-digit PIN** for quick unlock on an enrolled desk. Its wrap key is
  derived from the PIN (Argon2id) *and* a random 256-bit key share that only the district
  holds (:mod:`sync.district.keyshares`) and that is never written on the desk, so the
  ``pin`` section of the file is useless without the district's answer: a thief cannot try
  PINs offline, the district stops answering after five wrong ones, and revoking the desk
  deletes the share. PIN unlock therefore needs the network; offline, the worker types the
  password. The unlock token in the ``pin`` section only lets the desk ask; the PIN proof
  it sends is itself derived with Argon2id under a salt the district never sees.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from filelock import FileLock, Timeout

from desk.core.errors import DeskError
from forms.atomic import write_atomic
from forms.passwords import MIN_PASSWORD, password_weakness

FILE_NAME = "keyring.json"
PIN_LENGTH = 6
FREE_TRIES = 5
BASE_LOCK = timedelta(minutes=1)
KDF = {"name": "argon2id", "time_cost": 3, "memory_cost": 65536, "parallelism": 2}
# What a keyring file may ask for: an edited file must not make unlocking take all memory
# or hours (memory in KiB: 8 MiB .. 256 MiB).
KDF_BOUNDS = {"time_cost": (1, 10), "memory_cost": (8192, 262144), "parallelism": (1, 8)}
SALT_BYTES = (16, 64)
LOCK_WAIT = 30.0  # seconds another process may hold the keyring file for a read-modify-write


class KeyringError(DeskError):
    """Unlocking failed: ``wrong_password``, ``locked_out``, ``no_password``, ``weak``;
    PIN unlock: ``offline``, ``wrong_pin``, ``pin_locked``, ``revoked``, ``no_pin``."""


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
    """Replace ``path`` atomically and durably, readable by its owner only
    (:func:`forms.atomic.write_atomic`). Called with the keyring lock held."""
    try:
        write_atomic(path, json.dumps(data, indent=2), mode=0o600)
    except OSError as exc:
        raise KeyringError("write", f"无法写入密钥文件 {path.name}（{exc.strerror or exc}），"
                                    "密码状态未改变；请检查磁盘空间后重试") from None


@contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    """Hold the keyring's file lock (filelock: flock on Linux, LockFileEx on Windows) for
    one read-modify-write, so concurrent unlock attempts count every failure."""
    lock = FileLock(str(path_for(data_dir)) + ".lock", timeout=LOCK_WAIT)
    try:
        lock.acquire()
    except Timeout:
        raise KeyringError("busy", "另一个程序正在使用密钥文件，请稍后再试") from None
    except OSError as exc:  # e.g. a read-only data folder
        raise KeyringError("damaged", f"无法锁定密钥文件 {FILE_NAME}（{exc.strerror or exc}）"
                                      "；请检查数据文件夹可以写入") from None
    try:
        yield
    finally:
        lock.release()


def path_for(data_dir: Path) -> Path:
    """Where the keyring of a data folder lives."""
    return data_dir / FILE_NAME


def exists(data_dir: Path) -> bool:
    """True when the desk's store is password-protected."""
    return path_for(data_dir).exists()


def check_password_rule(password: str) -> None:
    """Refuse passwords an offline guesser would find: fewer than 8 characters, or only
    digits (a short number belongs in the PIN, which the district guards)."""
    weakness = password_weakness(password, MIN_PASSWORD)  # the rule the console shares
    if weakness == "short":
        raise KeyringError("weak", f"密码至少{MIN_PASSWORD}位，且不能全是数字"
                                   "（6位数字请设为 PIN）")
    if weakness == "digits":
        raise KeyringError("weak", "密码不能全是数字（6位数字请设为 PIN，PIN 需联网解锁）")


def check_pin_rule(pin: str) -> None:
    """A PIN is exactly 6 digits and not a trivial one (all the same, a straight run)."""
    if len(pin) != PIN_LENGTH or not pin.isascii() or not pin.isdigit():
        raise KeyringError("weak", f"PIN 应为{PIN_LENGTH}位数字")
    steps = {int(b) - int(a) for a, b in itertools.pairwise(pin)}
    if steps in ({0}, {1}, {-1}):
        raise KeyringError("weak", "PIN 过于简单（如 000000、123456），请换一个")


def looks_like_pin(secret: str) -> bool:
    """True for something typed in the PIN's shape (6 digits)."""
    return len(secret) == PIN_LENGTH and secret.isascii() and secret.isdigit()


def _damaged(why: str) -> KeyringError:
    return KeyringError("damaged", f"密钥文件 {FILE_NAME} 不可用：{why}。已拒绝解锁，"
                                   "请联系技术支持（不要删除该文件）")


def _check_kdf(kdf: Any, salt: Any, where: str) -> None:
    """Refuse KDF parameters outside :data:`KDF_BOUNDS` (an edited file could otherwise make
    unlocking take all memory or hours) and salts of the wrong length."""
    if not isinstance(kdf, dict) or kdf.get("name") != "argon2id":
        raise _damaged(f"{where}kdf.name 应为 argon2id")
    for name, (low, high) in KDF_BOUNDS.items():
        value = kdf.get(name)
        if type(value) is not int or not low <= value <= high:
            raise _damaged(f"{where}kdf.{name} 应为 {low}–{high} 之间的整数（文件中为 {value!r}）")
    if kdf["memory_cost"] < 8 * kdf["parallelism"]:
        raise _damaged(f"{where}kdf.memory_cost 至少应为 parallelism 的8倍")
    raw = _b64_field(salt, f"{where}salt")
    if not SALT_BYTES[0] <= len(raw) <= SALT_BYTES[1]:
        raise _damaged(f"{where}salt 应为 {SALT_BYTES[0]}–{SALT_BYTES[1]} 字节"
                       f"（文件中为 {len(raw)} 字节）")


def _b64_field(value: Any, name: str, size: int | None = None) -> bytes:
    try:
        raw = base64.b64decode(str(value).encode(), validate=True)
    except (ValueError, TypeError):
        raise _damaged(f"{name} 不是有效的 base64") from None
    if size is not None and len(raw) != size:
        raise _damaged(f"{name} 应为 {size} 字节")
    return raw


def _validate(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _damaged("内容不是 JSON 对象")
    _check_kdf(data.get("kdf"), data.get("salt"), "")
    _b64_field(data.get("wrapped_key"), "wrapped_key", 32)
    _b64_field(data.get("tag"), "tag", 32)
    failures = data.get("failures", 0)
    if type(failures) is not int or failures < 0:
        raise _damaged("failures 应为非负整数")
    until = data.get("locked_until")
    if until is not None:
        try:
            parsed = datetime.fromisoformat(str(until))
        except ValueError:
            raise _damaged("locked_until 不是有效的时间") from None
        if parsed.tzinfo is None:
            raise _damaged("locked_until 缺少时区")
    pin = data.get("pin")
    if pin is not None:
        if not isinstance(pin, dict):
            raise _damaged("pin 应为 JSON 对象")
        _check_kdf(pin.get("kdf"), pin.get("salt"), "pin.")
        _b64_field(pin.get("wrapped_key"), "pin.wrapped_key", 32)
        _b64_field(pin.get("tag"), "pin.tag", 32)
        for name in ("token", "desk_id", "server_url"):
            if not isinstance(pin.get(name), str) or not pin[name]:
                raise _damaged(f"pin.{name} 缺失")
    return data


def _read(data_dir: Path) -> dict[str, Any]:
    """The keyring, checked (call with the keyring lock held)."""
    try:
        text = path_for(data_dir).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyringError("no_keyring", f"找不到密钥文件 {FILE_NAME}") from None
    except OSError as exc:
        raise _damaged(f"无法读取（{exc.strerror or exc}）") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise _damaged("不是有效的 JSON") from None
    return _validate(data)


def create(data_dir: Path, password: str, *, key: bytes | None = None) -> bytes:
    """Create the keyring with a new (or the given) data key; returns the data key.

    A PIN set earlier stays (it wraps the same data key); a new data key drops it."""
    check_password_rule(password)
    keep_pin = key is not None
    key = key or secrets.token_bytes(32)
    salt = secrets.token_bytes(16)
    wrapped, tag = _wrap(_derive(password, salt, KDF), key)  # slow: outside the lock
    data: dict[str, Any] = {"version": 2, "kdf": KDF, "salt": _b64(salt),
                            "wrapped_key": _b64(wrapped), "tag": _b64(tag),
                            "failures": 0, "locked_until": None}
    with _locked(data_dir):
        if keep_pin and exists(data_dir):
            try:
                pin = _read(data_dir).get("pin")
            except KeyringError:
                pin = None  # a damaged file is replaced; its PIN wrap goes with it
            if pin:
                data["pin"] = pin
        _write(path_for(data_dir), data)
    return key


def _check_lock(data: dict[str, Any], now: datetime) -> None:
    until = data.get("locked_until")
    if until and datetime.fromisoformat(until) > now:
        wait = max(1, int((datetime.fromisoformat(until) - now).total_seconds() // 60) + 1)
        raise KeyringError("locked_out", f"密码错误次数过多，请{wait}分钟后再试")


def _count(data: dict[str, Any], now: datetime) -> timedelta | None:
    """Count one attempt in ``data``; the lock it engages, if any."""
    failures = int(data.get("failures", 0)) + 1
    data["failures"] = failures
    left = FREE_TRIES - failures
    if left <= 0:
        lock: timedelta = BASE_LOCK * (2 ** min(-left, 10))
        data["locked_until"] = (now + lock).isoformat()
        return lock
    return None


def _refusal(data: dict[str, Any], lock: timedelta | None, kind: str,
             message: str) -> KeyringError:
    if lock is not None:
        return KeyringError("locked_out", f"密码错误次数过多，已锁定"
                                          f"{int(lock.total_seconds() // 60)}分钟")
    return KeyringError(kind, message.format(left=FREE_TRIES - int(data["failures"])))


def _count_failure(data_dir: Path, now: datetime, kind: str, message: str) -> KeyringError:
    """Count a wrong PIN towards the desk's own lockout (fresh read-modify-write under the
    keyring lock)."""
    with _locked(data_dir):
        data = _read(data_dir)
        lock = _count(data, now)
        _write(path_for(data_dir), data)
    return _refusal(data, lock, kind, message)


def _clear_failures(data_dir: Path) -> None:
    with _locked(data_dir):
        data = _read(data_dir)
        if data.get("failures") or data.get("locked_until"):
            data["failures"], data["locked_until"] = 0, None
            _write(path_for(data_dir), data)


def unlock(data_dir: Path, password: str, *, now: datetime | None = None) -> bytes:
    """The data key, or :class:`KeyringError` (wrong password / locked out).

    Each attempt is counted *before* the password is checked, in one read-modify-write
    under the keyring's file lock; a right password then clears the count. So however many
    attempts arrive at once, every one is counted, and once the lock engages no further
    password is checked until it expires."""
    now = now or datetime.now(UTC)
    with _locked(data_dir):
        data = _read(data_dir)
        _check_lock(data, now)
        lock = _count(data, now)
        _write(path_for(data_dir), data)
    kek = _derive(password, _unb64(data["salt"]), data["kdf"])
    key = _unwrap(kek, _unb64(data["wrapped_key"]), _unb64(data["tag"]))
    if key is None:
        raise _refusal(data, lock, "wrong_password", "密码不正确，还可再试{left}次")
    _clear_failures(data_dir)
    return key


# -- the PIN: a quick unlock that needs the district's key share -----------------------------


@dataclass
class PinRequest:
    """What the desk sends to ask for its key share (see :func:`unlock_pin`)."""

    server_url: str
    desk_id: str
    token: str  # hex
    proof: str  # hex


@dataclass
class PinSetup:
    """A PIN being set: the salt, token and proof the district registers (as hashes)."""

    pin_key: bytes
    salt: bytes
    token: bytes
    proof: bytes

    @property
    def token_hash(self) -> str:
        """sha256 of the unlock token (what the district keeps), hex."""
        return hashlib.sha256(self.token).hexdigest()

    @property
    def proof_hash(self) -> str:
        """sha256 of the PIN proof (what the district keeps), hex."""
        return hashlib.sha256(self.proof).hexdigest()


def _pin_proof(pin_key: bytes) -> bytes:
    return hmac.new(pin_key, b"doorstep-desk/pin/proof", hashlib.sha256).digest()


def _pin_kek(pin_key: bytes, share: bytes) -> bytes:
    # HKDF-extract style: the district's share is the salt, the PIN-derived key the input;
    # with either missing the result is unknown.
    return hmac.new(share, b"doorstep-desk/pin/kek\x00" + pin_key, hashlib.sha256).digest()


def begin_pin(pin: str) -> PinSetup:
    """Derive what registering ``pin`` needs (slow: one Argon2id)."""
    check_pin_rule(pin)
    salt = secrets.token_bytes(16)
    pin_key = _derive(pin, salt, KDF)
    return PinSetup(pin_key, salt, secrets.token_bytes(32), _pin_proof(pin_key))


def finish_pin(data_dir: Path, key: bytes, setup: PinSetup, share_hex: str, *,
               server_url: str, desk_id: str) -> None:
    """Store the PIN wrap of ``key`` (the share itself is not stored)."""
    wrapped, tag = _wrap(_pin_kek(setup.pin_key, bytes.fromhex(share_hex)), key)
    with _locked(data_dir):
        data = _read(data_dir)
        data["pin"] = {"kdf": KDF, "salt": _b64(setup.salt), "wrapped_key": _b64(wrapped),
                       "tag": _b64(tag), "token": setup.token.hex(), "desk_id": desk_id,
                       "server_url": server_url, "set_at": datetime.now(UTC).isoformat()}
        _write(path_for(data_dir), data)


def has_pin(data_dir: Path) -> bool:
    """True when a PIN is set on this desk (False for a damaged keyring: the password
    path then says what is wrong)."""
    if not exists(data_dir):
        return False
    try:
        with _locked(data_dir):
            return bool(_read(data_dir).get("pin"))
    except KeyringError:
        return False


def remove_pin(data_dir: Path) -> bool:
    """Drop the PIN wrap (the password still unlocks); True when there was one."""
    if not exists(data_dir):
        return False
    with _locked(data_dir):
        data = _read(data_dir)
        had = data.pop("pin", None) is not None
        if had:
            _write(path_for(data_dir), data)
    return had


# asks the district for the key share (hex); the desk's sync client provides it
# (sync.client.pin.fetch_key_share) to whoever opens the desk: the core itself never talks
# to the network
ShareFetcher = Callable[[PinRequest], str]

# what a share fetcher raises for each refusal: the kind, and whether the PIN is gone
_DROP_PIN = {"pin_locked", "revoked", "no_pin"}


def unlock_pin(data_dir: Path, pin: str, fetch: ShareFetcher, *,
               now: datetime | None = None) -> bytes:
    """The data key from ``pin`` and the district's key share, fetched by ``fetch``.

    ``fetch`` returns the share (hex) or raises :class:`KeyringError` with kind
    ``offline``, ``insecure`` (the district is not on https), ``wrong_pin`` (counted here
    too), ``pin_locked``, ``revoked`` or ``no_pin`` — the last three remove the PIN wrap,
    leaving the password.
    """
    now = now or datetime.now(UTC)
    with _locked(data_dir):
        data = _read(data_dir)
    pin_data = data.get("pin")
    if not pin_data:
        raise KeyringError("no_pin", "本办事台未设置 PIN，请输入完整密码")
    _check_lock(data, now)
    pin_key = _derive(pin, _unb64(pin_data["salt"]), pin_data["kdf"])
    req = PinRequest(str(pin_data["server_url"]), str(pin_data["desk_id"]),
                     str(pin_data["token"]), _pin_proof(pin_key).hex())
    try:
        share = fetch(req)
    except KeyringError as exc:
        if exc.kind == "wrong_pin":
            template = exc.message.replace("{", "{{").replace("}", "}}")
            raise _count_failure(data_dir, now, "wrong_pin", template) from None
        if exc.kind in _DROP_PIN:
            remove_pin(data_dir)
        raise
    key = _unwrap(_pin_kek(pin_key, bytes.fromhex(share)), _unb64(pin_data["wrapped_key"]),
                  _unb64(pin_data["tag"]))
    if key is None:  # the district holds a newer share: this PIN wrap is stale
        remove_pin(data_dir)
        raise KeyringError("no_pin", "PIN 已失效，请输入完整密码后重新设置 PIN")
    _clear_failures(data_dir)
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
