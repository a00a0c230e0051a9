"""Where the shipped resources (fonts, icons, translations, styles) are.

``resources/`` is a top-level folder of the repository, not a Python package. This is the
one place that knows how to find it:

1. ``DOORSTEP_RESOURCES`` (environment) — set by an installer or a packager that puts the
   folder elsewhere;
2. beside the source tree (``<repo>/resources``) — running from a checkout or an editable
   install;
3. inside a PyInstaller bundle (``sys._MEIPASS/resources``);
4. ``<sys.prefix>/share/doorstep-desk/resources`` — a system (.deb) install.

A file may be shipped compressed as ``NAME.xz`` instead of ``NAME`` (the installer does so
for the fonts: 31.6 MB of TrueType outlines are 8.2 MB as xz, issue 19's size budget).
:func:`resource` then returns a decompressed copy in the user's cache folder
(``$XDG_CACHE_HOME/doorstep-desk/resources/<sha256 of the .xz>/NAME``; ``%LOCALAPPDATA%``
on Windows), made once and shared by every later process; it is written to a temporary
name and renamed into place, so processes starting at the same time never read half a file.
"""

from __future__ import annotations

import os
import sys
import threading
from functools import cache, lru_cache
from pathlib import Path

ENV_VAR = "DOORSTEP_RESOURCES"


class ResourcesNotFound(RuntimeError):
    """The resources folder is missing (a broken installation)."""


def _candidates() -> list[Path]:
    out: list[Path] = []
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        out.append(Path(env))
    out.append(Path(__file__).resolve().parents[2] / "resources")
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        out.append(Path(bundle) / "resources")
    out.append(Path(sys.prefix) / "share" / "doorstep-desk" / "resources")
    return out


@lru_cache(maxsize=1)
def _find() -> Path:
    tried = _candidates()
    for path in tried:
        if path.is_dir():
            return path
    raise ResourcesNotFound(
        "找不到程序资源文件夹 resources（字体等），请重新安装；已查找："
        + "，".join(str(p) for p in tried))


def resources_dir() -> Path:
    """The resources folder; raises :class:`ResourcesNotFound` when there is none."""
    return _find()


def resource(*parts: str) -> Path:
    """A path inside the resources folder, e.g. ``resource("fonts", "wqy-microhei.ttc")``.

    When only ``NAME.xz`` is shipped, the path of its decompressed copy in the cache."""
    path = resources_dir().joinpath(*parts)
    if not path.exists():
        packed = path.with_name(path.name + ".xz")
        if packed.is_file():
            return _unpacked(packed)
    return path


def cache_root() -> Path:
    """Where decompressed resources are kept (per user; not the data folder)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA", "").strip()
    else:
        base = os.environ.get("XDG_CACHE_HOME", "").strip()
    root = Path(base) if base else Path.home() / ".cache"
    return root / "doorstep-desk" / "resources"


_unpack_lock = threading.Lock()


@cache
def _unpacked(packed: Path) -> Path:
    import hashlib  # (not at import: OpenSSL's library loaded ~3 ms before the lock screen)
    import lzma
    import tempfile

    digest = hashlib.sha256(packed.read_bytes()).hexdigest()[:32]
    target = cache_root() / digest / packed.name[: -len(".xz")]
    with _unpack_lock:
        if target.is_file():
            return target
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".unpack-", dir=target.parent)
            try:
                with os.fdopen(fd, "wb") as out, lzma.open(packed, "rb") as src:
                    while chunk := src.read(1 << 20):
                        out.write(chunk)
                os.replace(tmp, target)
            except BaseException:
                os.unlink(tmp)
                raise
        except (OSError, EOFError, lzma.LZMAError) as exc:
            raise ResourcesNotFound(
                f"无法解压程序资源 {packed.name} 到 {target.parent}（{exc}），"
                "请检查该文件夹可写且磁盘有空间，或重新安装") from exc
    return target


def clear_cache() -> None:
    """Forget the found folder (tests that change ``DOORSTEP_RESOURCES``)."""
    _find.cache_clear()
    _unpacked.cache_clear()
