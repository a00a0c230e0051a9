"""Start the desk app: ``run_gui(data_dir)`` (called by ``doorstep-desk`` without a command).

Opens the desk (store, catalog, settings), applies the look (适老 large mode, high
contrast, language), asks for the desk code and worker name on first start, and shows the
main window.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication

from desk.ui import style
from desk.ui.text import tr

if TYPE_CHECKING:  # (the store's modules load after the lock screen has painted)
    from desk.core.app import DeskContext


def make_app(argv: list[str] | None = None, *, lazy_filters: bool = False) -> QApplication:
    """The QApplication (reused when one exists, e.g. under pytest-qt)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        install_filters(existing)
        return existing
    QCoreApplication.setOrganizationName("Doorstep Desk")
    QCoreApplication.setApplicationName("doorstep-desk")
    # fractional scale factors as they are: Qt 6's default rounding policy (PassThrough),
    # so nothing is set — QT_SCALE_FACTOR_ROUNDING_POLICY in the environment makes Qt 6.9
    # (the compat build's) print "setHighDpiScaleFactorRoundingPolicy must be called
    # before creating the QGuiApplication instance" at every start
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationDisplayName("家门口办事台")
    if not lazy_filters:  # run_gui installs them once the first screen has painted
        install_filters(app)
    return app


def install_filters(app: QApplication) -> None:
    """The application's event filters (each installed once): the wheel never changes an
    answer (desk.ui.wheel); Enter clicks the focused button (desk.ui.keys)."""
    from desk.ui import keys, wheel

    wheel.install(app)
    keys.install(app)


def first_run(ctx: DeskContext) -> DeskContext | None:
    """Ask for desk code, worker name and (for a new, unprotected desk) the worker's
    password, which encrypts the store. Returns the (re-opened) context, or None if the
    worker cancelled before the desk could work."""
    settings = ctx.settings
    if settings.configured and not settings.desk_code.startswith("LS-"):
        return ctx  # (the dialog's module is not even imported: unlock → window is timed)
    from desk.core import app as core_app
    from desk.core import keyring
    from desk.ui.settings_dialog import SettingsDialog

    paths = ctx.paths
    offer = not keyring.exists(paths.data_dir)
    dlg = SettingsDialog(settings, first_run=True, protect_offered=offer)
    if not dlg.exec() or dlg.result_settings is None:
        return ctx if settings.configured else None  # a provisional code still works
    ctx.settings = dlg.result_settings
    ctx.save_settings()
    if offer and dlg.result_password:
        ctx.close()
        core_app.protect(paths, dlg.result_password)
        ctx = core_app.DeskContext.open(str(paths.data_dir), password=dlg.result_password,
                               quick_check=False)
    app = QApplication.instance()
    if isinstance(app, QApplication):
        style.apply(app, ctx.settings.large_font, ctx.settings.high_contrast)
    return ctx


def tell_notices(ctx: DeskContext, parent: Any = None) -> None:
    """What opening the desk found that the worker must know (e.g. a damaged settings
    file kept aside), before anything else is asked."""
    notices = list(getattr(ctx, "notices", []) or [])
    if notices:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.warning(parent, tr("家门口办事台"), "\n".join(notices))


def _lean_start() -> None:
    """Nothing heavy is imported ahead of the window any more: the store imports
    sqlite-utils (without numpy/pandas) only when a migration is pending."""


