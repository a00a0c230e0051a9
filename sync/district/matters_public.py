"""A resident matter on the public progress page ``/q`` (issue 15 with issue 18): the
受理单's matter number and check code (the receipt's scheme, over the matter number and
uuid, with the key of the desk that printed it — or of a desk it replaced) answer with the
matter's category, dates and steps — never a name, phone, ID number, address, what was
said nor the answer's text (those may name people)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from sync import protocol as P
from sync.district.console.schema import local_date
from sync.district.matters_tables import matters
from sync.district.replacement import lineage
from sync.district.tables import changes, desks

MATTER_STEPS = {
    "dispatched": "已派单至{department}办理",
    "signed": "承办部门已签收",
    "answered": "承办部门已答复，办事点将转告您",
    "redo": "回访不满意，重新办理",
    "closed": "已办结",
}
MATTER_STATES = {
    "received": "区级已收到，等待派单",
    "dispatched": "已派单，等待承办部门签收",
    "signed": "承办部门正在办理",
    "answered": "已答复，等待回访",
    "redo": "重新办理中",
    "closed": "已办结",
}


def _day(stamp: str | None) -> str:
    text = str(stamp or "")
    try:
        return local_date(text).isoformat() if len(text) > 10 else text
    except ValueError:
        return text[:10]


def matter_progress(conn: Connection, matter_no: str, code: str) -> dict[str, Any] | None:
    """The fields of :class:`sync.district.public_query.Progress` for the matter numbered
    ``matter_no`` when ``code`` is its genuine check code; None otherwise."""
    rows = conn.execute(select(matters).where(matters.c.matter_no == matter_no)
                        ).mappings().all()
    for row in rows:
        keys = list(conn.execute(select(desks.c.receipt_key).where(
            desks.c.desk_id.in_(lineage(conn, row["desk_id"])))).scalars())
        # (the lineage: a matter taken over by a replacement laptop keeps its old slip's code)
        if any(P.receipt_code_ok(k, matter_no, row["uuid"], code) for k in keys):
            break
    else:
        return None
    desk_name = conn.execute(select(desks.c.name).where(
        desks.c.desk_id == row["desk_id"])).scalar() or row["desk_code"]
    steps = [("在办事点登记", _day(row["desk_created_at"])),
             ("区级已收到", _day(row["received_at"]))]
    for status, department, at in conn.execute(
            select(changes.c.status, changes.c.department, changes.c.at).where(
                changes.c.case_uuid == row["uuid"], changes.c.kind == "matter")
            .order_by(changes.c.seq)):
        words = MATTER_STEPS.get(str(status or ""))
        if status == "dispatched" and not department:
            words = "已派单办理"
        if words is not None:
            steps.append((words.format(department=department or ""), _day(at)))
    title = str(row["category"]) + (f"·{row['subcategory']}" if row["subcategory"] else "")
    state = MATTER_STATES.get(str(row["status"]), "办理中")
    return {"receipt_no": matter_no, "item_name": f"民情诉求：{title}",
            "accepted_date": _day(row["desk_created_at"]),
            "promised_date": "" if row["status"] == "closed" else _day(row["due_at"]),
            "state": state, "note": "",
            "desk_name": desk_name, "steps": steps}


__all__ = ["MATTER_STATES", "MATTER_STEPS", "matter_progress"]
