"""The item catalog and the form engine of Doorstep Desk: pure Python, no Qt, no network."""

from forms.catalog import Catalog, CatalogError, load_catalog
from forms.engine import Problem, Result, validate
from forms.model import Item

__all__ = ["Catalog", "CatalogError", "Item", "Problem", "Result", "load_catalog", "validate"]
