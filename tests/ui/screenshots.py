"""Screenshots of every screen, normal and large (适老) mode — for review, not a test.

    xvfb-run -s "-screen 0 1366x768x24" python tests/ui/screenshots.py [/tmp/ui-shots]

Builds a throw-away desk with a few dozen cases and walks the window through its pages.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

NAMES = ["王桂兰", "李建国", "张秀英", "赵德明", "刘秀珍", "陈志强", "杨春梅", "黄国平",
         "周淑芬", "吴建军", "徐丽华", "孙德胜", "胡玉兰", "朱明", "高秀云", "林海"]


def _run_events(ms: int) -> None:
    """Qt's event loop for ``ms`` milliseconds (events handled as they come, no sleep)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait(app: QApplication, cond: Callable[[], bool], timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not cond() and time.monotonic() < end:
        _run_events(10)
    for _ in range(5):
        app.processEvents()


def settle(app: QApplication, seconds: float) -> None:
    _run_events(int(seconds * 1000))
    app.processEvents()


def seed(ctx: Any) -> None:
    """A few dozen realistic cases in all states."""
    from forms.ids import id_check_digit

    codes = ["MZ-GLJT", "MZ-DB", "MZ-LNYD", "RS-ZGRZ", "YB-JMCB", "RS-SBK"]
    for i in range(40):
        code = codes[i % len(codes)]
        if code not in ctx.catalog:
            continue
        ex = dict(ctx.catalog.get(code).example)
        name = NAMES[i % len(NAMES)]
        first17 = ex["applicant_id"][:14] + f"{i:03d}"
        ex["applicant_name"] = name
        ex["applicant_id"] = first17 + id_check_digit(first17)
        if i % 7 == 3:
            ex["materials"] = ex.get("materials", [])[:1]
        if i % 5 == 0:
            ex["priority"] = True
        case = ctx.cases.submit(code, ex, ctx.actor())
        if i % 4 == 1:
            ctx.cases.rate(case["uuid"], 5 - (i % 3), "")
    ctx.store.sync.apply_changes([{"seq": 1, "kind": "status", "case_uuid": case["uuid"],
                                   "status": "completed", "note": "已发放", "at": "2026-11-25"}],
                            "1")


