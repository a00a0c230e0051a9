"""The desk's proactive-service list (主动服务 / 免申即享, issue 18).

The district's list comes down as ``proactive`` changes (kept with the other district
events); each names one resident the worker should go to: name, masked ID, address, item,
reason, due. The worker's answer for each — 已确认 (with the 免申 case filed), 不需要 (why),
联系不上, 已迁出, 已故, 上门服务 (on a date) — is kept here until a sync sends it
(:meth:`Proactive.unsent_proactive_outcomes`, then
:meth:`Proactive.mark_proactive_sent`). A later answer replaces an earlier one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from desk.core.errors import ValidationFailed
from desk.core.store_base import Part, now_iso
from desk.core.store_schema import migration
from forms.engine import Problem

if TYPE_CHECKING:
    import sqlite_utils

OUTCOMES = {"confirmed": "已确认", "declined": "不需要", "unreachable": "联系不上",
            "moved": "已迁出", "deceased": "已故", "home_visit": "上门服务"}
# answers after which the resident leaves the list (上门服务 and 联系不上 keep them on it)
DONE = ("confirmed", "declined", "moved", "deceased")
_BUILDING = re.compile(r"(\d+)\s*(栋|幢|号楼)")


@migration
def m019_proactive_outcomes(db: sqlite_utils.Database) -> None:
    """The worker's answers for the district's proactive list (issue 18)."""
    db.execute("""
        CREATE TABLE proactive_outcomes (
            entry_id INTEGER PRIMARY KEY,
            outcome TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            visit_date TEXT,
            case_uuid TEXT,
            worker TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL,
            sent_at TEXT
        )""")


def building_of(address: str, compound: str = "") -> str:
    """Where to go, for grouping: the compound and building (``七里一村 12栋``)."""
    m = _BUILDING.search(address or "")
    return " ".join(p for p in (compound, m.group(0) if m else "") if p) or "（未写楼栋）"


class Proactive(Part):
    """``store.proactive``: the district's proactive list and the worker's answers."""

    def proactive_list(self, *, include_done: bool = False) -> list[dict[str, Any]]:
        """The residents on the list (newest body per entry), each with the worker's last
        answer (``outcome``, ``outcome_words``, ``note``, ``visit_date``, ``case_uuid``) and
        ``building``; ordered by due date. Answered ones (:data:`DONE`) only when asked."""
        entries: dict[int, dict[str, Any]] = {}
        for r in self._read("SELECT body_json FROM district_events WHERE kind = 'proactive' "
                            "ORDER BY rowid"):
            body = json.loads(r["body_json"]).get("proactive")
            if isinstance(body, dict) and isinstance(body.get("entry_id"), int):
                entries[body["entry_id"]] = dict(body)
        answers = {r["entry_id"]: r for r in self._read(
            "SELECT entry_id, outcome, note, visit_date, case_uuid, at, sent_at "
            "FROM proactive_outcomes")}
        out = []
        for entry_id, e in entries.items():
            a = answers.get(entry_id)
            e.update(outcome=a["outcome"] if a else None,
                     outcome_words=OUTCOMES.get(a["outcome"], "") if a else "待联系",
                     note=a["note"] if a else "", visit_date=a["visit_date"] if a else None,
                     case_uuid=a["case_uuid"] if a else None,
                     sent=bool(a and a["sent_at"]),
                     building=building_of(str(e.get("address") or ""),
                                          str(e.get("compound") or "")))
            if include_done or not a or a["outcome"] not in DONE:
                out.append(e)
        out.sort(key=lambda e: (str(e.get("due") or ""), e["building"], e["entry_id"]))
        return out

    def proactive_counts(self) -> dict[str, int]:
        """Residents still to serve, by compound and building (the home page's
        主动服务 N 人)."""
        counts: dict[str, int] = {}
        for e in self.proactive_list():
            counts[e["building"]] = counts.get(e["building"], 0) + 1
        return counts

    def record_proactive_outcome(self, entry_id: int, outcome: str, *, worker: str,
                                 note: str = "", visit_date: str | None = None,
                                 case_uuid: str | None = None) -> dict[str, Any]:
        """Keep the worker's answer for one entry (replacing an earlier one) until a sync
        sends it; every problem at once, nothing saved on one."""
        note = " ".join((note or "").split())
        problems = []
        if outcome not in OUTCOMES:
            problems.append(Problem("outcome", "choice", "结果应为：" + "、".join(
                OUTCOMES.values())))
        if not any(e["entry_id"] == entry_id for e in self.proactive_list(include_done=True)):
            problems.append(Problem("entry_id", "not_found", "名单上没有这位居民"))
        if outcome == "declined" and not note:
            problems.append(Problem("note", "required", "不需要：请写明原因"))
        if len(note) > 500:
            problems.append(Problem("note", "max_length", "说明不能超过500个字"))
        if outcome == "home_visit":
            try:
                day = date.fromisoformat(visit_date or "")
                if day < date.today():
                    problems.append(Problem("visit_date", "not_past", "上门日期不能早于今天"))
            except ValueError:
                problems.append(Problem("visit_date", "date",
                                        "上门服务：请填写上门日期（如 2026-12-05）"))
        if outcome == "confirmed" and not case_uuid:
            problems.append(Problem("case_uuid", "required",
                                    "已确认：请先为居民办理（免申）案件"))
        if problems:
            raise ValidationFailed(problems)
        at = now_iso()
        with self.transaction("结果未保存") as c:
            c.execute("INSERT INTO proactive_outcomes(entry_id, outcome, note, visit_date, "
                      "case_uuid, worker, at, sent_at) VALUES (?,?,?,?,?,?,?,NULL) "
                      "ON CONFLICT(entry_id) DO UPDATE SET outcome = excluded.outcome, "
                      "note = excluded.note, visit_date = excluded.visit_date, "
                      "case_uuid = coalesce(excluded.case_uuid, case_uuid), "
                      "worker = excluded.worker, at = excluded.at, sent_at = NULL",
                      [entry_id, outcome, note, visit_date if outcome == "home_visit" else
                       None, case_uuid, worker, at])
            self._audit(c, worker, "proactive.outcome", None,
                        {"entry_id": entry_id, "outcome": outcome})
        return {"entry_id": entry_id, "outcome": outcome, "at": at}

    def due_reminders(self, today: date, within_days: int = 3) -> list[dict[str, Any]]:
        """容缺 reminders: deferred cases whose materials are due within ``within_days``
        (or overdue) and not yet supplied, each with an SMS-ready ``text`` to copy or print
        (the product sends no SMS). Ordered by due date."""
        until = (today + timedelta(days=within_days)).isoformat()
        out = []
        for r in self._read("SELECT uuid, receipt_no, item_name, applicant_name, desk_code, "
                            "materials_json FROM cases WHERE status = 'deferred'"):
            mats = json.loads(r["materials_json"] or "{}")
            due = mats.get("defer_due")
            names = [str(m.get("name")) for m in mats.get("missing", [])
                     if m.get("due_date") and not m.get("supplied_on")]
            if not due or not names or due > until:
                continue
            when = "已过期" if due < today.isoformat() else (
                "今天到期" if due == today.isoformat() else f"{due}前")
            text = (f"【家门口办事台】{r['applicant_name']}您好：您办理的{r['item_name']}"
                    f"（受理编号 {r['receipt_no']}）还需补交：{'、'.join(names)}，"
                    f"请于{due}前带到社区办事点。如已补交请忽略。")
            out.append({"case_uuid": r["uuid"], "receipt_no": r["receipt_no"],
                        "item_name": r["item_name"], "name": r["applicant_name"],
                        "materials": names, "due": due, "when": when, "text": text})
        out.sort(key=lambda x: (x["due"], x["receipt_no"]))
        return out

    def unsent_proactive_outcomes(self) -> list[dict[str, Any]]:
        """Answers a sync has yet to send, oldest first (the request's shape)."""
        rows = self._read("SELECT entry_id, outcome, note, visit_date, case_uuid, worker, at "
                          "FROM proactive_outcomes WHERE sent_at IS NULL ORDER BY at")
        return [{k: v for k, v in r.items() if v is not None} for r in rows]

    def offer_answers_again(self) -> int:
        """The district's history went back (restored from a backup): the answers it took
        may be gone with it, so every answer is sent again (the same answer again changes
        nothing there). Returns how many."""
        with self.transaction() as c:
            return int(c.execute("UPDATE proactive_outcomes SET sent_at = NULL "
                                 "WHERE sent_at IS NOT NULL").rowcount)

    def mark_proactive_sent(self, answers: Sequence[dict[str, Any]]) -> None:
        """The district took these answers (unless the worker changed one meanwhile)."""
        now = now_iso()
        with self.transaction() as c:
            for a in answers:
                c.execute("UPDATE proactive_outcomes SET sent_at = ? WHERE entry_id = ? AND "
                          "at = ?", [now, a["entry_id"], a["at"]])
