"""A case filed from 已确认 on the proactive list is marked 免申即享 on the case itself (issue
18), end to end with a real district server: the district's list reaches the desk, the
worker confirms a resident and files the item's form, the case records the entry (its id,
the rule's reason, the due date) and — the item's proactive block saying so — that no
signature is needed; its receipt (A4 and 80 mm, read back with pdftotext) says 免申即享 and
无需签字 in place of the applicant's signature line; the answer 已确认 linked to the case
reaches the district, whose case page shows the case marked."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from console_helpers import ConsoleServer, new_case
from sqlalchemy import select

from desk.core.errors import ValidationFailed
from desk.core.proactive import prefill
from desk.core.receipts import render_case_pdf
from forms.catalog import load_catalog
from forms.ids import id_check_digit
from sync.client.desk import sync_desk
from sync.district import proactive, roster

HEADER = ["姓名", "身份证号", "现住址", "小区", "网格", "低保", "残疾", "已领高龄津贴"]


def _roster(path: Path) -> dict[str, str]:
    """Two residents of 七里一村 who turn 80 by next month (高龄津贴, no signature needed)."""
    born = (date.today().replace(day=1) - timedelta(days=80 * 366)).strftime("%Y%m%d")
    people = {}
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i, name in enumerate(("居民甲", "居民乙")):
            first17 = f"420105{born}{i:02d}1"
            people[name] = first17 + id_check_digit(first17)
            w.writerow([name, people[name], f"七里一村{i + 1}栋", "七里一村", "三网格", "", "",
                        ""])
    return people


def _text(pdf: bytes) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is missing: apt-get install poppler-utils (see README)")
    out = subprocess.run([tool, "-layout", "-", "-"], input=pdf, capture_output=True,
                         check=True, timeout=60)
    return out.stdout.decode("utf-8")


def test_a_case_filed_from_confirmed_is_marked_mianshen_end_to_end(
        server: ConsoleServer, make_desk: Any, web: Any, tmp_path: Path) -> None:
    st = server.storage
    people = _roster(tmp_path / "roster.csv")
    roster.import_roster(st, tmp_path / "roster.csv", actor="t")
    proactive.set_compounds(st, "HY-QL01", ["七里一村"])
    assert proactive.run(st, load_catalog(), day=date.today(), actor="t")["by_item"][
        "MZ-GLJT"] == 2
    desk = make_desk()
    assert sync_desk(desk)["complete"]
    listed = {e["name"]: e for e in desk.store.proactive.proactive_list()}
    e0, e1 = listed["居民甲"], listed["居民乙"]
    item = desk.catalog.get("MZ-GLJT")
    sub = {**item.example, **prefill(item, e0, people["居民甲"])}
    before = len(desk.store.residents.resident_item_cases(people["居民甲"], "MZ-GLJT"))

    # refused, naming the field, nothing saved: another resident's entry, no such entry, a
    # mark that is not an entry number
    with pytest.raises(ValidationFailed) as other:
        desk.cases.submit("MZ-GLJT", {**sub, "proactive": {"entry_id": e1["entry_id"]}},
                          desk.actor())
    assert [p.field for p in other.value.problems] == ["applicant_id"]
    assert "不符" in str(other.value)
    with pytest.raises(ValidationFailed, match="名单上没有这位居民"):
        desk.cases.submit("MZ-GLJT", {**sub, "proactive": {"entry_id": 999999}}, desk.actor())
    with pytest.raises(ValidationFailed, match="entry_id"):
        desk.cases.submit("MZ-GLJT", {**sub, "proactive": {"entry_id": "1"}}, desk.actor())
    assert len(desk.store.residents.resident_item_cases(people["居民甲"], "MZ-GLJT")) == before
    assert desk.store.proactive.unsent_proactive_outcomes() == []

    # 已确认: the case is marked on itself, and the answer names it
    saved = desk.cases.submit("MZ-GLJT", {**sub, "proactive": {"entry_id": e0["entry_id"]}},
                              desk.actor())
    case = desk.store.get_case(saved["uuid"])
    assert json.loads(case["data_json"])["proactive"] == {
        "entry_id": e0["entry_id"], "reason": e0["reason"], "due": e0["due"],
        "no_signature": True}
    answers = desk.store.proactive.unsent_proactive_outcomes()
    assert [(a["entry_id"], a["outcome"], a["case_uuid"]) for a in answers] == [
        (e0["entry_id"], "confirmed", saved["uuid"])]
    assert "居民甲" not in {e["name"] for e in desk.store.proactive.proactive_list()}  # served

    # the receipt in both formats: 免申即享, and 无需签字 instead of the applicant's line
    plain = new_case(desk, "YB-JMCB")
    for fmt in ("a4", "80mm"):
        text = _text(render_case_pdf(desk, case, fmt))
        assert "免申即享" in text and "无需签字" in text, (fmt, text)
        assert "申请人（代办人）签字" not in text and "经办人签字" in text, (fmt, text)
        other_text = _text(render_case_pdf(desk, desk.store.get_case(plain["uuid"]), fmt))
        assert "免申即享" not in other_text and "申请人（代办人）签字" in other_text

    # to the district: the answer linked to the case, and the case page marked
    out = sync_desk(desk)
    assert out["error"] is None and out["complete"] and out["proactive_sent"] == 1, out
    with st.read() as conn:
        entry = conn.execute(select(proactive.entries).where(
            proactive.entries.c.id == e0["entry_id"])).mappings().one()
    assert entry["outcome"] == "confirmed" and entry["case_uuid"] == saved["uuid"]
    w = web("viewer")
    html = w.get(f"/console/cases/{saved['uuid']}").text
    assert 'id="mianshen"' in html and 'id="no-signature"' in html
    assert f"主动服务名单第 {e0['entry_id']} 号：{e0['reason']}" in html
    assert "名单答复：已确认，已关联本案件" in html
    other_html = w.get(f"/console/cases/{plain['uuid']}").text
    assert 'id="mianshen"' not in other_html and 'id="proactive-entry"' not in other_html
