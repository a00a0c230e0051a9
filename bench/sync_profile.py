"""Where a sync's time goes: CPU seconds of the processes taking part, and py-spy profiles
of both sides broken down by stage (issue 20).

Used by ``bench/bench_sync.py``:

- :func:`tree_cpu` — CPU seconds (user + system) of a process and every live descendant,
  read from ``/proc`` (Linux); with ``reaped`` also the children it has waited for. The
  district's processes (uvicorn and its workers) and PostgreSQL's (the postmaster, its
  backends and the backends that have ended) are read before and after a run.
- :class:`Spy` — ``py-spy record`` (raw collapsed stacks) of a command or of a running
  process, when ``--profile DIR`` is given and ``py-spy`` is installed.
- :func:`breakdown` / ``python bench/sync_profile.py FILE...`` — a profile's samples per
  stage (outbox read, canonical encoding, signing, gzip, HTTP, request parsing, validation,
  conflict checks, inserts, duplicate check, ...): each stack is put in the stage of its
  deepest frame that names one (:data:`STAGES`, first match wins at that frame).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")

def _fn(*names: str, where: str = "") -> str:
    """A frame of one of these functions (methods match with their class's name too),
    in a file whose path starts with ``where``."""
    return rf"^(\w+\.)?({'|'.join(names)}) \({where}"


# (stage, pattern of a frame "function (file:line)"); the deepest frame matching any
# pattern decides a sample's stage. Desk-side stages first, then the district's.
STAGES: list[tuple[str, str]] = [
    # -- the desk ---------------------------------------------------------------------------
    ("desk: outbox read", _fn("pending_outbox", "_next_batch", "_load_inflight",
                              "outbox_entries", "_fill")),
    ("desk: batch body (JSON text)", _fn("batch_body", "_records", where="sync/client")),
    ("desk: gzip", _fn("compress", where="gzip")),
    ("desk: signing", _fn("sign", "signed_headers", "canonical_request",
                          where="sync/protocol")),
    ("desk: HTTP client", r"\((requests|urllib3|http/client|socket|ssl)[/.]"),
    ("desk: answer parsing", _fn("push_body", where="sync/client")),
    ("desk: outbox update", _fn("mark_outbox") + "|" + _fn("_record", where="sync/client")),
    ("desk: in-flight note", _fn("_save_inflight")),
    ("desk: push loop (other)", _fn("push_outbox", "_send", where="sync/client")),
    # -- the district -----------------------------------------------------------------------
    ("district: HTTP server (uvicorn, starlette)", r"\((uvicorn|starlette|h11|anyio|"
                                                   r"asyncio|httptools)/"),
    ("district: FastAPI routing", r"\(fastapi/"),
    ("district: auth (read body, HMAC, desk row)", _fn("_signed_with_cap", "_spool_capped",
                                                       "signed", where="sync/district")),
    ("district: nonce", _fn("remember_nonce")),
    ("district: gunzip", _fn("gunzip_capped")),
    ("district: request JSON parse", _fn("parse_batch", "parse_body",
                                         where="sync/district/api_deps")),
    ("district: validation (pydantic)", r"validate_python \(pydantic"),
    ("district: canonical JSON + hash", _fn("canonical_json", "content_hash", "prepare_records",
                                            where="sync")),
    ("district: batch id claim, answer (storage.ingest.batch_json)", _fn("batch_json", "batch_body", where="sync/district/ingest")),
    ("district: batch work (other)", _fn("run", "_result", "_store",
                                         where="sync/district/ingest")),
    ("district: conflict checks (existing revisions, cases)",
     _fn("_cases", "_known", "_same_or_conflict", where="sync/district/ingest")),
    ("district: receipt-number claim", _fn("claim_receipts")),
    ("district: revision insert", _fn("_insert_revisions")),
    ("district: case upsert", _fn("_upsert_cases")),
    ("district: sent count (desk_sent_counts)", _fn("count_sent")),
    ("district: desk-date check", _fn("flag_desk_dates")),
    ("district: bundle routes", _fn("_fan_out", "bundle_members")),
    ("district: duplicate check", _fn("flag_duplicates", "others_ahead", "notify_duplicates",
                                                 "untold")),
    ("district: ratings", _fn("apply_ratings")),
    ("district: matters", _fn("apply_matters")),
    ("district: desk_records (held by desk)", _fn("note_records")),
    ("district: commit", _fn("_do_commit", "_commit_impl", "commit", where="sqlalchemy")),
    ("district: transaction begin / lock wait", _fn("write", "_on_begin",
                                                    where="sync/district/database")),
    ("district: desk row", _fn("desk", where="sync/district/storage")),
    ("district: answer", _fn("push_batch", where="sync/district/app")),
]
_COMPILED = [(name, re.compile(p)) for name, p in STAGES]


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()  # fields from "state" on


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            f = _stat(int(d))
            if f is not None:
                kids.setdefault(int(f[1]), []).append(int(d))
    return kids


def tree_cpu(pid: int, *, reaped: bool = False) -> float:
    """CPU seconds of ``pid`` and its live descendants (and, with ``reaped``, of the
    children they have waited for: PostgreSQL's ended backends)."""
    kids = _children()
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        f = _stat(p)
        if f is None:
            continue
        total += int(f[11]) + int(f[12])  # utime, stime
        if reaped:
            total += int(f[13]) + int(f[14])  # cutime, cstime
        todo.extend(kids.get(p, []))
    return total / _TICK


def child_of(pid: int, timeout: float = 30.0) -> int:
    """The first child process of ``pid`` (waits for it to appear)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = _children().get(pid)
        if kids:
            return min(kids)
        time.sleep(0.05)
    raise RuntimeError(f"process {pid} started no child")


def spy_available() -> bool:
    return shutil.which("py-spy") is not None


class Spy:
    """``py-spy record`` into ``out`` (raw collapsed stacks, 100 Hz — ``$SPY_RATE`` for
    another rate — without pausing the target): of ``command`` (its subprocesses too), or
    of the running process ``pid``."""

    def __init__(self, out: Path, *, pid: int | None = None,
                 command: list[str] | None = None, idle: bool = False,
                 **popen: object) -> None:
        self.out = out
        args = ["py-spy", "record", "--nonblocking", "-r", os.environ.get("SPY_RATE", "100"),
                "-f", "raw", "-o", str(out)]
        if idle:  # threads waiting (on the database, a lock) are sampled too: wall time
            args.append("--idle")
        if pid is not None:
            args += ["-p", str(pid), "--threads"]
        else:
            assert command is not None
            args += ["--subprocesses", "--", *command]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, **popen)  # type: ignore[call-overload]

    def stop(self) -> None:
        """Stop recording (a process being recorded is left running)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=60)


# stages of the frameworks a request passes through: a sample is theirs only when no
# other stage's frame is on its stack (a request's own work runs under them)
GENERIC = ("district: HTTP server (uvicorn, starlette)", "district: FastAPI routing")
# with --idle: a framework thread waiting for work (an idle pool thread, the event loop's
# select) is no request's time
IDLE = "idle (left out of the shares)"
# a sample with no Python frame (a thread in native code, or a stack py-spy could not read
# without pausing the process)
NO_FRAME = "no Python frame (left out of the shares)"
_WAITING = re.compile(_fn("select", "wait", "get", "acquire", "sleep", "_wait_for_tstate_lock",
                          "poll", "run_forever", "accept"))


# the server's start (imports, the app, the schema check): not a sync's time
STARTUP = "startup (left out of the shares)"
_STARTUP = re.compile(_fn("app_from_env", "create_app", "_find_and_load", "import_from_string"))
LEFT_OUT = (STARTUP, IDLE, NO_FRAME)


def classify(stack: str) -> str:
    frames = stack.split(";")
    if any(_STARTUP.search(f) for f in frames):
        return STARTUP
    if len(frames) == 1 and frames[0].startswith("process "):
        return NO_FRAME
    generic = None
    for frame in reversed(frames):
        for name, rx in _COMPILED:
            if rx.search(frame):
                if name not in GENERIC:
                    return name
                generic = generic or name
    if _WAITING.search(frames[-1]):
        return IDLE
    return generic or "other"


def breakdown(path: Path, *, only: str = "") -> Counter[str]:
    """Samples per stage in a raw py-spy file (``only``: stages whose name starts so)."""
    out: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        name = classify(stack)
        if name.startswith(only) or name == "other" or name in LEFT_OUT:
            out[name] += int(n)
    return out


def report(path: Path, cpu_seconds: float | None = None, only: str = "") -> str:
    """A table of a profile's stages: samples, share and (given the CPU seconds the
    profiled processes used) seconds."""
    got = breakdown(path, only=only)
    total = sum(n for k, n in got.items() if k not in LEFT_OUT) or 1
    lines = [f"{path.name}: {total} samples (left out: {got[STARTUP]} at startup, "
             f"{got[IDLE]} idle, {got[NO_FRAME]} without a Python frame)"]
    for name, n in got.most_common():
        if name in LEFT_OUT:
            continue
        secs = f"{cpu_seconds * n / total:7.2f} s" if cpu_seconds else ""
        lines.append(f"  {name:<58} {n:7d} {100 * n / total:5.1f}% {secs}")
    return "\n".join(lines)


def top_frames(path: Path, stage: str, n: int = 15) -> list[tuple[str, int]]:
    """The leaf frames using most samples within a stage (what to look at next)."""
    leaves: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, k = line.rpartition(" ")
        if k.isdigit() and classify(stack) == stage:
            leaves[stack.split(";")[-1]] += int(k)
    return leaves.most_common(n)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(report(Path(arg)))
