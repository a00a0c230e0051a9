"""进度查询: the page a resident opens from the receipt's QR code, or types the receipt
number and check code into, on any phone, without signing in (issue 18).

It shows the item, the acceptance and promised dates, the steps so far with their dates
(受理 → 区级收到 → 区级受理 / 需补正 / 转办 → 办结), a 需补正 note in words, and the desk to
ask — and **never** a name, an ID number, a phone or an address: the applicant's name is
taken out of a clerk's note and long digit runs are masked. Wrong codes and unknown
numbers get the very same answer. The page is one small HTML document (no script, no
framework, inline CSS, large type) and is rate-limited per client address like the
verify endpoint.

Addresses (case does not matter, so the QR code can use its compact upper-case mode)::

    /q                                     the form
    /q?r=HY-QL01-20261121-0007&c=ABCD-…    the form's answer
    /q/HY-QL01-20261121-0007/ABCDEFGH…     from the QR code
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from sync import protocol as P
from sync.district.console.schema import local_date
from sync.district.desk_codes import receipt_numbers
from sync.district.replacement import lineage
from sync.district.tables import case_revisions, cases, changes, desks

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from sync.district.database import Database

STEP_WORDS = {
    "accepted": "区级已受理，正在审核",
    "needs_correction": "需要补正材料",
    "routed": "已转交部门办理",
    "completed": "已办结",
    "rejected": "不予办理",
}
STATE_WORDS = {
    "received": "区级已收到，等待审核",
    **STEP_WORDS,
}
DUMMY_KEY = "0" * 64  # an unknown number is checked against it: the same work as a known one


@dataclass
class Progress:
    """What the page may show about one case: nothing personal."""

    receipt_no: str
    item_name: str
    accepted_date: str
    promised_date: str
    state: str
    note: str
    desk_name: str
    steps: list[tuple[str, str]] = field(default_factory=list)


def _mask_note(note: str, name: str) -> str:
    """A clerk's note without the applicant's name or long digit runs (IDs, phones)."""
    if name:
        note = note.replace(name, "申请人")
    return re.sub(r"\d{6,}[\dXx]?", lambda m: m.group(0)[:2] + "…" + m.group(0)[-2:], note)


def _day(stamp: str | None) -> str:
    """The district's calendar day of a stamp (UTC ISO), or a date as it is."""
    text = str(stamp or "")
    if len(text) <= 10:
        return text
    try:
        return local_date(text).isoformat()
    except ValueError:
        return text[:10]


def progress(db: Database, receipt_no: str, code: str) -> Progress | None:
    """The case's progress when ``code`` is the genuine check code of ``receipt_no``;
    None otherwise (unknown number and wrong code alike). A matter's 受理单 number and code
    answer with the matter's steps (issue 15: :func:`matter_progress`)."""
    with db.read() as conn:
        return progress_in(conn, receipt_no, code)


def progress_in(conn: Connection, receipt_no: str, code: str) -> Progress | None:
    """:func:`progress` on the caller's connection (the page counts the request and reads
    the case in one transaction)."""
    receipt_no = receipt_no.strip().upper()
    code = re.sub(r"[\s-]", "", code).upper()
    # one round trip for the case, its desk's name and key, and its current revision's
    # payload; one for its decisions (each an index lookup: the page's p95 is round trips)
    rev = case_revisions.c
    row = conn.execute(
        select(cases, desks.c.name.label("desk_name"),
               desks.c.receipt_key.label("desk_key"), rev.payload_json)
        .select_from(receipt_numbers.join(cases, cases.c.uuid == receipt_numbers.c.case_uuid)
                     .outerjoin(desks, desks.c.desk_id == cases.c.desk_id)
                     .outerjoin(case_revisions, (rev.case_uuid == cases.c.uuid)
                                & (rev.revision == cases.c.revision)))
        .where(receipt_numbers.c.receipt_no == receipt_no)).mappings().first()
    if row is None:
        from sync.district.matters_public import matter_progress

        found = matter_progress(conn, receipt_no, code)
        if found is None:
            P.receipt_code_ok(DUMMY_KEY, receipt_no, "0" * 32, code)
            return None
        return Progress(**found)
    if not (row["desk_key"] and P.receipt_code_ok(row["desk_key"], receipt_no,
                                                   row["uuid"], code)):
        # a receipt printed by a laptop this desk replaced carries the old desk's code
        keys = list(conn.execute(select(desks.c.receipt_key).where(
            desks.c.desk_id.in_(lineage(conn, row["desk_id"])[1:]))).scalars())
        if not any(P.receipt_code_ok(k, receipt_no, row["uuid"], code) for k in keys):
            return None
    desk_name = row["desk_name"] or row["desk_code"]
    payload = row["payload_json"]
    history = conn.execute(select(changes.c.status, changes.c.department, changes.c.at)
                           .where(changes.c.case_uuid == row["uuid"],
                                  changes.c.kind == "status")
                           .order_by(changes.c.seq)).all()
    try:
        body: dict[str, Any] = json.loads(payload or "{}")
    except ValueError:
        body = {}
    accepted = _day(body.get("accepted_date") or row["desk_created_at"])
    steps = [("在办事点受理", accepted), ("区级已收到", _day(row["received_at"]))]
    for status, department, at in history:
        words = STEP_WORDS.get(status or "")
        if words:
            if status == "routed" and department:
                words = f"已转交{department}办理"
            steps.append((words, _day(at)))
    state = row["district_status"]
    note = _mask_note(row["district_note"] or "", row["applicant_name"] or "") \
        if state in ("needs_correction", "rejected") else ""
    return Progress(receipt_no=receipt_no, item_name=row["item_name"], accepted_date=accepted,
                    promised_date=_day(body.get("promised_date")),
                    state=STATE_WORDS.get(state, "办理中"), note=note, desk_name=desk_name,
                    steps=steps)


