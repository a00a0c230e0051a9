"""Issue 23: the resident at the centre — no duplicate applications on the desk."""

from __future__ import annotations

import copy
import json
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from desk.cli import main
from desk.core.app import DeskContext
from desk.core.cases import CaseService
from desk.core.errors import ValidationFailed
from desk.core.residents import DuplicateApplication
from desk.core.store import Store
from forms.catalog import load_catalog
from forms.ids import id_check_digit

TODAY = date(2026, 12, 2)


def example(ctx: Any, code: str, **changes: Any) -> dict[str, Any]:
    sub = copy.deepcopy(ctx.catalog.get(code).example)
    sub.update(changes)
    return sub


def an_id(body17: str) -> str:
    return body17 + id_check_digit(body17)


def run(capsys: Any, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# -- the catalog rule ------------------------------------------------------------------------


def test_catalog_carries_the_once_rule_and_its_exceptions(capsys: Any, data_dir: Path) -> None:
    gljt = load_catalog().get("MZ-GLJT")
    assert gljt.once is not None and gljt.once.rule == "lifetime"
    assert gljt.once.exceptions == ["变更"]
    assert load_catalog().get("GA-JZZQZ").once.rule == "per_year"  # type: ignore[union-attr]
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "catalog", "--json")
    assert code == 0
    items = {i["code"]: i for i in json.loads(out)}
    assert items["MZ-GLJT"]["once"] == {"rule": "lifetime", "exceptions": ["变更"]}
    assert "once" not in items["JW-ZM"]


def test_an_unknown_once_rule_is_refused_when_the_catalog_loads() -> None:
    from pydantic import ValidationError

    from forms.model import Item

    raw = load_catalog().get("MZ-GLJT").model_dump(mode="json", by_alias=True,
                                                   exclude_none=True)
    raw["once"] = "per_month"
    with pytest.raises(ValidationError, match="once"):
        Item.model_validate(raw)


# -- on the desk -----------------------------------------------------------------------------


@pytest.fixture
def ready_dir(capsys: Any, data_dir: Path) -> Path:
    code, _, err = run(capsys, "--data-dir", str(data_dir), "setup", "--desk-code", "HY-QL01",
                       "--worker", "刘晓燕")
    assert code == 0, err
    return data_dir


def test_new_twice_for_one_resident_exits_2_naming_the_earlier_case(
        capsys: Any, ready_dir: Path, tmp_path: Path) -> None:
    item = load_catalog().get("MZ-GLJT")
    f = tmp_path / "gljt.json"
    f.write_text(json.dumps(item.example, ensure_ascii=False), "utf-8")
    code, out, err = run(capsys, "--data-dir", str(ready_dir), "new", "--item", "MZ-GLJT",
                         "--json", str(f))
    assert code == 0, err
    first = json.loads(out)
    code, out, err = run(capsys, "--data-dir", str(ready_dir), "new", "--item", "MZ-GLJT",
                         "--json", str(f))
    assert code == 2 and out == ""
    assert err.startswith(
        f"applicant_id: [duplicate] 该居民已于 {first['accepted_date']} 申请本事项"
        f"（受理编号 {first['receipt_no']}，受理中）"), err
    assert "同一居民限申请一次" in err and "变更" in err
    # nothing half-saved; the resident's ID number is not in the message
    assert item.example["applicant_id"] not in err
    code, out, _ = run(capsys, "--data-dir", str(ready_dir), "cases", "--json")
    assert len(json.loads(out)) == 1


def test_the_allowed_exception_saves_and_is_recorded_on_the_case(
        capsys: Any, ready_dir: Path, tmp_path: Path) -> None:
    item = load_catalog().get("MZ-GLJT")
    f = tmp_path / "gljt.json"
    f.write_text(json.dumps(item.example, ensure_ascii=False), "utf-8")
    code, out, _ = run(capsys, "--data-dir", str(ready_dir), "new", "--item", "MZ-GLJT",
                       "--json", str(f))
    first = json.loads(out)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(dict(item.example, duplicate_exception="补办"),
                                ensure_ascii=False), "utf-8")
    code, out, err = run(capsys, "--data-dir", str(ready_dir), "new", "--item", "MZ-GLJT",
                         "--json", str(wrong))
    assert code == 2
    assert "duplicate_exception: [not_allowed]" in err and "（变更）" in err
    change = tmp_path / "change.json"
    change.write_text(json.dumps(dict(item.example, duplicate_exception="变更"),
                                 ensure_ascii=False), "utf-8")
    code, out, err = run(capsys, "--data-dir", str(ready_dir), "new", "--item", "MZ-GLJT",
                         "--json", str(change))
    assert code == 0, err
    second = json.loads(out)
    ctx = DeskContext.open(str(ready_dir))
    try:
        case = ctx.store.get_case(second["uuid"])
        assert case is not None
        data = json.loads(case["data_json"])
        assert data["duplicate_exception"] == {"kind": "变更", "rule": "lifetime",
                                               "over": [first["receipt_no"]]}
        # it travels to the district with the case (the outbox carries the row)
        sent = [e for e in ctx.store.sync.pending_outbox(raw=True)
                if e["case_uuid"] == second["uuid"]]
        assert "duplicate_exception" in json.loads(sent[0]["payload_json"])["data_json"]
    finally:
        ctx.close()


