"""Photos and scans of materials (issue 17): normalisation and encrypted storage."""

from __future__ import annotations

import copy
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from desk.core import maintenance
from desk.core.app import DeskContext
from desk.core.attachments import (
    IMAGE_TARGET,
    LONG_SIDE,
    PDF_MAX_PAGES,
    AttachmentRefused,
    normalise,
)
from desk.core.errors import NotFound

TODAY = date(2026, 11, 23)
GPS_MARK = "Doorstep-GPS-Secret-Camera"


def photo(w: int = 4000, h: int = 3000, orientation: int = 1, fmt: str = "JPEG",
          mode: str = "RGB") -> bytes:
    """A noisy, detailed 'page' with an EXIF orientation and identifying metadata."""
    import random

    rnd = random.Random(w * h + orientation)
    small = Image.new(mode, (w // 8, h // 8), "white")
    px = small.load()
    assert px is not None
    for _ in range(small.width * small.height // 3):
        x, y = rnd.randrange(small.width), rnd.randrange(small.height)
        px[x, y] = (0, 0, 0, 255) if mode == "RGBA" else (rnd.randrange(60),) * 3
    img = small.resize((w, h))
    # a mark at the top-left corner, to tell which way up the result is
    img.paste((255, 0, 0) if mode == "RGB" else (255, 0, 0, 255), (0, 0, w // 4, h // 4))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = GPS_MARK  # Make
    exif[0x0110] = GPS_MARK  # Model
    buf = io.BytesIO()
    if fmt == "JPEG":
        img.save(buf, "JPEG", quality=92, exif=exif.tobytes())
    else:
        img.save(buf, fmt)
    return buf.getvalue()


def pdf(pages: int) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for n in range(pages):
        c.drawString(100, 700, f"page {n + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def test_photo_is_turned_upright_reduced_and_stripped() -> None:
    # orientation 6: the camera was turned; the stored pixels are rotated 90° clockwise
    raw = photo(4000, 3000, orientation=6)
    page = normalise(raw, "身份证.jpg")
    assert page.mime == "image/jpeg" and page.size <= IMAGE_TARGET
    img = Image.open(io.BytesIO(page.data))
    assert img.format == "JPEG"
    assert (img.width, img.height) == (page.width, page.height)
    assert max(img.size) <= LONG_SIDE and max(img.size) >= LONG_SIDE * 0.6
    assert img.height > img.width  # upright: portrait after the EXIF turn
    # the red mark (stored top-left) is top-right once turned 90° clockwise
    r, g, b = img.convert("RGB").getpixel((img.width - 5, 5))  # type: ignore[misc]
    assert r > 200 and g < 60, (r, g, b)
    assert not img.getexif() and "exif" not in img.info and "icc_profile" not in img.info
    assert GPS_MARK.encode() not in page.data


def test_png_with_transparency_and_small_image() -> None:
    page = normalise(photo(800, 600, fmt="PNG", mode="RGBA"), "scan.png")
    img = Image.open(io.BytesIO(page.data))
    assert img.format == "JPEG" and img.size == (800, 600)  # never enlarged


def test_pdf_kept_with_its_page_count() -> None:
    raw = pdf(3)
    page = normalise(raw, "户口本.pdf")
    assert page.data == raw and page.mime == "application/pdf" and page.pages == 3


@pytest.mark.parametrize(("data", "words"), [
    (b"hello, this is a text file", "只能添加图片（JPG、PNG、BMP、TIFF）或 PDF 文件"),
    (b"", "空文件"),
    (b"%PDF-1.4\nnot really a pdf", "已损坏或不是有效的 PDF 文件"),
    (b"\xff\xd8\xff\xe0 broken jpeg", "已损坏或无法识别为图片"),
])
def test_refusals_name_the_rule(data: bytes, words: str) -> None:
    with pytest.raises(AttachmentRefused) as e:
        normalise(data, "材料.x")
    assert words in e.value.message and "“材料.x”" in e.value.message


def test_pdf_page_limit() -> None:
    with pytest.raises(AttachmentRefused) as e:
        normalise(pdf(PDF_MAX_PAGES + 1), "a.pdf")
    assert f"不能超过 {PDF_MAX_PAGES} 页" in e.value.message


def _save(ctx: DeskContext, attachments: Any = (), idn: str = "420105199001011235"
          ) -> dict[str, Any]:
    sub = copy.deepcopy(ctx.catalog.get("MZ-GLJT").example)
    sub["applicant_id"] = idn
    return ctx.cases.submit("MZ-GLJT", sub, ctx.actor(), today=TODAY, attachments=attachments)


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_pages_saved_with_the_case_encrypted_no_temp_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "desk"
    ctx = DeskContext.open(str(data_dir), password="qiliyi-2026")
    ctx.settings.desk_code, ctx.settings.worker_name = "HY-QL01", "刘晓燕"
    ctx.save_settings()
    _save(ctx, idn="420105198512120025")  # the store and its files exist
    before = _tree(data_dir)
    page = normalise(photo(2400, 1800), "户口簿.jpg")
    material = ctx.catalog.get("MZ-GLJT").materials[0].name
    case = _save(ctx, [(material, [page, page])])
    rows = ctx.store.attachments.attachments_of(case["uuid"])
    assert [(r["material"], r["page"], r["size"]) for r in rows] == [
        (material, 1, page.size), (material, 2, page.size)]
    assert ctx.store.attachments.attachment_data(rows[0]["attachment_id"]) == page.data
    more = ctx.store.attachments.add_attachments(case["uuid"], material, [normalise(pdf(1))], "刘晓燕")
    assert more[0]["page"] == 3
    # no file appeared in the data folder (no temporary file left behind, no plain copy)
    after = _tree(data_dir)
    assert after - before <= {"desk.sqlite3-wal", "desk.sqlite3-shm"}, after - before
    # the stolen laptop: neither the JPEG nor a piece of it is in any file
    blob = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    assert page.data[200:264] not in blob and b"JFIF" not in blob
    ctx.close()


def test_add_to_unknown_case_refused(desk: DeskContext) -> None:
    with pytest.raises(NotFound):
        desk.store.attachments.add_attachments("no-such-case", "x", [normalise(pdf(1))], "刘晓燕")


def test_purge_removes_the_pages(desk: DeskContext) -> None:
    material = desk.catalog.get("MZ-GLJT").materials[0].name
    done = _save(desk, [(material, [normalise(pdf(1))])])
    pending = desk.store.sync.pending_outbox()
    desk.store.sync.mark_outbox([{"id": p["id"], "result": "accepted"} for p in pending], "b")
    desk.store.sync.apply_changes([{"seq": 1, "kind": "status", "case_uuid": done["uuid"],
                                    "status": "completed", "at": "2026-01-05T10:00:00"}], "2")
    desk.store.reconcile.start_epoch("district-1", "e1", 1, changed=False)
    desk.store.reconcile.confirm_agreement("e1", desk.store.reconcile.acked()["acked_max"])
    assert desk.store.attachments.attachments_of(done["uuid"])
    assert maintenance.purge_expired(desk.store, days=180, today=TODAY) == 1
    assert desk.store.attachments.attachments_of(done["uuid"]) == []
    with pytest.raises(NotFound):
        desk.store.attachments.add_attachments(done["uuid"], material, [normalise(pdf(1))], "刘晓燕")


def test_cli_attach_and_attachments(desk: DeskContext, tmp_path: Path, capsys: Any) -> None:
    import json

    from desk.cli import main

    case = _save(desk)
    material = desk.catalog.get("MZ-GLJT").materials[0].name
    desk.close()
    d = str(desk.paths.data_dir)
    photo_file, pdf_file, txt = tmp_path / "a.jpg", tmp_path / "b.pdf", tmp_path / "c.txt"
    photo_file.write_bytes(photo(1200, 900, orientation=3))
    pdf_file.write_bytes(pdf(2))
    txt.write_text("x")
    # one bad file: nothing added, the rule named
    assert main(["--data-dir", d, "attach", case["receipt_no"], material, str(photo_file),
                 str(txt)]) == 2
    assert "file: “c.txt”不是可接受的文件类型" in capsys.readouterr().err
    assert main(["--data-dir", d, "attach", case["receipt_no"], "不存在的材料",
                 str(photo_file)]) == 2
    assert "material: “不存在的材料”不是该事项" in capsys.readouterr().err
    assert main(["--data-dir", d, "attach", "HY-QL01-20991231-0001", material,
                 str(photo_file)]) == 2
    assert "receipt_no:" in capsys.readouterr().err
    assert main(["--data-dir", d, "attachments", case["receipt_no"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []

    assert main(["--data-dir", d, "attach", case["receipt_no"], material, str(photo_file),
                 str(pdf_file)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["case_uuid"] == case["uuid"] and out["material"] == material
    assert [(a["page"], a["mime"], a["pages"], a["uploaded"]) for a in out["attachments"]] == [
        (1, "image/jpeg", 1, False), (2, "application/pdf", 2, False)]
    copies = tmp_path / "out"
    assert main(["--data-dir", d, "attachments", case["uuid"], "--json", "--out",
                 str(copies)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [a["attachment_id"] for a in listed] == [a["attachment_id"]
                                                    for a in out["attachments"]]
    assert Path(listed[1]["file"]).read_bytes() == pdf_file.read_bytes()
    with Image.open(listed[0]["file"]) as img:
        assert img.format == "JPEG"
    assert main(["--data-dir", d, "audit", "verify"]) == 0
    desk.store = desk.store.open(desk.paths.db)
    assert any(h["action"] == "attachment.export" for h in desk.store.history(case["uuid"]))


def _text_page(orientation: int) -> bytes:
    """A 12 MP (4000×3000) photo of a page of text and thin rules, with an EXIF turn."""
    from PIL import ImageDraw, ImageFont

    img = Image.new("RGB", (4000, 3000), (236, 234, 228))
    d = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=44)
    for n, y in enumerate(range(200, 2800, 90)):
        d.text((260, y), f"{n:02d} 申请人 ZHANG SAN 420105199001011235 ABCDEFGHIJKLMNOPQRSTUVW",
                fill=(20, 20, 20), font=font)
        d.line((200, y + 70, 3800, y + 70), fill=(60, 60, 60), width=3)
    img.paste((200, 0, 0), (0, 0, 400, 300))  # which way up
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=92, exif=exif.tobytes())
    return buf.getvalue()


@pytest.mark.parametrize("orientation", [1, 3, 5, 6, 8])
def test_12mp_photo_same_as_the_full_decode_path(orientation: int) -> None:
    # the reduced (DCT-scaled) decode, turned after the reduction, gives the page the full
    # decode gave: the same size and way up, and the text and rules still there
    from PIL import ImageChops, ImageOps, ImageStat

    raw = _text_page(orientation)
    page = normalise(raw, "p.jpg")
    got = Image.open(io.BytesIO(page.data)).convert("RGB")
    old = ImageOps.exif_transpose(Image.open(io.BytesIO(raw))).convert("RGB")
    old.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
    assert got.size == old.size == (page.width, page.height)
    assert max(got.size) == LONG_SIDE
    diff = ImageStat.Stat(ImageChops.difference(got, old).convert("L"))
    assert diff.mean[0] < 6.0, diff.mean  # JPEG at text quality, not a different picture
    # legible: as many dark (ink) pixels as the full decode, within a few per cent
    ink = [sum(ImageStat.Stat(i.convert("L").point(lambda v: 255 if v < 110 else 0)).sum)
           / 255 for i in (got, old)]
    assert ink[1] > 50_000 and abs(ink[0] - ink[1]) / ink[1] < 0.05, ink
