"""Child process that keeps a desk open, as the window does (issue 12 item 1).

``python desk_holder.py DATA_DIR`` opens the desk (``DOORSTEP_PASSWORD`` when protected),
prints ``open``, then obeys one command per line on stdin:

- ``save NAME ID PHONE`` saves a case and prints its uuid — or ``refused <message>`` when
  the store refuses to write (printed only after the store returned);
- ``quit`` closes the desk as the window does on exit (the day's backup, the retention
  purge), prints ``closed`` and exits.
"""

from __future__ import annotations

import copy
import sys
from datetime import date

from desk.core.app import DeskContext
from desk.core.errors import DeskError


def main() -> None:
    ctx = DeskContext.open(sys.argv[1])
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    out = sys.stdout
    out.write("open\n")
    out.flush()
    for line in sys.stdin:
        words = line.split()
        if words and words[0] == "save":
            sub = copy.deepcopy(ctx.catalog.get("MZ-GLJT").example)
            sub.update(applicant_name=words[1], applicant_id=words[2],
                       applicant_phone=words[3])
            try:
                case = ctx.cases.submit("MZ-GLJT", sub, ctx.actor(), today=date(2026, 11, 23))
                out.write(case["uuid"] + "\n")
            except DeskError as exc:
                out.write(f"refused {exc.kind} {exc.message}\n")
            out.flush()
        elif words == ["quit"]:
            break
    ctx.close(maintenance=True)
    out.write("closed\n")
    out.flush()


if __name__ == "__main__":
    main()
