"""The district server's release files (installer/district, installer/build_district.sh).

Quick checks keep the files consistent with the project (requirements vs. pyproject, shell
syntax, the unit's command); the slow one builds the release tarball, installs its wheel
into a fresh virtual environment the way install.sh does, and runs the server from it
(API and console pages — package data missing from the wheel shows up here), and runs
the backup script against its SQLite database.
"""

from __future__ import annotations

import json
import os
import re
import site
import socket
import subprocess
import sys
import tarfile
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DISTRICT = REPO / "installer" / "district"


def _name(req: str) -> str:
    return re.split(r"[\[<>=!~; ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_server_requirements_are_project_dependencies() -> None:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"][
        "dependencies"]
    project = {_name(d) for d in deps}
    reqs = [line for line in (DISTRICT / "requirements-server.txt").read_text(
        "utf-8").splitlines() if line.strip() and not line.startswith("#")]
    names = {_name(r) for r in reqs}
    assert names <= project, f"not in pyproject: {names - project}"
    assert not {n for n in names if n.startswith("pyside6") or n == "reportlab"}
    for needed in ("fastapi", "uvicorn", "sqlalchemy", "psycopg", "jinja2"):
        assert needed in names


@pytest.mark.parametrize("script", ["install.sh", "doorstep-district-backup"])
def test_shell_scripts_parse(script: str) -> None:
    subprocess.run(["sh", "-n", str(DISTRICT / script)], check=True)
    assert os.access(DISTRICT / script, os.X_OK)


def test_unit_runs_the_documented_command() -> None:
    unit = (DISTRICT / "doorstep-district.service").read_text("utf-8")
    start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    assert "/opt/doorstep-district/venv/bin/doorstep-district serve" in start
    assert "--host 127.0.0.1" in start
    env = (DISTRICT / "district.env").read_text("utf-8")
    for var in re.findall(r"\$\{(\w+)\}", start):
        assert re.search(rf"^{var}=", env, re.M), f"{var} missing from district.env"
    nginx = (DISTRICT / "nginx-doorstep-district.conf").read_text("utf-8")
    port = re.search(r"^DOORSTEP_PORT=(\d+)", env, re.M)
    assert port and f"server 127.0.0.1:{port.group(1)};" in nginx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_release_installs_and_serves(tmp_path: Path) -> None:
    out = subprocess.run([str(REPO / "installer" / "build_district.sh")], check=True,
                         capture_output=True, text=True, cwd=REPO, timeout=300).stdout
    tarball = REPO / out.strip().splitlines()[-1]
    with tarfile.open(tarball) as tar:
        tar.extractall(tmp_path, filter="data")
    release = next(tmp_path.glob("doorstep-district-*"))
    wheel = next(release.glob("doorstep_desk-*.whl"))
    # install.sh's venv, minus the network: the dependencies come from the interpreter
    # running the tests — whether that is the machine's Python or a virtual environment
    # (`venv --system-site-packages` from a venv's interpreter would see the base Python's
    # site-packages, not the venv's). A path file lists this interpreter's site-packages
    # after the new venv's own, so the installed wheel wins over the checkout.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = subprocess.run([str(venv / "bin" / "python"), "-c",
                              "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    ours = {p for p in (*site.getsitepackages(), site.getusersitepackages())
            if Path(p).is_dir()}
    (Path(purelib) / "_test_parent_site.pth").write_text(
        "".join(f"{p}\n" for p in sorted(ours)), "utf-8")
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    "--no-deps", "--no-index", "--disable-pip-version-check",
                    "--no-build-isolation", str(wheel)], check=True, timeout=300)
    exe = venv / "bin" / "doorstep-district"
    db = f"sqlite:///{tmp_path / 'district.sqlite3'}"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DOORSTEP_DB")}
    env["DOORSTEP_CONSOLE_INSECURE_COOKIES"] = "1"
    # the installed package, not the checkout
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import sync.district, sys; print(sync.district.__file__)"],
                           check=True, capture_output=True, text=True, env=env,
                           cwd=tmp_path).stdout
    assert str(venv) in where
    stats = subprocess.run([str(exe), "--db", db, "stats", "--json"], check=True,
                           capture_output=True, text=True, env=env, cwd=tmp_path)
    assert {"cases", "batches", "desks"} <= set(json.loads(stats.stdout))  # migrated
    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("w") as log_file:
        server = subprocess.Popen([str(exe), "--db", db, "serve", "--port", str(port)],
                                  env=env, cwd=tmp_path, stdout=log_file, stderr=log_file)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz",
                                            timeout=2) as r:
                    assert json.loads(r.read())["ok"] is True
                break
            except OSError:
                assert server.poll() is None, log.read_text("utf-8")
                assert time.monotonic() < deadline, "server did not start"
                try:  # pace the polls on the process itself: an early exit ends the wait
                    server.wait(timeout=0.2)
                except subprocess.TimeoutExpired:
                    pass
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/console/login",
                                    timeout=5) as r:
            page = r.read().decode("utf-8")
        assert r.status == 200 and "<form" in page
    finally:
        server.terminate()
        server.wait(timeout=30)
    backups = tmp_path / "backups"
    done = subprocess.run([str(release / "doorstep-district-backup"), "--db", db, "--dir",
                           str(backups), "--days", "30"], check=True, capture_output=True,
                          text=True, env=env)
    backup = Path(done.stdout.strip())
    assert backup.is_file() and backup.stat().st_size > 0
