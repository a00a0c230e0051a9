"""Qt Linguist ``.ts`` translation files read as XML, without Qt (moved from
desk.core.doclang: the printed documents use them, on the desk and on the district's
console)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path


def read_ts(path: Path) -> dict[str, str]:
    """The finished translations of a Qt Linguist ``.ts`` file, by source text (an
    unreadable file gives none: a printed receipt never fails for a translation)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return {}
    out: dict[str, str] = {}
    for m in root.iter("message"):
        source = m.findtext("source")
        tr = m.find("translation")
        if not source or tr is None or not tr.text:
            continue
        if tr.get("type") in ("unfinished", "obsolete", "vanished"):
            continue
        out.setdefault(source, tr.text)
    return out


def ts_language(path: Path) -> str:
    """The ``language`` a ``.ts`` file declares (``en``, ``ii_CN`` → ``ii``); "" if none."""
    try:
        for _event, el in ET.iterparse(path, events=("start",)):
            return str(el.get("language") or "").split("_")[0]
    except (OSError, ET.ParseError):
        return ""
    return ""


def district_dir(data_dir: Path | None) -> Path | None:
    """Where a desk keeps the district's translation files: ``<data dir>/translations``."""
    return None if data_dir is None else Path(data_dir) / "translations"


def district_files(district: Path | None) -> list[Path]:
    if district is None or not district.is_dir():
        return []
    return sorted(district.glob("*.ts"))
