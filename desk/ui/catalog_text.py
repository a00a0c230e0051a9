"""The catalog's words in the UI's language (issue 14, item 14).

An item may carry ``translations: {en: {name, department, fields, materials}}``; in the
English UI the desk shows those words and falls back to the catalog's Chinese for any it
leaves out (and for every item without a translation). The Chinese UI always shows the
catalog as it is. The language is Qt's default locale, set with the UI translation
(:func:`desk.ui.style.install_language`).
"""

from __future__ import annotations

from PySide6.QtCore import QLocale

from forms.model import Item, Translation


def _words(item: Item) -> Translation | None:
    name = QLocale().name()
    if not name or name.startswith("zh") or name == "C":
        return None
    return item.translated(name)


def item_name(item: Item) -> str:
    """The item's name in the UI's language (Chinese when not translated)."""
    words = _words(item)
    return words.name if words is not None and words.name else item.name


def department(item: Item) -> str:
    """The item's department in the UI's language (Chinese when not translated)."""
    words = _words(item)
    return words.department if words is not None and words.department else item.department


def field_label(item: Item, key: str, label: str) -> str:
    """A field's label in the UI's language (``label``, the Chinese, when not translated)."""
    words = _words(item)
    return words.fields.get(key, label) if words is not None else label


def material_name(item: Item, name: str) -> str:
    """A material's name in the UI's language (``name`` when not translated)."""
    words = _words(item)
    return words.materials.get(name, name) if words is not None else name


def label_for(item: Item, label: str) -> str:
    """The UI-language label for a Chinese field ``label`` as the engine names it."""
    words = _words(item)
    if words is None:
        return label
    for f in item.fields:
        if f.label == label and f.key in words.fields:
            return words.fields[f.key]
    return label


def eligibility(item: Item) -> list[str]:
    """The item's eligibility lines in the UI's language (the Chinese when not translated)."""
    words = _words(item)
    return _lines(item.eligibility, words.eligibility if words is not None else None)


def notice_lines(item: Item, part: str) -> list[str]:
    """A list of the one-time notice (``conditions``, ``steps``, ``tips``) in the UI's
    language: the translation when it has every line, else the catalog's Chinese."""
    zh: list[str] = getattr(item.notice, part)
    words = _words(item)
    body = words.notice if words is not None else None
    return _lines(zh, getattr(body, part) if body is not None else None)


def notice_text(item: Item, part: str) -> str:
    """A text of the one-time notice (``time_limit``, ``where``, ``result``) in the UI's
    language (the catalog's Chinese when not translated)."""
    zh: str = getattr(item.notice, part)
    words = _words(item)
    body = words.notice if words is not None else None
    shown = getattr(body, part) if body is not None else None
    return shown if zh and shown else zh


def _lines(zh: list[str], shown: list[str] | None) -> list[str]:
    # line for line with the Chinese (the model refuses any other translation)
    return list(shown) if shown and len(shown) == len(zh) else list(zh)
