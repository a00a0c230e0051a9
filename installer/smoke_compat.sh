#!/bin/sh
# Smoke test of the compat .deb in a FRESH Debian 11 (bullseye, glibc 2.31) root.
#
#   sudo installer/smoke_compat.sh dist/doorstep-desk_<version>_amd64-compat.deb
#
# The root is a copy of the pristine `debootstrap --variant=minbase bullseye` root that
# build_linux_compat.sh made before building (nothing of the build in it: no compiler, no
# Python). In it, as an ordinary user "worker", with QT_QPA_PLATFORM=offscreen:
#
#   install   dpkg -i the .deb (dpkg alone stops at the missing Depends), then
#             apt-get -f install --no-install-recommends fetches exactly the declared
#             Depends from bullseye's archive; the package must end up "install ok installed"
#   version   doorstep-desk --version prints the package's version
#   setup     doorstep-desk setup on a temporary data folder
#   case      catalog --json, then `new` with an item's own example: a case saved
#   receipt   `receipt` of that case to a PDF (A4 and 80 mm)
#   demo      demo cases; `cases --json` lists them all
#   window    the window started offscreen (DOORSTEP_SMOKE_EXIT_MS): "window shown"
#   camera    the capture dialog's camera machinery (DOORSTEP_SMOKE_CAMERA=1: Qt Multimedia
#             and its FFmpeg plugin load and answer; no camera needed)
#   sync      enroll with and sync to a district server on loopback (run by this machine's
#             Python from the checkout: `python3 -m sync.district.cli`), which then holds
#             every case; skipped with a note when the checkout's district cannot start
#   protect   the store encrypted (SQLCipher, Argon2id) and the window opened with
#             DOORSTEP_PASSWORD: "window shown" again
#   size      last: the installed bundle (/opt/doorstep-desk) within the 120 MB budget
#             (installer/bundle_size.py; DOORSTEP_BUNDLE_BUDGET_MB)
#
# Every command's exit status is checked, and stderr must be empty but for the lines in
# ALLOWED_STDERR. Each step's duration is printed. Exit 0 only when all passed. The root is
# deleted afterwards (DOORSTEP_SMOKE_KEEP=1 keeps it). Needs root (chroot, mount) and the
# network to deb.debian.org (the Depends).
set -eu
REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${DOORSTEP_COMPAT_CACHE:-/tmp/doorstep-compat}
PRISTINE=$CACHE/pristine
MIRROR=${DOORSTEP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
ALLOWED_STDERR='This plugin does not support propagateSizeHints'

[ $# -eq 1 ] || { echo "usage: $0 DEB" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "smoke_compat: run as root (chroot, mount)" >&2; exit 1; }
DEB=$(realpath "$1")
[ -f "$DEB" ] || { echo "smoke_compat: no such file: $1" >&2; exit 1; }
[ -f "$PRISTINE/.doorstep-pristine" ] || {
    echo "smoke_compat: no pristine root at $PRISTINE (run build_linux_compat.sh)" >&2; exit 1; }

ROOT=$(mktemp -d "$CACHE/smoke.XXXXXX")
district_pid=""
cleanup() {
    [ -n "$district_pid" ] && kill "$district_pid" 2>/dev/null || true
    umount -l "$ROOT/proc" 2>/dev/null || true
    if [ -z "${DOORSTEP_SMOKE_KEEP:-}" ]; then
        # never delete through a mount point that is still there
        if grep -q " $ROOT/" /proc/mounts; then
            echo "smoke_compat: $ROOT still has mounts; not deleted" >&2
        else
            rm -rf "$ROOT"
        fi
    else
        echo "smoke_compat: root kept at $ROOT"
    fi
}
trap cleanup EXIT INT TERM

t0=0
step() { step_name=$1; t0=$(date +%s); echo "== smoke: $step_name"; }
ok() { echo "   ok ($(( $(date +%s) - t0 ))s) $step_name${1:+: $1}"; }
fail() { echo "smoke_compat: FAILED at $step_name: $*" >&2; exit 1; }

step "fresh root (copy of the pristine bullseye root)"
cp -a "$PRISTINE/." "$ROOT/"
mount -t proc proc "$ROOT/proc"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
cat > "$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR bullseye main
deb $MIRROR bullseye-updates main
deb http://deb.debian.org/debian-security bullseye-security main
EOF
# nothing of the build in it
for tool in python3 gcc cc; do
    if chroot "$ROOT" sh -c "command -v $tool" >/dev/null 2>&1; then
        fail "the fresh root has $tool"
    fi
done
glibc=$(chroot "$ROOT" dpkg-query -W -f='${Version}' libc6)
ok "libc6 $glibc"

in_root() {
    chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8 \
        PATH=/usr/bin:/bin:/usr/sbin:/sbin DEBIAN_FRONTEND=noninteractive "$@"
}

step "install: dpkg -i, then apt-get -f install for the declared Depends"
cp "$DEB" "$ROOT/tmp/doorstep-desk.deb"
depends=$(dpkg-deb -f "$DEB" Depends)
echo "   Depends: $depends"
if in_root dpkg -i /tmp/doorstep-desk.deb > "$ROOT/tmp/dpkg.log" 2>&1; then
    echo "   dpkg -i succeeded at once (every Depends already present)"
else
    grep -q "dependency problems" "$ROOT/tmp/dpkg.log" || {
        cat "$ROOT/tmp/dpkg.log" >&2; fail "dpkg -i failed for another reason than Depends"; }
fi
in_root apt-get update -q > "$ROOT/tmp/apt.log" 2>&1 || { cat "$ROOT/tmp/apt.log" >&2; fail "apt-get update"; }
in_root apt-get -f install -y -q --no-install-recommends >> "$ROOT/tmp/apt.log" 2>&1 || {
    cat "$ROOT/tmp/apt.log" >&2; fail "apt-get -f install"; }
status=$(in_root dpkg-query -W -f='${Status}' doorstep-desk)
[ "$status" = "install ok installed" ] || fail "package status: $status"
ok "$(grep -c '^Setting up' "$ROOT/tmp/apt.log") packages set up by apt"

step "worker account"
in_root useradd -m -u 4242 -U -s /bin/sh worker
mkdir -p "$ROOT/home/worker/runtime"
chmod 700 "$ROOT/home/worker/runtime"
chown -R 4242:4242 "$ROOT/home/worker"
ok

DATA=/home/worker/data
OUT=$ROOT/tmp/desk.out
ERR=$ROOT/tmp/desk.err
# desk ARGS…: run the installed doorstep-desk as the worker; stdout in $OUT; fails on a
# non-zero exit or unexpected stderr. Extra environment from $DESK_ENV (NAME=VALUE …).
desk() {
    # shellcheck disable=SC2086
    if ! chroot --userspec=4242:4242 "$ROOT" /usr/bin/env -i HOME=/home/worker \
        XDG_DATA_HOME=/home/worker/.local/share XDG_CONFIG_HOME=/home/worker/.config \
        XDG_CACHE_HOME=/home/worker/.cache XDG_RUNTIME_DIR=/home/worker/runtime \
        QT_QPA_PLATFORM=offscreen LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=Asia/Shanghai \
        PATH=/usr/bin:/bin ${DESK_ENV:-} \
        timeout 300 doorstep-desk "$@" > "$OUT" 2> "$ERR"; then
        cat "$OUT" "$ERR" >&2
        fail "doorstep-desk $*: exit status not 0"
    fi
    if grep -v -e "$ALLOWED_STDERR" -e '^\s*$' "$ERR" >&2; then
        fail "doorstep-desk $*: unexpected stderr (above)"
    fi
}
# json EXPR: evaluate a Python expression over the JSON in $OUT (as `d`)
json() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1], encoding="utf-8")); print(eval(sys.argv[2]))' "$OUT" "$1"; }

