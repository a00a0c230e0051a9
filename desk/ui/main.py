"""Start the desk app: ``run_gui(data_dir)`` (called by ``doorstep-desk`` without a command).

Opens the desk (store, catalog, settings), applies the look (适老 large mode, high
contrast, language), asks for the desk code and worker name on first start, and shows the
main window.
"""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from desk.core.errors import DeskError
from desk.ui import style
from desk.ui.text import tr

log = logging.getLogger(__name__)


def make_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication (reused when one exists, e.g. under pytest-qt)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QCoreApplication.setOrganizationName("Doorstep Desk")
    QCoreApplication.setApplicationName("doorstep-desk")
    QApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationDisplayName("家门口办事台")
    return app


def first_run(ctx: object) -> bool:
    """Ask for desk code and worker name when missing; False if the worker cancelled."""
    from desk.ui.settings_dialog import SettingsDialog

    settings = ctx.settings  # type: ignore[attr-defined]
    if settings.configured and not settings.desk_code.startswith("LS-"):
        return True
    dlg = SettingsDialog(settings, first_run=True)
    if not dlg.exec() or dlg.result_settings is None:
        return settings.configured  # a provisional code still lets the desk work
    ctx.settings = dlg.result_settings  # type: ignore[attr-defined]
    ctx.save_settings()  # type: ignore[attr-defined]
    app = QApplication.instance()
    if isinstance(app, QApplication):
        style.apply(app, ctx.settings.large_font, ctx.settings.high_contrast)  # type: ignore[attr-defined]
    return True


def run_gui(data_dir: str | None = None) -> int:
    """Run the desk window until it is closed; the process exit status."""
    from desk.core.app import DeskContext

    app = make_app()
    try:
        ctx = DeskContext.open(data_dir)
    except DeskError as exc:
        QMessageBox.critical(None, "家门口办事台", exc.message)
        return 1
    s = ctx.settings
    style.install_language(app, s.language)
    style.apply(app, s.large_font, s.high_contrast)
    if not first_run(ctx):
        ctx.close()
        return 0
    from desk.ui.window import MainWindow

    win = MainWindow(ctx)
    win.show()
    try:
        return int(app.exec())
    finally:
        ctx.close()


if __name__ == "__main__":  # pragma: no cover
    logging.basicConfig(level=logging.INFO)
    raise SystemExit(run_gui(sys.argv[1] if len(sys.argv) > 1 else None))


__all__ = ["make_app", "run_gui", "tr"]
