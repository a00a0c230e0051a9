"""Commands on a full disk: each says what failed, no traceback, no temporary file left.

The disk is a real one: a small tmpfs mounted in a private mount namespace
(``unshare --user --map-root-user --mount``, no privileges needed), filled up to a few
bytes of headroom (see fulldisk_child.py). ``0`` leaves no room to open the store;
``32768`` lets SQLite map its WAL index and nothing more; ``65536`` a little more.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from desk.cli import main
from forms.catalog import load_catalog

CHILD = Path(__file__).with_name("fulldisk_child.py")
REPO = Path(__file__).resolve().parents[2]
# what each command must say failed (it saves no case: never "案件未保存")
SAYS = {"backup": "备份未完成", "receipt": "回执未生成", "rate": "评价未保存",
        "protect": "未加密", "setup": "设置未保存"}
# files a command may leave: SQLite's own WAL companions, and its output when it succeeded
TEMPORARY = (".tmp", ".part", ".encrypting", ".new", "~")


def _namespaces_work() -> bool:
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return False
    proc = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "true"],
                          capture_output=True, timeout=30, check=False)
    return proc.returncode == 0


pytestmark = pytest.mark.skipif(not _namespaces_work(),
                                reason="needs Linux user and mount namespaces (unshare)")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: Any) -> tuple[Path, str]:
    """A set-up desk with one case (and its catalog cache), to be copied onto the disk."""
    src = tmp_path_factory.mktemp("full") / "desk-data"
    f = src.parent / "case.json"
    f.write_text(json.dumps(load_catalog().get("MZ-GLJT").example, ensure_ascii=False),
                 "utf-8")
    assert main(["--data-dir", str(src), "setup", "--desk-code", "HY-QL01",
                 "--worker", "刘晓燕"]) == 0
    from desk.core.app import DeskContext

    ctx = DeskContext.open(str(src))
    try:
        case = ctx.cases.submit("MZ-GLJT", json.loads(f.read_text("utf-8")), ctx.actor())
    finally:
        ctx.close()
    return src, case["uuid"]


def _run_full(src: Path, mount: Path, headroom: int, argv: list[str],
              stdin: str = "") -> dict[str, Any]:
    spec = {"src": str(src), "mount": str(mount), "size": "4m", "headroom": headroom,
            "argv": argv, "stdin": stdin}
    proc = subprocess.run(["unshare", "--user", "--map-root-user", "--mount",
                           sys.executable, str(CHILD), json.dumps(spec)],
                          capture_output=True, text=True, timeout=300, check=False,
                          cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    assert result["free"] == headroom  # the disk really is that full
    return result


@pytest.mark.parametrize("command", sorted(SAYS))
def test_each_command_says_what_failed_on_a_full_disk(
        prepared: tuple[Path, str], tmp_path: Path, command: str) -> None:
    src, uuid = prepared
    argv = {"backup": ["backup"],
            "receipt": ["receipt", uuid, "--out", "{mount}/receipt.pdf"],
            "rate": ["rate", uuid, "--level", "5"],
            "protect": ["protect"],
            "setup": ["setup", "--desk-code", "HY-QL02", "--worker", "王芳"]}[command]
    said = []
    for headroom in (0, 32768, 65536):
        got = _run_full(src, tmp_path / f"mnt-{headroom}", headroom, argv,
                        stdin="qiliyi-2026\n")
        err = got["err"]
        assert "Traceback" not in err, (headroom, err)
        assert "案件未保存" not in err, (headroom, err)
        assert got["rc"] in (0, 1), (headroom, got)
        if got["rc"] == 1:
            assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
            said.append(err)
        left = [f for f in got["files"] if f.endswith(TEMPORARY) or ".tmp" in f]
        assert left == [], (headroom, left)
        if got["rc"] == 1 and command == "receipt":
            assert "receipt.pdf" not in got["files"]
    # with room to open the store but not to do the work, the message names the work
    assert any(SAYS[command] in e for e in said), said