def main(out: Path) -> int:
    from answers import Answers

    from desk.core.app import DeskContext
    from desk.ui import style
    from desk.ui.main import make_app
    from desk.ui.settings_dialog import SettingsDialog
    from desk.ui.window import MainWindow
    from forms.ids import id_check_digit

    out.mkdir(parents=True, exist_ok=True)
    app = make_app()
    data = Path(tempfile.mkdtemp(prefix="desk-shots-"))
    ctx = DeskContext.open(str(data))
    s = ctx.settings
    s.desk_code, s.desk_name, s.worker_name = "HY-QL01", "七里一村社区流动办事点", "刘晓燕"
    ctx.save_settings()
    seed(ctx)

    def shot(w: QWidget, name: str) -> None:
        for _ in range(10):
            app.processEvents()
        w.grab().save(str(out / f"{name}.png"))
        print("saved", out / f"{name}.png")

    for mode in ("normal", "large", "contrast"):
        large, contrast = mode == "large", mode == "contrast"
        s.large_font, s.high_contrast = large, contrast
        style.apply(app, large, contrast)
        win = MainWindow(ctx, dialogs=Answers())
        win.resize(1366, 768)
        win.show()
        wait(app, lambda w=win: not w.tasks.busy)
        shot(win, f"{mode}-01-home")
        win.home.search.setText("gljt")
        shot(win, f"{mode}-02-search")
        win.open_notice("MZ-DB")
        shot(win, f"{mode}-03-notice")
        win.start_form("MZ-DB")
        page = win.form
        ex = ctx.catalog.get("MZ-DB").example
        page.form.set_values({k: v for k, v in ex.items() if k != "materials"})
        page.form.set_values({"applicant_id": "420105196203150038"})
        page.form.rows["applicant_id"].touched = True
        page.materials.set_received(["低保申请书", "家庭经济状况核对授权书", "申请人及家庭成员身份证",
                                     "户口簿", "本人银行卡"])
        page.refresh()
        shot(win, f"{mode}-04-form")
        page.form.verticalScrollBar().setValue(page.form.verticalScrollBar().maximum() // 2)
        shot(win, f"{mode}-05-form-group")
        win.start_form("YJS-TX")  # 一件事: the services the help says to choose by
        ex = ctx.catalog.get("YJS-TX").example
        win.form.form.set_values({k: v for k, v in ex.items() if k != "materials"})
        win.form.refresh()
        shot(win, f"{mode}-05b-form-bundle")
        win.start_form("MZ-GLJT")
        page = win.form
        ex = ctx.catalog.get("MZ-GLJT").example
        page.form.set_values({k: v for k, v in ex.items() if k != "materials"})
        body = f"42010519560101{700 + ['normal', 'large', 'contrast'].index(mode):03d}"
        # a new resident per mode: 高龄津贴 is once per resident (issue 23)
        page.form.set_values({"applicant_id": body + id_check_digit(body), "is_proxy": True,
                              "proxy_name": "王小红"})
        page.materials.set_received(["居民身份证", "户口簿", "社保卡或本人银行卡"])
        page.materials.commitment.setChecked(True)
        page.priority.setChecked(True)
        page.refresh()
        shot(win, f"{mode}-06-form-deferral")
        page.form.set_values({"proxy_id": "420105199001010021", "proxy_phone": "13912345678",
                              "proxy_relation": "子女"})
        page.materials.set_received(["居民身份证", "户口簿", "社保卡或本人银行卡", "授权委托书",
                                     "代办人身份证"])
        page.refresh()
        page.save()
        wait(app, lambda w=win: w.stack.currentWidget() is w.page("receipt"))
        wait(app, lambda w=win: not w.tasks.busy)
        settle(app, 1.5)  # QPdfView renders pages in the background
        shot(win, f"{mode}-07-receipt")
        win.page("receipt").rate_button.click()
        rating = win.page("rating")
        rating.buttons[4].click()
        shot(win, f"{mode}-08-rating")
        win.go_cases()
        wait(app, lambda w=win: not w.page("cases").model.loading)
        shot(win, f"{mode}-09-cases")
        uuid = win.page("cases").model.rows[-1]["uuid"]
        win.show_case(uuid)
        wait(app, lambda w=win: w.page("detail").case is not None)
        shot(win, f"{mode}-10-detail")
        correction = ctx.store.search.list_cases(status="correction", limit=1)
        if correction:
            win.show_case(correction[0]["uuid"])
            wait(app, lambda w=win, u=correction[0]["uuid"]:
                 (w.page("detail").case or {}).get("uuid") == u)
            shot(win, f"{mode}-11-detail-correction")
        win.go_sync()
        wait(app, lambda w=win: not w.tasks.busy)
        shot(win, f"{mode}-12-sync")
        dlg = SettingsDialog(ctx.settings, parent=win)
        dlg.show()
        shot(dlg, f"{mode}-13-settings")
        dlg.close()
        first = SettingsDialog(ctx.settings, first_run=True, protect_offered=True)
        first.show()
        shot(first, f"{mode}-14-first-run")
        first.close()
        from desk.ui.lock import UnlockDialog, signed_in

        locked = UnlockDialog(lambda secret: "密码不正确，还可以再试 4 次", win,
                              who=signed_in(ctx.settings))
        locked.show()
        locked.password.setText("wrong-pass")
        locked.try_unlock()
        wait(app, lambda d=locked: not d.busy)
        shot(locked, f"{mode}-15-lock")
        locked.done(0)
        win.close()
    ctx.close()
    print(json.dumps({"out": str(out)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shots/desk")))
