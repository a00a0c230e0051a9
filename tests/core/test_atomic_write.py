"""One way to replace a small file atomically (forms.atomic), used by the settings, the
keyring and the catalog cache; the QR cache is functools' (issue 13)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from desk.core import settings as settings_mod
from desk.core.receipts import verify
from forms.atomic import write_atomic


def test_a_failed_write_leaves_the_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    write_atomic(path, '{"a": 1}')
    with pytest.raises(UnicodeEncodeError):
        write_atomic(path, "\ud800")  # cannot be written as UTF-8: fails mid-write
    assert path.read_text(encoding="utf-8") == '{"a": 1}'
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_keyring_mode_is_set_before_the_file_appears(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    write_atomic(path, "{}", mode=0o600)
    assert path.stat().st_mode & 0o777 == 0o600


def test_50_settings_saves_at_once_leave_one_whole_file(tmp_path: Path) -> None:
    """Each writer has a temporary file of its own: none renames another's away, the file
    is always one writer's whole settings, and no temporary file is left."""
    path = tmp_path / "settings.json"
    start = threading.Barrier(50)
    errors: list[BaseException] = []

    def save(n: int) -> None:
        try:
            start.wait(timeout=60)
            settings_mod.save(path, settings_mod.Settings(worker_name=f"工作人员{n}"))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["worker_name"] in {f"工作人员{n}" for n in range(50)}
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_qr_matrices_are_cached_by_functools() -> None:
    verify.clear_qr_cache()
    first = verify.qr_matrix("DSD1|HY-QL01-20261123-0001|x|ABCDEFGHJKLMNPQR")
    again = verify.qr_matrix("DSD1|HY-QL01-20261123-0001|x|ABCDEFGHJKLMNPQR")
    info = verify.qr_matrix.cache_info()
    assert again is first and info.hits == 1 and info.misses == 1
    verify.clear_qr_cache()
    assert verify.qr_matrix.cache_info().currsize == 0  # type: ignore[attr-defined]
