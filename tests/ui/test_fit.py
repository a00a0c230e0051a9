"""Issue 14 item 4: everything fits on a cheap laptop's screen — 1366×768 and 1024×640, in
normal and 长辈 mode. Every page and dialog is walked; a control whose text is cut, a
placeholder that does not fit, a choice squeezed, a dialog taller than the screen or a
window bigger than the screen's available area fails the test."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from answers import Answers
from PySide6.QtCore import QRect
from ui_checks import clipped, pages, seed, settle

# the screen's available area: the laptop's screen less a 40 px task bar
SCREENS = {"1366x768": QRect(0, 0, 1366, 728), "1024x640": QRect(0, 0, 1024, 600)}
# the window manager's title bar and frame on top of the window's client area
FRAME_H = 32
# DOORSTEP_FIT_SHOTS=DIR: every page as the test sees it, DIR/SCREEN-MODE/NN-PAGE.png (to look
# at, as tests/ui/screenshots.py; these walk the 诉求 screens too)
FIT_SHOTS = os.environ.get("DOORSTEP_FIT_SHOTS")
OFFSCREEN_DIALOG = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture(params=["normal", "large"])
def mode(request: Any) -> str:
    return str(request.param)


@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_page_fits(qtbot: Any, desk: Any, mode: str, screen: str,
                         cjk_font: str) -> None:
    from desk.ui import style
    from desk.ui.main import make_app
    from desk.ui.window import MainWindow

    avail = SCREENS[screen]
    app = make_app()
    desk.settings.large_font = mode == "large"
    style.apply(app, mode == "large", False)
    cases = seed(desk)
    win = MainWindow(desk, dialogs=Answers())
    qtbot.addWidget(win)
    win.fit_screen(avail)
    # the window opens within the available area, its title bar included
    assert win.width() <= avail.width() and win.height() + FRAME_H <= avail.height()
    assert win.minimumWidth() <= avail.width()
    assert win.minimumHeight() + FRAME_H <= avail.height()
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=20_000)
    problems: list[str] = []
    try:
        for n, where in enumerate(pages(win, qtbot, cases)):
            settle(app)
            if FIT_SHOTS:
                slug = re.sub(r"[^\w]+", "-", where)
                shot = Path(FIT_SHOTS) / f"{screen}-{mode}" / f"{n:02d}-{slug}.png"
                shot.parent.mkdir(parents=True, exist_ok=True)
                assert win.grab().save(str(shot))
            problems += [f"{where}: {p}" for p in clipped(win)]
            # the layout can give every control its minimum within the window
            need = win.centralWidget().minimumSizeHint()
            have = win.centralWidget().size()
            if need.width() > have.width() or need.height() > have.height():
                problems.append(f"{where}: needs {need.width()}x{need.height()}, window "
                                f"gives {have.width()}x{have.height()}")
    finally:
        win.tasks.shutdown()
    assert not problems, "\n".join(problems)


@OFFSCREEN_DIALOG
@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("first", [False, True], ids=["settings", "first-run"])
def test_settings_dialog_fits(qtbot: Any, desk: Any, mode: str, screen: str,
                              first: bool, cjk_font: str) -> None:
    from desk.ui import style
    from desk.ui.main import make_app
    from desk.ui.settings_dialog import SettingsDialog

    avail = SCREENS[screen]
    app = make_app()
    style.apply(app, mode == "large", False)
    dlg = SettingsDialog(desk.settings, first_run=first, protect_offered=first)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.fit(avail)
    settle(app)
    assert dlg.width() <= avail.width() and dlg.height() + FRAME_H <= avail.height(), \
        (dlg.width(), dlg.height())
    problems = clipped(dlg)
    # 保存/取消 on screen, not below the fields
    assert dlg.ok.isVisible()
    ok = dlg.ok.mapTo(dlg, dlg.ok.rect().bottomRight())
    assert dlg.rect().contains(ok)
    # the fields scroll up and down only
    assert dlg.scroll_area.widget().minimumSizeHint().width() <= dlg.scroll_area.viewport().width()
    assert not problems, "\n".join(problems)
    dlg.close()
