"""Receipts and notices: the documents a resident takes home (ReportLab, Qt-free).

Entry points (the command line and the desk app's print preview call these):

- :func:`render_case_pdf` — a stored case's 受理回执 / 容缺受理通知书 / 补正材料告知书
  (by the case's status, or the ``kind`` asked for), A4 or 80 mm roll, as PDF bytes.
- :func:`render_notice_pdf` — an item's 一次性告知单, before any case exists.
- :func:`render_matter_pdf` — a resident matter's 民情诉求受理单 (:mod:`.matter_slip`).
- :func:`verification_code` / :func:`verify_receipt` — the receipt's anti-forgery code,
  for the district, which holds the desk's receipt key (:func:`receipt_key`).

Modules: :mod:`.fonts` (embedded CJK font + rare-character fallback), :mod:`.layout`
(A4 sheet with archive stub, 80 mm roll), :mod:`.documents` (what each document says:
:mod:`.receipt`, :mod:`.correction` and :mod:`.matter_slip`, on :mod:`.facts` and
:mod:`.blocks`), :mod:`.verify` (verification code, QR payload and drawing).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desk.core.receipts.documents import (
    KINDS,
    TITLES,
    correction_document,
    notice_document,
    read_case,
    receipt_document,
)
from desk.core.receipts.matter_slip import render_matter_pdf
from desk.core.receipts.verify import (
    parse_payload,
    qr_payload,
    receipt_key,
    verification_code,
    verify_receipt,
)
from forms.model import Item
from forms.printing.specs import FORMATS

if TYPE_CHECKING:
    from desk.core.app import DeskContext

DEFAULT_KIND = {"accepted": "receipt", "deferred": "deferral", "correction": "correction"}


def default_kind(case: dict[str, Any]) -> str:
    """The document a case's status calls for (``receipt`` when in doubt)."""
    return DEFAULT_KIND.get(str(case.get("status")), "receipt")


def _check_fmt(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"format: 回执格式只能是 a4 或 80mm（收到 {fmt!r}）")


def render_case_pdf(ctx: DeskContext, case: dict[str, Any], fmt: str = "a4",
                    kind: str | None = None, *, qr: bool = True,
                    signature: bytes | None = None) -> bytes:
    """The PDF of a stored case's document.

    ``case`` is a row from ``ctx.store.get_case``. ``kind``: None (by status: accepted →
    受理回执, deferred → 容缺受理通知书 with the receipt's content, correction →
    补正材料告知书), ``receipt``, ``deferral``, ``correction`` or ``notice`` (the item's
    一次性告知单). ``qr=False``
    leaves the QR code out (the verification code is still printed). ``signature``: the
    resident's captured signature as PNG bytes, drawn on the signature line.
    """
    _check_fmt(fmt)
    kind = kind or default_kind(case)
    if kind not in KINDS:
        raise ValueError(f"kind: 文书类型只能是 {'、'.join(KINDS)}（收到 {kind!r}）")
    facts = read_case(ctx, case)
    if kind == "notice":
        if facts.item is None:
            raise ValueError(f"kind: 目录中没有事项 {case.get('item_code')}，无法打印一次性告知单")
        day = ctx.desk_day  # never before the district's last time
        return notice_document(facts.item, fmt, str(case.get("catalog_version", "")),
                               ctx.settings, today=day() if day is not None else None,
                               data_dir=ctx.paths.data_dir)
    if kind == "correction":
        return correction_document(ctx, facts, fmt, with_qr=qr, signature=signature)
    return receipt_document(ctx, facts, fmt, deferral=kind == "deferral", with_qr=qr,
                            signature=signature)


def render_notice_pdf(item: Item, fmt: str, catalog_version: str, desk_settings: Any, *,
                      today: date | None = None, data_dir: Path | None = None) -> bytes:
    """The item's one-time notice (一次性告知单) as PDF bytes, A4 or 80 mm; ``data_dir``:
    the desk's data folder, whose ``translations`` hold the district's translation files
    for the second language (文书第二语言)."""
    _check_fmt(fmt)
    return notice_document(item, fmt, catalog_version, desk_settings, today=today,
                           data_dir=data_dir)


__all__ = [
    "FORMATS",
    "KINDS",
    "TITLES",
    "default_kind",
    "parse_payload",
    "qr_payload",
    "receipt_key",
    "render_case_pdf",
    "render_matter_pdf",
    "render_notice_pdf",
    "verification_code",
    "verify_receipt",
]
