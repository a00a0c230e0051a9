"""The item catalog: loads and checks every item definition, and finds items.

The catalog shipped with the desk lives in ``forms/items/*.yaml`` (one file per item,
bundles too) with ``forms/catalog.yaml`` giving the version. A district may publish a
newer version; the desk stores it as JSON and builds a :class:`Catalog` from it with
:meth:`Catalog.from_json`. A broken definition is refused with a message naming the file,
the item and the field path.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from forms.atomic import write_atomic
from forms.checker import loc_text
from forms.dates import DATE_NAMES
from forms.expr import RuleError, compile_expr
from forms.expr import parse as parse_expr
from forms.model import Item
from forms.params import (
    Param,
    ParamError,
    dump_params,
    needs_resolving,
    parse_params,
    resolve_raw,
)
from forms.params import values as param_values
from forms.proactive import check_catalog_rules
from forms.ui_translations import TranslationsError, parse_translations

ITEMS_DIR = Path(__file__).with_name("items")
CATALOG_FILE = Path(__file__).with_name("catalog.yaml")
# libyaml's loader parses the shipped catalog ~5x faster than the pure-Python one; the
# desk's cold start (≤ 1 s) depends on it. Same safe subset of YAML either way.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CatalogError(ValueError):
    """A definition that cannot be loaded; the message names file, item and field."""




def parse_item(raw: Any, source: str) -> Item:
    """Build an :class:`Item` from parsed data, or raise :class:`CatalogError`."""
    if not isinstance(raw, dict):
        raise CatalogError(f"{source}: an item definition must be a mapping")
    code = raw.get("code", "?")
    try:
        return Item.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            lines.append(f"  field {loc_text(err['loc'], raw)}: {err['msg']}")
        raise CatalogError(f"{source}: item {code} is invalid:\n" + "\n".join(lines)) from None


@dataclass(frozen=True)
class SearchHit:
    """An item found by a search, with how well it matched (lower is better)."""

    item: Item
    rank: int


def _initials(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(p[0] for p in lazy_pinyin(text, style=Style.FIRST_LETTER) if p).lower()


def _full_pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text)).lower()


def resolve_item(item: Item, params: Mapping[str, Param]) -> Item:
    """``item`` as the desk shows and checks it: every reference to a local parameter
    (``{gljt_min_age}`` in a text, ``min: gljt_min_age`` in a check, the name in a rule
    expression) replaced by the parameter's value; :class:`CatalogError` for a reference
    to a missing parameter or a rule naming something unknown."""
    if not needs_resolving(item):
        return item
    raw = item.model_dump(mode="json", by_alias=True, exclude_none=True)
    try:
        resolved = resolve_raw(raw, params)
    except ParamError as exc:
        raise CatalogError(f"item {item.code}: {exc}") from None
    out = parse_item(resolved, f"item {item.code} with the catalog's parameters")
    keys = {f.key for f in out.fields}
    for c in out.checks:
        if c.expr is not None:
            try:
                compile_expr(parse_expr(c.expr), keys | set(DATE_NAMES))
            except RuleError as exc:
                raise CatalogError(f"item {item.code}: check expr: {exc}") from None
    return out


class Catalog:
    """A versioned set of items, in catalog order, with the catalog's local parameters.

    ``authored`` holds the items as written (references to parameters kept: what is
    exported and published); ``items`` the same items resolved (what the desk shows,
    validates with and prints)."""

    def __init__(self, version: str, items: list[Item],
                 params: Mapping[str, Param] | None = None, *,
                 translations: Mapping[str, str] | None = None) -> None:
        self.version = version
        self.params: dict[str, Param] = dict(params or {})
        # issue 16: translation files (.ts text by language) published with the catalog
        self.translations: dict[str, str] = dict(translations or {})
        self.authored = list(items)
        self.items = [resolve_item(it, self.params) for it in self.authored]
        self._by_code: dict[str, Item] = {}
        for it in self.items:
            if it.code in self._by_code:
                raise CatalogError(f"item code {it.code} appears twice")
            self._by_code[it.code] = it
        for it in self.items:
            for member in it.bundle or []:
                if member not in self._by_code:
                    raise CatalogError(f"bundle {it.code}: member item {member} is not in catalog")
        # issue 18: the proactive rules against the catalog's parameters, tried on a sample
        rule_problems = check_catalog_rules(
            {it.code: (it.proactive.rule, it.proactive.due) for it in self.authored
             if it.proactive is not None}, param_values(self.params))
        if rule_problems:
            raise CatalogError("; ".join(rule_problems))
        self._search_keys: dict[str, tuple[str, str, str, str, str]] | None = None

    @property
    def _keys(self) -> dict[str, tuple[str, str, str, str, str]]:
        # built on the first search, so starting the desk does not wait for pypinyin
        if self._search_keys is None:
            self._search_keys = {
                it.code: (
                    it.name.lower(),
                    _initials(it.name),
                    _full_pinyin(it.name),
                    " ".join([it.department, *it.keywords]).lower(),
                    " ".join(_initials(k) for k in it.keywords),
                )
                for it in self.items
            }
        return self._search_keys

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Item:
        """The item with ``code``; ``KeyError`` when unknown."""
        return self._by_code[code]

    def departments(self) -> list[str]:
        """Departments in catalog order, each once."""
        return list(dict.fromkeys(it.department for it in self.items))

    def search(self, query: str) -> list[Item]:
        """Items by name, keyword, department or pinyin initials (``gljt`` → 高龄津贴)."""
        q = query.strip().lower().replace(" ", "")
        if not q:
            return list(self.items)
        hits: list[SearchHit] = []
        for it in self.items:
            name, initials, full, words, word_initials = self._keys[it.code]
            if q == it.code.lower() or name == q:
                rank = 0
            elif name.startswith(q) or initials.startswith(q):
                rank = 1
            elif q in name or q in initials or full.startswith(q):
                rank = 2
            elif q in words or q in word_initials or q in full:
                rank = 3
            else:
                continue
            hits.append(SearchHit(it, rank))
        hits.sort(key=lambda h: h.rank)
        return [h.item for h in hits]

    def to_json(self) -> dict[str, Any]:
        """The whole catalog as JSON-ready data (what a district publishes)."""
        out: dict[str, Any] = {"version": self.version}
        if self.params:
            out["params"] = dump_params(self.params)
        out["items"] = [it.model_dump(mode="json", by_alias=True, exclude_none=True)
                        for it in self.authored]
        if self.translations:
            out["translations"] = dict(self.translations)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Catalog:
        """Build a catalog from :meth:`to_json` output (e.g. one pulled from the district)."""
        version = data.get("version")
        if not isinstance(version, str) or not version:
            raise CatalogError("catalog JSON: missing version")
        try:
            params = parse_params(data.get("params"))
        except ParamError as exc:
            raise CatalogError(f"catalog {version}: {exc}") from None
        try:
            translations = parse_translations(data.get("translations"))
        except TranslationsError as exc:
            raise CatalogError(f"catalog {version}: {exc}") from None
        items = [parse_item(raw, f"catalog {version} item #{i}")
                 for i, raw in enumerate(data.get("items") or [])]
        return cls(version, items, params, translations=translations)

    def with_version(self, version: str) -> Catalog:
        """The same catalog (items as authored, parameters) under another version."""
        return Catalog(version, self.authored, self.params, translations=self.translations)


def _read_yaml(path: Path, what: str) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read catalog: {exc}") from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path.name}: not valid {what}: {exc}") from None


def _read_sources(items_dir: Path, catalog_file: Path,
                  cache: Path | None) -> tuple[Any, list[tuple[str, Any]]]:
    """The parsed catalog.yaml and item files, from a JSON cache when it is current.

    Parsing the YAML is most of the catalog's load time (~0.25 s for 60 items even with
    libyaml); JSON of the same data loads in milliseconds. The cache is keyed by every
    file's name, size and modification time, and its content is validated exactly like
    freshly parsed YAML, so a stale or damaged cache can only cost time.
    """
    paths = sorted(items_dir.glob("*.yaml"))
    key = [[p.name, st.st_size, st.st_mtime_ns] for p in [catalog_file, *paths]
           for st in [p.stat()]]
    if cache is not None:
        try:
            body = json.loads(cache.read_text(encoding="utf-8"))
            if body.get("key") == key:
                return body["meta"], [(n, r) for n, r in body["items"]]
        except (OSError, ValueError, KeyError, TypeError):
            pass
    meta = _read_yaml(catalog_file, "YAML") or {}
    raws = [(p.name, _read_yaml(p, "YAML")) for p in paths]
    if cache is not None:
        try:
            write_atomic(cache, json.dumps({"key": key, "meta": meta, "items": raws},
                                           ensure_ascii=False, default=str), durable=False)
        except (OSError, TypeError, ValueError):
            pass  # a cache is an optimisation only; a full disk leaves no half-written file
    return meta, raws


def load_dir(items_dir: Path, catalog_file: Path, *, cache: Path | None = None) -> Catalog:
    """Load every ``*.yaml`` under ``items_dir``; ``catalog_file`` gives the version/order.

    ``cache``: a JSON file that keeps the parsed files between runs (see
    :func:`use_cache`).
    """
    meta, raws = _read_sources(items_dir, catalog_file, cache)
    if not isinstance(meta, dict):
        meta = {}
    version = str(meta.get("version", ""))
    if not version:
        raise CatalogError(f"{catalog_file}: field version: missing")
    order: list[str] = list(meta.get("order") or [])
    try:
        params = parse_params(meta.get("params"))
    except ParamError as exc:
        raise CatalogError(f"{catalog_file.name}: {exc}") from None
    items = [parse_item(raw, name) for name, raw in raws]
    rank = {code: i for i, code in enumerate(order)}
    items.sort(key=lambda it: (rank.get(it.code, len(rank)), it.code))
    return Catalog(version, items, params)


_CACHE: Path | None = None


def use_cache(path: Path | None) -> None:
    """Keep the parsed shipped catalog in ``path`` (JSON) to speed up later starts; the
    desk app points it into its data folder. Call before :func:`load_catalog`."""
    global _CACHE
    _CACHE = path


_LOADING = threading.Lock()


def load_catalog() -> Catalog:
    """The catalog shipped with this release (loaded once per process: threads asking
    at once wait for the one load — a district server's first batches after a start
    each parsed every item file, ~0.15 s apiece, 25 at a time per process)."""
    with _LOADING:
        return _shipped()


@lru_cache(maxsize=1)
def _shipped() -> Catalog:
    return load_dir(ITEMS_DIR, CATALOG_FILE, cache=_CACHE)


def catalog_summary(catalog: Catalog) -> list[dict[str, Any]]:
    """The ``doorstep-desk catalog --json`` listing (the public command-line contract)."""
    from forms.engine import all_fields, all_materials

    out = []
    for it in catalog.items:
        entry: dict[str, Any] = {
            "code": it.code,
            "name": it.name,
            "department": it.department,
            "kind": it.kind,
            "promised_days": it.promised_days,
            "legal_basis": it.legal_basis,
            "fee": it.fee,
            "eligibility": it.eligibility,
            "keywords": it.keywords,
            "catalog_version": catalog.version,
            "fields": [_field_json(f) for f in all_fields(it)],
            "materials": [
                {"name": m.name, "required": m.required, "deferrable": m.deferrable,
                 "form": m.form, "count": m.count, "note": m.note,
                 "conditional": m.show_if is not None,
                 "source": m.source, "source_department": m.source_department}
                for m in all_materials(it)
            ],
            "notice": it.notice.model_dump(mode="json"),
            "example": it.example,
        }
        if it.bundle is not None:
            entry["bundle"] = it.bundle
        if it.bundle_services is not None:
            entry["bundle_services"] = it.bundle_services
        if it.once is not None:
            entry["once"] = it.once.model_dump(mode="json")
        out.append(entry)
    return out


def _field_json(f: Any) -> dict[str, Any]:
    d: dict[str, Any] = {"key": f.key, "label": f.label, "type": f.type, "required": f.required}
    if f.choices:
        d["choices"] = f.choices
    if f.show_if is not None:
        d["show_if"] = f.show_if.model_dump(mode="json", by_alias=True, exclude_none=True)
    if f.required_if is not None:
        d["required_if"] = f.required_if.model_dump(mode="json", by_alias=True, exclude_none=True)
    if f.fields:
        d["fields"] = [_field_json(s) for s in f.fields]
    if f.reusable:
        d["reusable"] = True
    return d


def dump_json(catalog: Catalog) -> str:
    """Pretty JSON of the catalog summary."""
    return json.dumps(catalog_summary(catalog), ensure_ascii=False, indent=2)
