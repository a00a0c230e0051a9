"""Console sign-in accounts and sessions: the part of
:class:`~sync.district.console.store.ConsoleStore` reached as ``console.users``.

``console_users`` holds each account's Argon2id hash (hashing and checking it is the
console's :mod:`~sync.district.console.auth`), role and lockout counters: after
``MAX_FAILED_LOGINS`` failed sign-ins in a row the account is locked for ``LOCKOUT``.
``console_sessions`` holds signed-in browsers by the SHA-256 of the cookie token; disabling
a user, or changing their password or role, ends their sessions.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete as sa_delete
from sqlalchemy import or_, select, update

from sync.district.console.schema import _iso, now_iso, sessions, users
from sync.district.database import Database
from sync.district.errors import NotFound, Refused

ROLES = ("admin", "reviewer", "viewer", "department")  # department: issue 15
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


USERNAME_RULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,31}")


def username_problem(username: str) -> str | None:
    """Why a new username is not acceptable, or None."""
    if not USERNAME_RULE.fullmatch(username):
        return ("用户名：2–32 位，只能用英文字母、数字和 . _ -，以字母或数字开头"
                "（不能有空格或中文）")
    return None


def profile(real_name: str, unit: str) -> tuple[str, str]:
    """A user's real name and 科室, checked: :class:`Refused` naming the field."""
    real_name, unit = " ".join(real_name.split()), " ".join(unit.split())
    if len(real_name) > 40:
        raise Refused("姓名：不超过 40 个字")
    if len(unit) > 60:
        raise Refused("科室：不超过 60 个字")
    return real_name, unit


