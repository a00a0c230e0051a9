"""The desk's pieces wired together: paths, settings, store, catalog, case service.

The window, the command line and the sync client all start from :class:`DeskContext`.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desk.core import keyring
from desk.core import paths as paths_mod
from desk.core import settings as settings_mod
from desk.core.cases import Actor, CaseService
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

    @classmethod
    def open(cls, data_dir: str | None = None, *, password: str | None = None,
             quick_check: bool = False) -> DeskContext:
        """Open the desk at ``data_dir`` (see :mod:`desk.core.paths`).

        A password-protected desk needs ``password`` (or ``DOORSTEP_PASSWORD`` /
        ``DOORSTEP_PASSWORD_FILE`` for scripts); a new desk opened with a password is
        encrypted from its first case. The full corruption check (``quick_check``, which
        reads every page: ~0.6 s plain, ~5 s encrypted at 100,000 cases) is off by default;
        the window runs it in the background, backups check their copy, and a damaged page
        still surfaces as a clear StoreError when it is read. See :meth:`Store.open`.
        """
        paths = paths_mod.resolve(data_dir).ensure()
        key = unlock_key(paths, password)
        settings = settings_mod.load(paths.settings)
        if not settings.desk_code:
            # A desk works before set-up: a provisional, random desk code keeps receipt
            # numbers unique until the worker (or enrollment) gives the real one.
            settings.desk_code = _provisional_code()
            settings_mod.save(paths.settings, settings)
        store = Store.open(paths.db, key=key, quick_check=quick_check)
        catalog_mod.use_cache(paths.tmp / "catalog-cache.json")
        catalog = current_catalog(store)
        return cls(paths, settings, store, catalog, CaseService(store, catalog))

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

    def catalog_for(self, version: str) -> Catalog:
        """The catalog a case was filled under (see :meth:`CaseService.catalog_for`)."""
        return self.cases.catalog_for(version)

    def close(self, *, maintenance: bool = False) -> None:
        """Close the store; with ``maintenance`` (the app on exit) first take the day's
        backup and purge personal data past its retention period."""
        if maintenance:
            from desk.core import maintenance as mt

            try:
                mt.purge_expired(self.store)
                mt.backup_if_due(self.store, self.paths)
            except DeskError:
                pass  # never block closing; the next start tries again
        self.store.close()


def check_secret(paths: paths_mod.Paths, secret: str) -> bytes:
    """The data key for the worker's password — or for the PIN (6 digits, when one is
    set), which asks the district for its key share (network needed)."""
    if keyring.looks_like_pin(secret) and keyring.has_pin(paths.data_dir):
        from sync.client.pin import fetch_key_share

        return keyring.unlock_pin(paths.data_dir, secret, fetch_key_share)
    return keyring.unlock(paths.data_dir, secret)


def unlock_key(paths: paths_mod.Paths, password: str | None) -> bytes | None:
    """The data key of a protected desk (or of a new desk given a password), else None."""
    pw = password if password is not None else keyring.password_from_env()
    if keyring.exists(paths.data_dir):
        if not pw:
            raise keyring.KeyringError(
                "no_password", "办事台数据已加密，请输入工作人员密码或 PIN"
                "（脚本可设置 DOORSTEP_PASSWORD 或 DOORSTEP_PASSWORD_FILE）")
        return check_secret(paths, pw)
    if pw and not paths.db.exists():
        return keyring.create(paths.data_dir, pw)
    return None


def protect(paths: paths_mod.Paths, password: str) -> dict[str, Any]:
    """Encrypt an existing unprotected desk under ``password`` (the store must be closed).

    The plain database and plain backups are replaced by encrypted ones.
    """
    if keyring.exists(paths.data_dir):
        raise keyring.KeyringError("exists", "办事台数据已经加密；修改密码请用 passwd 命令")
    keyring.check_password_rule(password)
    cases = 0
    key: bytes
    if paths.db.exists():
        tmp = paths.db.with_name(paths.db.name + ".encrypting")
        key = secrets.token_bytes(32)
        cases = Store.encrypt_copy(paths.db, tmp, key)
        keyring.create(paths.data_dir, password, key=key)
        for suffix in ("-wal", "-shm"):
            Path(str(paths.db) + suffix).unlink(missing_ok=True)
        tmp.replace(paths.db)
        for old in paths.backups.glob("desk-*.sqlite3"):
            old.unlink()
    else:
        keyring.create(paths.data_dir, password)
    return {"protected": True, "cases": cases}


def current_catalog(store: Store) -> Catalog:
    """The newer of the shipped catalog and the latest one pulled from the district."""
    shipped = load_catalog()
    pulled: dict[str, Any] | None = store.latest_catalog()
    if pulled and str(pulled.get("version", "")) > shipped.version:
        try:
            return Catalog.from_json(pulled)
        except CatalogError:
            return shipped
    return shipped