class WarmImports:
    """What unlocking and the main window import, loaded while the worker types the
    password — started once the lock screen has painted, so it does not compete with the
    lock screen's own start (bench/bench_desk_speed.py: start → lock).

    The Qt-free modules (store, catalog, sync client, the matters' core) load on a thread
    of their own; the window's modules, which define Qt classes, only ever on the UI
    thread (PySide6 does not create Qt types safely off it: the start-up bench crashed), a
    module a timer tick, once the thread is done. Nothing is imported on two threads at
    once (the desk's modules import each other in cycles, which concurrent imports can
    catch half-initialised): the unlock thread waits for ``core`` before it opens the
    desk, the UI thread for ``background`` before it imports anything itself.
    """

    CORE = ("desk.core.app", "sync.client.pin")
    BACKGROUND = ("desk.core.logs", "desk.core.matters", "desk.core.clockcheck",
                  "sync.client.desk")
    WINDOW = ("desk.ui.window", "desk.ui.clock_notice", "desk.ui.autosync", "desk.ui.home",
              "desk.ui.sync_page", "desk.ui.matter_screens", "desk.ui.warm")

    def __init__(self) -> None:
        import threading

        self.core = threading.Event()
        self.background = threading.Event()
        self.done = threading.Event()  # the window's modules too
        self._lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self._window = list(self.WINDOW)

    def start(self) -> None:
        """Start once (later calls do nothing); on the UI thread, the window's modules
        follow."""
        import threading

        with self._lock:
            if self.thread is not None:
                return
            self.thread = threading.Thread(target=self._run, name="warm-imports",
                                           daemon=True)
            self.thread.start()
        if threading.current_thread() is threading.main_thread():
            QTimer.singleShot(20, self._next_window_module)

    def _run(self) -> None:
        try:
            for group, event in ((self.CORE, self.core), (self.BACKGROUND, self.background)):
                for name in group:
                    _quiet_import(name)
                event.set()
        finally:
            self.core.set()
            self.background.set()

    def _next_window_module(self) -> None:  # UI thread
        if not self.background.is_set():
            QTimer.singleShot(20, self._next_window_module)
            return
        if self._window:
            _quiet_import(self._window.pop(0))
            QTimer.singleShot(0, self._next_window_module)
            return
        self.done.set()

    def wait(self, event: Any) -> None:
        """Wait (bounded) for ``core`` or ``background`` of a started warm-up."""
        if self.thread is not None:
            event.wait(120)


def _quiet_import(name: str) -> None:
    import importlib

    try:
        importlib.import_module(name)
    except Exception as exc:  # the real import (later) reports it properly
        import logging  # (not ahead of the lock screen)

        logging.getLogger(__name__).warning("warm-up import of %s failed: %s", name, exc)


warm_imports = WarmImports()


_UNLOCK_KINDS = ("no_password", "wrong_password", "wrong_pin", "offline", "insecure",
                 "pin_locked", "revoked", "no_pin", "locked_out")


def open_desk(data_dir: str | None) -> Any:
    """Open the desk; an encrypted desk shows the lock screen (desk.ui.lock) first.

    The lock screen comes up before the heavy modules (the store, the catalog, the sync
    client) are imported — they load on a worker thread meanwhile — and the password's
    Argon2id and the store's opening run on the lock screen's worker thread, so the screen
    paints at once and keeps painting. The corruption check is left to the window's
    background helper (see ``MainWindow._after_show``) so a large store does not delay
    the first paint.
    """
    from desk.core.paths import resolve

    paths = resolve(data_dir)

    def attempt(secret: str | None) -> Any:
        warm_imports.wait(warm_imports.core)
        from desk.core.app import DeskContext

        return DeskContext.open(data_dir, password=secret, quick_check=False,
                                fetch_share=_fetch_key_share)

    protected = (paths.data_dir / "keyring.json").exists()  # desk.core.keyring.path_for
    intro = tr("办事台数据已加密，请输入工作人员密码（或联网时输入6位 PIN）：")
    if not protected or os.environ.get("DOORSTEP_PASSWORD") or \
            os.environ.get("DOORSTEP_PASSWORD_FILE"):
        from desk.core.errors import DeskError

        try:
            return attempt(None)
        except DeskError as exc:
            if exc.kind not in _UNLOCK_KINDS:
                from PySide6.QtWidgets import QMessageBox  # (not ahead of the lock screen)

                QMessageBox.critical(None, tr("家门口办事台"), exc.message)
                return None
            if exc.kind != "no_password":
                intro = exc.message
    from desk.ui.lock import UnlockDialog, signed_in

    preview = _settings_preview(paths.settings)
    app = QApplication.instance()
    if isinstance(app, QApplication):  # the lock screen in the worker's own look
        # (Qt's own words and the fallback fonts once the screen has painted)
        style.install_language(app, str(preview.get("language") or ""), qt_words=False,
                               district=paths.data_dir / "translations")
        style.apply(app, bool(preview.get("large_font")), bool(preview.get("high_contrast")),
                    fonts_later=True, lock_screen=True)

    opened: list[Any] = []

    def check(secret: str) -> str | None:  # on the lock screen's worker thread
        from desk.core.errors import DeskError

        warm_imports.start()  # (if the lock screen never painted)
        try:
            opened.append(attempt(secret))
        except DeskError as exc:
            return exc.message
        return None

    dlg = UnlockDialog(check, None, who=signed_in(preview), intro=intro, quit_button=True)
    dlg.setWindowTitle(tr("家门口办事台"))
    # the store, catalog, sync client and window load while the worker types
    dlg.painted.connect(warm_imports.start)
    if isinstance(app, QApplication):
        dlg.painted.connect(lambda: install_filters(app))
        dlg.painted.connect(style.load_fallback_fonts)
        dlg.painted.connect(lambda: style.install_language(
            app, str(preview.get("language") or ""), district=paths.data_dir / "translations"))
    dlg.exec()
    return opened[0] if opened else None


