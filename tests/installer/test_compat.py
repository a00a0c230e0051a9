"""The compat build for glibc 2.31 systems (issue 19): installer/build_linux_compat.sh.

The build itself (a Debian 11 root, Python 3.11 compiled there, PyInstaller) takes 12 to
50 minutes on two shared cores, by their load, and needs root and the network to
deb.debian.org and PyPI, so it is not part of CI. What CI checks here:

- the script's steps (the same spec and build_linux.sh, a pristine root kept apart from the
  build root, everything heavy niced, the size budget) and the compat constraints;
- once the compat .deb has been built (dist/doorstep-desk_<version>_<arch>-compat.deb):
  its Depends fits a glibc 2.31 system, it is at most 120 MB packed and unpacked, and it
  carries the small FFmpeg and the SQLCipher binding built from source; and, as root with the
  pristine root at hand, installer/smoke_compat.sh passes in a fresh Debian 11 root.
  Without the .deb these skip, saying why.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INSTALLER = REPO / "installer"
SCRIPT = INSTALLER / "build_linux_compat.sh"
SMOKE = INSTALLER / "smoke_compat.sh"
CACHE = Path(os.environ.get("DOORSTEP_COMPAT_CACHE", "/tmp/doorstep-compat"))
BUDGET = 120_000_000  # bytes, as bench/bench_installer.py counts the budget


def _compat_deb() -> Path:
    from desk import __version__

    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)
    return REPO / "dist" / f"doorstep-desk_{__version__}_{arch}-compat.deb"


def _need_deb() -> Path:
    deb = _compat_deb()
    if not deb.is_file():
        pytest.skip(f"{deb.relative_to(REPO)} is not built: it takes 12-50 min as root "
                    "(sudo installer/build_linux_compat.sh), so CI does not build it")
    return deb


def test_compat_constraints_replace_only_the_overridden_pins() -> None:
    import sys

    sys.path.insert(0, str(INSTALLER))
    try:
        from compat_constraints import merge
    finally:
        sys.path.remove(str(INSTALLER))

    base = (REPO / "constraints.txt").read_text("utf-8")
    overrides = (INSTALLER / "compat-overrides.txt").read_text("utf-8")
    merged = merge(base, overrides)
    def pinned(text: str) -> list[tuple[str, str]]:
        return [(re.sub(r"[-_.]+", "-", line.split("==")[0].strip()).lower(),
                 line.split("==")[1].strip())
                for line in text.splitlines() if "==" in line and not line.startswith("#")]

    pins = dict(pinned(merged))
    assert len(pins) == len(pinned(merged))  # each package pinned once
    # PySide6 6.9.x: the newest release with manylinux_2_28 wheels (6.10+ need glibc 2.34)
    for name in ("pyside6-essentials", "pyside6-addons", "shiboken6"):
        assert pins[name].startswith("6.9."), (name, pins[name])
    # every other pin is constraints.txt's own
    normal = dict(pinned(base))
    assert {k: v for k, v in pins.items() if normal.get(k) != v} == {
        k: pins[k] for k in ("pyside6-essentials", "pyside6-addons", "shiboken6")}
    # an override of a package constraints.txt does not pin stops the build
    with pytest.raises(SystemExit, match=r"not pinned in constraints\.txt: pyside7"):
        merge(base, "PySide7==1.0\n")


def test_compat_script_steps() -> None:
    """The script's steps, as the issue asks (the build is too long for CI)."""
    for script in (SCRIPT, SMOKE):
        assert os.access(script, os.X_OK), script
        subprocess.run(["sh", "-n", str(script)], check=True)
    text = SCRIPT.read_text("utf-8")
    # a pristine bullseye root, copied for the build and (fresh) for the smoke test
    assert re.search(r"debootstrap --variant=minbase \"\$SUITE\"", text)
    assert "SUITE=bullseye" in text
    assert 'cp -a "$PRISTINE" "$ROOT"' in text
    # Python 3.11 from Debian's own source package, built in the root, shared (PyInstaller)
    assert "apt-get source --download-only -q python3.11" in text
    assert "--enable-shared" in text
    # the same spec and .deb builder as the normal build, on the committed tree
    assert "sh installer/build_linux.sh" in text
    assert "git -C \"$REPO\" archive --format=tar HEAD" in text
    assert "installer/compat_constraints.py" in text
    # the machine is shared: everything heavy niced, two make jobs
    assert 'NICE="nice -n 19"' in text and "nice -n 19 make -s -j2" in text
    assert "in_root $NICE pip install" in text
    # the spec's builds from source kept outside the source tree each run replaces
    assert "DOORSTEP_BUILD_CACHE=/build/cache" in text
    assert "BUDGET_MB=${DOORSTEP_DEB_BUDGET_MB:-120}" in text
    assert '"$REPO/installer/smoke_compat.sh" "$deb"' in text
    # the unpacked bundle's budget is checked, not only reported (issue 19)
    assert 'python3 "$REPO/installer/bundle_size.py" "$deb"' in text
    assert "WARNING: the bundle is" not in text
    smoke = SMOKE.read_text("utf-8")
    assert 'cp -a "$PRISTINE/." "$ROOT/"' in smoke  # a fresh copy, never the build root
    for step in ("dpkg -i /tmp/doorstep-desk.deb", "apt-get -f install",
                 "desk --version", "setup --desk-code", "new --item", "receipt \"$uuid\"",
                 "DOORSTEP_SMOKE_EXIT_MS", "enroll --server", "sync --server", "protect",
                 "DOORSTEP_SMOKE_CAMERA=1", "installer/bundle_size.py\" \"$ROOT/opt/doorstep-desk\""):
        assert step in smoke, step


