"""PIN quick unlock, the desk's side: register a PIN with the district, and fetch the key
share when a worker types it (see :mod:`desk.core.keyring` for the construction and
:mod:`sync.district.keyshares` for the district's rules).

Setting a PIN needs an unlocked, enrolled, protected desk and the network; it is signed
like every desk request. Unlocking with a PIN needs the network too — offline, the worker
types the full password.

Both need an ``https://`` district (:func:`require_secure`): the key share travels in the
answer, and whoever records it once over plain HTTP could later try a stolen laptop's six
digits offline. Plain ``http://`` is accepted only for the loopback address (tests, a
district on the same machine); otherwise the desk says the PIN needs a secure connection
and the password still works.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from desk.core import keyring
from sync import protocol as P
from sync.client.desk import client_for
from sync.client.errors import AuthError, SyncError
from sync.client.http import DistrictClient

if TYPE_CHECKING:
    from desk.core.app import DeskContext

UNLOCK_TIMEOUT = (3.0, 10.0)  # a worker is waiting at the lock screen
INSECURE = ("PIN 需要与区级系统的安全连接（https://），当前区级系统地址是 {url}；"
            "请使用完整密码，或请技术支持把区级系统地址改为 https://")


def is_secure(url: str) -> bool:
    """True for an ``https://`` address, or plain ``http://`` to the loopback address."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == "https":
        return bool(parts.hostname)
    if scheme != "http" or not parts.hostname:
        return False
    host = parts.hostname.lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_secure(url: str) -> None:
    """Raise :class:`KeyringError` ``insecure`` unless the PIN may travel to ``url``."""
    if not is_secure(url):
        raise keyring.KeyringError("insecure", INSECURE.format(url=url or "（未设置）"))


def set_pin(ctx: DeskContext, pin: str, *, client: DistrictClient | None = None) -> dict[str, Any]:
    """Register ``pin`` for this desk: the district answers a fresh key share, the desk
    stores the PIN wrap of its data key. Raises :class:`KeyringError` for a bad PIN or an
    unprotected desk, :class:`SyncError` when the district cannot be reached or refuses."""
    paths, store = ctx.paths, ctx.store
    if not keyring.exists(paths.data_dir) or store.key is None:
        raise keyring.KeyringError("no_password", "请先为办事台设置工作人员密码（加密数据），"
                                                  "再设置 PIN")
    if not store.get_meta("desk_id"):
        raise AuthError("PIN 需要区级系统保管的密钥分片：请先注册本办事台（doorstep-desk "
                        "enroll）", code="not_enrolled")
    own = client is None
    c = client or client_for(ctx)
    try:
        require_secure(c.base_url)
        setup = keyring.begin_pin(pin)
        resp = c.set_pin(P.PinSetupRequest(token_hash=setup.token_hash,
                                           proof_hash=setup.proof_hash))
    finally:
        if own:
            c.close()
    keyring.finish_pin(paths.data_dir, store.key, setup, resp.key_share,
                       server_url=c.base_url, desk_id=str(store.get_meta("desk_id")))
    return {"pin": True, "tries": resp.tries}


def remove_pin(ctx: DeskContext, *, client: DistrictClient | None = None) -> dict[str, Any]:
    """Drop the PIN here, and ask the district to forget the share (best effort: the wrap
    is gone from the desk either way)."""
    removed = keyring.remove_pin(ctx.paths.data_dir)
    told = False
    if ctx.store.get_meta("desk_id"):
        own = client is None
        try:
            c = client or client_for(ctx)
            try:
                c.remove_pin()
                told = True
            finally:
                if own:
                    c.close()
        except SyncError:
            pass
    return {"pin": False, "removed": removed, "district_told": told}


_KINDS = {P.ERR_WRONG_PIN: "wrong_pin", P.ERR_PIN_LOCKED: "pin_locked",
          P.ERR_REVOKED: "revoked", P.ERR_NO_PIN: "no_pin"}


def fetch_key_share(req: keyring.PinRequest) -> str:
    """Ask the district for the key share (hex); refusals become :class:`KeyringError`
    kinds that :func:`desk.core.keyring.unlock_pin` understands. Nothing is sent to a
    district that is not on https (``insecure``)."""
    require_secure(req.server_url)
    c = DistrictClient(req.server_url, retries=0, timeout=UNLOCK_TIMEOUT)
    try:
        resp = c.unlock(P.UnlockRequest(desk_id=req.desk_id, token=req.token,
                                        proof=req.proof))
    except SyncError as exc:
        kind = _KINDS.get(exc.code)
        if kind is not None:
            raise keyring.KeyringError(kind, exc.message) from None
        if exc.kind == "network" or exc.code == "rate_limited":
            raise keyring.KeyringError(
                "offline", "PIN 解锁需要连接区级系统，现在连不上；请输入完整密码解锁") from None
        raise keyring.KeyringError("offline", f"区级系统暂时无法确认 PIN（{exc.message}）；"
                                              "请输入完整密码解锁") from None
    finally:
        c.close()
    return resp.key_share
