"""Build the desk's Debian package (UOS, Kylin, Debian, Ubuntu) from the PyInstaller bundle.

    python installer/build_deb.py [--bundle dist/doorstep-desk] [--out dist]

Layout of the package:

- ``/opt/doorstep-desk/``                 the one-folder bundle (program + ``_internal``)
- ``/usr/bin/doorstep-desk``              a symlink to it (command line and window)
- ``/usr/share/applications/doorstep-desk.desktop``   menu entry, Chinese name 家门口办事台
- ``/usr/share/icons/hicolor/*/apps/doorstep-desk.{png,svg}``
- ``/usr/share/doc/doorstep-desk/copyright``  licences (app, fonts)

``Depends`` is derived from the bundle: every shared library a bundled binary needs and
the bundle does not carry is looked up in :data:`SONAME_PACKAGES`; an unknown one stops
the build, so the list cannot silently go stale. The libc6 and libstdc++6 versions come
from the newest ``GLIBC_x.y`` and ``GLIBCXX_3.4.n`` symbol versions a bundled binary needs
(the build machine's Python and the PySide6 wheels decide them: PySide6 6.10 and later
need glibc 2.34 and GCC 11's libstdc++), so dpkg refuses the package on a system that
could not run it. Worker data lives in each user's data
folder (``~/.local/share/doorstep-desk``), never under ``/opt``: upgrading or removing the
package (even ``--purge``) leaves it alone. Needs ``dpkg-deb`` (and ``objdump``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "doorstep-desk"
PREFIX = Path("opt") / PACKAGE

# soname -> Debian dependency (alternatives for the 64-bit time_t renames of Debian 13).
SONAME_PACKAGES = {
    # glibc: "libc6 (>= x.y)" with the version the bundle needs (see glibc_needed)
    **dict.fromkeys(["libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1",
                     "libresolv.so.2", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1",
                     "libutil.so.1"], "libc6"),
    "libstdc++.so.6": "libstdc++6",  # with the version the bundle needs (see version_needs)
    "libgcc_s.so.1": "libgcc-s1 | libgcc1",
    "libz.so.1": "zlib1g",
    "libzstd.so.1": "libzstd1",
    "libbz2.so.1.0": "libbz2-1.0",
    "liblzma.so.5": "liblzma5",
    "libuuid.so.1": "libuuid1",
    "libbrotlicommon.so.1": "libbrotli1",
    "libbrotlidec.so.1": "libbrotli1",
    "libgssapi_krb5.so.2": "libgssapi-krb5-2",
    "libglib-2.0.so.0": "libglib2.0-0t64 | libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0t64 | libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0t64 | libglib2.0-0",
    "libgio-2.0.so.0": "libglib2.0-0t64 | libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libcups.so.2": "libcups2t64 | libcups2",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb.so.1": "libxcb1",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    # the camera (Qt Multimedia and its FFmpeg plugin)
    "libpulse.so.0": "libpulse0",
    "libXext.so.6": "libxext6",
    "libXrandr.so.2": "libxrandr2",
    "libdrm.so.2": "libdrm2",  # libavutil (FFmpeg's hardware frames)
    "libbz2.so.1": "libbz2-1.0",  # libavformat; Debian's libbz2-1.0 has this name too
}
# GLIBCXX_3.4.n -> the first GCC whose libstdc++6 has it (the package carries GCC's version;
# libstdc++'s manual, "ABI Policy and Guidelines"). Older ones are in every supported system.
GLIBCXX_GCC = {25: "8", 26: "9", 27: "9.2", 28: "9.3", 29: "11", 30: "12", 31: "13"}

# Not linked, but what a worker expects: CJK fonts for the window (receipts embed their
# own), and the desktop's menu/icon tools are optional.
EXTRA_RECOMMENDS = ["fonts-noto-cjk | fonts-wqy-microhei | fonts-wqy-zenhei", "cups"]

DESKTOP = """\
[Desktop Entry]
Type=Application
Version=1.0
Name=家门口办事台
Name[zh_CN]=家门口办事台
Name[en]=Doorstep Desk
GenericName=社区流动办事台
GenericName[en]=Community service desk
Comment=网格员上门办事：一次性告知、填表校验、受理回执，离线可用
Comment[en]=Offline service desk for community grid workers
Exec=doorstep-desk
TryExec=doorstep-desk
Icon=doorstep-desk
Terminal=false
Categories=Office;
Keywords=办事;社区;网格;回执;doorstep;
StartupWMClass=doorstep-desk
StartupNotify=true
"""

POSTINST = """\
#!/bin/sh
set -e
# Refresh the menu and icon caches (skipped when installing into another root).
if [ "$1" = "configure" ] && [ -z "$DPKG_ROOT" ]; then
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q /usr/share/applications || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
    fi
