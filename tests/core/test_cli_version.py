"""``doorstep-desk --version`` (issue 19): which build a desk runs, for support staff and the
installers' smoke tests (installer/smoke_compat.sh)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from desk import __version__

REPO = Path(__file__).resolve().parents[2]


def test_version_flag_prints_the_version_and_exits_0(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from desk.cli import main; sys.exit(main())",
         "--version"], capture_output=True, text=True, timeout=120, cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"doorstep-desk {__version__}"
    assert proc.stderr == ""
    assert not (tmp_path / ".local").exists()  # no data folder made just to say this