class Users:
    """Sign-in accounts, lockout and sessions (``console.users``). Holds the database it
    reads and writes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- users -----------------------------------------------------------------------------

    def add(self, username: str, password_hash: str, role: str, *,
            audit: Any = None, real_name: str = "", unit: str = "",
            department: str = "") -> None:
        """Create a user; :class:`Refused` when the name is taken or not allowed
        (:func:`username_problem`), or the role unknown. ``audit(conn, result)`` runs in
        the same transaction (the audit entry). A ``department`` user needs its
        ``department`` (a department name of the matter configuration, checked by the
        caller); other roles have none."""
        username = username.strip()
        if role not in ROLES:
            raise Refused(f"角色必须是 {'/'.join(ROLES)} 之一")
        department = department.strip() if role == "department" else ""
        if role == "department" and not department:
            raise Refused("所属部门：部门用户必须选择所属部门（只能看到和处理该部门的工单）")
        problem = username_problem(username)
        if problem:
            raise Refused(problem)
        real_name, unit = profile(real_name, unit)
        with self.db.write() as conn:
            done = conn.execute(self.db.dialect_insert(users).values(
                username=username, password_hash=password_hash, role=role,
                created_at=now_iso(), failed_logins=0, real_name=real_name,
                unit=unit, department=department).on_conflict_do_nothing()
                .returning(users.c.username)).first()
            if done is None:
                raise Refused(f"用户 {username} 已存在")
            if audit is not None:
                audit(conn, {"username": username, "role": role})

    def get(self, username: str) -> dict[str, Any] | None:
        """A user row, or None."""
        with self.db.read() as conn:
            row = conn.execute(select(users).where(users.c.username == username)
                               ).mappings().first()
        return dict(row) if row else None

    def all(self) -> list[dict[str, Any]]:
        """Every user, without password hashes."""
        cols = [c for c in users.c if c.name != "password_hash"]
        with self.db.read() as conn:
            return [dict(r) for r in conn.execute(select(*cols).order_by(users.c.username))
                    .mappings()]

    def update(self, username: str, **values: Any) -> None:
        """Update a user's columns (role, disabled_at, password_hash, ...)."""
        with self.db.write() as conn:
            done = conn.execute(update(users).where(users.c.username == username)
                                .values(**values))
            if done.rowcount != 1:
                raise NotFound(f"没有用户 {username}")
            if "disabled_at" in values or "password_hash" in values or "role" in values:
                conn.execute(sa_delete(sessions).where(sessions.c.username == username))

    def begin_login(self, username: str) -> dict[str, Any] | None:
        """Take one of the account's sign-in attempts, atomically: one conditional UPDATE
        counts the attempt only while the account is not locked and fewer than
        ``MAX_FAILED_LOGINS`` attempts are counted, and answers the password hash to check.

        None when no attempt is left (locked, or the attempts are all taken by sign-ins
        still being checked) or there is no such user. However many sign-ins arrive at once,
        at most ``MAX_FAILED_LOGINS`` passwords are checked in a row without a success (the
        count and the lock are decided in the same statement, under the row's write lock on
        PostgreSQL and the database's on SQLite). End it with :meth:`end_login`."""
        now = now_iso()
        with self.db.write() as conn:
            row = conn.execute(update(users).where(
                users.c.username == username,
                users.c.failed_logins < MAX_FAILED_LOGINS,
                or_(users.c.locked_until.is_(None), users.c.locked_until <= now),
            ).values(failed_logins=users.c.failed_logins + 1, locked_until=None)
                .returning(users.c.password_hash, users.c.disabled_at)).mappings().first()
        return dict(row) if row else None

    def end_login(self, username: str, ok: bool) -> None:
        """After :meth:`begin_login`: a success clears the count; a failure leaves its
        attempt counted and, once ``MAX_FAILED_LOGINS`` are, locks the account for
        ``LOCKOUT`` (the count starts again when the lock ends)."""
        with self.db.write() as conn:
            if ok:
                conn.execute(update(users).where(users.c.username == username).values(
                    failed_logins=0, locked_until=None, last_login_at=now_iso()))
                return
            conn.execute(update(users).where(
                users.c.username == username,
                users.c.failed_logins >= MAX_FAILED_LOGINS,
                users.c.locked_until.is_(None),
            ).values(locked_until=_iso(datetime.now(UTC) + LOCKOUT), failed_logins=0))

    def login_locked(self, username: str) -> bool:
        """Whether the account exists and has no sign-in attempt left now."""
        with self.db.read() as conn:
            row = conn.execute(select(users.c.failed_logins, users.c.locked_until).where(
                users.c.username == username)).first()
        if row is None:
            return False
        return bool(row.failed_logins >= MAX_FAILED_LOGINS
                    or (row.locked_until and row.locked_until > now_iso()))

    # -- sessions --------------------------------------------------------------------------

    def create_session(self, username: str, token_hash: str, csrf: str,
                       replaces: str | None = None) -> None:
        """A new session (and the one it replaces removed: rotation at sign-in)."""
        now = time.time()
        with self.db.write() as conn:
            if replaces:
                conn.execute(sa_delete(sessions).where(sessions.c.token_hash == replaces))
            conn.execute(sessions.insert().values(token_hash=token_hash, username=username,
                                                  csrf=csrf, created_at=now, last_seen=now))

    def session(self, token_hash: str) -> dict[str, Any] | None:
        """A session joined with its (enabled) user, or None."""
        q = select(sessions, users.c.role, users.c.disabled_at, users.c.department).join(
            users, users.c.username == sessions.c.username).where(
            sessions.c.token_hash == token_hash)
        with self.db.read() as conn:
            row = conn.execute(q).mappings().first()
        return dict(row) if row else None

    def touch_session(self, token_hash: str) -> None:
        """Restart the idle clock."""
        with self.db.write() as conn:
            conn.execute(update(sessions).where(sessions.c.token_hash == token_hash)
                         .values(last_seen=time.time()))

    def end_session(self, token_hash: str) -> None:
        """Sign out (or expire) one session."""
        with self.db.write() as conn:
            conn.execute(sa_delete(sessions).where(sessions.c.token_hash == token_hash))

    def purge_sessions(self, idle_seconds: float, max_age: float) -> int:
        """Remove expired sessions."""
        now = time.time()
        with self.db.write() as conn:
            return int(conn.execute(sa_delete(sessions).where(or_(
                sessions.c.last_seen < now - idle_seconds,
                sessions.c.created_at < now - max_age))).rowcount)

    # -- bench / tests ---------------------------------------------------------------------

    def expire_session_for_test(self, token_hash: str, seconds_ago: float) -> None:
        """Move a session's idle clock back (tests of the idle timeout, without sleeping)."""
        with self.db.write() as conn:
            conn.execute(update(sessions).where(sessions.c.token_hash == token_hash)
                         .values(last_seen=time.time() - seconds_ago))
