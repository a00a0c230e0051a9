#!/bin/sh
# Build the district server release: dist/doorstep-district-<version>.tar.gz with the
# project wheel, the server's requirements, the systemd units, the nginx example, the
# backup script, install.sh and README-district.md.
#
#   installer/build_district.sh [--with-wheels]
#
# --with-wheels also downloads every dependency wheel (wheels/) for a server without
# internet access; build on the same OS/CPU/Python version as the server.
set -eu
cd "$(dirname "$0")/.."
VERSION="$(python3 -c 'import re,pathlib; print(re.search(r"^__version__\s*=\s*\"([^\"]+)\"", pathlib.Path("desk/__init__.py").read_text(), re.M).group(1))')"
NAME="doorstep-district-$VERSION"
OUT="dist/$NAME"
rm -rf "$OUT"
mkdir -p "$OUT"
python3 -m pip wheel --no-deps --quiet --wheel-dir "$OUT" .
cp constraints.txt installer/district/requirements-server.txt installer/district/install.sh \
   installer/district/doorstep-district.service installer/district/doorstep-district-backup \
   installer/district/doorstep-district-backup.service \
   installer/district/doorstep-district-backup.timer installer/district/district.env \
   installer/district/nginx-doorstep-district.conf installer/district/README-district.md \
   "$OUT/"
if [ "${1:-}" = "--with-wheels" ]; then
    python3 -m pip download --quiet --dest "$OUT/wheels" -c constraints.txt \
        -r installer/district/requirements-server.txt
fi
tar -C dist -czf "dist/$NAME.tar.gz" "$NAME"
echo "dist/$NAME.tar.gz"