fi
exit 0
"""

POSTRM = """\
#!/bin/sh
set -e
# Worker data is NOT removed, not even on purge: cases, the outbox not yet synced,
# receipts and settings live in each user's data folder (~/.local/share/doorstep-desk,
# or the folder given by --data-dir / DOORSTEP_DATA_DIR), never under /opt. An upgrade
# replaces only the program; a removal leaves the data for the next installation.
# To erase a desk for good, delete that folder by hand after it has synced.
if [ -z "$DPKG_ROOT" ]; then
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q /usr/share/applications || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
    fi
fi
exit 0
"""


def version() -> str:
    """The version, from desk/__init__.py (the one place it is kept)."""
    text = (REPO / "desk" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.M)
    if match is None:
        raise SystemExit("desk/__init__.py: no __version__")
    return match.group(1)


def deb_arch() -> str:
    """The Debian architecture of this machine (amd64, arm64 …)."""
    if shutil.which("dpkg"):
        return subprocess.run(["dpkg", "--print-architecture"], check=True,
                              capture_output=True, text=True).stdout.strip()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)


def _is_elf(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(4) == b"\x7fELF"


def external_sonames(bundle: Path) -> dict[str, set[str]]:
    """soname -> bundled files needing it, for libraries the bundle does not carry."""
    carried = {p.name for p in bundle.rglob("*")}
    needs: dict[str, set[str]] = {}
    for path in bundle.rglob("*"):
        if path.is_symlink() or not path.is_file() or not _is_elf(path):
            continue
        dump = subprocess.run(["objdump", "-p", str(path)], check=True, capture_output=True,
                              text=True).stdout
        for lib in re.findall(r"^\s*NEEDED\s+(\S+)", dump, re.M):
            if lib not in carried:
                needs.setdefault(lib, set()).add(path.name)
    return needs


def version_needs(bundle: Path) -> dict[str, tuple[int, ...]]:
    """The newest ``GLIBC_x.y`` and ``GLIBCXX_3.4.n`` symbol versions any bundled binary
    needs (``objdump -p``: its version references)."""
    newest: dict[str, tuple[int, ...]] = {"GLIBC": (2, 17), "GLIBCXX": (3, 4)}
    for path in bundle.rglob("*"):
        if path.is_symlink() or not path.is_file() or not _is_elf(path):
            continue
        dump = subprocess.run(["objdump", "-p", str(path)], check=True, capture_output=True,
                              text=True).stdout
        for name, found in re.findall(r"\b(GLIBC|GLIBCXX)_(\d+(?:\.\d+)+)\b", dump):
            newest[name] = max(newest[name], tuple(int(n) for n in found.split(".")))
    return newest


def _versioned(package: str, needs: dict[str, tuple[int, ...]]) -> str:
    """``libc6 (>= 2.35)``, ``libstdc++6 (>= 11)``; other packages unchanged."""
    if package == "libc6":
        return f"libc6 (>= {'.'.join(map(str, needs['GLIBC']))})"
    if package == "libstdc++6":
        n = needs["GLIBCXX"][2] if len(needs["GLIBCXX"]) > 2 else 0
        if n < min(GLIBCXX_GCC):
            return package
        if n not in GLIBCXX_GCC:
            raise SystemExit(f"build_deb: GLIBCXX_3.4.{n} is not in GLIBCXX_GCC: add the GCC "
                             "release that introduced it")
        return f"libstdc++6 (>= {GLIBCXX_GCC[n]})"
    return package


def depends(bundle: Path) -> list[str]:
    """The package's Depends, derived from the bundle; exits on an unmapped library."""
    needs = external_sonames(bundle)
    unknown = sorted(set(needs) - set(SONAME_PACKAGES))
    if unknown:
        detail = "; ".join(f"{lib} (needed by {', '.join(sorted(needs[lib]))})"
                           for lib in unknown)
        raise SystemExit(f"build_deb: no Debian package known for: {detail}. Add it to "
                         "SONAME_PACKAGES, or bundle the library (doorstep-desk.spec).")
    packages = {SONAME_PACKAGES[lib] for lib in needs}
    versions = version_needs(bundle)
    return sorted(_versioned(p, versions) for p in packages)


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def _normalise_modes(root: Path) -> None:
    # Files from the build tree may carry odd modes (umask, 0700 dirs): make them the
    # usual 0755 directories/executables and 0644 files.
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
        elif os.access(path, os.X_OK) or _is_elf(path):
            path.chmod(0o755)
        else:
            path.chmod(0o644)


