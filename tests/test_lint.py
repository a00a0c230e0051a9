"""The code base stays lint-clean (ruff) and type-clean (mypy on desk, sync and forms;
strict on forms, sync and desk.core);
ruff's banned-import rule also keeps PySide6 out of everything but desk/ui."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def _virtual_environments() -> list[str]:
    """Folders of the checkout that are virtual environments (their ``pyvenv.cfg``), by
    whatever name: a new user's ``python3 -m venv env`` beside the code holds other
    projects' scripts, which are not this code base's to lint (ruff leaves out ``venv``
    and ``.venv`` only)."""
    return sorted(p.name for p in ROOT.iterdir() if (p / "pyvenv.cfg").is_file())


def test_ruff() -> None:
    venvs = _virtual_environments()
    extra = ["--extend-exclude", ",".join(venvs)] if venvs else []
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", ".", *extra], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_desk_sync_forms() -> None:
    proc = subprocess.run([sys.executable, "-m", "mypy", "desk", "sync", "forms"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
