"""Cost of protecting the desk's data (issue 7), plain vs encrypted, in one run.

Prints: unlock time (Argon2id key derivation + unwrap), open time, save p50/p99 through
the case service, and search p50/p95 (2-character name, ID digits) at N cases, for a
plain store and a SQLCipher store built from the same demo data, and the cold full scan.

    python bench/bench_protection.py [--cases 100000]
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desk.core import keyring
from desk.core.app import DeskContext, protect
from desk.core.demo import make_demo_cases
from desk.core.paths import resolve

PASSWORD = "bench-pass-2026"


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))] * 1000


def measure(folder: Path, password: str | None) -> dict[str, float]:
    t0 = time.perf_counter()
    key = keyring.unlock(folder, password) if password else None
    t1 = time.perf_counter()
    from desk.core.store import Store

    store = Store.open(folder / "desk.sqlite3", key=key, quick_check=False)
    t2 = time.perf_counter()
    store.quick_check()
    t_check = time.perf_counter() - t2
    t_scan = time.perf_counter()
    store.search.count_cases(search="某")  # a full scan of the name index
    scan = time.perf_counter() - t_scan
    store.close()
    ctx = DeskContext.open(str(folder), password=password)
    ctx.settings.worker_name = "基准"
    item = ctx.catalog.get("MZ-GLJT")
    saves = []
    from forms.ids import id_check_digit

    for i in range(200):
        sub = copy.deepcopy(item.example)
        body = f"42010519450101{200 + i:03d}"  # a resident each: 高龄津贴 is once (issue 23)
        sub["applicant_id"] = body + id_check_digit(body)
        t = time.perf_counter()
        ctx.cases.submit("MZ-GLJT", sub, ctx.actor())
        saves.append(time.perf_counter() - t)
    rows = ctx.store.search.list_cases(limit=500, offset=5000)
    rng = random.Random(1)
    names = [r["applicant_name"][:2] for r in rows]
    ids = [r["id_rev"][::-1][-4:] for r in rows]
    out = {"unlock_ms": (t1 - t0) * 1000, "open_ms": (t2 - t1) * 1000,
           "quick_check_ms": t_check * 1000,
           "cold_scan_ms": scan * 1000, "save_p50_ms": pct(saves, 50),
           "save_p99_ms": pct(saves, 99)}
    for label, qs in (("name2", names), ("id4", ids)):
        ts = []
        for q in rng.sample(qs, min(150, len(qs))):
            t = time.perf_counter()
            ctx.store.search.list_cases(search=q, limit=50)
            ts.append(time.perf_counter() - t)
        out[f"search_{label}_p50_ms"] = pct(ts, 50)
        out[f"search_{label}_p95_ms"] = pct(ts, 95)
    ctx.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100_000)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-protect-"))
    plain = root / "plain"
    ctx = DeskContext.open(str(plain))
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "基准"
    ctx.save_settings()
    make_demo_cases(ctx, args.cases, seed=5)
    ctx.close()
    enc = root / "encrypted"
    import shutil

    shutil.copytree(plain, enc)
    t = time.perf_counter()
    protect(resolve(str(enc)).ensure(), PASSWORD)
    print(f"encrypting an existing {args.cases}-case store: {time.perf_counter() - t:.2f} s")
    a = measure(plain, None)
    b = measure(enc, PASSWORD)
    print(f"{'':24s}{'plain':>10s}{'encrypted':>12s}{'ratio':>8s}")
    for k in a:
        ratio = b[k] / a[k] if a[k] > 0.001 else float("nan")
        print(f"{k:24s}{a[k]:10.2f}{b[k]:12.2f}{ratio:8.2f}")
    pin_unlock(enc, root)
    print(f"(files in {root})")


def pin_unlock(data: Path, root: Path, runs: int = 7) -> None:
    """PIN unlock (Argon2id + a round trip for the district's key share, loopback) against
    password unlock (Argon2id only), medians of ``runs``."""
    import statistics

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sync"))
    from sync_helpers import District, enroll

    from desk.core.app import check_secret
    from sync.client.pin import fetch_key_share, set_pin

    district = District(f"sqlite:///{root / 'district.sqlite3'}")
    try:
        ctx = DeskContext.open(str(data), password=PASSWORD)
        enroll(district, ctx)
        set_pin(ctx, "470913")
        ctx.close()
        paths = resolve(str(data))
        timings: dict[str, list[float]] = {"password": [], "pin": []}
        for _ in range(runs):
            for name, secret in (("password", PASSWORD), ("pin", "470913")):
                t = time.perf_counter()
                check_secret(paths, secret, fetch_key_share)
                timings[name].append((time.perf_counter() - t) * 1000)
        pw, pin = (statistics.median(timings[k]) for k in ("password", "pin"))
        print(f"unlock median of {runs}: password {pw:.0f} ms, PIN with key share "
              f"{pin:.0f} ms (ratio {pin / pw:.2f})")
    finally:
        district.stop()


if __name__ == "__main__":
    main()
