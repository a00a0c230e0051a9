"""Photos and scans (issue 17): normalising a 12-megapixel photo, and uploading pages over
the sync lane — each beside its floor.

Run: ``python bench/bench_attachments.py [--runs 5] [--pages 20] [--cases 40]
[--only normalise|save|upload]``

1. **Normalise a 12 MP phone photo of a page** (4000×3000 JPEG with EXIF orientation:
   light uneven paper with sensor noise and lines of text blocks, ~2–4 MB):
   :func:`desk.core.attachments.normalise` (turn upright, reduce to 1600 px, re-encode to
   ≤ 300 KB, strip metadata) — median time and peak memory (max RSS of a fresh process) —
   beside the floor of *decoding it alone* (``Image.open(...).load()``, full size). Target
   (issue 17): ≤ 300 ms (p50 and p95 printed).
2. **A case saved with 5 pages beside one without** (issue 17: ≤ 1.5×), in turn on one
   desk in one run, plain and protected (SQLCipher) — p50/p95. The form stages each page in
   the store when it is captured (``store.attachments.stage_page``, timed apart:
   ``stage_5_pages``), so its save only claims them (``with_5_pages``); beside it the save
   that writes the pages' bytes itself (``with_5_pages_written``: ``attach``, 补交) and the
   floor of one bare WAL+FULL commit of the same page bytes.
3. **20 pages over the sync lane**: a desk with one synced case and 20 pages (each a
   normalised photo, ~200–300 KB) runs :func:`sync.client.attachments.upload_attachments`
   (read each page from the store, upload in pieces, link) against a real district in its
   own process; the floor is the same client uploading the same number of bytes as fresh
   blobs (no store, no links). Prints the ratio.

Prints one JSON object (and a short table on stderr).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "sync"))


def photo_12mp(seed: int = 1) -> bytes:
    """A 4000×3000 JPEG with texture like a photographed page, EXIF orientation 6."""
    from PIL import Image, ImageDraw

    rnd = random.Random(seed)
    # paper under a desk lamp: light, slightly uneven, with sensor noise; lines of "text"
    noise = Image.frombytes("L", (500, 375), bytes(225 + b % 24 for b in
                                                   rnd.randbytes(500 * 375)))
    img = noise.resize((4000, 3000), Image.Resampling.BICUBIC).convert("RGB")
    d = ImageDraw.Draw(img)
    for y in range(260, 2800, 70):
        x = 300
        while x < 3700:
            w = rnd.randrange(20, 60)
            d.rectangle((x, y, x + w, y + 34), fill=(30, 30, 30))
            x += w + rnd.randrange(10, 30)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=92, exif=exif.tobytes())
    return buf.getvalue()


# the process's own peak (VmHWM: ru_maxrss would carry the parent's peak across exec)
_HWM = """
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
"""
_CHILD = _HWM + r"""
import sys, time
sys.path.insert(0, sys.argv[1])
data = open(sys.argv[2], "rb").read()
if sys.argv[3] == "floor":
    import io
    from PIL import Image
    t = time.perf_counter(); Image.open(io.BytesIO(data)).load(); dt = time.perf_counter() - t
else:
    from desk.core.attachments import normalise
    t = time.perf_counter(); normalise(data); dt = time.perf_counter() - t
print(dt, hwm())
"""

_BASE = _HWM + r"""
import sys
sys.path.insert(0, sys.argv[1])
import io
from PIL import Image
if sys.argv[3] != "floor":
    from desk.core.attachments import normalise
