#!/bin/sh
# Build the desk's compat .deb for glibc 2.31 systems (银河麒麟 Kylin V10 SP1, 统信 UOS 20 on
# Debian 11, Ubuntu 20.04): dist/doorstep-desk_<version>_<arch>-compat.deb.
#
#   sudo installer/build_linux_compat.sh [--no-smoke]
#
# The normal build (build_linux.sh) needs the build machine's glibc (2.35+ with PySide6
# 6.10+). This one builds the SAME bundle (installer/doorstep-desk.spec, build_deb.py) inside
# a Debian 11 "bullseye" root (glibc 2.31, libstdc++ of GCC 10):
#
#   1. pristine root: `debootstrap --variant=minbase bullseye` (kept; never entered)
#   2. build root: a copy of it, with the compilers and -dev packages from bullseye
#   3. Python 3.11 from Debian's own source package python3.11 (bookworm's: bullseye has
#      only 3.9), fetched with `apt-get source` and verified against Debian's signed Sources
#      index; the upstream tarball inside it (python3.11_*.orig.tar.gz) with Debian's
#      security and upstream-backport patches (CVE-*, git-updates …; not Debian's layout
#      patches) is built with --enable-shared into /opt/python3.11 of the build root
#   4. a venv with the project's constraints.txt, except PySide6: the compat build pins
#      PySide6 6.9.3 (installer/compat-overrides.txt), the newest release with
#      manylinux_2_28 wheels; 6.10 and later need glibc 2.34
#   5. the bundle and the .deb: installer/build_linux.sh of the committed tree (git archive
#      HEAD) run in the build root; the .deb's Depends is read from the bundle's binaries
#      as for the normal build (build_deb.py)
#   6. the smoke test in a FRESH copy of the pristine root (installer/smoke_compat.sh),
#      unless --no-smoke
#
# Everything heavy runs under `nice -n 19` with `make -j2`. Roots are cached under
# $DOORSTEP_COMPAT_CACHE (default /tmp/doorstep-compat) and reused: a second run rebuilds
# only the bundle (delete the cache to start over); the spec's small FFmpeg and SQLCipher
# binding (installer/ffmpeg_min.py, sqlcipher_shared.py) are kept in the build root's
# /build/cache (DOORSTEP_BUILD_CACHE), outside the source tree each run replaces. Needs root (chroot, mount), debootstrap,
# git, and the network to deb.debian.org and PyPI. Each step's duration is printed and kept
# in $DOORSTEP_COMPAT_CACHE/timings.txt. Fails when the .deb exceeds 120 MB
# (DOORSTEP_DEB_BUDGET_MB, in 1,000,000 bytes), and when the unpacked bundle does
# (installer/bundle_size.py, run by build_linux.sh in the root and again here;
# DOORSTEP_BUNDLE_BUDGET_MB).
set -eu
REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${DOORSTEP_COMPAT_CACHE:-/tmp/doorstep-compat}
MIRROR=${DOORSTEP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bullseye
BUDGET_MB=${DOORSTEP_DEB_BUDGET_MB:-120}
SMOKE=1
[ "${1:-}" = "--no-smoke" ] && SMOKE=""
PRISTINE=$CACHE/pristine
ROOT=$CACHE/build
TIMINGS=$CACHE/timings.txt
NICE="nice -n 19"

[ "$(id -u)" = 0 ] || { echo "build_linux_compat: run as root (debootstrap, chroot)" >&2; exit 1; }
for tool in debootstrap chroot git mount; do
    command -v "$tool" >/dev/null || { echo "build_linux_compat: $tool is missing" >&2; exit 1; }
done
mkdir -p "$CACHE"

step_started=0
step() {  # step NAME: start timing a step
    step_name=$1
    step_started=$(date +%s)
    echo "== $step_name"
}
step_done() {
    secs=$(( $(date +%s) - step_started ))
    line="$(date -u +%FT%TZ) $step_name: ${secs}s"
    echo "$line" | tee -a "$TIMINGS"
}

mounted=""
unmount_all() {
    for m in $mounted; do umount -l "$m" 2>/dev/null || true; done
    mounted=""
}
trap unmount_all EXIT INT TERM
mount_root() {  # /proc for the programs run in the root (pip, PyInstaller, dpkg)
    if ! mountpoint -q "$1/proc"; then
        mount -t proc proc "$1/proc"
        mounted="$1/proc $mounted"
    fi
}
in_root() {  # run a command in the build root with a clean environment
    chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8 \
        PATH=/opt/venv/bin:/opt/python3.11/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
        DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 \
        DOORSTEP_BUNDLE_BUDGET_MB="${DOORSTEP_BUNDLE_BUDGET_MB:-}" \
        DOORSTEP_BUILD_CACHE=/build/cache \
        PIP_CERT=/etc/ssl/certs/ca-certificates.crt "$@"
}

# -- 1. the pristine root ---------------------------------------------------------------
if [ ! -f "$PRISTINE/.doorstep-pristine" ]; then
    step "debootstrap $SUITE (pristine root)"
    rm -rf "$PRISTINE.tmp"
    $NICE debootstrap --variant=minbase "$SUITE" "$PRISTINE.tmp" "$MIRROR"
    date -u +%FT%TZ > "$PRISTINE.tmp/.doorstep-pristine"
    rm -rf "$PRISTINE"
    mv "$PRISTINE.tmp" "$PRISTINE"
    step_done
fi

# -- 2. the build root: compilers and -dev packages -------------------------------------
if [ ! -f "$ROOT/.doorstep-build-deps" ]; then
    step "build root: copy and apt-get install build dependencies"
    rm -rf "$ROOT"
    cp -a "$PRISTINE" "$ROOT"
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
    # the host's Debian archive keyring: bullseye's may not know the keys that sign
    # bookworm's Sources index today
    mkdir -p "$ROOT/etc/apt/keyrings"
    cp /usr/share/keyrings/debian-archive-keyring.gpg \
        "$ROOT/etc/apt/keyrings/host-debian-archive-keyring.gpg"
    cat > "$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
EOF
    mount_root "$ROOT"
    in_root apt-get update -q
    in_root $NICE apt-get install -y -q --no-install-recommends \
        build-essential dpkg-dev xz-utils ca-certificates git binutils icu-devtools \
        libssl-dev zlib1g-dev libbz2-dev liblzma-dev libffi-dev libsqlite3-dev uuid-dev \
        libexpat1-dev pkg-config \
        libfontconfig1 libfreetype6 libglib2.0-0 libdbus-1-3 libegl1 libgl1 libopengl0 \
        libx11-6 libx11-xcb1 libxkbcommon0 libxkbcommon-x11-0 libxcb1 libxcb-cursor0 \
        libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 \
        libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libcups2 libgssapi-krb5-2 \
        libpulse0 libxrandr2 libxext6
    # PyInstaller reads the PySide6 libraries' dependencies from this root (ldd): the
    # X11/fontconfig/D-Bus/CUPS stack the .deb then declares in Depends.
    # the host's CA bundle too (pip to PyPI through whatever this network trusts)
    cat /etc/ssl/certs/ca-certificates.crt >> "$ROOT/etc/ssl/certs/ca-certificates.crt"
    touch "$ROOT/.doorstep-build-deps"
    unmount_all
    step_done
fi

# -- 3. Python 3.11 from Debian's source package ----------------------------------------
if [ ! -f "$ROOT/opt/python3.11/.doorstep-built" ]; then
    step "Python 3.11 from Debian's python3.11 source package (make -j2)"
    # bookworm's source packages (the security archive here serves the tarball but not
    # the .dsc: main's point-release version is used)
    cat > "$ROOT/etc/apt/sources.list.d/bookworm-src.list" <<EOF
deb-src [signed-by=/etc/apt/keyrings/host-debian-archive-keyring.gpg] $MIRROR bookworm main
EOF
    mount_root "$ROOT"
    in_root apt-get update -q
    in_root sh -euc '
        rm -rf /build/python /opt/python3.11 && mkdir -p /build/python && cd /build/python
        apt-get source --download-only -q python3.11
        ls -l python3.11_*
        tar xf python3.11_*.orig.tar.*
        tar xf python3.11_*.debian.tar.*
        cd Python-3.11.*/
        # Debian'"'"'s upstream fixes: the CVE patches and backports from the 3.11 branch
        # (Debian'"'"'s own layout patches stay out: this Python lives in /opt)
        grep -E "^(CVE-|0[0-9]{3}-3\.11-|git-updates|relfile-nullptr-dereference|frame_dealloc-crash)" \
            ../debian/patches/series > ../upstream-fixes.series
        while read -r p; do patch -p1 -s --forward < "../debian/patches/$p"; done < ../upstream-fixes.series
        echo "applied $(wc -l < ../upstream-fixes.series) of Debian'"'"'s upstream-fix patches"
        # CVE-2026-4224 makes pyexpat include an internal header; Debian builds pyexpat
        # into the interpreter, here it is a shared extension, which must say so
        sed -i "1i #ifndef Py_BUILD_CORE_BUILTIN\n#  define Py_BUILD_CORE_MODULE 1\n#endif" \
            Modules/pyexpat.c
        ./configure -q --prefix=/opt/python3.11 --enable-shared --with-ensurepip=install \
            LDFLAGS="-Wl,-rpath,/opt/python3.11/lib"
        nice -n 19 make -s -j2
        nice -n 19 make -s altinstall
    '
    in_root /opt/python3.11/bin/python3.11 -c \
        "import ssl, sqlite3, lzma, bz2, zlib, ctypes, uuid, pyexpat; print(ssl.OPENSSL_VERSION, sqlite3.sqlite_version)"
    touch "$ROOT/opt/python3.11/.doorstep-built"
    unmount_all
    step_done
fi

# -- 4. the venv --------------------------------------------------------------------------
step "source tree (git archive HEAD) and venv (constraints + compat overrides)"
rm -rf "$ROOT/build/src"
mkdir -p "$ROOT/build/src"
git -C "$REPO" archive --format=tar HEAD | tar -x -C "$ROOT/build/src"
echo "commit $(git -C "$REPO" rev-parse HEAD)"
# constraints.txt with the compat overrides (PySide6 6.9.x: manylinux_2_28 wheels)
python3 "$REPO/installer/compat_constraints.py" "$REPO/constraints.txt" \
    "$REPO/installer/compat-overrides.txt" "$ROOT/build/constraints-compat.txt"
mount_root "$ROOT"
if [ ! -x "$ROOT/opt/venv/bin/python" ]; then
    in_root /opt/python3.11/bin/python3.11 -m venv /opt/venv
fi
# the camera's system libraries (Qt Multimedia: PulseAudio; its FFmpeg plugin: XRandR), for
# PyInstaller's dependency scan; also in a build root made before the camera was bundled
in_root sh -c 'dpkg -s libpulse0 libxrandr2 libxext6 >/dev/null 2>&1 || {
    apt-get update -q && apt-get install -y -q --no-install-recommends libpulse0 libxrandr2 libxext6; }'