def _fetch_key_share(request: Any) -> str:
    """The district's key share for a PIN (:func:`sync.client.pin.fetch_key_share`),
    imported only when a PIN is tried: the sync client brings ``requests`` with its
    ~220 modules (~10 MB resident), which a desk opened without one does not need
    before its first sync (bench/bench_startup.py: peak memory)."""
    from sync.client.pin import fetch_key_share

    return fetch_key_share(request)


def _settings_preview(path: Any) -> dict[str, Any]:
    """The desk's name and worker for the lock screen, read as plain JSON without touching
    the file (opening the desk checks it properly). Qt's JSON reader, already loaded:
    the ``json`` package cost ~2.5 ms before the lock screen's first paint."""
    from PySide6.QtCore import QJsonDocument

    try:
        raw = path.read_bytes()
    except OSError:
        return {}
    if raw.startswith(b"\xef\xbb\xbf"):  # damaged for desk.core.settings (json.loads) too
        return {}
    doc = QJsonDocument.fromJson(raw)  # (a damaged file: a null document)
    return dict(doc.object()) if doc.isObject() else {}


def run_gui(data_dir: str | None = None, *,
            ready: Callable[[Any], None] | None = None) -> int:
    """Run the desk window until it is closed; the process exit status.

    ``ready(window)`` is called once the window is shown and the event loop runs (the
    start-up benchmark measures up to that moment).
    """
    _lean_start()
    app = make_app(lazy_filters=True)
    ctx = open_desk(data_dir)
    install_filters(app)  # (the lock screen installed them once it had painted)
    if ctx is None:
        return 1
    warm_imports.wait(warm_imports.background)  # then the UI thread imports what is left
    s = ctx.settings
    style.install_language(app, s.language, district=ctx.paths.data_dir / "translations")
    style.apply(app, s.large_font, s.high_contrast)
    from desk.core.logs import configure, install_crash_hook

    configure(ctx.paths.logs)
    install_crash_hook(ctx.paths.logs)
    tell_notices(ctx)
    opened = first_run(ctx)
    if opened is None:
        ctx.close()
        return 0
    ctx = opened
    from desk.ui import lock
    from desk.ui.window import MainWindow

    win = MainWindow(ctx)
    idle = lock.install(win, ctx)
    win.show()
    # the first receipt of the day must not pay for loading reportlab, fonts and QtPdf
    from desk.ui.warm import warm_documents

    QTimer.singleShot(1500, lambda: warm_documents(win))
    if ready is not None:
        QTimer.singleShot(0, lambda: ready(win))
    smoke_ms = os.environ.get("DOORSTEP_SMOKE_EXIT_MS", "").strip()
    if smoke_ms.isdigit():
        # Start-up smoke test of installed builds (tests/installer): quit on our own a
        # moment after the window is up, reporting that it was shown.
        def _smoke_exit() -> None:
            print(f"doorstep-desk: window shown: {win.windowTitle()}", flush=True)
            app.quit()

        QTimer.singleShot(int(smoke_ms), _smoke_exit)
    try:
        return int(app.exec())
    finally:
        if idle is not None:
            idle.stop()
        # the day's encrypted backup and the retention purge run on the way out
        ctx.close(maintenance=True)


if __name__ == "__main__":  # pragma: no cover
    import logging

    logging.basicConfig(level=logging.INFO)
    raise SystemExit(run_gui(sys.argv[1] if len(sys.argv) > 1 else None))


__all__ = ["make_app", "run_gui", "tr"]