print(0, hwm())
"""


def bench_normalise(runs: int) -> dict[str, Any]:
    from desk.core.attachments import normalise

    data = photo_12mp()
    out: dict[str, Any] = {"input_bytes": len(data), "input_px": "4000x3000"}
    with tempfile.NamedTemporaryFile(suffix=".jpg", delete=False) as f:
        f.write(data)
        path = f.name
    try:
        for kind in ("floor", "normalise"):
            times, peaks = [], []
            base = int(subprocess.run([sys.executable, "-c", _BASE, str(ROOT), path, kind],
                                      capture_output=True, text=True, check=True
                                      ).stdout.split()[1])
            for _ in range(runs):
                dt, rss = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT), path, kind],
                                         capture_output=True, text=True, check=True
                                         ).stdout.split()
                times.append(float(dt))
                peaks.append(int(rss))
            out[kind] = {"median_ms": round(statistics.median(times) * 1000, 1),
                         "p95_ms": round(pct(times, 95) * 1000, 1),
                         "min_ms": round(min(times) * 1000, 1),
                         "peak_rss_mb": round(max(peaks) / 1024, 1),
                         "peak_above_imports_mb": round((max(peaks) - base) / 1024, 1)}
    finally:
        os.unlink(path)
    page = normalise(data)
    out["output"] = {"bytes": page.size, "px": f"{page.width}x{page.height}"}
    out["ratio_to_floor"] = round(out["normalise"]["median_ms"] / out["floor"]["median_ms"], 2)
    return out


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def bench_case_save(cases: int, password: str | None) -> dict[str, Any]:
    """Saving a case with 5 pages (normalised photos, ~1.3 MB) beside saving one without,
    alternately in one run on one desk; and the floor of one bare WAL+FULL commit of the
    same bytes (what writing the pages costs SQLite alone)."""
    import sqlite3
    from datetime import date

    from desk.core.app import DeskContext
    from desk.core.attachments import normalise
    from forms.ids import id_check_digit

    made = [normalise(photo_12mp(200 + i)) for i in range(5)]
    for p in made:
        assert p.sha256  # hashed once here, like a page captured on the form
    without: list[float] = []
    with_pages: list[float] = []  # staged when captured, claimed by the save (the form)
    written: list[float] = []  # the pages' bytes written by the save (attach, 补交)
    staging: list[float] = []  # staging the 5 pages (at capture, off the save)
    with tempfile.TemporaryDirectory() as tmp:
        ctx = DeskContext.open(f"{tmp}/desk", password=password)
        ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "基准测试"
        ctx.save_settings()
        item = ctx.catalog.get("MZ-GLJT")
        for i in range(3 * cases):
            sub = dict(item.example)
            body = f"42010519450102{i:03d}"  # a resident each: 高龄津贴 is once (issue 23)
            sub["applicant_id"] = body + id_check_digit(body)
            kind, session, attach = i % 3, f"form-{i}", []
            if kind == 1:
                t = time.perf_counter()
                attach = [("居民身份证", [ctx.store.attachments.stage_page(session, "居民身份证", p)
                                         for p in made])]
                staging.append(time.perf_counter() - t)
            elif kind == 2:
                attach = [("居民身份证", made)]
            t = time.perf_counter()
            ctx.cases.submit("MZ-GLJT", sub, ctx.actor(), today=date.today(),
                             attachments=attach, session=session)
            (without, with_pages, written)[kind].append(time.perf_counter() - t)
        ctx.close()
        conn = sqlite3.connect(f"{tmp}/floor.sqlite3", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
        floor: list[float] = []
        for _ in range(cases):
            t = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            for p in made:
                conn.execute("INSERT INTO t(body) VALUES (?)", [p.data])
            conn.execute("COMMIT")
            floor.append(time.perf_counter() - t)
        conn.close()

    def ms(xs: list[float], p: float) -> float:
        return round(pct(xs, p) * 1000, 2)

    return {"cases_each": cases, "protected": password is not None,
            "pages": len(made), "page_bytes": sum(p.size for p in made),
            "without": {"p50_ms": ms(without, 50), "p95_ms": ms(without, 95)},
            "with_5_pages": {"p50_ms": ms(with_pages, 50), "p95_ms": ms(with_pages, 95)},
            "with_5_pages_written": {"p50_ms": ms(written, 50), "p95_ms": ms(written, 95)},
            "stage_5_pages": {"p50_ms": ms(staging, 50), "p95_ms": ms(staging, 95)},
            "floor_commit_pages_only": {"p50_ms": ms(floor, 50), "p95_ms": ms(floor, 95)},
            "ratio_p50": round(pct(with_pages, 50) / pct(without, 50), 2),
            "ratio_p95": round(pct(with_pages, 95) / pct(without, 95), 2),
            "ratio_written_p50": round(pct(written, 50) / pct(without, 50), 2)}


def bench_upload(pages: int) -> dict[str, Any]:
    from sync_helpers import DistrictProcess, new_case

    from desk.core.app import DeskContext
    from desk.core.attachments import normalise
    from sync.client.attachments import upload_attachments
    from sync.client.desk import client_for, enroll_desk, sync_desk

    with tempfile.TemporaryDirectory() as tmp:
        server = DistrictProcess(f"sqlite:///{tmp}/district.sqlite3")
        server.start()
        try:
            from sync.district.storage import Storage

            st = Storage(server.db_url)
            code = st.desks.create_enroll_code("HY-QL01", "七里一村社区流动办事点")
            st.close()
            ctx = DeskContext.open(f"{tmp}/desk")
            ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
            ctx.save_settings()
            enroll_desk(ctx, server.url, code)
            case = new_case(ctx)
            assert sync_desk(ctx)["complete"]
            made = [normalise(photo_12mp(100 + i)) for i in range(pages)]
            ctx.store.attachments.add_attachments(case["uuid"], "居民身份证", made, "bench")
            total = sum(p.size for p in made)
            with client_for(ctx) as c:
                t = time.perf_counter()
                summary: dict[str, Any] = {}
                upload_attachments(ctx.store, c, summary)
                lane = time.perf_counter() - t
                assert summary["attachments_sent"] == pages, summary
                # the floor: the same client, the same number of bytes, fresh blobs
                blobs = [bytes(reversed(p.data)) for p in made]
                t = time.perf_counter()
                for b in blobs:
                    c.upload_attachment(b)
                floor = time.perf_counter() - t
            ctx.close()
        finally:
            server.stop()
    return {"pages": pages, "bytes": total,
            "lane_s": round(lane, 3), "lane_mb_s": round(total / lane / 1e6, 2),
            "floor_s": round(floor, 3), "floor_mb_s": round(total / floor / 1e6, 2),
            "ratio_to_floor": round(lane / floor, 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--cases", type=int, default=40, help="cases saved of each kind")
    ap.add_argument("--only", choices=("normalise", "save", "upload"), default=None)
    a = ap.parse_args()
    out: dict[str, Any] = {}
    if a.only in (None, "normalise"):
        out["normalise_12mp"] = n = bench_normalise(a.runs)
        print(f"normalise 12 MP: p50 {n['normalise']['median_ms']} ms, p95 "
              f"{n['normalise']['p95_ms']} ms (floor decode p50 {n['floor']['median_ms']} ms, "
              f"p95 {n['floor']['p95_ms']} ms), peak RSS {n['normalise']['peak_rss_mb']} MB "
              f"(floor {n['floor']['peak_rss_mb']} MB); output {n['output']}",
              file=sys.stderr)
    if a.only in (None, "save"):
        for key, password in (("case_save", None), ("case_save_protected", "bench-2026")):
            out[key] = c = bench_case_save(a.cases, password)
            print(f"{key}: without p50 {c['without']['p50_ms']} / p95 "
                  f"{c['without']['p95_ms']} ms; with 5 staged pages ({c['page_bytes']} B) "
                  f"p50 {c['with_5_pages']['p50_ms']} / p95 {c['with_5_pages']['p95_ms']} ms "
                  f"(×{c['ratio_p50']} / ×{c['ratio_p95']}); staging them p50 "
                  f"{c['stage_5_pages']['p50_ms']} ms; written by the save p50 "
                  f"{c['with_5_pages_written']['p50_ms']} ms (×{c['ratio_written_p50']}); "
                  f"bare commit of the pages p50 {c['floor_commit_pages_only']['p50_ms']} ms",
                  file=sys.stderr)
    if a.only in (None, "upload"):
        out["upload"] = u = bench_upload(a.pages)
        print(f"upload {u['pages']} pages / {u['bytes']} B: lane {u['lane_s']} s, floor "
              f"{u['floor_s']} s (×{u['ratio_to_floor']})", file=sys.stderr)
    print(f"loadavg {os.getloadavg()}", file=sys.stderr)
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
