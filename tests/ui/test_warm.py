"""Issue 14 item 15: the first receipt of the day does not pay for loading the document
machinery — a moment after start the window lays out and rasters a throw-away notice on
its background helper (reportlab, fonts, QtPdf loaded), never on the UI thread."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHILD = r"""
import sys, threading
from desk.core.app import DeskContext
from desk.ui.main import make_app
from desk.ui.window import MainWindow

app = make_app()
ctx = DeskContext.open(sys.argv[1])
ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
win = MainWindow(ctx)
win.show()
before = {m for m in ("desk.core.receipts", "reportlab", "PySide6.QtPdf") if m in sys.modules}
from desk.ui.warm import warm_documents
threads = {}
orig = None
import desk.core.receipts as receipts  # the module object the warm-up will use
real = receipts.render_notice_pdf
def spy(*a, **k):
    threads["render"] = threading.current_thread() is not threading.main_thread()
    return real(*a, **k)
receipts.render_notice_pdf = spy
pages = []
tid = warm_documents(win)
win.tasks._pending[tid].on_done = pages.append
import time
end = time.monotonic() + 120
while win.tasks.busy and time.monotonic() < end:
    app.processEvents()
win.tasks.shutdown()
ctx.close()
print(sorted(before), threads.get("render"), pages, "PySide6.QtPdf" in sys.modules)
"""


def test_documents_warm_up_off_the_ui_thread(tmp_path: Path) -> None:
    import os

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "desk")], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    before, off_ui, pages, qtpdf = r.stdout.strip().rsplit("\n", 1)[-1].rsplit(" ", 3)
    # nothing of it is loaded by opening the window; the warm-up loads it off the UI thread
    assert before == "[]" and off_ui == "True" and pages == "[1]" and qtpdf == "True", r.stdout
