"""Opening the desk's SQLite files, plain or encrypted with SQLCipher.

The encrypted store uses the maintained ``sqlcipher3`` binding (SQLCipher 4, wheels for
Linux and Windows), keyed with a raw 256-bit data key (``x'…'``), so opening costs no
extra key derivation: the slow, password-based derivation happens once, in
:mod:`desk.core.keyring`. Errors from either driver are caught as :data:`DB_ERRORS`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

try:
    import sqlcipher3.dbapi2 as cipher
except ImportError:  # pragma: no cover - the dependency is declared; this keeps imports safe
    cipher = None

__all__ = ["DB_ERRORS", "INTEGRITY_ERRORS", "cipher", "connect", "is_encrypted_file"]

DB_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error,) + (
    (cipher.Error,) if cipher is not None else ())
INTEGRITY_ERRORS: tuple[type[BaseException], ...] = (sqlite3.IntegrityError,) + (
    (cipher.IntegrityError,) if cipher is not None else ())


def connect(path: Path | str, key: bytes | None, **kwargs: Any) -> Any:
    """A DB-API connection to ``path``; encrypted with ``key`` when given.

    With a key, the first statement applies it and a read of the schema proves it is
    the right one (a wrong key reads as "file is not a database").
    """
    if key is None:
        return sqlite3.connect(str(path), **kwargs)
    if cipher is None:  # pragma: no cover
        raise RuntimeError("sqlcipher3 is not installed")
    if len(key) != 32:
        raise ValueError("the data key must be 32 bytes")
    conn = cipher.connect(str(path), **kwargs)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return conn


def is_encrypted_file(path: Path) -> bool:
    """True when ``path`` exists and is not a plain SQLite file."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except FileNotFoundError:
        return False
    return bool(head) and head != b"SQLite format 3\x00"
