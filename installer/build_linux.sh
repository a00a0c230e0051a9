#!/bin/sh
# Build the desk for Linux: the one-folder bundle dist/doorstep-desk/ and the Debian
# package dist/doorstep-desk_<version>_<arch>.deb.
#
#   installer/build_linux.sh [--fast]      # --fast: gzip instead of xz (tests, CI)
#
# Needs: the project installed with its test extra (pip install -e '.[test]': PyInstaller),
# binutils (strip, objdump, readelf), dpkg-deb, and for the small ICU data icu-devtools and
# gcc (without them the bundle keeps the full 31 MB ICU data and Pillow's own libxcb), and
# for the small FFmpeg and the SQLCipher binding built from source make, libssl-dev and the
# network once (installer/ffmpeg_min.py, sqlcipher_shared.py; cached in build/cache). Build
# on the oldest distribution you ship to: the bundle needs the glibc and libstdc++ of the
# build machine's Python and of the wheels (PySide6 6.10+: glibc 2.34; on a glibc 2.28
# system pip picks PySide6 6.9.3), and the .deb's Depends states them (build_deb.py).
# Fails when the unpacked bundle is over the 120 MB budget (installer/bundle_size.py).
set -eu
cd "$(dirname "$0")/.."
FAST=""
[ "${1:-}" = "--fast" ] && FAST="--fast"
python3 -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller installer/doorstep-desk.spec
# the size budget: the unpacked bundle ≤ 120 MB (DOORSTEP_BUNDLE_BUDGET_MB); over it, no .deb
python3 installer/bundle_size.py dist/doorstep-desk
python3 installer/build_deb.py --bundle dist/doorstep-desk --out dist $FAST