# -- the page -------------------------------------------------------------------------------

_CSS = """body{font:20px/1.6 sans-serif;margin:0;color:#111;background:#fff}
main{max-width:34em;margin:0 auto;padding:1em}h1{font-size:1.4em;margin:.2em 0 .6em}
label{display:block;margin:.6em 0 .2em;font-weight:bold}
input{font-size:1em;width:100%;box-sizing:border-box;padding:.5em;border:2px solid #333}
button{font-size:1.1em;margin-top:1em;padding:.5em 1.5em;background:#0b4f9c;color:#fff;
border:0}.state{font-size:1.2em;font-weight:bold;color:#0b4f9c}
.note{border-left:6px solid #b25e00;padding:.3em .6em;background:#fff4e5}
ol{padding-left:1.3em}li{margin:.3em 0}.date{color:#333;white-space:nowrap}
dl{margin:0}dt{font-weight:bold;margin-top:.5em}dd{margin:0}
.miss{color:#9b1c1c;font-weight:bold}small{color:#333}"""


def page(prog: Progress | None, *, asked: bool, receipt_no: str = "", code: str = "",
         limited: bool = False) -> str:
    """The whole HTML document: the answer (when asked) and the form."""
    parts = ['<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width,initial-scale=1">',
             '<meta name="robots" content="noindex">',
             f"<title>办事进度查询</title><style>{_CSS}</style></head><body><main>",
             "<h1>办事进度查询</h1>"]
    if limited:
        parts.append('<p class="miss">查询过于频繁，请一分钟后再试。</p>')
    elif prog is not None:
        parts.append(f"<p class=\"state\">{escape(prog.state)}</p><dl>"
                     f"<dt>事项</dt><dd>{escape(prog.item_name)}</dd>"
                     f"<dt>受理编号</dt><dd>{escape(prog.receipt_no)}</dd>"
                     f"<dt>受理日期</dt><dd>{escape(prog.accepted_date)}</dd>")
        if prog.promised_date:
            parts.append(f"<dt>承诺办结</dt><dd>{escape(prog.promised_date)} 前</dd>")
        parts.append("</dl>")
        if prog.note:
            parts.append(f'<p class="note">区级意见：{escape(prog.note)}</p>')
        parts.append("<h2>办理经过</h2><ol>")
        parts += [f'<li>{escape(words)} <span class="date">{escape(day)}</span></li>'
                  for words, day in prog.steps]
        parts.append(f"</ol><p>有疑问请到 <b>{escape(prog.desk_name)}</b> 咨询，"
                     "带上回执。</p>")
    elif asked:
        parts.append('<p class="miss">没有查到：请核对回执上的受理编号和查验码。</p>')
    parts.append('<form method="get" action="/q">'
                 '<label for="r">受理编号</label>'
                 f'<input id="r" name="r" value="{escape(receipt_no)}" '
                 'placeholder="如 HY-QL01-20261121-0007" autocomplete="off" maxlength="64">'
                 '<label for="c">查验码（回执上的16位码）</label>'
                 f'<input id="c" name="c" value="{escape(code)}" placeholder="如 ABCD-EFGH-IJKL-MNOP"'
                 ' autocomplete="off" maxlength="40">'
                 '<button type="submit">查询</button></form>'
                 "<p><small>本页不显示姓名、证件号码、电话和住址。</small></p>"
                 "</main></body></html>")
    return "".join(parts)
