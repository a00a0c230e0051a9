"""Warm-up after the window is shown: the first receipt of the day must not pay for
loading the document machinery.

Measured on a protected desk (bench/bench_desk_speed.py): the first 保存 → receipt preview
took several times the later ones — importing ``desk.core.receipts`` (reportlab, fonts),
the first layout (font metrics, CJK fallback tables) and the first PDF page raster (QtPdf).
A throw-away one-time notice, laid out and rastered on the background helper a moment
after start, moves that cost to when the worker is still reading the home page. It runs
on the ``db`` lane, so it never lays out concurrently with a real receipt.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def warm_documents(win: Any) -> int | None:
    """Queue the warm-up on ``win``'s background helper; the task id (None when the
    receipts module is not installed)."""
    from desk.ui.preview import pdf_page_images, receipts_module

    receipts = receipts_module()
    ctx = win.ctx
    if receipts is None or not ctx.catalog.items:
        return None
    item = ctx.catalog.items[0]
    settings, version = ctx.settings, ctx.catalog.version

    def run() -> int:
        data = receipts.render_notice_pdf(item, "a4", version, settings)
        return len(pdf_page_images(data, 48))

    def failed(exc: object) -> None:  # a warm-up never bothers the worker
        log.warning("document warm-up failed: %s", exc)

    return int(win.tasks.run(run, on_error=failed))