def copyright_text() -> str:
    """/usr/share/doc/doorstep-desk/copyright: the app's licence and the fonts' licences."""
    parts = [
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        "Upstream-Name: doorstep-desk (家门口办事台)\n\n"
        "Files: *\nLicense: Apache-2.0\n\n"
        "Files: opt/doorstep-desk/_internal/PySide6/*\n"
        "License: LGPL-3.0 (Qt for Python and Qt; see https://www.qt.io/licensing)\n\n",
    ]
    for lic in sorted((REPO / "resources" / "fonts").glob("LICENSE-*.txt")):
        parts.append(f"Files: opt/doorstep-desk/_internal/resources/fonts/* ({lic.name})\n"
                     f"License: see below\n\n{lic.read_text(encoding='utf-8')}\n\n")
    return "".join(parts)


def build(bundle: Path, out: Path, *, fast: bool = False) -> Path:
    """Build ``doorstep-desk_<version>_<arch>.deb`` in ``out``; returns its path.

    ``fast`` compresses with gzip -1 instead of xz (tests: seconds instead of minutes)."""
    if not (bundle / PACKAGE).is_file():
        raise SystemExit(f"build_deb: no bundle at {bundle} (run pyinstaller first)")
    if not shutil.which("dpkg-deb"):
        raise SystemExit("build_deb: dpkg-deb is missing (apt-get install dpkg)")
    ver, arch = version(), deb_arch()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="doorstep-deb-") as tmp:
        root = Path(tmp) / "root"
        shutil.copytree(bundle, root / PREFIX, symlinks=True)
        (root / "usr" / "bin").mkdir(parents=True)
        (root / "usr" / "bin" / PACKAGE).symlink_to(f"/{PREFIX}/{PACKAGE}")
        _write(root / "usr/share/applications" / f"{PACKAGE}.desktop", DESKTOP)
        icons = REPO / "resources" / "icons"
        for png in sorted(icons.glob(f"{PACKAGE}-*.png")):
            size = png.stem.rsplit("-", 1)[1]
            dest = root / f"usr/share/icons/hicolor/{size}x{size}/apps/{PACKAGE}.png"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(png, dest)
        scalable = root / f"usr/share/icons/hicolor/scalable/apps/{PACKAGE}.svg"
        scalable.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(icons / f"{PACKAGE}.svg", scalable)
        _write(root / f"usr/share/doc/{PACKAGE}/copyright", copyright_text())
        _normalise_modes(root)

        size_kb = sum(p.lstat().st_size for p in root.rglob("*")) // 1024
        control = (
            f"Package: {PACKAGE}\n"
            f"Version: {ver}\n"
            f"Architecture: {arch}\n"
            "Maintainer: Doorstep Desk team <doorstep-desk@localhost>\n"
            f"Installed-Size: {size_kb}\n"
            f"Depends: {', '.join(depends(bundle))}\n"
            f"Recommends: {', '.join(EXTRA_RECOMMENDS)}\n"
            "Section: misc\n"
            "Priority: optional\n"
            "Homepage: https://example.invalid/doorstep-desk\n"
            "Description: 家门口办事台 Doorstep Desk - offline service desk for grid workers\n"
            " 社区网格员的流动办公桌：查事项、一次性告知、填表校验、容缺受理、打印受理回执、\n"
            " 好差评；完全离线工作，联网后与区级系统同步。\n"
            " .\n"
            " Worker data is kept in each user's data folder and survives upgrades and\n"
            " removal of this package.\n")
        debian = root / "DEBIAN"
        _write(debian / "control", control)
        _write(debian / "postinst", POSTINST, 0o755)
        _write(debian / "postrm", POSTRM, 0o755)
        target = out / f"{PACKAGE}_{ver}_{arch}.deb"
        compress = ["-Zgzip", "-z1"] if fast else ["-Zxz"]
        subprocess.run(["dpkg-deb", "--root-owner-group", *compress, "--build", str(root),
                        str(target)], check=True, stdout=subprocess.DEVNULL)
    return target


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bundle", type=Path, default=REPO / "dist" / PACKAGE)
    p.add_argument("--out", type=Path, default=REPO / "dist")
    p.add_argument("--fast", action="store_true", help="gzip -1 instead of xz (for tests)")
    args = p.parse_args(argv)
    print(build(args.bundle.resolve(), args.out.resolve(), fast=args.fast))
    return 0


if __name__ == "__main__":
    sys.exit(main())
