"""The desk's command line is one dispatch table over group modules (issue 13)."""

from __future__ import annotations

import argparse
import subprocess
import sys

from desk.cli import COMMANDS, command
from desk.cli.parsers import build_parser


def _names(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def test_every_command_has_one_function_and_every_function_a_command() -> None:
    assert _names(build_parser()) == set(COMMANDS)
    for name in COMMANDS:
        assert callable(command(name)), name


def test_starting_the_window_loads_no_command_module() -> None:
    """Parsing the command line (the window's start: no command) must not wait for
    ReportLab, the HTTP client or the store."""
    code = ("import sys; from desk.cli.parsers import build_parser; import desk.cli; "
            "build_parser().parse_args([]); "
            "print(sorted(m for m in sys.modules if m.startswith(('desk.cli.', 'reportlab', "
            "'httpx', 'sync.client', 'desk.core.app', 'desk.core.store'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert out.strip() == "['desk.cli.parsers']", out


def test_only_the_receipt_command_loads_reportlab() -> None:
    """Scripts that list or save cases do not wait for ReportLab (~1 s to import)."""
    code = ("import sys; from desk.cli import COMMANDS, command; "
            "[command(c) for c in COMMANDS if c != 'receipt']; "
            "print(sorted(m for m in sys.modules if m.startswith('reportlab'))[:1])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert out.strip() == "[]", out
