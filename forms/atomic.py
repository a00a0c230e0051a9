"""Replacing a small file atomically — the one way the desk writes its JSON files
(settings, keyring, the catalog cache).

A temporary file of its own in the same folder (unique, so concurrent writers never rename
each other's), written, optionally fsynced, renamed over the target, then the folder
fsynced so the rename itself survives a power cut. On any failure the target is as it
was, no temporary file is left behind, and the ``OSError`` is raised for the caller to
put in its own words.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str, *, durable: bool = True,
                 mode: int | None = None) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically; ``durable`` fsyncs the file and
    its folder (off for caches), ``mode`` sets the permission bits (e.g. ``0o600``)."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        if mode is not None:
            try:
                tmp.chmod(mode)
            except OSError:  # pragma: no cover - file systems without permission bits
                pass
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:  # pragma: no cover - the folder itself went away
            pass
        raise
    if durable:
        fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; Windows cannot open a folder and makes
    renames durable on its own)."""
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows
        return
    try:
        os.fsync(dfd)
    except OSError:  # pragma: no cover - file systems without directory fsync
        pass
    finally:
        os.close(dfd)
