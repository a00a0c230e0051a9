"""Issue 13: the district's two stores are composed of parts, not stacked mixins — as the
desk's ``Store`` is (``tests/core/test_store_parts.py``) and Anki's collection holds
``decks``, ``models``, ``tags``."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import sync.district
from sync.district.console.store import ConsoleStore
from sync.district.database import Database
from sync.district.storage import Storage

DISTRICT = Path(sync.district.__file__).parent
STORAGE_PARTS = {"ingest": "ingest", "reconcile": "reconcile", "attachments": "attachments",
                 "rates": "matters_rates", "departments": "departments", "desks": "desks",
                 "decisions": "decisions", "catalogs": "catalogs", "cases": "cases"}  # attr -> module
CONSOLE_PARTS = {"users": "console/users", "audit": "console/audit",
                 "readmodel": "console/readmodel", "callbacks": "console/callback_tasks",
                 "caselist": "console/case_list"}


def _parts(store: Any, db: Database) -> dict[str, Any]:
    """The store's attributes that are parts: objects holding the database as ``db``."""
    return {name: p for name, p in vars(store).items() if getattr(p, "db", None) is db}


def test_the_district_stores_are_composed_not_stacked(tmp_path: Path) -> None:
    """``Storage`` is the database and holds its parts; ``ConsoleStore`` stacks nothing and
    holds the storage and its parts. Each part holds the database (as ``db``: for
    ``Storage``'s parts, the storage typed as its ``Database``), is given only other parts
    of the same store and nothing else of it, has its own module, and nothing it owns is
    left forwarding on the store."""
    assert Storage.__mro__ == (Storage, Database, object)
    assert ConsoleStore.__mro__ == (ConsoleStore, object)
    st = Storage(f"sqlite:///{tmp_path / 'district.sqlite3'}")
    try:
        cs = ConsoleStore(st)
        assert cs.db is st  # its own queries' database; pages get the storage themselves
        for store, expected in ((st, STORAGE_PARTS), (cs, CONSOLE_PARTS)):
            parts = _parts(store, st)
            assert set(parts) == set(expected), type(store).__name__
            for name, part in parts.items():
                assert type(part).__mro__ == (type(part), object), name  # a plain class
                assert type(part).__module__ == "sync.district." + expected[name].replace(
                    "/", "."), name
                others = {k: v for k, v in vars(part).items() if k != "db"}
                given = {k: v for k, v in others.items() if not k.startswith("_")}
                assert all(v in parts.values() for v in given.values()), (name, given)
                assert not any(v is store for v in others.values()), name
            moved = {m for p in parts.values() for m in dir(type(p)) if not m.startswith("_")}
            own = set(dir(type(store))) - set(dir(Database)) - set(dir(object))
            assert not moved & own, type(store).__name__
        assert st.ingest.reconcile is st.reconcile  # the one a batch notes its records with
        assert st.desks.reconcile is st.reconcile  # the one a replacing laptop links with
        assert st.decisions.departments is st.departments  # the list a case is routed to
        assert st.catalogs.departments is st.departments  # the list a catalog seeds
        assert cs.callbacks.audit is cs.audit  # the one closing a task appends to
        assert cs.caselist.audit is cs.audit  # the one an export is logged in
    finally:
        st.close()


def test_no_mixins_and_no_part_reaches_into_another() -> None:
    """No ``*Mixin`` class is left in ``sync.district``, and no code calls a part's
    underscore methods from outside it (``storage.reconcile._meta``: a part gives what
    others need as a public method)."""
    mixins = []
    for mod in pkgutil.walk_packages(sync.district.__path__, "sync.district."):
        if ".migrations" in mod.name:
            continue
        module = importlib.import_module(mod.name)
        mixins += [f"{mod.name}.{n}" for n, c in inspect.getmembers(module, inspect.isclass)
                   if n.endswith("Mixin")]
    assert mixins == []
    reach = re.compile(r"\.(?:" + "|".join([*STORAGE_PARTS, *CONSOLE_PARTS]) + r")\._[a-z]")
    offenders = [f"{p.relative_to(DISTRICT)}:{i}" for p in DISTRICT.rglob("*.py")
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if reach.search(line)]
    assert offenders == []


def _function_level_imports(module: str) -> list[str]:
    path = DISTRICT / (module.removeprefix("sync.district.").replace(".", "/") + ".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{module}:{node.lineno} {ast.unparse(node)}"
            for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
            for node in ast.walk(fn) if isinstance(node, ast.Import | ast.ImportFrom)]


def test_the_audit_append_has_one_home_imported_at_module_level() -> None:
    """The district's own audit entries (an epoch detected, a restore) go through the one
    append the console's audit part uses, imported at module level: the console package's
    ``__init__`` imports nothing, so the storage layer imports
    :mod:`sync.district.console.audit` without a cycle (no function-level import dodging
    one), and a fresh interpreter can import either side first."""
    from sync.district import reconcile, restore
    from sync.district.console import audit

    assert reconcile.append_audit is audit.append_audit is restore.append_audit
    assert _function_level_imports("sync.district.reconcile") == []
    assert _function_level_imports("sync.district.restore") == []
    init = (DISTRICT / "console" / "__init__.py").read_text(encoding="utf-8")
    assert [n for n in ast.parse(init).body if isinstance(n, ast.Import | ast.ImportFrom)
            and not (isinstance(n, ast.ImportFrom) and n.module == "__future__")] == []
    for first in ("sync.district.reconcile", "sync.district.storage",
                  "sync.district.console.audit", "sync.district.console.store"):
        subprocess.run([sys.executable, "-c", f"import {first}"], check=True, timeout=120)


def test_console_pages_take_the_storage_from_their_dependency() -> None:
    """The console's pages are given the district storage by their own dependency
    (:func:`sync.district.api_deps.storage_of`), never by reaching through the console
    store: no ``.st`` chain is left in the district's code."""
    chains = re.compile(r"\b(?:cs|console)\.st\b|\.console\(request\)\.st\b")
    offenders = [f"{p.relative_to(DISTRICT)}:{i}" for p in DISTRICT.rglob("*.py")
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if chains.search(line)]
    assert offenders == []
