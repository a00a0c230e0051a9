"""The item catalog and the form engine of Doorstep Desk: pure Python, no Qt, no network."""

import os as _os

# Single-character pinyin readings everywhere (see desk/__init__.py): set here too, so
# every process computes the same initials whichever package it imports first.
_os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
_os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")

from forms.catalog import Catalog, CatalogError, load_catalog
from forms.engine import Problem, Result, validate
from forms.model import Item

__all__ = ["Catalog", "CatalogError", "Item", "Problem", "Result", "load_catalog", "validate"]
