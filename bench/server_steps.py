"""The ingest's steps counted inside the running district (``bench_sync.py --server-steps``).

``bench/ingest_steps.py`` times each step of a batch in its own process, one batch after
another. Under fifty desks at once the same steps cost more (two or more batches share a
process, the cores are shared with the other server process and with PostgreSQL), and
only the server itself can say how much. Run as the uvicorn app factory
(``--factory server_steps:app``, ``bench/`` on ``PYTHONPATH``): in each server process it
puts a timer on every step of :data:`ingest_steps.STEPS`, on the request body's JSON
parse, on the authentication's read of the desk's row, on the nonce and on each write
transaction's commit, and around the whole batch in its worker thread
(``_batch_answer``): ``ingest_steps``' own timers, each adding the thread's CPU seconds
(``time.thread_time``). After each batch the process writes its sums to
``$DOORSTEP_BENCH_STEPS/<pid>.json``; :func:`collect` adds up the processes' files.
Whatever a process spends outside the batch's thread (the event loop: HTTP, the
signature, sending the answer; the WAL checkpoints) is the server's CPU less those batch
sums (:func:`table`).
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from ingest_steps import STEPS, _Timers

BATCH = "the batch in its worker thread (_batch_answer)"
EXTRA = [("the request body's JSON parse", "sync.district.sync_api", "_parse_own_batch"),
         ("auth: the desk's row (event loop's thread pool)", "sync.district.desks:Desks",
          "get"),
         ("the request's nonce (in the batch's transaction)", "sync.district.desks:Desks",
          "note_nonce")]
REST = "the rest of the batch: batch id claim, results, answer JSON"
OUTSIDE = "outside the batch's thread: event loop (HTTP, signature, answer), WAL checkpoints"


def app() -> Any:
    """The district app (``sync.district.app.app_from_env``) with the timers on."""
    import sync.district.sync_api as api

    out = Path(os.environ["DOORSTEP_BENCH_STEPS"])
    timers = _Timers()
    for name, where, attr in [*STEPS, *EXTRA, (BATCH, "sync.district.sync_api",
                                               "_batch_answer")]:
        timers.wrap(name, where, attr)
    timers.wrap_commit()
    answer = api._batch_answer
    batches = 0

    def dumped(*a: Any, **k: Any) -> Any:  # after each batch, this process's sums
        nonlocal batches
        try:
            return answer(*a, **k)
        finally:
            with timers.lock:  # (one thread writes the file at a time)
                batches += 1
                tmp = out / f".{os.getpid()}.json"
                tmp.write_text(json.dumps({"cpu": timers.cpu, "batches": batches}),
                               encoding="utf-8")
                tmp.replace(out / f"{os.getpid()}.json")

    api._batch_answer = dumped
    from sync.district.app import app_from_env

    return app_from_env()


def collect(folder: Path, server_cpu: float) -> dict[str, Any]:
    """The processes' sums: ms of CPU per batch for each step, the batch's whole thread,
    and what the server spent outside it (``server_cpu``: its processes' CPU seconds)."""
    cpu: dict[str, float] = defaultdict(float)
    for f in folder.glob("[0-9]*.json"):
        got = json.loads(f.read_text(encoding="utf-8"))
        for k, v in got["cpu"].items():
            cpu[k] += v
        cpu["batches"] += got["batches"]
    n = int(cpu.pop("batches", 0))
    if not n:
        return {"batches": 0, "steps_ms": {}}
    inside = sum(v for k, v in cpu.items() if k not in (BATCH, EXTRA[1][0]))
    cpu[REST] = cpu[BATCH] - inside
    cpu[OUTSIDE] = server_cpu - cpu[BATCH] - cpu[EXTRA[1][0]]
    steps = {k: round(v / n * 1e3, 2) for k, v in sorted(cpu.items(), key=lambda kv: -kv[1])}
    return {"batches": n, "steps_ms": steps}


def table(name: str, res: dict[str, Any]) -> str:
    """``collect``'s result as lines for stderr."""
    lines = [f"{name}: CPU ms per batch inside the server ({res['batches']} batches)"]
    width = max((len(k) for k in res["steps_ms"]), default=0)
    lines += [f"  {k:<{width}} {v:7.2f}" for k, v in res["steps_ms"].items()]
    return "\n".join(lines)