step "version"
desk --version
want=$(dpkg-deb -f "$DEB" Version)
grep -q "$want" "$OUT" || fail "--version printed $(cat "$OUT"), not $want"
ok "$(cat "$OUT")"

step "setup on a temporary data folder"
desk --data-dir "$DATA" setup --desk-code HY-QL01 --worker 测试员
ok

step "case saved with the CLI (an item's own example)"
desk --data-dir "$DATA" catalog --json
items=$(json 'len(d)')
[ "$items" -ge 50 ] || fail "catalog has $items items"
python3 - "$OUT" "$ROOT/home/worker/case.json" > "$ROOT/tmp/item" <<'EOF'
import json, sys
items = json.load(open(sys.argv[1], encoding="utf-8"))
item = next(i for i in items if i.get("example") and not i.get("bundle")
            and i.get("kind") == "on_the_spot")
json.dump(item["example"], open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
print(item["code"])
EOF
chown 4242:4242 "$ROOT/home/worker/case.json"
item=$(cat "$ROOT/tmp/item")
desk --data-dir "$DATA" new --item "$item" --json /home/worker/case.json
uuid=$(json 'd["uuid"]')
receipt_no=$(json 'd["receipt_no"]')
case_status=$(json 'd["status"]')
ok "$item → $receipt_no ($case_status)"

step "receipt printed to PDF (A4 and 80 mm)"
for fmt in a4 80mm; do
    desk --data-dir "$DATA" receipt "$uuid" --out "/home/worker/receipt-$fmt.pdf" --format "$fmt"
    [ "$(json 'd["receipt_no"]')" = "$receipt_no" ] || fail "receipt of another case"
    head -c5 "$ROOT/home/worker/receipt-$fmt.pdf" | grep -q '%PDF-' || fail "receipt-$fmt.pdf is not a PDF"
done
ok "$(stat -c %s "$ROOT/home/worker/receipt-a4.pdf") bytes (A4)"

step "demo cases and the case list"
desk --data-dir "$DATA" demo --cases 3 --seed 8
desk --data-dir "$DATA" cases --json
[ "$(json 'len(d)')" = 4 ] || fail "cases --json lists $(json 'len(d)') cases, not 4"
ok

step "window offscreen"
DESK_ENV="DOORSTEP_SMOKE_EXIT_MS=300" desk --data-dir "$DATA"
grep -q "window shown" "$OUT" || fail "no 'window shown' in: $(cat "$OUT")"
ok "$(cat "$OUT")"

step "camera backend (Qt Multimedia, FFmpeg plugin)"
DESK_ENV="DOORSTEP_SMOKE_CAMERA=1" desk
grep -q "camera backend: ffmpeg" "$OUT" || fail "no camera backend: $(cat "$OUT")"
ok "$(cat "$OUT")"

step "sync with a district on loopback"
if (cd "$REPO" && python3 -c "import sync.district.cli") 2>/dev/null; then
    ddir=$(mktemp -d "$CACHE/district.XXXXXX")
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    db="sqlite:///$ddir/district.sqlite3"
    district() { (cd "$REPO" && python3 -m sync.district.cli --db "$db" "$@"); }
    district serve --host 127.0.0.1 --port "$port" --log-level error > "$ddir/serve.log" 2>&1 &
    district_pid=$!
    curl -sf --retry 120 --retry-delay 1 --retry-connrefused --max-time 5 \
        "http://127.0.0.1:$port/healthz" > /dev/null || fail "district did not start: $(cat "$ddir/serve.log")"
    code=$(district enroll-code --desk-code HY-QL01 --name 汉阳区琴台社区 --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["code"])')
    desk --data-dir "$DATA" enroll --server "http://127.0.0.1:$port" --code "$code"
    desk --data-dir "$DATA" sync --server "http://127.0.0.1:$port"
    pushed=$(json 'd["pushed"]')
    held=$(district stats --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["cases"])')
    [ "$held" = 4 ] || fail "the district holds $held cases, not 4"
    kill "$district_pid"; wait "$district_pid" 2>/dev/null || true; district_pid=""
    rm -rf "$ddir"
    ok "pushed $pushed, the district holds $held cases"
else
    echo "   skipped: this checkout's district server does not import here"
fi

step "protected store (SQLCipher) and the window unlocked by DOORSTEP_PASSWORD"
printf 'zhengce-2031\n' > "$ROOT/home/worker/pw"
chown 4242:4242 "$ROOT/home/worker/pw"
chmod 600 "$ROOT/home/worker/pw"
DESK_ENV="DOORSTEP_PASSWORD=zhengce-2031" desk --data-dir "$DATA" protect
DESK_ENV="DOORSTEP_PASSWORD_FILE=/home/worker/pw" desk --data-dir "$DATA" cases --json
[ "$(json 'len(d)')" = 4 ] || fail "the protected store lists $(json 'len(d)') cases"
DESK_ENV="DOORSTEP_SMOKE_EXIT_MS=300 DOORSTEP_PASSWORD_FILE=/home/worker/pw" desk --data-dir "$DATA"
grep -q "window shown" "$OUT" || fail "no 'window shown' in: $(cat "$OUT")"
ok

step "size of the installed bundle"
python3 "$REPO/installer/bundle_size.py" "$ROOT/opt/doorstep-desk" > "$ROOT/tmp/size.txt" || {
    cat "$ROOT/tmp/size.txt" >&2; fail "the installed bundle is over the budget"; }
ok "$(tail -1 "$ROOT/tmp/size.txt")"

echo "smoke_compat: all passed in a fresh bullseye root (libc6 $glibc)"
