"""The QR code printed on receipts scans: the PDF is rendered to pixels (pdftoppm, as a
printer would) and decoded with zbar, in both formats."""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from desk.core.receipts import render_case_pdf
from desk.core.receipts.verify import parse_payload, receipt_key, verify_receipt


def _need(tool: str, package: str) -> str:
    found = shutil.which(tool)
    if found is None:
        subprocess.run(["apt-get", "update", "-qq"], check=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, timeout=600)
        found = shutil.which(tool)
    assert found, f"{tool} ({package}) is needed"
    return found


@pytest.mark.parametrize("fmt", ["a4", "80mm"])
@pytest.mark.parametrize("missing", [[], ["近期一寸免冠照片"], ["户口簿"]])
def test_printed_qr_code_scans_and_verifies(desk: Any, tmp_path: Path, fmt: str,
                                            missing: list[str]) -> None:
    pdftoppm = _need("pdftoppm", "poppler-utils")
    zbarimg = _need("zbarimg", "zbar-tools")
    sub = copy.deepcopy(desk.catalog.get("MZ-GLJT").example)
    sub["materials"] = [m for m in sub["materials"] if m not in missing]
    case = desk.cases.submit("MZ-GLJT", sub, desk.actor())
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(render_case_pdf(desk, case, fmt=fmt))
    subprocess.run([pdftoppm, "-r", "150", "-gray", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=120)
    page = next(tmp_path.glob("page*.png"))
    out = subprocess.run([zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                          str(page)], capture_output=True, text=True, timeout=120, check=True)
    payloads = out.stdout.split()
    assert len(payloads) == 1
    receipt_no, uuid, code = parse_payload(payloads[0])
    assert (receipt_no, uuid) == (case["receipt_no"], case["uuid"])
    assert verify_receipt(receipt_key(desk.store), receipt_no, uuid, code)
