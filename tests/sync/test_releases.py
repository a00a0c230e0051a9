"""Desk releases through the district (issue 19): uploaded and audited, offered at sync only
when newer and signed by the key the desk pinned at enrollment, downloaded a piece at a
time with resume, refused when tampered. Real district server (SQLite and PostgreSQL),
real desks, the real command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, update
from sync_helpers import District, enroll

from sync import protocol as P
from sync.client import updates
from sync.client.desk import client_for, sync_desk
from sync.client.errors import NetworkError
from sync.district import releases
from sync.district.console.store import ConsoleStore

PIECE = 64 * 1024


def _installer(folder: Path, version: str, size: int = 300_000, ext: str = "deb") -> Path:
    path = folder / f"doorstep-desk_{version}_amd64.{ext}"
    path.write_bytes(os.urandom(size))
    return path


def _add(district: District, path: Path, version: str, notes: str = "修复回执打印") -> Any:
    return releases.add_release(district.storage, path, version=version, platform="linux",
                                notes=notes, actor="test")


def _cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sync.district.cli", "--db", db_url, *args],
                          capture_output=True, text=True, timeout=120, check=False)


def test_release_add_on_the_command_line_is_checked_and_audited(district: District,
                                                                tmp_path: Path) -> None:
    deb = _installer(tmp_path, "0.9.3")
    ok = _cli(district.db_url, "release", "add", str(deb), "--version", "0.9.3",
              "--platform", "linux", "--notes", "修复回执打印", "--json")
    assert ok.returncode == 0, ok.stderr
    again = _cli(district.db_url, "release", "add", str(deb), "--version", "0.9.3",
                 "--platform", "linux")
    assert again.returncode == 2
    assert again.stderr.startswith("version: [unique]") and "已上传过" in again.stderr
    for args, start in (
            (["--version", "0.9.4", "--platform", "windows"], "file: [kind]"),
            (["--version", "1.a", "--platform", "linux"], "version: [pattern]")):
        bad = _cli(district.db_url, "release", "add", str(deb), *args)
        assert bad.returncode == 2 and bad.stderr.startswith(start), bad.stderr
    missing = _cli(district.db_url, "release", "add", str(tmp_path / "none.deb"), "--version",
                   "0.9.5", "--platform", "linux")
    assert missing.returncode == 2 and missing.stderr.startswith("file: [exists]")
    listed = _cli(district.db_url, "release", "list", "--json")
    assert '"version": "0.9.3"' in listed.stdout
    log = ConsoleStore(district.storage).audit.entries(action="release.add")
    assert [r["target"] for r in log] == ["linux:0.9.3"]  # only the real upload


def test_a_desk_learns_of_a_newer_release_and_downloads_it_verified(
        district: District, make_desk: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(updates, "running_version", lambda: "0.9.2")
    desk = make_desk()
    enroll(district, desk)
    pinned = desk.store.get_meta("release_key")
    assert pinned and len(pinned) == 64  # pinned at enrollment
    assert sync_desk(desk)["release"] is None  # nothing published yet
    assert updates.offered(desk) is None

    older = _installer(tmp_path, "0.9.1")
    _add(district, older, "0.9.1")
    assert sync_desk(desk)["release"] is None  # older than the desk: not offered
    _add(district, _installer(tmp_path, "0.10.0", size=5 * PIECE + 123), "0.10.0",
         notes="新增诉求登记")
    _add(district, _installer(tmp_path, "0.9.9"), "0.9.9")  # uploaded last, yet older
    summary = sync_desk(desk)
    assert summary["complete"] and summary["release"] == "0.10.0"  # by numbers, not order
    rel = updates.offered(desk)
    assert rel is not None and rel.notes == "新增诉求登记"

    seen: list[int] = []
    with client_for(desk) as c:
        path = updates.download_release(desk, c, rel, piece=PIECE,
                                        progress=lambda have, total: seen.append(have))
    assert path.read_bytes() == (tmp_path / "doorstep-desk_0.10.0_amd64.deb").read_bytes()
    assert seen[-1] == rel.size and len(seen) == 6
    assert not path.with_name(path.name + ".part").exists()


def test_a_broken_download_resumes_where_it_stopped(district: District, make_desk: Any,
                                                   tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(updates, "running_version", lambda: "0.9.2")
    desk = make_desk()
    enroll(district, desk)
    deb = _installer(tmp_path, "0.9.3", size=8 * PIECE + 7)
    _add(district, deb, "0.9.3")
    sync_desk(desk)
    rel = updates.offered(desk)
    assert rel is not None

    def cut_after_three(have: int, _total: int) -> None:
        if have == 3 * PIECE:
            district.stop()  # the compound's connection goes

    with client_for(desk, retries=0) as c, pytest.raises(NetworkError):
        updates.download_release(desk, c, rel, piece=PIECE, progress=cut_after_three)
    part = updates.updates_dir(desk) / (rel.filename + ".part")
    assert part.stat().st_size == 3 * PIECE  # what arrived is kept
    district.restart()
    with client_for(desk) as c:
        before = c.requests_made
        path = updates.download_release(desk, c, rel, piece=PIECE)
        asked = c.requests_made - before
    assert asked == 6  # the remaining 5 pieces and 7 bytes, not the whole file again
    assert path.read_bytes() == deb.read_bytes()


def test_a_tampered_file_or_release_is_refused(district: District, make_desk: Any,
                                              tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(updates, "running_version", lambda: "0.9.2")
    desk = make_desk()
    enroll(district, desk)
    _add(district, _installer(tmp_path, "0.9.3", size=2 * PIECE), "0.9.3")
    sync_desk(desk)
    rel = updates.offered(desk)
    assert rel is not None
    st = district.storage
    with st.write() as conn:  # someone alters the stored installer
        rid = conn.execute(select(releases.releases.c.id)).scalar_one()
        conn.execute(update(releases.release_chunks).where(
            releases.release_chunks.c.release_id == rid).values(data=b"\0" * PIECE))
    with client_for(desk) as c, pytest.raises(updates.UpdateError) as err:
        updates.download_release(desk, c, rel, piece=PIECE)
    assert err.value.code in ("hash_mismatch", "size_mismatch")
    assert not any(updates.updates_dir(desk).iterdir())  # nothing kept to install

    # notes changed after signing: the offer is not believed
    forged = rel.model_copy(update={"notes": "请立即安装（伪造）"})
    with client_for(desk) as c, pytest.raises(updates.UpdateError) as err:
        updates.download_release(desk, c, forged, piece=PIECE)
    assert err.value.code == "bad_signature"

    # the district's key replaced (a fake server, or a re-keyed one): nothing is offered
    other = Ed25519PrivateKey.generate()
    with st.write() as conn:
        conn.execute(update(releases.district_keys).values(
            private_hex=other.private_bytes_raw().hex(),
            public_hex=releases._public_hex(other)))
    _add(district, _installer(tmp_path, "0.9.4"), "0.9.4")
    summary = sync_desk(desk)
    assert summary["complete"]  # the sync itself goes on
    assert summary["release"] is None and summary["release_error"] == "key_changed"
    assert updates.offered(desk) is None


def test_a_desk_and_a_district_from_before_releases_keep_working(
        district: District, make_desk: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(updates, "running_version", lambda: "0.9.2")
    desk = make_desk()
    enroll(district, desk)
    # an old desk never asks: its sync is the same as before (no release call)
    monkeypatch.setattr(updates, "check_release", lambda *a: None)
    assert sync_desk(desk)["complete"]
    monkeypatch.undo()
    monkeypatch.setattr(updates, "running_version", lambda: "0.9.2")
    # a district from before releases: the route does not exist (404)
    district.drop_routes(P.PATH_RELEASE, P.PATH_RELEASE_FILE)
    _add(district, _installer(tmp_path, "0.9.3"), "0.9.3")
    summary = sync_desk(desk)
    assert summary["complete"] and summary["release"] is None
    assert "release_error" not in summary


def test_a_desk_enrolled_before_releases_pins_the_first_key_it_sees(
        district: District, make_desk: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(updates, "running_version", lambda: "0.9.2")
    desk = make_desk()
    enroll(district, desk)
    key = desk.store.get_meta("release_key")
    desk.store.set_meta("release_key", "")  # as a desk enrolled by an older version
    _add(district, _installer(tmp_path, "0.9.3"), "0.9.3")
    assert sync_desk(desk)["release"] == "0.9.3"
    assert desk.store.get_meta("release_key") == key