in_root $NICE pip install -q -c /build/constraints-compat.txt /build/src pyinstaller \
    pyinstaller-hooks-contrib
in_root pip list --format=freeze | grep -iE '^(pyside6|shiboken6|pyinstaller)' || true
step_done

# -- 5. the bundle and the .deb -----------------------------------------------------------
step "bundle (PyInstaller, the same spec) and .deb (xz)"
in_root sh -euc 'cd /build/src && nice -n 19 sh installer/build_linux.sh'
unmount_all
built=$(ls "$ROOT"/build/src/dist/doorstep-desk_*.deb)
mkdir -p "$REPO/dist"
deb="$REPO/dist/$(basename "$built" .deb)-compat.deb"
cp "$built" "$deb"
step_done

size=$(stat -c %s "$deb")
bundle="$ROOT/build/src/dist/doorstep-desk"
unpacked=$(du -s --apparent-size -B1 "$bundle" | cut -f1)
glibc=$(find "$bundle" -type f -exec sh -c 'head -c4 "$1" | grep -q ELF && objdump -T "$1"' _ {} \; \
        2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
glibcxx=$(find "$bundle" -type f -exec sh -c 'head -c4 "$1" | grep -q ELF && objdump -T "$1"' _ {} \; \
        2>/dev/null | grep -o 'GLIBCXX_[0-9.]*' | sort -uV | tail -1)
{
    echo "$(date -u +%FT%TZ) deb: $deb"
    echo "$(date -u +%FT%TZ) deb size: $size bytes; bundle unpacked: $unpacked bytes (budget $BUDGET_MB,000,000 bytes)"
    echo "$(date -u +%FT%TZ) newest symbol versions in the bundle: $glibc $glibcxx"
    echo "$(date -u +%FT%TZ) Depends: $(dpkg-deb -f "$deb" Depends)"
} | tee -a "$TIMINGS"
if [ "$size" -gt $((BUDGET_MB * 1000000)) ]; then
    echo "build_linux_compat: $deb is over the ${BUDGET_MB} MB budget" >&2
    exit 1
fi
# the unpacked bundle as the .deb installs it, against the same budget as the normal build
over=""
python3 "$REPO/installer/bundle_size.py" "$deb" > "$CACHE/bundle-size.txt" || over=1
tee -a "$TIMINGS" < "$CACHE/bundle-size.txt"
[ -z "$over" ] || { echo "build_linux_compat: the bundle is over the budget (above)" >&2; exit 1; }

# -- 6. the smoke test in a fresh root ----------------------------------------------------
if [ -n "$SMOKE" ]; then
    step "smoke test in a fresh $SUITE root"
    "$REPO/installer/smoke_compat.sh" "$deb"
    step_done
fi
echo "$deb"
