"""The item catalog and the form engine of Doorstep Desk: pure Python, no Qt, no network."""

import os as _os

# Single-character pinyin readings everywhere (see desk/__init__.py): set here too, so
# every process computes the same initials whichever package it imports first.
_os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
_os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from forms.catalog import Catalog, CatalogError, load_catalog
    from forms.engine import Problem, Result, validate
    from forms.model import Item

# loaded on first use (PEP 562): importing a light module of the package (forms.printing,
# forms.matters' constants) must not load the catalog's model — the desk's lock screen
# paints before it
_LAZY = {"Catalog": "forms.catalog", "CatalogError": "forms.catalog",
         "load_catalog": "forms.catalog", "Problem": "forms.engine", "Result": "forms.engine",
         "validate": "forms.engine", "Item": "forms.model"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'forms' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = ["Catalog", "CatalogError", "Item", "Problem", "Result", "load_catalog", "validate"]
