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


def test_every_district_setting_is_in_readme_and_only_those() -> None:
    """README's table of the district's variables is DistrictSettings' fields, defaults
    included (a variable the class does not know, or one the README leaves out, fails)."""
    import re

    from sync.district.config import DistrictSettings, env_name

    table = dict(re.findall(r"^\| `(DOORSTEP_[A-Z_]+)` \| ([^|]+) \|", README, re.M))
    fields = DistrictSettings.model_fields
    assert set(table) == {env_name(f) for f in fields}
    for name, field in fields.items():
        default = field.default
        shown = ("—" if default in (None, "") else f"`{str(default).lower()}`"
                 if isinstance(default, bool) else f"`{default:g}`"
                 if isinstance(default, float) else f"`{default}`")
        assert table[env_name(name)].strip() == shown, name
