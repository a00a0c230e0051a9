"""Child process of the kill -9 harness: saves cases in a loop, printing each
acknowledged uuid only after the store returned (i.e. after COMMIT); after every other
save it tidies as the window does (the outbox entries made, the names indexed), so a kill
lands in a save or in a tidy."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from desk.core.app import DeskContext

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))
from sync_helpers import fresh_id


def main() -> None:
    ctx = DeskContext.open(sys.argv[1])
    ctx.settings.worker_name = "测试员"
    item = ctx.catalog.get("MZ-GLJT")
    sub = dict(item.example)
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    while True:
        # issue 23: a resident applies for 高龄津贴 once; each case has its own resident,
        # numbered on from the cases earlier children saved
        sub["applicant_id"] = fresh_id(item.example["applicant_id"], ctx.store.search.count_cases())
        case = ctx.cases.submit("MZ-GLJT", sub, ctx.actor(), today=date(2026, 11, 23))
        out.write(case["uuid"] + "\n")
        out.flush()
        if ctx.store.search.count_cases() % 2:
            ctx.store.tidy_after_save()


if __name__ == "__main__":
    main()