def test_compat_deb_fits_glibc_231_and_budget() -> None:
    deb = _need_deb()
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb is not installed")
    assert deb.stat().st_size <= BUDGET, f"{deb.stat().st_size:,} bytes > 120 MB"
    depends = subprocess.run(["dpkg-deb", "-f", str(deb), "Depends"], check=True,
                             capture_output=True, text=True).stdout
    libc = re.search(r"libc6 \(>= ([\d.]+)\)", depends)
    assert libc, depends
    assert tuple(map(int, libc[1].split("."))) <= (2, 31), depends  # Debian 11, Kylin V10
    cxx = re.search(r"libstdc\+\+6 \(>= ([\d.]+)\)", depends)
    assert cxx is None or tuple(map(int, cxx[1].split("."))) <= (10,), depends  # GCC 10


def test_compat_bundle_within_budget() -> None:
    """Unpacked, as the .deb installs it (installer/bundle_size.py), ≤ 120 MB (117.3 MB
    when built with PySide6 6.9.3 in the Debian 11 root; see README, Installers)."""
    deb = _need_deb()
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb is not installed")
    proc = subprocess.run([sys.executable, str(INSTALLER / "bundle_size.py"), str(deb),
                           "--budget-mb", "120"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_compat_bundle_swaps_ffmpeg_and_sqlcipher(tmp_path: Path) -> None:
    """The two builds from source are in the compat bundle too (a silent fallback to the
    wheels' copies would put it ~25 MB over the budget): the small FFmpeg, and the SQLCipher
    binding against the bundle's OpenSSL 1.1 with the HMAC_CTX HMAC (sqlcipher_shared.py)."""
    deb = _need_deb()
    for tool in ("dpkg-deb", "readelf", "objdump"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp_path)], check=True)
    internal = tmp_path / "opt" / "doorstep-desk" / "_internal"
    avcodec = internal / "PySide6" / "Qt" / "lib" / "libavcodec.so.61"
    assert avcodec.stat().st_size < 1_000_000, avcodec.stat().st_size
    module = next((internal / "sqlcipher3").glob("_sqlite3*.so"))
    assert module.stat().st_size < 2_000_000, module.stat().st_size
    dynamic = subprocess.run(["readelf", "-d", str(module)], check=True, capture_output=True,
                             text=True).stdout
    assert "[libcrypto.so.1.1]" in dynamic, dynamic
    assert (internal / "libcrypto.so.1.1").is_file()
    imports = subprocess.run(["objdump", "-T", str(module)], check=True, capture_output=True,
                             text=True).stdout
    assert "HMAC_Init_ex" in imports and "EVP_MAC" not in imports


@pytest.mark.slow
def test_compat_deb_smoke_in_fresh_bullseye_root() -> None:
    deb = _need_deb()
    if os.geteuid() != 0:
        pytest.skip("the smoke test needs root (chroot, mount)")
    if not (CACHE / "pristine" / ".doorstep-pristine").is_file():
        pytest.skip(f"no pristine bullseye root at {CACHE}/pristine "
                    "(build_linux_compat.sh makes it)")
    # what the bundle does; its size has a test of its own (test_compat_bundle_within_budget)
    env = {**os.environ, "DOORSTEP_BUNDLE_BUDGET_MB": "100000"}
    proc = subprocess.run([str(SMOKE), str(deb)], capture_output=True, text=True,
                          timeout=3600, env=env)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "smoke_compat: all passed" in proc.stdout
