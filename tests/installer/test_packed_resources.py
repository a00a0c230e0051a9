"""Resources shipped compressed (``NAME.xz``, issue 19's size budget: the installer packs the
fonts): :func:`forms.printing.resources.resource` hands out one decompressed copy in the
user's cache, also when many processes ask at the same moment, and a damaged file gets a
plain message with nothing half-written left behind."""

from __future__ import annotations

import hashlib
import lzma
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from forms.printing import resources

REPO = Path(__file__).resolve().parents[2]
PAYLOAD = os.urandom(1 << 16) * 40  # 2.6 MB: several read chunks


@pytest.fixture()
def packed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    res = tmp_path / "resources"
    (res / "fonts").mkdir(parents=True)
    (res / "fonts" / "face.ttf.xz").write_bytes(lzma.compress(PAYLOAD))
    (res / "fonts" / "plain.ttf").write_bytes(b"plain")
    monkeypatch.setenv("DOORSTEP_RESOURCES", str(res))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    resources.clear_cache()
    yield res
    resources.clear_cache()


def test_plain_file_as_is_packed_file_unpacked_into_cache(packed: Path, tmp_path: Path) -> None:
    assert resources.resource("fonts", "plain.ttf") == packed / "fonts" / "plain.ttf"
    path = resources.resource("fonts", "face.ttf")
    assert path.is_relative_to(tmp_path / "cache" / "doorstep-desk" / "resources")
    assert path.name == "face.ttf"
    assert path.read_bytes() == PAYLOAD
    # a missing file stays missing (the caller's own error names it)
    assert not resources.resource("fonts", "none.ttf").exists()


def test_fifty_threads_at_once_get_one_whole_copy(packed: Path, tmp_path: Path) -> None:
    start = threading.Barrier(50)
    got: list[Path] = []

    def ask() -> None:
        start.wait(timeout=60)
        got.append(resources.resource("fonts", "face.ttf"))

    threads = [threading.Thread(target=ask) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(got) == 50 and len(set(got)) == 1
    assert got[0].read_bytes() == PAYLOAD
    assert os.listdir(got[0].parent) == ["face.ttf"]  # no temporary file left


def test_fifty_processes_at_once_each_read_the_whole_file(packed: Path, tmp_path: Path) -> None:
    """Processes do not share the lock: the copy is renamed into place whole."""
    code = ("import hashlib, sys; from forms.printing.resources import resource; "
            "sys.stdin.read(); p = resource('fonts', 'face.ttf'); "
            "print(p, hashlib.sha256(p.read_bytes()).hexdigest())")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env, cwd=REPO) for _ in range(50)]
    for p in procs:  # all started (importing); released together
        assert p.stdin is not None
        p.stdin.close()
    outs = []
    for p in procs:
        assert p.stdout is not None and p.stderr is not None
        p.wait(timeout=300)
        outs.append((p.stdout.read(), p.stderr.read()))
        p.stdout.close()
        p.stderr.close()
    assert [p.returncode for p in procs] == [0] * 50, [err for _, err in outs if err][:1]
    want = hashlib.sha256(PAYLOAD).hexdigest()
    lines = {out.strip() for out, _ in outs}
    assert len(lines) == 1 and lines.pop().endswith(want)
    folder = next((tmp_path / "cache" / "doorstep-desk" / "resources").iterdir())
    assert os.listdir(folder) == ["face.ttf"]


def test_damaged_packed_file_plain_message_nothing_half_written(packed: Path,
                                                                tmp_path: Path) -> None:
    good = lzma.compress(PAYLOAD)
    (packed / "fonts" / "face.ttf.xz").write_bytes(good[: len(good) // 2])
    with pytest.raises(resources.ResourcesNotFound, match=r"无法解压程序资源 face\.ttf\.xz"):
        resources.resource("fonts", "face.ttf")
    folder = next((tmp_path / "cache" / "doorstep-desk" / "resources").iterdir())
    assert os.listdir(folder) == []
