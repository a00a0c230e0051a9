"""The A4 receipt's tear-off stub of a 免申 case that needs no signature (issue 18): the
applicant's 签收 line gives way to 免申即享，无需签字 — the correction notice's stub (the
resident signs for the notice) keeps it, and a case the resident applied for keeps it.
Read back with pdftotext, both formats (the roll prints no stub)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from typing import Any

import pytest
from sync_helpers import one_resident_each

from desk.core.receipts import render_case_pdf

TODAY = date(2026, 9, 29)
STUB = "存根（办事点归档联）"
SIGN = "申请人（代办人）签收"


def _text(pdf: bytes) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is missing: apt-get install poppler-utils (see README)")
    out = subprocess.run([tool, "-layout", "-", "-"], input=pdf, capture_output=True,
                         check=True, timeout=60)
    return out.stdout.decode("utf-8")


def _case(desk: Any, code: str, no_signature: bool | None, **changes: Any) -> dict[str, Any]:
    """A stored case; marked 免申 (as filing from the proactive list stores it) unless
    ``no_signature`` is None."""
    item = desk.catalog.get(code)
    sub = one_resident_each(item, {**item.example, **changes}, changes)
    saved = desk.cases.submit(code, sub, desk.actor(), today=TODAY)
    case = dict(desk.store.get_case(saved["uuid"]))
    if no_signature is not None:
        data = json.loads(case["data_json"])
        data["proactive"] = {"entry_id": 7, "reason": "本月年满80周岁", "due": "2026-10-31",
                             "no_signature": no_signature}
        case["data_json"] = json.dumps(data, ensure_ascii=False)
    return case


@pytest.mark.parametrize("fmt", ["a4", "80mm"])
def test_no_signature_stub_says_so_and_the_others_keep_the_sign_line(desk: Any,
                                                                     fmt: str) -> None:
    exempt = _text(render_case_pdf(desk, _case(desk, "MZ-GLJT", True), fmt))
    signed = _text(render_case_pdf(desk, _case(desk, "MZ-GLJT", False), fmt))
    plain = _text(render_case_pdf(desk, _case(desk, "MZ-GLJT", None), fmt))
    db = desk.catalog.get("MZ-DB")
    corr_case = _case(desk, "MZ-DB", True, materials=list(db.example["materials"])[:3])
    assert corr_case["status"] == "correction"
    correction = _text(render_case_pdf(desk, corr_case, fmt, kind="correction"))
    if fmt == "80mm":  # the roll has no stub; nobody signs for a 免申 case's receipt
        assert STUB not in exempt and SIGN not in exempt and "无需签字" in exempt
        assert SIGN in correction
        return
    stub = exempt.split(STUB, 1)[1]
    assert SIGN not in stub, stub
    assert "申请人：免申即享，无需签字" in stub, stub
    assert "经办人签字" in exempt.split(STUB, 1)[0]  # the worker still signs the receipt
    for other in (signed, plain, correction):  # 免申 with a signature, applied, correction
        assert SIGN in other.split(STUB, 1)[1], other
    assert "免申即享" in signed.split(STUB, 1)[1] and "无需签字" not in signed
    assert stub.count("无需签字") == 1  # said once on the stub, where the line would be
    assert "免申即享" not in plain
