"""``doorstep-desk``: start the desk app, or drive the desk from scripts.

A thin layer over :mod:`desk.core`; the same functions serve the window. The names,
flags and JSON keys here are a public interface (see README "Command line").
Exit status: 0 ok, 1 failure (e.g. not fully synced, a known database problem),
2 invalid input (a message per problem on stderr, naming the field key and the rule).

Layout (sqlite-utils' thin CLI over its library is the model): :mod:`desk.cli.parsers`
declares every command and flag; :data:`COMMANDS` below says which function runs each;
the functions live by group in ``cases``, ``documents``, ``upkeep``, ``keys``,
``district`` and ``matter``. A group module is imported only when one of its commands
runs: starting the window (no command) loads none of them, and only ``receipt`` loads
ReportLab.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # (argparse loads only when a command is parsed)
    import argparse

Command = Callable[["argparse.Namespace"], int]

# command -> "module:function" (desk.cli.<module>)
COMMANDS: dict[str, str] = {
    "catalog": "cases:catalog",
    "calendar": "cases:calendar",
    "new": "cases:new",
    "cases": "cases:list_cases",
    "receipt": "documents:receipt",
    "rate": "cases:rate",
    "demo": "cases:demo",
    "setup": "upkeep:setup",
    "backup": "upkeep:backup",
    "restore": "upkeep:restore",
    "purge": "upkeep:purge",
    "audit": "upkeep:audit",
    "protect": "keys:protect",
    "passwd": "keys:passwd",
    "pin": "keys:pin",
    "enroll": "district:enroll",
    "sync": "district:sync",
    "matter": "matter:dispatch",
    "matters": "matter:dispatch",
    "readcard": "devices:readcard",
    "attach": "attachments:attach",
    "attachments": "attachments:attachments",
}


def _parser() -> argparse.ArgumentParser:
    from desk.cli.parsers import build_parser

    return build_parser()


def _window_data_dir(argv: list[str]) -> tuple[str | None] | None:
    """``(data_dir,)`` when ``argv`` only starts the window (no command; at most
    ``--data-dir``), else None. The window's start does not build the parser: the
    commands' declarations import the catalog's modules (forms), ~180 ms before the lock
    screen could paint (bench/bench_desk_speed.py times ``doorstep-desk`` itself)."""
    if not argv:
        return (None,)
    if len(argv) == 1 and argv[0].startswith("--data-dir="):
        return (argv[0].split("=", 1)[1] or None,)
    if len(argv) == 2 and argv[0] == "--data-dir" and not argv[1].startswith("-"):
        return (argv[1],)
    return None


def command(name: str) -> Command:
    """The function that runs command ``name``."""
    module, func = COMMANDS[name].split(":")
    fn: Command = getattr(importlib.import_module(f"desk.cli.{module}"), func)
    return fn


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``doorstep-desk``."""
    window = _window_data_dir(sys.argv[1:] if argv is None else list(argv))
    if window is None:
        args = _parser().parse_args(argv)
        if args.command is None:
            window = (args.data_dir,)
    if window is not None:
        from desk.ui.main import run_gui  # the window: Qt only on this path

        return run_gui(window[0])
    # not above: the window opens before the store's modules load (desk.ui.main warms
    # them while the worker types the password)
    from desk.cli.common import close_opened, disk_failure, err
    from desk.core.errors import DeskError, ValidationFailed
    from forms.catalog import CatalogError

    try:
        try:
            return command(args.command)(args)
        finally:
            close_opened()
    except ValidationFailed as exc:
        for p in exc.problems:
            err(f"{p.field}: [{p.rule}] {p.message}")
        return 2
    except DeskError as exc:
        err(f"error: {exc.message}")
        return 1
    except CatalogError as exc:
        err(f"catalog: [invalid] 事项目录无法加载: {exc}")
        return 1
    except OSError as exc:  # a full disk or a failing device, outside the store
        err(disk_failure(args.command, exc))
        return 1
    except Exception as exc:
        from sync.client.errors import SyncError  # only raised once sync.client is loaded

        if isinstance(exc, SyncError):
            err(f"error: [{exc.kind}] {exc.message}")
            return 1
        raise
