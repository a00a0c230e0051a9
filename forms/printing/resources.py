"""Where the shipped resources (fonts, icons, translations, styles) are.

``resources/`` is a top-level folder of the repository, not a Python package. This is the
one place that knows how to find it:

1. ``DOORSTEP_RESOURCES`` (environment) — set by an installer or a packager that puts the
   folder elsewhere;
2. beside the source tree (``<repo>/resources``) — running from a checkout or an editable
   install;
3. inside a PyInstaller bundle (``sys._MEIPASS/resources``);
4. ``<sys.prefix>/share/doorstep-desk/resources`` — a system (.deb) install.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
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
    """A path inside the resources folder, e.g. ``resource("fonts", "wqy-microhei.ttc")``."""
    return resources_dir().joinpath(*parts)


def clear_cache() -> None:
    """Forget the found folder (tests that change ``DOORSTEP_RESOURCES``)."""
    _find.cache_clear()
