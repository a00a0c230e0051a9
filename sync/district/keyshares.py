"""Key shares for desk PIN unlock: the district's half of a desk's quick-unlock key.

A desk protects its data key with the worker's full password (works offline) and, when
the worker sets one, with a 6-digit PIN. A PIN alone is far too small to stand against
an offline guesser holding the stolen laptop, so the PIN wrap also needs a random 256-bit
*key share* that only the district holds (``desk_keys``). The desk asks for it at unlock
with its unlock token and a PIN proof; the district:

- answers only while the desk is not revoked (revoking deletes the share outright);
- compares hashes in constant time and counts wrong proofs: after
  :data:`sync.protocol.PIN_TRIES` the share is locked, so even a thief who is online
  before the loss is reported gets five guesses in a million;
- replaces the share whenever the desk sets a new PIN (a signed request, so only a desk
  that is unlocked — with its password — can do it), which also clears a lock.

Only SHA-256 hashes of the token and the proof are stored; the proof itself is derived on
the desk with Argon2id and a salt the district never sees.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import delete as sa_delete
from sqlalchemy import select, update

from sync import protocol as P
from sync.district.errors import DistrictError
from sync.district.storage import Storage, desk_keys, desks


class PinRefused(DistrictError):
    """A PIN unlock the district will not serve (see ``code``)."""

    status = 401
    code = P.ERR_AUTH


_LOCKED = "PIN 错误次数过多，已停用；请用完整密码解锁后重新设置 PIN"


def _refuse(status: int, code: str, message: str, **extra: object) -> PinRefused:
    err = PinRefused(message, **extra)
    err.status, err.code = status, code
    return err


def _sha(hex_value: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_value)).hexdigest()


def set_pin(st: Storage, desk_id: str, req: P.PinSetupRequest) -> P.PinSetupResponse:
    """Register (or replace) a desk's PIN; a fresh share, failures cleared."""
    share = secrets.token_bytes(32).hex()
    now = P.utc_now()
    row = {"desk_id": desk_id, "key_share": share, "token_hash": req.token_hash,
           "proof_hash": req.proof_hash, "failures": 0, "locked_at": None, "set_at": now,
           "last_unlock_at": None}
    with st.write() as conn:
        conn.execute(sa_delete(desk_keys).where(desk_keys.c.desk_id == desk_id))
        conn.execute(desk_keys.insert().values(**row))
    return P.PinSetupResponse(key_share=share, tries=P.PIN_TRIES)


def remove_pin(st: Storage, desk_id: str) -> bool:
    """Forget a desk's PIN share; True when there was one."""
    with st.write() as conn:
        return bool(conn.execute(sa_delete(desk_keys).where(
            desk_keys.c.desk_id == desk_id)).rowcount)


def unlock(st: Storage, req: P.UnlockRequest) -> P.UnlockResponse:
    """The key share for a right PIN proof, else a :class:`PinRefused`.

    A wrong proof is counted in the same transaction that reads the row (committed before
    the refusal is raised), so concurrent guesses cannot share one count."""
    refusal: PinRefused | None = None
    with st.write() as conn:
        desk = conn.execute(select(desks.c.revoked_at).where(
            desks.c.desk_id == req.desk_id)).first()
        row = conn.execute(select(desk_keys).where(
            desk_keys.c.desk_id == req.desk_id).with_for_update()).mappings().first()
        token_ok = row is not None and hmac.compare_digest(row["token_hash"], _sha(req.token))
        if desk is not None and desk.revoked_at:
            refusal = _refuse(403, P.ERR_REVOKED, "该办事点已被区级停用，PIN 不能再解锁；"
                                                  "请联系区级管理员")
        elif desk is None or row is None or not token_ok:
            refusal = _refuse(401, P.ERR_NO_PIN, "区级系统没有本办事台的 PIN 记录，"
                                                 "请用完整密码解锁后重新设置 PIN")
        elif row["locked_at"]:
            refusal = _refuse(423, P.ERR_PIN_LOCKED, _LOCKED)
        elif not hmac.compare_digest(row["proof_hash"], _sha(req.proof)):
            failures = int(row["failures"]) + 1
            locked = failures >= P.PIN_TRIES
            conn.execute(update(desk_keys).where(desk_keys.c.desk_id == req.desk_id).values(
                failures=failures, locked_at=P.utc_now() if locked else None))
            left = P.PIN_TRIES - failures
            refusal = _refuse(423, P.ERR_PIN_LOCKED, _LOCKED) if locked else _refuse(
                401, P.ERR_WRONG_PIN, f"PIN 不正确，还可再试{left}次", tries_left=left)
        else:
            conn.execute(update(desk_keys).where(desk_keys.c.desk_id == req.desk_id).values(
                failures=0, last_unlock_at=P.utc_now()))
            share = str(row["key_share"])
    if refusal is not None:
        raise refusal
    return P.UnlockResponse(key_share=share)


def pin_state(st: Storage, desk_id: str) -> dict[str, object] | None:
    """What the console and the command line show about a desk's PIN (no secrets)."""
    with st.read() as conn:
        row = conn.execute(select(desk_keys.c.failures, desk_keys.c.locked_at,
                                  desk_keys.c.set_at, desk_keys.c.last_unlock_at).where(
            desk_keys.c.desk_id == desk_id)).mappings().first()
    return dict(row) if row else None
