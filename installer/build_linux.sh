#!/bin/sh
# Build the desk for Linux: the one-folder bundle dist/doorstep-desk/ and the Debian
# package dist/doorstep-desk_<version>_<arch>.deb.
#
#   installer/build_linux.sh [--fast]      # --fast: gzip instead of xz (tests, CI)
#
# Needs: the project installed with its test extra (pip install -e '.[test]': PyInstaller),
# binutils (strip, objdump, readelf), dpkg-deb, and for the small ICU data icu-devtools and
# gcc (without them the bundle keeps the full 31 MB ICU data). Build on the oldest
# distribution you ship to (the bundle needs at least the glibc of the build machine):
# e.g. a Debian 10 / UOS 20 container for UOS 20 and Kylin V10.
set -eu
cd "$(dirname "$0")/.."
FAST=""
[ "${1:-}" = "--fast" ] && FAST="--fast"
python3 -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller installer/doorstep-desk.spec
python3 installer/build_deb.py --bundle dist/doorstep-desk --out dist $FAST
