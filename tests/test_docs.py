"""Every command-line command is documented in the README (like sqlite-utils' test_docs)."""

from __future__ import annotations

import argparse
from pathlib import Path

from desk.cli import _parser

README = (Path(__file__).parents[1] / "README.md").read_text("utf-8")


def _subcommands(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []


def test_every_desk_command_is_in_readme() -> None:
    missing = [c for c in _subcommands(_parser()) if f"doorstep-desk {c}" not in README
               and f"doorstep-desk [--data-dir DIR] {c}" not in README]
    assert not missing, f"undocumented commands: {missing}"


def test_every_district_command_is_in_readme() -> None:
    from sync.district import cli

    missing = [c for c in _subcommands(cli._parser())
               if f"doorstep-district [--db URL] {c}" not in README
               and f"doorstep-district {c}" not in README]
    assert not missing, f"undocumented commands: {missing}"
