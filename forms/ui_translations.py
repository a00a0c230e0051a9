"""Translation files a district publishes with its catalog (issue 16).

A catalog may carry ``translations``: ``{language: the text of a Qt Linguist .ts file}``
(``ii``: Yi, ``bo``: Tibetan …). The desk keeps each as a file in its data folder; it
becomes a language for the desk's UI (``界面语言``) and for printed documents (文书第二语言),
the catalog's own item words staying in the items (``translations:`` on each). A ``.ts``
is XML text — readable, diffable and checked here; its ``<source>`` texts are the desk's
Chinese, its ``<translation>`` texts the words shown.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from forms.atomic import write_atomic

LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")
MAX_CHARS = 4 * 1024 * 1024  # one file: the desk's whole UI is some 200 KB


class TranslationsError(ValueError):
    """Translations that cannot be published; the message names the language and the rule."""


def check_ts(lang: str, text: str) -> int:
    """The number of finished translations in ``text`` (a ``.ts`` for ``lang``), or
    :class:`TranslationsError`."""
    if len(text) > MAX_CHARS:
        raise TranslationsError(f"translations.{lang}: 翻译文件超过 {MAX_CHARS // 1024 // 1024} MB")
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        raise TranslationsError(f"translations.{lang}: 不是有效的 Qt 翻译文件（.ts）：{exc}") from None
    if root.tag != "TS":
        raise TranslationsError(f"translations.{lang}: 不是 Qt 翻译文件（.ts），根元素是 {root.tag}")
    declared = str(root.get("language") or "").split("_")[0]
    if declared and declared != lang.split("_")[0]:
        raise TranslationsError(f"translations.{lang}: 文件声明的语言是 {declared}，与 {lang} 不符")
    done = 0
    for m in root.iter("message"):
        tr = m.find("translation")
        if m.findtext("source") and tr is not None and tr.text and \
                tr.get("type") not in ("unfinished", "obsolete", "vanished"):
            done += 1
    if not done:
        raise TranslationsError(f"translations.{lang}: 没有一条已完成的译文")
    return done


def parse_translations(raw: Any) -> dict[str, str]:
    """The ``translations`` of a catalog document (absent: none), checked."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise TranslationsError("translations: 应为 {语言代码: .ts 文件内容}")
    out: dict[str, str] = {}
    for lang, text in raw.items():
        if not isinstance(lang, str) or not LANGUAGE.match(lang) or lang.startswith("zh"):
            raise TranslationsError(f"translations: 语言代码 {lang!r} 不对，应如 ii、bo、ug、en")
        if not isinstance(text, str):
            raise TranslationsError(f"translations.{lang}: 应为 .ts 文件的文本")
        check_ts(lang, text)
        out[lang] = text
    return dict(sorted(out.items()))


CATALOG_PREFIX = "catalog-"  # the files the catalog brought: catalog-ii.ts


def keep_catalog_files(district: Path | None, translations: dict[str, str]) -> list[Path]:
    """Keep the translation files the current catalog carries (``{language: .ts text}``)
    in ``district`` as ``catalog-<language>.ts``: written when new or changed (atomically),
    removed when the catalog no longer has them. The files written."""
    if district is None or (not translations and not district.is_dir()):
        return []
    written: list[Path] = []
    district.mkdir(parents=True, exist_ok=True)
    for lang, text in translations.items():
        path = district / f"{CATALOG_PREFIX}{lang}.ts"
        try:
            same = path.read_text("utf-8") == text
        except (OSError, UnicodeDecodeError):
            same = False
        if not same:
            write_atomic(path, text)
            written.append(path)
    for old in district.glob(f"{CATALOG_PREFIX}*.ts"):
        if old.name[len(CATALOG_PREFIX):-3] not in translations:
            old.unlink(missing_ok=True)
    return written
