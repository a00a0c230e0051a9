"""A small FFmpeg for Qt Multimedia's FFmpeg plugin (Linux builds of the desk; issue 19).

The PySide6 wheels carry a full FFmpeg (libavcodec alone 14.9 MB: every codec, muxer and
demuxer) for Qt's media player and recorder. The desk uses Qt Multimedia for the capture
dialog's camera only: Qt's plugin reads the camera itself (V4L2), shows its frames and
hands the still picture over as a QImage (Qt's own JPEG/PNG code); FFmpeg is asked for no
codec on that path. The plugin still links the five libraries (``readelf -d``) and is
linked BIND_NOW, so every function it imports must be there, with its symbol version
(``LIBAVCODEC_61`` …): they are, whatever the configuration — FFmpeg's API functions do
not depend on which codecs are enabled. The five are the plugin's own DT_NEEDED, found
through its RUNPATH and loaded before their dependencies on each other are looked up, so
they need no RUNPATH of their own.

This builds the same FFmpeg release line (same sonames and symbol versions) from Debian's
source archive (``ffmpeg_<VERSION>.orig.tar.xz``, checked against its SHA-256) with every
component off except the MJPEG and raw video decoders, no assembler,
no autodetected system library (VA-API, X11, zlib …) and ``--enable-small``: five
libraries of 1.5 MB instead of 19.4 MB. :func:`compatible` checks that each symbol the
plugin imports is defined with the same version before the spec swaps them in.

The result is cached under ``$DOORSTEP_BUILD_CACHE`` (default ``build/cache`` in the
checkout), keyed by version, checksum and configure flags: the first build downloads
11 MB and compiles for about a minute of CPU (``nice -n 19``, ``make -j2``); later builds
reuse it. Needs ``cc`` and ``make``; without them, or without the archive,
:func:`build` returns ``None`` and the build keeps the wheel's libraries (over the size
budget, which installer/bundle_size.py then reports).

Used by ``doorstep-desk.spec``; by hand: ``python installer/ffmpeg_min.py [CACHE]`` prints
the folder of the built libraries.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "7.1.5"  # Debian 13's ffmpeg 7:7.1.5-0+deb13u1; the wheels' libavcodec.so.61
SHA256 = "de668509caf9e35e3cd162473441fdb29538c6d96ed080292b3cf9e6fc5d558f"
ARCHIVE = f"ffmpeg_{VERSION}.orig.tar.xz"
POOL = "pool/main/f/ffmpeg"
MIRROR = os.environ.get("DOORSTEP_DEBIAN_MIRROR") or "http://deb.debian.org/debian"
# the libraries Qt's FFmpeg plugin links, by soname (FFmpeg 7.1)
SONAMES = ("libavutil.so.59", "libswresample.so.5", "libswscale.so.8", "libavcodec.so.61",
           "libavformat.so.61")
CONFIGURE = [
    "--enable-shared", "--disable-static", "--enable-pic", "--enable-small",
    "--disable-everything", "--disable-autodetect", "--disable-programs", "--disable-doc",
    "--disable-avdevice", "--disable-avfilter", "--disable-postproc", "--disable-network",
    "--disable-x86asm", "--disable-debug",
    "--enable-decoder=mjpeg,rawvideo",
]
REPO = Path(__file__).resolve().parent.parent


def cache_root() -> Path:
    return Path(os.environ.get("DOORSTEP_BUILD_CACHE") or REPO / "build" / "cache")


def _key() -> str:
    return hashlib.sha256("\n".join([VERSION, SHA256, *CONFIGURE]).encode()).hexdigest()[:12]


def _fetch(dest: Path) -> None:
    """The source archive into ``dest``, verified (a wrong checksum raises)."""
    url = f"{MIRROR.rstrip('/')}/{POOL}/{ARCHIVE}"
    tmp = dest.with_suffix(".part")
    with urllib.request.urlopen(url, timeout=120) as resp, tmp.open("wb") as out:
        shutil.copyfileobj(resp, out)
    digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
    if digest != SHA256:
        tmp.unlink()
        raise RuntimeError(f"{url}: SHA-256 {digest}, expected {SHA256}")
    tmp.replace(dest)


def build(cache: Path | None = None) -> Path | None:
    """The folder holding the five small libraries (built once per cache); None when
    cc/make are missing or the source archive cannot be had."""
    cache = cache or cache_root()
    lib = cache / f"ffmpeg-{VERSION}-{_key()}" / "lib"
    if all((lib / name).is_file() for name in SONAMES):
        return lib
    if not (shutil.which("cc") and shutil.which("make")):
        print("ffmpeg_min: cc and make are needed to build the small FFmpeg")
        return None
    cache.mkdir(parents=True, exist_ok=True)
    archive = cache / ARCHIVE
    try:
        if not archive.is_file():
            _fetch(archive)
    except (OSError, RuntimeError) as exc:
        print(f"ffmpeg_min: no FFmpeg source ({exc})")
        return None
    work = lib.parent.with_name(lib.parent.name + ".work")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        # the archive's SHA-256 was checked; Python before 3.11.4 (the compat build's
        # Debian 3.11.2) has no extraction filters
        if hasattr(tarfile, "data_filter"):
            tar.extractall(work, filter="data")
        else:
            tar.extractall(work)
    src = work / f"ffmpeg-{VERSION}"
    prefix = work / "prefix"
    nice = ["nice", "-n", "19"] if shutil.which("nice") else []
    log = work / "build.log"
    with log.open("w") as out:
        for cmd in ([str(src / "configure"), f"--prefix={prefix}", *CONFIGURE],
                    ["make", "-j2"], ["make", "install"]):
            done = subprocess.run([*nice, *cmd], cwd=work, stdout=out, stderr=subprocess.STDOUT)
            if done.returncode != 0:
                raise RuntimeError(f"ffmpeg_min: {cmd[0]} failed, see {log}")
    lib.mkdir(parents=True, exist_ok=True)
    for name in SONAMES:
        shutil.copy2(prefix / "lib" / name, lib / name)  # follows the install's symlinks
    shutil.rmtree(work)
    return lib


def _symbols(path: Path, undefined: bool) -> set[tuple[str, str]]:
    """(name, version) of the dynamic symbols ``path`` defines or imports (``objdump -T``)."""
    out = subprocess.run(["objdump", "-T", str(path)], check=True, capture_output=True,
                         text=True).stdout
    found = set()
    for line in out.splitlines():
        m = re.search(r"\s(\*UND\*|\.\w+)\s+[0-9a-f]+\s+\(?([A-Z0-9_.]+)\)?\s+(\S+)$", line)
        if m and (m[1] == "*UND*") == undefined:
            found.add((m[3], m[2]))
    return found


def compatible(users: list[Path], lib: Path) -> list[str]:
    """What ``users`` import from FFmpeg (a LIBAV*/LIBSW* symbol version) that the small
    libraries in ``lib`` do not define: an empty list when they can replace the wheel's."""
    defined: set[tuple[str, str]] = set()
    for name in SONAMES:
        defined |= _symbols(lib / name, undefined=False)
    wanted = {s for user in users for s in _symbols(user, undefined=True)
              if s[1].startswith(("LIBAV", "LIBSW"))}
    return sorted(f"{n}@{v}" for n, v in wanted - defined)


if __name__ == "__main__":
    built = build(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    print(built or "not built (cc/make or the source archive missing)")
    sys.exit(0 if built else 1)
