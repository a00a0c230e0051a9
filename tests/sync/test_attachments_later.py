"""Pages of a material brought later (issue 17): photographed with its 补交 on the case's
detail page, they reach the district after the case like the intake's pages, linked to the
case and the material; pages added to a held material later too."""

from __future__ import annotations

import io
from typing import Any

from sync_helpers import District, enroll

from desk.core.attachments import Page, normalise
from sync.client.desk import sync_desk
from sync.district.case_attachments import pages_of_case

LATER = "近期一寸免冠照片"


def _page(shade: int) -> Page:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (700, 900), (shade, shade, shade)).save(buf, "JPEG")
    return normalise(buf.getvalue(), "photo.jpg")


def test_pages_brought_later_reach_the_district(district: District, make_desk: Any) -> None:
    ctx = make_desk()
    enroll(district, ctx)
    example = dict(ctx.catalog.get("MZ-GLJT").example)
    example["materials"] = [m for m in example["materials"] if m != LATER]
    example["defer_commitment"] = True
    case = ctx.cases.submit("MZ-GLJT", example, ctx.actor())
    assert case["status"] == "deferred"
    first = sync_desk(ctx)
    assert first["complete"] and first["attachments_sent"] == 0, first
    assert pages_of_case(district.storage, case["uuid"]) == []

    photo = _page(200)
    ctx.cases.supply_materials(case["uuid"], [LATER], ctx.actor(), attachments=[(LATER, [photo])])
    hkb = [_page(120), _page(60)]
    ctx.cases.add_pages(case["uuid"], "户口簿", hkb, ctx.actor())
    second = sync_desk(ctx)
    assert second["complete"] and second["attachments_sent"] == 3, second
    assert second["accepted"] == 1  # the 补交 revision itself
    assert second["attachments_waiting"] == 0 and second["attachments_rejected"] == []
    held = pages_of_case(district.storage, case["uuid"])
    assert sorted((r["material"], r["page"], r["sha256"]) for r in held) == sorted([
        (LATER, 1, photo.sha256), ("户口簿", 1, hkb[0].sha256), ("户口簿", 2, hkb[1].sha256)])
    assert district.storage.attachments.get(photo.sha256) == photo.data
    assert sync_desk(ctx)["attachments_sent"] == 0  # exactly once