def test_while_open_allows_a_new_application_once_the_earlier_is_completed(
        desk: DeskContext) -> None:
    sub = example(desk, "MZ-DB")
    first = desk.cases.submit("MZ-DB", sub, desk.actor(), today=TODAY)
    with pytest.raises(DuplicateApplication) as refused:
        desk.cases.submit("MZ-DB", sub, desk.actor(), today=TODAY)
    assert refused.value.existing["receipt_no"] == first["receipt_no"]
    assert refused.value.problems[0].rule == "duplicate"
    assert "已有未办结的申请" in refused.value.problems[0].message
    desk.store.update_case(first["uuid"], {"district_status": "completed"}, "district",
                           "district.status", {})
    again = desk.cases.submit("MZ-DB", sub, desk.actor(), today=TODAY)
    assert again["receipt_no"] != first["receipt_no"]


def test_per_year_counts_the_calendar_year_of_acceptance(desk: DeskContext) -> None:
    sub = example(desk, "GA-JZZQZ")
    desk.cases.submit("GA-JZZQZ", sub, desk.actor(), today=date(2025, 12, 30))
    this_year = desk.cases.submit("GA-JZZQZ", sub, desk.actor(), today=date(2026, 1, 5))
    with pytest.raises(DuplicateApplication, match="每年度限申请一次") as refused:
        desk.cases.submit("GA-JZZQZ", sub, desk.actor(), today=date(2026, 12, 2))
    assert refused.value.existing["receipt_no"] == this_year["receipt_no"]


def test_lifetime_ignores_a_rejected_application_and_other_residents(
        desk: DeskContext) -> None:
    sub = example(desk, "MZ-GLJT")
    first = desk.cases.submit("MZ-GLJT", sub, desk.actor(), today=TODAY)
    other = example(desk, "MZ-GLJT", applicant_id=an_id("42010519400202001"))
    desk.cases.submit("MZ-GLJT", other, desk.actor(), today=TODAY)  # someone else: fine
    desk.cases.submit("MZ-LNYD", example(desk, "MZ-LNYD", applicant_id=sub["applicant_id"]),
                      desk.actor(), today=TODAY)  # another item: fine
    desk.store.update_case(first["uuid"], {"district_status": "rejected"}, "district",
                           "district.status", {})
    desk.cases.submit("MZ-GLJT", sub, desk.actor(), today=TODAY)
    with pytest.raises(DuplicateApplication, match=r"受理中"):
        desk.cases.submit("MZ-GLJT", sub, desk.actor(), today=TODAY)


def test_an_item_without_a_rule_takes_any_number(desk: DeskContext) -> None:
    sub = example(desk, "JW-ZM")
    for _ in range(3):
        desk.cases.submit("JW-ZM", sub, desk.actor(), today=TODAY)


def test_an_id_typed_with_a_lower_case_x_is_the_same_resident(desk: DeskContext) -> None:
    pid = an_id("42010519400303001")
    if not pid.endswith("X"):
        pid = next(an_id(f"4201051940030300{i}") for i in range(10)
                   if an_id(f"4201051940030300{i}").endswith("X"))
    desk.cases.submit("MZ-GLJT", example(desk, "MZ-GLJT", applicant_id=pid), desk.actor(),
                      today=TODAY)
    with pytest.raises(DuplicateApplication):
        desk.cases.submit("MZ-GLJT", example(desk, "MZ-GLJT", applicant_id=pid.lower()),
                          desk.actor(), today=TODAY)


def test_fifty_saves_at_once_for_one_resident_keep_exactly_one(desk: DeskContext) -> None:
    """Fifty desks windows (separate connections to one file) save the same resident at
    once: the check and the insert share the write lock, so exactly one is saved."""
    stores = [Store.open(desk.paths.db, key=desk.store.key, quick_check=False)
              for _ in range(50)]
    services = [CaseService(s, desk.catalog) for s in stores]
    sub = example(desk, "MZ-GLJT")
    start = threading.Barrier(50)
    outcomes: list[str] = []
    lock = threading.Lock()

    def one(svc: CaseService) -> None:
        start.wait(timeout=60)
        try:
            svc.submit("MZ-GLJT", sub, desk.actor(), today=TODAY)
            result = "saved"
        except DuplicateApplication:
            result = "duplicate"
        except ValidationFailed as exc:  # pragma: no cover - reported below
            result = f"other: {exc.message}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=one, args=(svc,)) for svc in services]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for s in stores:
        s.close()
    assert sorted(outcomes) == ["duplicate"] * 49 + ["saved"], outcomes
    assert desk.store.search.count_cases() == 1


# -- one look at a resident; data given once -------------------------------------------------


