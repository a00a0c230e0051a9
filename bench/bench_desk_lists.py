"""The desk's wrapping lists, read again: 主动服务名单 (reloaded after every answer) and the
民情诉求 list, each beside the floor measured in the same run.

Both lists wrap their long cells (a reason, a resident, a place) onto more lines, with rows
as tall as their text. Sized as each cell arrived, every new cell measured the whole list
again: reloading 300 residents took 30 to 75 s (stop 60). Now the columns and rows are
sized once, after the last cell (``desk.ui.cells.filling``).

- 主动服务名单 at ``--residents`` (300, 2000): ``page.reload()`` until the rows are laid
  out; floor: the same rows read from the store and put into a plain table of the same
  size whose columns and rows are not sized to their text.
- 民情诉求 (全部) at ``--matters`` (500): the list read again and filled; floor: the same.

    python bench/bench_desk_lists.py [--residents 300,2000] [--matters 500] [--large]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "ui"))  # the tests' canned dialog answers
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROUNDS = 5


def _desk(folder: Path, residents: int, matters: int) -> Any:
    from desk.core.app import DeskContext
    from desk.core.matters import MatterService
    from forms.ids import id_check_digit, mask_id

    ctx = DeskContext.open(str(folder))
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.save_settings()
    due = (date.today() + timedelta(days=40)).isoformat()
    changes = []
    for i in range(residents):
        first = f"420105{1930 + i % 15}{1 + i % 12:02d}{1 + i % 28:02d}{i % 100:02d}1"
        changes.append({
            "seq": 100 + i, "kind": "proactive", "case_uuid": None, "status": "listed",
            "note": "", "department": None, "at": "2026-12-01T01:00:00+00:00",
            "item_code": "MZ-GLJT", "item_name": "高龄津贴申领",
            "proactive": {"entry_id": i + 1, "item_code": "MZ-GLJT", "item_name": "高龄津贴申领",
                          "name": "王桂兰", "id_masked": mask_id(first + id_check_digit(first)),
                          "address": f"七里一村{i % 30}栋502", "compound": "七里一村",
                          "due": due, "no_signature": True,
                          "reason": "下月起年满80周岁，尚未领取高龄津贴（免申即享：核对身份和"
                                    "发放账户即可）"}})
    ctx.store.sync.apply_changes(changes, str(100 + residents))
    svc = MatterService(ctx.store)
    for i in range(matters):
        svc.record({"category": "投诉", "subcategory": "漏水", "description": "楼上卫生间漏水",
                    "resident": {"name": "欧阳建国", "phone": "13812345678",
                                 "id_number": "420105194501010017"},
                    "place": {"compound": "汉阳花园小区", "building": str(i % 30), "unit": "2",
                              "room": "1502"}, "answer_by": "phone"}, ctx.actor())
    return ctx


def _plain_fill(app: Any, like: Any, rows: list[tuple[str, ...]]) -> float:
    """The floor's table: the same cells in a table of the same size, nothing sized."""
    from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

    t = QTableWidget(0, len(rows[0]) if rows else 1)
    t.resize(like.size())
    t.show()
    app.processEvents()
    t0 = time.perf_counter()
    t.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            t.setItem(r, c, QTableWidgetItem(text))
    app.processEvents()
    took = time.perf_counter() - t0
    t.deleteLater()
    return took


def _cells(table: Any) -> list[tuple[str, ...]]:
    return [tuple(table.item(r, c).text() for c in range(table.columnCount()))
            for r in range(table.rowCount())]


def run(residents: int, matters: int, large: bool) -> dict[str, Any]:
    from answers import Answers

    from desk.ui import style
    from desk.ui.main import make_app
    from desk.ui.window import MainWindow

    folder = Path(tempfile.mkdtemp(prefix="doorstep-bench-lists-"))
    ctx = _desk(folder, residents, matters)
    app = make_app()
    style.apply(app, large, False)
    win = MainWindow(ctx, dialogs=Answers())
    win.resize(1366, 728)
    win.show()
    out: dict[str, Any] = {"residents": residents, "matters": matters, "large": large}
    try:
        win.go_proactive()
        page = win.proactive.page
        while page.table.rowCount() != residents:
            app.processEvents()
        app.processEvents()
        took, floor = [], []
        for _ in range(ROUNDS):
            t0 = time.perf_counter()
            page.reload()
            app.processEvents()  # laid out and painted
            took.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            ctx.store.proactive.proactive_list(include_done=False)
            ctx.store.proactive.proactive_counts()
            read = time.perf_counter() - t0
            floor.append(read + _plain_fill(app, page.table, _cells(page.table)))
        out["proactive_reload_ms"] = round(statistics.median(took) * 1000, 1)
        out["proactive_floor_ms"] = round(statistics.median(floor) * 1000, 1)
        if matters:
            win.go_matters()
            listing = win.matters.screens.list_page
            listing.view.setCurrentIndex(listing.view.findData("all"))
            while len(listing.rows) != matters or win.tasks.busy:
                app.processEvents()
            app.processEvents()
            took, floor = [], []
            for _ in range(ROUNDS):
                t0 = time.perf_counter()
                rows = ctx.store.matters.list_matters(search=None, status=None, limit=500)
                read = time.perf_counter() - t0
                t0 = time.perf_counter()
                listing._loaded(listing._generation, [dict(m, why="") for m in rows])
                app.processEvents()
                took.append(read + time.perf_counter() - t0)
                floor.append(read + _plain_fill(app, listing.table, _cells(listing.table)))
            out["matters_fill_ms"] = round(statistics.median(took) * 1000, 1)
            out["matters_floor_ms"] = round(statistics.median(floor) * 1000, 1)
    finally:
        win.tasks.shutdown()
        win.close()
        ctx.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--residents", default="300,2000")
    ap.add_argument("--matters", type=int, default=500)
    ap.add_argument("--large", action="store_true", help="长辈 mode")
    args = ap.parse_args()
    results = []
    for i, n in enumerate(int(x) for x in args.residents.split(",")):
        r = run(n, args.matters if i == 0 else 0, args.large)
        results.append(r)
        print(f"主动服务名单 {n:5d} residents: reload {r['proactive_reload_ms']:7.1f} ms   "
              f"(floor: read and fill a plain table {r['proactive_floor_ms']:.1f} ms)",
              file=sys.stderr)
        if "matters_fill_ms" in r:
            print(f"民情诉求 {args.matters:5d} matters:    refill {r['matters_fill_ms']:7.1f} ms   "
                  f"(floor: read and fill a plain table {r['matters_floor_ms']:.1f} ms)",
                  file=sys.stderr)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
