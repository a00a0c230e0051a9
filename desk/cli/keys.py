"""The desk's keys: ``protect``, ``passwd`` (the worker password) and ``pin`` (the
quick-unlock PIN, registered with the district). Secrets come on stdin, never as flags."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from desk.cli.common import err, open_desk, print_json, stdin_lines
from desk.core import keyring
from desk.core.app import change_password
from desk.core.app import protect as protect_desk
from desk.core.paths import resolve
from sync.client import pin as pin_mod


def _password_ok(pw: str) -> bool:
    try:
        keyring.check_password_rule(pw)
    except keyring.KeyringError as exc:
        err(f"password: [{exc.kind}] {exc.message}")
        return False
    return True


def protect(args: argparse.Namespace) -> int:
    """Encrypt the desk under a new worker password (stdin, or DOORSTEP_PASSWORD)."""
    paths = resolve(args.data_dir).ensure()
    lines = stdin_lines()
    pw = lines[0] if lines else keyring.password_from_env()
    if not pw:
        err("password: [required] 请在标准输入提供新密码")
        return 2
    if not _password_ok(pw):
        return 2
    print_json(protect_desk(paths, pw))
    return 0


def passwd(args: argparse.Namespace) -> int:
    """Change the worker password (stdin: the old, then the new line)."""
    paths = resolve(args.data_dir).ensure()
    lines = stdin_lines()
    if len(lines) < 2:
        err("password: [required] 标准输入第一行为旧密码，第二行为新密码")
        return 2
    if not _password_ok(lines[1]):
        return 2
    change_password(paths, lines[0], lines[1])
    print(json.dumps({"changed": True}))
    return 0


def pin(args: argparse.Namespace) -> int:
    """Set or remove the 6-digit quick-unlock PIN (here and at the district)."""
    ctx = open_desk(args)
    try:
        if args.action == "remove":
            print(json.dumps(pin_mod.remove_pin(ctx)))
            return 0
        if sys.stdin is not None and not sys.stdin.isatty():
            lines = sys.stdin.read().splitlines()
            new_pin = lines[0].strip() if lines else ""
        else:
            new_pin = getpass.getpass("新 PIN（6位数字）: ")
        if not new_pin:
            err("pin: [required] 请在标准输入提供6位数字 PIN")
            return 2
        try:
            keyring.check_pin_rule(new_pin)
        except keyring.KeyringError as exc:
            err(f"pin: [{exc.kind}] {exc.message}")
            return 2
        print(json.dumps(pin_mod.set_pin(ctx, new_pin)))
        return 0
    finally:
        ctx.close()
