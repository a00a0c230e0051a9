#!/bin/sh
# Install or upgrade the district server on a Linux machine (Debian/Ubuntu/UOS/Kylin server,
# systemd). Run as root from the unpacked release folder (installer/build_district.sh):
#
#   sudo ./install.sh                 # wheel(s) from this folder; wheels/ for offline
#
# Installs into /opt/doorstep-district (a Python venv), runs as the system user
# `doorstep`, settings in /etc/doorstep-district/district.env (never overwritten),
# backups daily to /var/backups/doorstep-district. Re-running it upgrades: new wheel,
# restart; database migrations run when the server starts.
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
PREFIX=/opt/doorstep-district
ETC=/etc/doorstep-district
PY="${PYTHON:-python3}"

[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
WHEEL="$(ls -1t "$HERE"/doorstep_desk-*.whl 2>/dev/null | head -n 1)"
[ -n "$WHEEL" ] || { echo "no doorstep_desk-*.whl next to install.sh" >&2; exit 1; }
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    { echo "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)" >&2; exit 1; }

id doorstep >/dev/null 2>&1 ||
    useradd --system --home-dir /var/lib/doorstep-district --shell /usr/sbin/nologin doorstep
install -d -m 0755 "$PREFIX" "$PREFIX/bin"
install -d -m 0750 -o doorstep -g doorstep /var/lib/doorstep-district
install -d -m 0700 -o doorstep -g doorstep /var/backups/doorstep-district
install -d -m 0750 -g doorstep "$ETC"

[ -x "$PREFIX/venv/bin/python" ] || "$PY" -m venv "$PREFIX/venv"
PIP="$PREFIX/venv/bin/python -m pip --disable-pip-version-check"
if [ -d "$HERE/wheels" ]; then   # offline: wheels downloaded by build_district.sh --with-wheels
    $PIP install --no-index --find-links "$HERE/wheels" -c "$HERE/constraints.txt" \
        -r "$HERE/requirements-server.txt"
else   # the versions known to work (constraints.txt, shipped in the release)
    $PIP install -c "$HERE/constraints.txt" -r "$HERE/requirements-server.txt"
fi
$PIP install --no-deps --force-reinstall "$WHEEL"

install -m 0755 "$HERE/doorstep-district-backup" "$PREFIX/bin/"
install -m 0644 "$HERE/README-district.md" "$PREFIX/"
[ -f "$ETC/district.env" ] || install -m 0640 -g doorstep "$HERE/district.env" "$ETC/district.env"
for unit in doorstep-district.service doorstep-district-backup.service \
            doorstep-district-backup.timer; do
    install -m 0644 "$HERE/$unit" /etc/systemd/system/
done
systemctl daemon-reload
systemctl enable doorstep-district.service doorstep-district-backup.timer
if grep -q CHANGE-ME "$ETC/district.env"; then
    echo "Edit $ETC/district.env (database URL), then: systemctl restart doorstep-district"
else
    systemctl restart doorstep-district.service
    systemctl start doorstep-district-backup.timer
fi
echo "installed $(basename "$WHEEL") into $PREFIX"
