"""Console sign-in: Argon2id passwords, server-side sessions, CSRF tokens, roles.

- Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile).
- A session is a random token in a ``Secure; HttpOnly; SameSite=Strict; Path=/console``
  cookie; the database holds only its SHA-256. A new token is issued at every sign-in
  (and any session the browser still had is ended), so a planted cookie is worthless.
- Sessions end after 30 minutes without a request (and after 12 hours in any case).
- Every form carries the session's CSRF token; a POST without the right one is refused
  (403). The sign-in form, before a session exists, uses a double-submit cookie.
- Roles: ``admin`` (everything), ``reviewer`` (decides cases, handles callbacks, may reveal
  personal data with a reason), ``viewer`` (reads and exports masked lists), ``department``
  (issue 15: only its own department's work orders — signs for and answers them; every
  other page is 403).

``DOORSTEP_CONSOLE_INSECURE_COOKIES=1`` drops the ``Secure`` flag for a console served
over plain HTTP on a trusted LAN (browsers keep Secure cookies only over HTTPS, or on
localhost).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request
from starlette.responses import Response

from forms.passwords import password_weakness
from sync.district.config import process_settings
from sync.district.console.store import ROLES, ConsoleStore

COOKIE = "dd_console"
LOGIN_COOKIE = "dd_login"
COOKIE_PATH = "/console"
IDLE_TIMEOUT = 30 * 60
MAX_AGE = 12 * 3600
TOUCH_EVERY = 20  # seconds: the idle clock is written at most this often per session

_DISTRICT = frozenset(ROLES) - {"department"}
PERMS: dict[str, frozenset[str]] = {
    "signed_in": frozenset(ROLES),
    "view": _DISTRICT,
    "export": _DISTRICT,
    "matters": frozenset(ROLES),  # a department user: scoped to its department
    "matters_export": frozenset(ROLES),
    "act": frozenset({"admin", "reviewer"}),
    "reveal": frozenset({"admin", "reviewer"}),
    "admin": frozenset({"admin"}),
}

_hasher = PasswordHasher()  # argon2id
# Verifying against this when the user does not exist keeps sign-in timing uniform.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``."""
    return _hasher.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored`` (constant work when there is no user)."""
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


CONSOLE_MIN_PASSWORD = 10  # the desk's rule (forms.passwords), with more length


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None: the desk's rule
    (:func:`forms.passwords.password_weakness`) with at least 10 characters."""
    weakness = password_weakness(password, CONSOLE_MIN_PASSWORD)
    if weakness == "short":
        return f"密码：至少 {CONSOLE_MIN_PASSWORD} 个字符，且不能全是数字"
    if weakness == "digits":
        return "密码：不能全是数字，请加入字母或符号"
    if weakness == "simple":
        return "密码：过于简单，至少要有 4 个不同的字符"
    return None



def token_hash(token: str) -> str:
    """What the database stores for a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def secure_cookies() -> bool:
    """False only when explicitly allowed for plain HTTP
    (``DOORSTEP_CONSOLE_INSECURE_COOKIES``, process-wide)."""
    return not process_settings().console_insecure_cookies


def set_cookie(resp: Response, name: str, value: str, max_age: int | None = None) -> None:
    """A console cookie: Secure, HttpOnly, SameSite=Strict, scoped to /console."""
    resp.set_cookie(name, value, max_age=max_age, path=COOKIE_PATH, secure=secure_cookies(),
                    httponly=True, samesite="strict")


def clear_cookie(resp: Response, name: str) -> None:
    """Remove a console cookie."""
    resp.delete_cookie(name, path=COOKIE_PATH, secure=secure_cookies(), httponly=True,
                       samesite="strict")


@dataclass(frozen=True)
class User:
    """The signed-in user of this request."""

    username: str
    role: str
    csrf: str
    token_hash: str
    department: str = ""  # a department user's department (issue 15)

    def can(self, perm: str) -> bool:
        """Whether the user's role allows ``perm`` (view/export/act/reveal/admin)."""
        return self.role in PERMS[perm]


class SignInRequired(Exception):
    """No valid session: the handler redirects to the sign-in page."""

    def __init__(self, next_url: str, expired: bool = False) -> None:
        super().__init__(next_url)
        self.next_url, self.expired = next_url, expired


class Forbidden(Exception):
    """Signed in, but not allowed (role or CSRF): the handler answers 403."""

    def __init__(self, message: str, user: User | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.user = user  # who was refused: the 403 page shows their menu


def console(request: Request) -> ConsoleStore:
    """The console store of this app."""
    cs: ConsoleStore = request.app.state.console
    return cs


def _session_user(request: Request) -> User:
    cs = console(request)
    token = request.cookies.get(COOKIE)
    nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not token:
        raise SignInRequired(nxt)
    th = token_hash(token)
    row = cs.users.session(th)
    if row is None:
        raise SignInRequired(nxt)
    now = time.time()
    if (row["disabled_at"] or now - row["last_seen"] > IDLE_TIMEOUT
            or now - row["created_at"] > MAX_AGE):
        cs.users.end_session(th)
        raise SignInRequired(nxt, expired=True)
    if now - row["last_seen"] > TOUCH_EVERY:
        cs.users.touch_session(th)
    return User(row["username"], row["role"], row["csrf"], th, row.get("department") or "")


def optional_user(request: Request) -> User | None:
    """The signed-in user, or None (pages anyone may see: the console's 404 page)."""
    try:
        return _session_user(request)
    except SignInRequired:
        return None


ROLE_NAMES = {"admin": "管理员", "reviewer": "审核员", "viewer": "只读", "department": "部门"}


def requires(perm: str) -> Callable[[Request], Coroutine[Any, Any, User]]:
    """Dependency: a signed-in user with ``perm``; for POST also a valid CSRF token."""

    async def dep(request: Request) -> User:
        user = _session_user(request)
        form = None
        try:
            if request.method not in ("GET", "HEAD"):
                form = await request.form()
                sent = str(form.get("csrf") or request.headers.get("x-csrf-token") or "")
                if not sent or not hmac.compare_digest(sent, user.csrf):
                    raise Forbidden("请求已过期或来源不明（CSRF 校验失败），请刷新页面后重试",
                                    user)
            if not user.can(perm):
                raise Forbidden(f"您的角色（{ROLE_NAMES.get(user.role, user.role)}）无权进行此"
                                "操作，如需要请联系区级管理员。", user)
        except Forbidden:
            if form is not None:  # a refused upload's spooled files go now, not at collection
                await form.close()
            raise
        request.state.user = user
        return user

    return dep


SignedIn = Depends(requires("signed_in"))
Viewer = Depends(requires("view"))
Exporter = Depends(requires("export"))
Actor = Depends(requires("act"))
Revealer = Depends(requires("reveal"))
Admin = Depends(requires("admin"))
