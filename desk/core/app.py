"""The desk's pieces wired together: paths, settings, store, catalog, case service.

The window, the command line and the sync client all start from :class:`DeskContext`.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desk.core import clock, inuse, keyring
from desk.core import paths as paths_mod
from desk.core import settings as settings_mod
from desk.core.cases import Actor, CaseService
from desk.core.clockcheck import DeskDay
from desk.core.errors import DeskError
from desk.core.store import Store
from forms import catalog as catalog_mod
from forms.catalog import Catalog, CatalogError, load_catalog


def _provisional_code() -> str:
    alphabet = string.ascii_uppercase + string.digits
    return settings_mod.PROVISIONAL_PREFIX + "".join(secrets.choice(alphabet) for _ in range(6))


@dataclass
class DeskContext:
    """Everything one running desk needs."""

    paths: paths_mod.Paths
    settings: settings_mod.Settings
    store: Store
    catalog: Catalog
    cases: CaseService
    # this process's hold on the data folder (see desk.core.inuse), released by close()
    hold: inuse.Hold | None = None
    # what the worker must be told on opening (e.g. a damaged settings file kept aside)
    notices: list[str] = field(default_factory=list)
    # the date the desk works under: the clock's, or the worker's confirmed one while the
    # clock is in doubt (desk.core.clockcheck)
    desk_day: DeskDay | None = None

    @classmethod
    def open(cls, data_dir: str | None = None, *, password: str | None = None,
             quick_check: bool = False, exclusive: bool = False,
             fetch_share: keyring.ShareFetcher | None = None) -> DeskContext:
        """Open the desk at ``data_dir`` (see :mod:`desk.core.paths`).

        A password-protected desk needs ``password`` (or ``DOORSTEP_PASSWORD`` /
        ``DOORSTEP_PASSWORD_FILE`` for scripts); a new desk opened with a password is
        encrypted from its first case. The full corruption check (``quick_check``, which
        reads every page: ~0.6 s plain, ~5 s encrypted at 100,000 cases) is off by default;
        the window runs it in the background, backups check their copy, and a damaged page
        still surfaces as a clear StoreError when it is read. See :meth:`Store.open`.

        The data folder is held in shared mode until :meth:`close` (``exclusive``: alone,
        or DeskError ``in_use`` when another process has it open), so it cannot be
        re-keyed or replaced under this process.

        ``fetch_share`` asks the district for the PIN's key share (the window and the
        command line pass :func:`sync.client.pin.fetch_key_share`); without it a PIN cannot
        unlock and the worker is asked for the password.
        """
        paths = paths_mod.resolve(data_dir).ensure()
        hold = inuse.take(paths.data_dir) if exclusive else inuse.share(paths.data_dir)
        try:
            return cls._open_held(paths, hold, password, quick_check, fetch_share)
        except BaseException:
            hold.release()
            raise

    @classmethod
    def _open_held(cls, paths: paths_mod.Paths, hold: inuse.Hold, password: str | None,
                   quick_check: bool, fetch_share: keyring.ShareFetcher | None) -> DeskContext:
        key = unlock_key(paths, password, fetch_share)
        settings, damaged = settings_mod.load_checked(paths.settings)
        store = Store.open(paths.db, key=key, quick_check=quick_check)
        store.calendar.calendar_dir = paths.data_dir / "calendars"  # a stand-alone desk's years
        catalog_mod.use_cache(paths.tmp / "catalog-cache.json")
        try:
            notices = _settle_desk_code(paths, settings, store, damaged)
            catalog = current_catalog(store)
        except BaseException:
            store.close()
            raise
        ctx = cls(paths, settings, store, catalog, CaseService(store, catalog), hold)
        ctx.notices = notices
        ctx.keep_translation_files()
        clock.configure(settings.time_zone)  # the desk's dates: China Standard Time
        ctx.desk_day = DeskDay(store, settings)
        ctx.cases.desk_day = ctx.desk_day
        return ctx

    def require_setup(self) -> None:
        """Refuse to act for residents (a case, a receipt number) before first-run set-up:
        a provisional desk code gives receipts the district cannot verify."""
        if not self.settings.configured or self.settings.provisional:
            raise DeskError(
                "not_set_up", "办事台尚未完成设置（办事点编码和工作人员姓名），不能受理案件。"
                "请先运行 doorstep-desk setup --desk-code 办事点编码 --worker 工作人员姓名，"
                "或在窗口中完成首次设置。")

    def actor(self) -> Actor:
        """The desk and worker that act now."""
        return Actor(self.settings.desk_code, self.settings.worker_name or "值班人员")

    def save_settings(self) -> None:
        """Persist the settings."""
        settings_mod.save(self.paths.settings, self.settings)

    def reload_catalog(self) -> None:
        """Pick up a catalog version pulled from the district."""
        self.catalog = current_catalog(self.store)
        self.cases.catalog = self.catalog
        self.keep_translation_files()

    def keep_translation_files(self) -> None:
        """Issue 16: the translation files the district published with the current catalog
        go to the data folder's ``translations`` (a language for the UI and for documents);
        a desk that cannot write them keeps working in the languages it has."""
        from desk.core.doclang import district_dir
        from forms.ui_translations import keep_catalog_files

        try:
            keep_catalog_files(district_dir(self.paths.data_dir),
                               getattr(self.catalog, "translations", {}))
        except OSError:
            pass

    def recompute_promises(self) -> list[dict[str, Any]]:
        """Count again the open promises across a year whose official holiday arrangement
        arrived since the last time (sync calls this after every pull); the worker's lines
        for the dates that moved (see :mod:`desk.core.recalendar`)."""
        from desk.core.recalendar import recompute_promises

        return recompute_promises(self)

    def catalog_for(self, version: str) -> Catalog:
        """The catalog a case was filled under (see :meth:`CaseService.catalog_for`)."""
        return self.cases.catalog_for(version)

    def close(self, *, maintenance: bool = False) -> None:
        """Close the store; with ``maintenance`` (the app on exit) first take the day's
        backup and purge personal data past its retention period. Closing twice is
        harmless."""
        if self.hold is not None and not self.hold.held:
            return
        if maintenance:
            from desk.core import maintenance as mt

            try:
                mt.purge_expired(self.store)
                mt.purge_expired_matters(self.store)  # issue 15: matters by the same rules
                mt.backup_if_due(self.store, self.paths)
            except DeskError:
                pass  # never block closing; the next start tries again
        try:
            self.store.close()
        finally:
            if self.hold is not None:
                self.hold.release()


def _settle_desk_code(paths: paths_mod.Paths, settings: settings_mod.Settings, store: Store,
                      damaged: Path | None) -> list[str]:
    """Give the desk a desk code when its settings have none (first start, or a settings
    file lost or damaged), and say what happened to a damaged file.

    The code the district enrolled this desk under (kept in the store) always wins over a
    new provisional one, so a damaged settings file never costs the desk its identity; a
    desk never enrolled gets a provisional, random code that keeps receipt numbers unique
    until set-up gives the real one (``new`` refuses to work under it, as the window does).
    """
    notices: list[str] = []
    enrolled = store.get_meta("district_desk_code") or ""
    if damaged is not None:
        notices.append(f"设置文件已损坏，已另存为 {damaged.name}，不会被覆盖。")
    if not settings.desk_code or (enrolled and settings.provisional):
        if enrolled:
            settings.desk_code = enrolled
            settings.server_url = settings.server_url or store.get_meta("server_url") or ""
            if damaged is not None:
                notices.append(f"办事点编码已按区级登记恢复为 {enrolled}；请核对工作人员姓名等"
                               "设置（窗口中的“设置”，或 doorstep-desk setup）。")
        else:
            settings.desk_code = _provisional_code()
            if damaged is not None:
                notices.append("请重新完成办事点设置（窗口中的首次设置，或 doorstep-desk setup）。")
        settings_mod.save(paths.settings, settings)
    elif damaged is not None:
        settings_mod.save(paths.settings, settings)
        notices.append("请核对办事点设置（窗口中的“设置”，或 doorstep-desk setup）。")
    return notices


def check_secret(paths: paths_mod.Paths, secret: str,
                 fetch_share: keyring.ShareFetcher | None = None) -> bytes:
    """The data key for the worker's password — or for the PIN (6 digits, when one is
    set), which asks the district for its key share through ``fetch_share`` (network
    needed; the core never imports the sync client, which sits above it)."""
    if keyring.looks_like_pin(secret) and keyring.has_pin(paths.data_dir):
        if fetch_share is None:
            raise keyring.KeyringError("offline", "这里不能用 PIN 解锁（需要连接区级系统）；"
                                                  "请输入完整密码解锁")
        return keyring.unlock_pin(paths.data_dir, secret, fetch_share)
    return keyring.unlock(paths.data_dir, secret)


def unlock_key(paths: paths_mod.Paths, password: str | None,
               fetch_share: keyring.ShareFetcher | None = None) -> bytes | None:
    """The data key of a protected desk (or of a new desk given a password), else None."""
    pw = password if password is not None else keyring.password_from_env()
    if keyring.exists(paths.data_dir):
        if not pw:
            raise keyring.KeyringError(
                "no_password", "办事台数据已加密，请输入工作人员密码或 PIN"
                "（脚本可设置 DOORSTEP_PASSWORD 或 DOORSTEP_PASSWORD_FILE）")
        return check_secret(paths, pw, fetch_share)
    if pw and not paths.db.exists():
        return keyring.create(paths.data_dir, pw)
    return None


def protect(paths: paths_mod.Paths, password: str) -> dict[str, Any]:
    """Encrypt an existing unprotected desk under ``password``.

    Needs the data folder alone (DeskError ``in_use`` while a window or command has it
    open). The database, every backup and every set-aside copy (``before-restore-*``) are
    replaced by encrypted ones; the plain files and any plain temporary copy are overwritten
    and deleted — after ``protect`` nothing under the data folder is readable without the
    key (see :func:`desk.core.maintenance.encrypt_folder`).
    """
    from desk.core import maintenance

    with inuse.exclusive(paths.data_dir):
        if keyring.exists(paths.data_dir):
            raise keyring.KeyringError("exists", "办事台数据已经加密；修改密码请用 passwd 命令")
        keyring.check_password_rule(password)
        key = secrets.token_bytes(32)
        plan = maintenance.encrypt_folder_prepare(paths, key)
        try:
            keyring.create(paths.data_dir, password, key=key)
        except BaseException:
            maintenance.encrypt_folder_abandon(plan)
            raise
        cases = maintenance.encrypt_folder_commit(paths, plan)
    return {"protected": True, "cases": cases}


def change_password(paths: paths_mod.Paths, old: str, new: str) -> None:
    """Re-wrap the data key under a new password; needs the data folder alone."""
    with inuse.exclusive(paths.data_dir):
        keyring.change_password(paths.data_dir, old, new)


def current_catalog(store: Store) -> Catalog:
    """The catalog the district published last (by its publish sequence, not the version
    text: ``…hanyang.10`` follows ``…hanyang.9``); the shipped one before any was pulled."""
    shipped = load_catalog()
    pulled: dict[str, Any] | None = store.sync.latest_catalog()
    if pulled and str(pulled.get("version", "")) != shipped.version:
        try:
            return Catalog.from_json(pulled)
        except CatalogError:
            return shipped
    return shipped
