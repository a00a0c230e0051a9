"""Issue 13 (start-up regressions, bench/bench_startup.py): what the window's start leaves
out of memory. At 100,000 cases the resident set at "ready" had grown from 130 to 163 MB
since the redesign; most of it was modules nothing at start uses:

- the sync client's ``requests`` (with urllib3, charset_normalizer and every codec:
  ~220 modules, ~10 MB), loaded for the PIN unlock of a desk that has no PIN and for the
  status bar's release offer;
- the document machinery (``desk.core.receipts``: reportlab, PIL, qrcode, ~18 MB), loaded
  because the status bar's 诉求 counts imported the matter screens;
- the sync protocol's models (~3 MB), for the status bar's release offer and upload-quota
  hold, which only an enrolled desk can have;
- sqlite-utils with numpy and click (~13 MB: the start's peak at 20,000 cases 150.0 ->
  130.5 MB), through ``store_handover``'s module-level import: the store loads
  sqlite-utils only when a migration is pending (``store_schema._apply_migrations``,
  numpy hidden).

Each start runs in a process of its own (``run_gui``, as ``doorstep-desk`` does), on an
unprotected, configured desk; the documents' warm-up (tests/ui/test_warm.py), which loads
reportlab on purpose a moment after start, is left out here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from desk.core.app import DeskContext

ROOT = Path(__file__).resolve().parents[2]

_CHILD = """
import json, sys
sys.path.insert(0, sys.argv[2])
import desk.ui.warm as warm
warm.warm_documents = lambda win: None  # (its own test: tests/ui/test_warm.py)
from PySide6.QtCore import QTimer
from desk.ui.main import run_gui
HEAVY = ("requests", "urllib3", "charset_normalizer", "desk.core.receipts", "reportlab",
         "PIL", "qrcode", "desk.ui.matter_screens", "desk.ui.matter_words", "sync.protocol",
         "sqlite_utils", "numpy", "click")
def ready(win):
    def after_start():  # the start's background reads done: what has been imported
        if win.tasks.busy:
            QTimer.singleShot(10, after_start)
            return
        print(json.dumps(sorted(m for m in HEAVY if m in sys.modules)), flush=True)
        win.close()
    after_start()
raise SystemExit(run_gui(sys.argv[1], ready=ready))
"""


def test_window_start_loads_neither_requests_nor_the_document_machinery(
        tmp_path: Path) -> None:
    data = tmp_path / "desk"
    ctx = DeskContext.open(str(data))
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.save_settings()
    ctx.close()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DOORSTEP_PASSWORD", "DOORSTEP_PASSWORD_FILE")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    r = subprocess.run([sys.executable, "-c", _CHILD, str(data), str(ROOT)], env=env,
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    loaded = json.loads(r.stdout.strip().splitlines()[-1])
    assert loaded == [], loaded
