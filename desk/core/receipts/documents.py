"""The documents a resident takes home, composed from a committed case (or an item).

- 受理回执 (``receipt``): what was accepted, the promised date, how to follow up and rate.
- 容缺受理通知书 (``deferral``): the receipt's content plus every deferred material, its
  form and due date, the consequence of lateness and the resident's commitment.
- 补正材料告知书 (``correction``): every missing item, its required form, how and by when
  to bring it, and whom to ask.
- 一次性告知单 (``notice``): everything an item needs, told once, before any case exists.

Each lives in its own module — :mod:`.receipt` (receipt and deferral), :mod:`.correction`,
the notice in :mod:`forms.printing.notice` — on :mod:`.facts` (the case read for printing)
and :mod:`.blocks` (what they share); this module keeps their names where the rest of the
desk imports them.

ID numbers and phone numbers are masked everywhere (the full number never reaches the
PDF); nothing personal goes into the PDF metadata or the QR code.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from desk.core import clock
from desk.core.receipts.correction import correction_document as correction_document
from desk.core.receipts.correction import correction_due as correction_due
from desk.core.receipts.facts import KINDS as KINDS
from desk.core.receipts.facts import TITLES as TITLES
from desk.core.receipts.facts import CaseFacts as CaseFacts
from desk.core.receipts.facts import material_line as material_line
from desk.core.receipts.facts import read_case as read_case
from desk.core.receipts.receipt import receipt_document as receipt_document
from forms.model import Item
from forms.printing.notice import cn_date as cn_date
from forms.printing.notice import doc_words as doc_words
from forms.printing.notice import iso_date as iso_date
from forms.printing.notice import notice_document as _notice_document
from forms.printing.notice import short_date as short_date

# -- one-time notice --------------------------------------------------------------------------
# the notice is forms.printing.notice (issue 16: the district's console prints it too)


def notice_document(item: Item, fmt: str, catalog_version: str, settings: Any, *,
                    today: date | None = None, data_dir: Path | None = None) -> bytes:
    """一次性告知单 (:func:`forms.printing.notice.notice_document`) on the desk's day."""
    return _notice_document(item, fmt, catalog_version, settings,
                            today=today or clock.today(), data_dir=data_dir)
