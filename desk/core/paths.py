"""The one owner of every location the desk uses.

Order of precedence for the data folder: the ``--data-dir`` argument, then the
``DOORSTEP_DATA_DIR`` environment variable, then the platform's user data folder
(platformdirs). Nothing else in the code base builds a path into the user's folders.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "doorstep-desk"


class Paths:
    """Every file and folder of one desk installation (a value: equal when the folder
    is; a plain class, not a dataclass — the lock screen paints before ``dataclasses``
    would be imported)."""

    __slots__ = ("data_dir",)
    data_dir: Path

    def __init__(self, data_dir: Path) -> None:
        object.__setattr__(self, "data_dir", data_dir)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Paths is read-only: {name}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Paths) and other.data_dir == self.data_dir

    def __hash__(self) -> int:
        return hash(self.data_dir)

    def __repr__(self) -> str:
        return f"Paths(data_dir={self.data_dir!r})"

    @property
    def db(self) -> Path:
        """The case store (SQLite)."""
        return self.data_dir / "desk.sqlite3"

    @property
    def settings(self) -> Path:
        """Settings as JSON."""
        return self.data_dir / "settings.json"

    @property
    def backups(self) -> Path:
        """Automatic local backups."""
        return self.data_dir / "backups"

    @property
    def receipts(self) -> Path:
        """Rendered receipts and notices (PDF)."""
        return self.data_dir / "receipts"

    @property
    def exports(self) -> Path:
        """Files the worker exports."""
        return self.data_dir / "exports"

    @property
    def logs(self) -> Path:
        """Log files (never containing personal data)."""
        return self.data_dir / "logs"

    @property
    def tmp(self) -> Path:
        """Temporary files, kept inside the data folder so they share its protection."""
        return self.data_dir / "tmp"

    def ensure(self) -> Paths:
        """Create the folders (private to the user) and return self."""
        for d in (self.data_dir, self.backups, self.receipts, self.exports, self.logs, self.tmp):
            d.mkdir(parents=True, exist_ok=True)
            try:
                d.chmod(0o700)
            except OSError:  # pragma: no cover - e.g. FAT volumes
                pass
        return self


def resolve(data_dir: str | os.PathLike[str] | None = None) -> Paths:
    """The paths for ``data_dir``, or the environment's, or the platform default."""
    chosen = data_dir or os.environ.get("DOORSTEP_DATA_DIR")
    if chosen:
        return Paths(Path(chosen).expanduser().resolve())
    import platformdirs  # (only for the default folder: ~8 ms of the window's start)

    return Paths(Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)))
