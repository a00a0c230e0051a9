"""forms, sync and desk.core import and work without PySide6 (only desk.ui uses Qt)."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
import forms, forms.catalog, forms.engine, forms.ids, forms.workdays
import desk.core.app, desk.core.store, desk.core.cases, desk.core.demo
import importlib.util
for name in ("sync", "sync.protocol", "sync.client", "sync.district", "desk.core.receipts"):
    if importlib.util.find_spec(name.split(".")[0]) and importlib.util.find_spec(name):
        __import__(name)
bad = [m for m in sys.modules if m.startswith(("PySide6", "shiboken6"))]
print(bad)
sys.exit(1 if bad else 0)
"""


def test_core_imports_without_qt() -> None:
    proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
