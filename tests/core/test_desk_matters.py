"""Resident matters on the desk (issue 15, part 2): record, 首问负责 hand-overs, close on the
spot, 办不成事 from a case, today's list — through the command line, on a real store."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from desk.cli import main
from desk.core import clock
from forms.catalog import load_catalog

NOW = datetime.fromisoformat("2026-09-30T15:00:00+08:00")  # the day before National Day


def run(capsys: Any, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def desk_dir(capsys: Any, data_dir: Path) -> Any:
    with clock.use(NOW):
        code, _, err = run(capsys, "--data-dir", str(data_dir), "setup", "--desk-code",
                           "HY-QL01", "--worker", "刘晓燕")
        assert code == 0, err
        yield data_dir


def new(capsys: Any, d: Path, tmp: Path, body: dict[str, Any]) -> tuple[int, Any, str]:
    f = tmp / "matter.json"
    f.write_text(json.dumps(body, ensure_ascii=False), "utf-8")
    code, out, err = run(capsys, "--data-dir", str(d), "matter", "new", "--json", str(f))
    return code, (json.loads(out) if code == 0 else None), err


LEAK = {"category": "投诉", "subcategory": "漏水", "urgency": "一般",
        "description": "楼上卫生间漏水，天花板渗水",
        "resident": {"name": "王建国", "phone": "13812345678",
                     "id_number": "420105194901010016"},
        "place": {"compound": "汉阳花园", "building": "3", "unit": "2", "room": "502"},
        "answer_by": "phone"}


def test_categories_json(capsys: Any, desk_dir: Path) -> None:
    code, out, _ = run(capsys, "--data-dir", str(desk_dir), "matter", "categories", "--json")
    assert code == 0
    body = json.loads(out)
    assert [c["name"] for c in body["categories"]][:3] == ["咨询", "求助", "投诉"]
    tousu = next(c for c in body["categories"] if c["name"] == "投诉")
    water = next(s for s in tousu["subcategories"] if s["name"] == "停水")
    assert water["sla"]["一般"]["label"] == "24小时"
    assert any(d["fallback"] for d in body["departments"])


def test_record_hand_over_and_close(capsys: Any, desk_dir: Path, tmp_path: Path) -> None:
    d = str(desk_dir)
    with clock.use(NOW):
        code, m, err = new(capsys, desk_dir, tmp_path, LEAK)
        assert code == 0, err
        assert m["owner"] == "刘晓燕" and m["matter_no"] == "HY-QL01-M20260930-0001"
        assert m["due_at"] == "2026-10-07T15:00:00+08:00"  # 一般: 7 calendar days
        code, c, err = new(capsys, desk_dir, tmp_path, {"category": "咨询",
                                                        "description": "高龄津贴怎么申请"})
        assert code == 0, err
        # 咨询: 3 working days — National Day off, Saturday Oct 10 a make-up working day
        assert c["due_at"] == "2026-10-10T15:00:00+08:00"
        assert c["matter_no"] == "HY-QL01-M20260930-0002"

        code, out, err = run(capsys, "--data-dir", d, "matter", "handover", m["uuid"],
                             "--to", "张伟", "--reason", "张伟负责3号楼")
        assert code == 0, err
        assert json.loads(out)["owner"] == "张伟"
        code, out, err = run(capsys, "--data-dir", d, "matter", "handover", m["uuid"],
                             "--to", "社区", "--reason", "需要社区协调物业")
        assert code == 0, err
        code, _, err = run(capsys, "--data-dir", d, "matter", "handover", m["uuid"],
                           "--to", "社区", "--reason", "再次")
        assert code == 2 and err.startswith("to: [same_owner]")
        code, _, err = run(capsys, "--data-dir", d, "matter", "handover", m["uuid"],
                           "--to", "李娜", "--reason", "  ")
        assert code == 2 and "reason: [required]" in err

        code, out, err = run(capsys, "--data-dir", d, "matter", "close", c["uuid"],
                             "--result", "已当场解答申请条件和材料", "--satisfaction", "满意")
        assert code == 0, err
        assert json.loads(out)["status"] == "closed"
        code, _, err = run(capsys, "--data-dir", d, "matter", "close", c["uuid"],
                           "--result", "x", "--satisfaction", "满意")
        assert code == 2 and err.startswith("uuid: [closed]")
        code, _, err = run(capsys, "--data-dir", d, "matter", "close", m["uuid"],
                           "--result", "", "--satisfaction", "很好")
        assert code == 2
        assert "result: [required]" in err and "satisfaction: [choice]" in err

        code, out, _ = run(capsys, "--data-dir", d, "matters", "--json")
        rows = json.loads(out)
        assert [r["matter_no"] for r in rows] == ["HY-QL01-M20260930-0002",
                                                  "HY-QL01-M20260930-0001"]
        leak = rows[1]
        assert leak["status"] == "open" and leak["owner"] == "社区"  # passing on never closes
        assert leak["resident"] == {"name": "王建国", "phone_masked": "138****5678",
                                    "id_masked": "420105********0016"}
        assert "13812345678" not in out and "420105194901010016" not in out
        code, out, _ = run(capsys, "--data-dir", d, "matters", "--search", "5678", "--json")
        assert [r["uuid"] for r in json.loads(out)] == [m["uuid"]]
        code, out, _ = run(capsys, "--data-dir", d, "matters", "--status", "closed", "--json")
        assert [r["uuid"] for r in json.loads(out)] == [c["uuid"]]
        code, out, _ = run(capsys, "--data-dir", d, "matter", "show", m["uuid"])
        shown = json.loads(out)
        assert [(h["from_owner"], h["to_owner"], h["reason"]) for h in shown["handovers"]] == [
            ("刘晓燕", "张伟", "张伟负责3号楼"), ("张伟", "社区", "需要社区协调物业")]

    code, out, _ = run(capsys, "--data-dir", d, "audit", "verify")
    report = json.loads(out)
    assert report["ok"]


def test_every_revision_is_in_the_outbox_with_its_audit(capsys: Any, desk_dir: Path,
                                                        tmp_path: Path) -> None:
    from desk.core.app import DeskContext

    with clock.use(NOW):
        _, m, _ = new(capsys, desk_dir, tmp_path, LEAK)
        run(capsys, "--data-dir", str(desk_dir), "matter", "handover", m["uuid"], "--to",
            "张伟", "--reason", "换班")
        ctx = DeskContext.open(str(desk_dir))
        try:
            entries = [e for e in ctx.store.sync.pending_outbox() if e["kind"] == "matter"]
            assert [(e["case_uuid"], e["revision"]) for e in entries] == [
                (m["uuid"], 1), (m["uuid"], 2)]
            assert entries[1]["payload"]["owner"] == "张伟"
            assert entries[1]["payload"]["handovers"][0]["reason"] == "换班"
            assert "resident_phone" not in entries[1]["payload"]
            actions = [r["action"] for r in ctx.store._read(
                "SELECT action FROM audit WHERE case_uuid = ? ORDER BY id", [m["uuid"]])]
            assert actions == ["matter.create", "matter.handover"]
        finally:
            ctx.close()


@pytest.mark.parametrize(("body", "expected"), [
    ({"category": "吐槽", "description": "x"}, "category: [choice]"),
    ({"category": "投诉", "subcategory": "下雨", "description": "x"}, "subcategory: [choice]"),
    ({"category": "投诉", "urgency": "特急", "description": "x"}, "urgency: [choice]"),
    ({"category": "投诉", "description": "  "}, "description: [required]"),
    ({"category": "投诉", "description": "x", "answer_by": "phone"},
     "resident.phone: [required_for_answer]"),
    ({"category": "投诉", "description": "x", "resident": {"phone": "12345"}},
     "resident.phone: [phone]"),
    ({"category": "投诉", "description": "x", "resident": {"id_number": "420105194901010017"}},
     "resident.id_number: [check_digit]"),
    ({"category": "投诉", "description": "x", "color": "red"}, "color: [unknown]"),
    ({"category": "投诉", "description": "x", "place": "3号楼"}, "place: [type]"),
    ({"description": "x", "from_case": "0190aaaa-0000-7000-8000-000000000000"},
     "from_case: [not_found]"),
])
def test_invalid_input_exits_2_naming_field_and_rule(capsys: Any, desk_dir: Path,
                                                     tmp_path: Path, body: dict[str, Any],
                                                     expected: str) -> None:
    with clock.use(NOW):
        code, _, err = new(capsys, desk_dir, tmp_path, body)
        assert code == 2
        assert expected in err
        code, out, _ = run(capsys, "--data-dir", str(desk_dir), "matters", "--json")
        assert json.loads(out) == []  # nothing saved


def test_cannot_do_matter_from_a_correction_case(capsys: Any, desk_dir: Path,
                                                 tmp_path: Path) -> None:
    item = load_catalog().get("MZ-GLJT")
    sub = dict(item.example, materials=[])  # nothing brought: 补正
    f = tmp_path / "case.json"
    f.write_text(json.dumps(sub, ensure_ascii=False), "utf-8")
    with clock.use(NOW):
        code, out, err = run(capsys, "--data-dir", str(desk_dir), "new", "--item", "MZ-GLJT",
                             "--json", str(f))
        assert code == 0, err
        case = json.loads(out)
        assert case["status"] == "correction"
        code, m, err = new(capsys, desk_dir, tmp_path, {
            "from_case": case["receipt_no"], "subcategory": "补正后仍办不成",
            "description": "户籍材料在外省，无法补齐"})
        assert code == 0, err
        assert m["category"] == "办不成事" and m["from_case"] == case["uuid"]
        assert m["due_at"] == "2026-10-27T15:00:00+08:00"  # 15 working days (Oct 10 counts)
        code, _, err = new(capsys, desk_dir, tmp_path, {
            "from_case": case["uuid"], "category": "投诉", "description": "x"})
        assert code == 2 and "category: [from_case]" in err
        item2 = load_catalog().get("RS-SBK")
        f.write_text(json.dumps(item2.example, ensure_ascii=False), "utf-8")
        code, out, err = run(capsys, "--data-dir", str(desk_dir), "new", "--item", "RS-SBK",
                             "--json", str(f))
        assert code == 0, err
        ok_case = json.loads(out)
        code, _, err = new(capsys, desk_dir, tmp_path, {"from_case": ok_case["uuid"],
                                                        "description": "x"})
        assert code == 2 and "from_case: [case_status]" in err


def test_todays_list(capsys: Any, desk_dir: Path, tmp_path: Path) -> None:
    with clock.use(NOW):
        _, urgent, _ = new(capsys, desk_dir, tmp_path, {"category": "求助", "urgency": "紧急",
                                                        "description": "电梯困人"})
        _, later, _ = new(capsys, desk_dir, tmp_path, LEAK)
    # the urgent one (2 hours) is due today and overdue by evening; the leak is not due yet
    with clock.use(datetime.fromisoformat("2026-09-30T16:40:00+08:00")):
        code, out, _ = run(capsys, "--data-dir", str(desk_dir), "matters", "--today", "--json")
        assert code == 0
        today = json.loads(out)
        assert [m["uuid"] for m in today["due"]] == [urgent["uuid"]]
        assert today["due"][0]["sla_state"] == "due_soon"
        assert today["answers"] == [] and today["revisits"] == []
    with clock.use(datetime.fromisoformat("2026-09-30T18:00:00+08:00")):
        _, out, _ = run(capsys, "--data-dir", str(desk_dir), "matters", "--today", "--json")
        assert json.loads(out)["due"][0]["sla_state"] == "overdue"
        _, out, _ = run(capsys, "--data-dir", str(desk_dir), "matters", "--json")
        states = {m["uuid"]: m["sla_state"] for m in json.loads(out)}
        assert states == {urgent["uuid"]: "overdue", later["uuid"]: "normal"}


def test_a_matter_before_setup_is_refused(capsys: Any, data_dir: Path, tmp_path: Path) -> None:
    code, _, err = new(capsys, data_dir, tmp_path, LEAK)
    assert code == 1 and "尚未完成设置" in err


def test_a_refused_matter_is_set_aside_named_and_can_be_retried(capsys: Any, desk_dir: Path,
                                                                tmp_path: Path) -> None:
    from desk.core.app import DeskContext

    with clock.use(NOW):
        _, m, _ = new(capsys, desk_dir, tmp_path, LEAK)
        ctx = DeskContext.open(str(desk_dir))
        try:
            entry = ctx.store.sync.pending_outbox()[0]
            ctx.store.sync.mark_outbox([{"id": entry["id"], "result": "rejected",
                                         "reason": "区级系统读不懂这条记录"}], "batch-1")
            aside = ctx.store.sync.set_aside()
            assert [(a["kind"], a["receipt_no"], a["item_name"], a["applicant_name"])
                    for a in aside] == [("matter", m["matter_no"], "投诉", "王建国")]
            got = ctx.store.matters.get_matter(m["uuid"])
            assert (got["sync_state"], got["sync_error"]) == ("rejected", "区级系统读不懂这条记录")
            ctx.store.sync.retry_set_aside(m["uuid"])
            assert ctx.store.matters.get_matter(m["uuid"])["sync_state"] == "pending"
            assert [e["case_uuid"] for e in ctx.store.sync.pending_outbox()] == [m["uuid"]]
            # the district no longer holds what it acknowledged: sent again, pending again
            ctx.store.sync.mark_outbox([{"id": entry["id"], "result": "accepted"}], "batch-2")
            assert ctx.store.matters.get_matter(m["uuid"])["sync_state"] == "synced"
            assert ctx.store.reconcile.requeue_sent()["requeued"] == 1
            assert ctx.store.matters.get_matter(m["uuid"])["sync_state"] == "pending"
        finally:
            ctx.close()