def test_the_resident_view_lists_cases_due_and_household(desk: DeskContext) -> None:
    from desk.core.residents import MATTER_SOURCES, ResidentService

    db = example(desk, "MZ-DB")
    db["materials"] = [m for m in db["materials"] if m != "收入证明"]
    pid = db["applicant_id"]
    low = desk.cases.submit("MZ-DB", db, desk.actor(), today=TODAY)
    other = desk.cases.submit("MZ-LNYD", example(desk, "MZ-LNYD", applicant_id=pid),
                              desk.actor(), today=TODAY)
    desk.cases.submit("JW-ZM", example(desk, "JW-ZM"), desk.actor(), today=TODAY)  # else
    svc = ResidentService(desk.store)
    MATTER_SOURCES.append(lambda store, p: [{"title": "楼道灯坏了", "status": "处理中",
                                             "date": "2026-12-01", "due": ""}] if p == pid
                          else [])
    try:
        view = svc.view(pid, TODAY)
    finally:
        MATTER_SOURCES.pop()
    assert [c["receipt_no"] for c in view.cases] == [other["receipt_no"], low["receipt_no"]]
    by_no = {c["receipt_no"]: c for c in view.cases}
    assert by_no[low["receipt_no"]]["state"] == "受理中"
    assert by_no[low["receipt_no"]]["due"].startswith("待补：收入证明")
    assert by_no[other["receipt_no"]]["item_name"] == "老年人优待证"
    # 老年人优待证 is done on the spot: no "承诺 <today> 前办结" as if it were promised
    assert by_no[other["receipt_no"]]["due"] == "当场办结，待区级确认"
    assert view.matters[0]["title"] == "楼道灯坏了"
    members = {m["id_number"] for m in view.household}
    assert members and pid not in members
    assert members <= {r["id_number"] for r in db["members"]}
    # found by the end of the ID, the name, the pinyin initials and the phone tail
    from desk.core.store import name_initials

    for q in (pid[-6:], db["applicant_name"], name_initials(db["applicant_name"]),
              db["applicant_phone"][-4:]):
        assert pid in [r["id_number"] for r in svc.find(q)], q


def test_reuse_needs_the_consent_and_notes_a_changed_phone(desk: DeskContext) -> None:
    from desk.core.residents import ResidentService

    first = desk.cases.submit("MZ-GLJT", example(desk, "MZ-GLJT"), desk.actor(), today=TODAY)
    pid = example(desk, "MZ-GLJT")["applicant_id"]
    offered = ResidentService(desk.store).reusable_values(pid, desk.catalog.get("MZ-LNYD"))
    assert offered["from"] == first["uuid"]
    assert offered["values"]["applicant_phone"] == "13871234567"
    assert "payment_channel" not in offered["values"]  # not marked reusable
    sub = example(desk, "MZ-LNYD", **{k: v for k, v in offered["values"].items()
                                     if k in {f.key for f in desk.catalog.get("MZ-LNYD").fields}})
    sub["applicant_phone"] = "13900001111"
    # no reuse without the resident's consent
    with pytest.raises(ValidationFailed) as refused:
        desk.cases.submit("MZ-LNYD", dict(sub, reuse_from=first["uuid"]), desk.actor(),
                          today=TODAY)
    assert refused.value.problems[0].field == "reuse_consent"
    saved = desk.cases.submit("MZ-LNYD", dict(sub, reuse_consent=True, reuse_from=first["uuid"]),
                              desk.actor(), today=TODAY)
    record = json.loads(saved["data_json"])["reuse"]
    assert record["consent"] is True and record["from"] == [first["receipt_no"]]
    assert [c["field"] for c in record["changed"]] == ["applicant_phone"]
    assert "applicant_name" in record["kept"]
    # a case of someone else is not a source
    stranger = desk.cases.submit("JW-ZM", example(desk, "JW-ZM",
                                                  applicant_id=an_id("42010519400202001")),
                                 desk.actor(), today=TODAY)
    with pytest.raises(ValidationFailed, match="不属于本申请人"):
        desk.cases.submit("MZ-LNYD", dict(sub, reuse_consent=True,
                                          reuse_from=stranger["uuid"],
                                          duplicate_exception="补办"),
                          desk.actor(), today=TODAY)


def test_the_residents_matters_at_this_desk_are_in_the_view(desk: DeskContext) -> None:
    """Issue 15's matters come in through the pluggable matter source."""
    from desk.core.matters import MatterService
    from desk.core.residents import ResidentService

    sub = example(desk, "MZ-GLJT")
    desk.cases.submit("MZ-GLJT", sub, desk.actor(), today=TODAY)
    m = MatterService(desk.store).record(
        {"category": "投诉", "subcategory": "噪音", "description": "夜间施工噪音",
         "resident": {"name": sub["applicant_name"], "id_number": sub["applicant_id"],
                      "phone": sub["applicant_phone"]}}, desk.actor())
    view = ResidentService(desk.store).view(sub["applicant_id"], TODAY)
    assert [x["matter_no"] for x in view.matters] == [m["matter_no"]]
    assert view.matters[0]["status"] == "办理中" and view.matters[0]["title"] == "投诉·噪音"
    assert ResidentService(desk.store).view(an_id("42010519400202001"), TODAY).matters == []
