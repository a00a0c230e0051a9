"""Photos and scans of materials (issue 17): what the desk accepts and how it keeps it.

:func:`normalise` turns what a camera or a file gave into what the desk stores:

- an image (JPEG, PNG, BMP, TIFF — a document camera's frame, a scanner's output, a
  phone photo) is turned upright by its EXIF orientation, reduced so its longest side is at
  most :data:`LONG_SIDE` px (legible A4 text) and saved as a JPEG of at most about
  :data:`IMAGE_TARGET` bytes; nothing of the original's metadata (EXIF with GPS and the
  phone's name, ICC, comments) is carried over;
- a PDF is kept as it is, when it is at most :data:`PDF_MAX_BYTES` and :data:`PDF_MAX_PAGES`
  pages and can be read;
- anything else is refused with a message naming the rule (:class:`AttachmentRefused`).

Everything happens in memory: no temporary file is ever written (the data folder holds
only the encrypted store). The store keeps the result (:mod:`desk.core.store_attachments`:
staged as soon as the form captures it, then claimed by the case's save), inside the
SQLCipher database when the desk is protected. No Qt here: the capture window (:mod:`desk.ui.capture`) and the command line
both call this.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from desk.core.errors import DeskError

if TYPE_CHECKING:
    from PIL.Image import Transpose

LONG_SIDE = 1600          # px: A4 at ~190 dpi, small print still legible
IMAGE_TARGET = 300 * 1024  # bytes: a page's JPEG aims at this
IMAGE_MAX_INPUT = 40 * 1024 * 1024  # bytes of an image file accepted at all
IMAGE_MAX_PIXELS = 80_000_000  # decoded size refused beyond this (a "decompression bomb")
PDF_MAX_BYTES = 10 * 1024 * 1024
PDF_MAX_PAGES = 30
QUALITIES = (80, 62, 48)  # tried in turn until the JPEG fits IMAGE_TARGET

KINDS_TEXT = "只能添加图片（JPG、PNG、BMP、TIFF）或 PDF 文件"


class AttachmentRefused(DeskError):
    """A file the desk will not keep as a material's page (the message names the rule)."""

    def __init__(self, message: str) -> None:
        super().__init__("attachment", message)


@dataclass(frozen=True)
class Page:
    """One normalised page (or PDF document), ready for the store."""

    data: bytes
    mime: str          # image/jpeg or application/pdf
    width: int = 0     # px (0 for a PDF)
    height: int = 0
    pages: int = 1     # a PDF's page count
    staged: int = 0    # its bytes already in the store, staged for a form (issue 17): the id

    @property
    def size(self) -> int:
        return len(self.data)

    @cached_property  # once per page: the store writes it on the row and in the audit
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def kind_of(data: bytes) -> str:
    """``pdf``, ``image`` or ``""`` — by the content's first bytes, never the file name."""
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if (head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG\r\n\x1a\n")
            or head.startswith(b"BM") or head[:4] in (b"II*\x00", b"MM\x00*")):
        # (no WebP: the installed desk leaves Pillow's WebP decoder out)
        return "image"
    return ""


def normalise(data: bytes, name: str = "") -> Page:
    """The page the desk keeps for ``data`` (a file's or a camera frame's bytes).

    Raises :class:`AttachmentRefused` naming the rule for anything it will not keep."""
    label = f"“{name}”" if name else "该文件"
    if not data:
        raise AttachmentRefused(f"{label}是空文件")
    kind = kind_of(data)
    if kind == "pdf":
        return _pdf(data, label)
    if kind == "image":
        return _image(data, label)
    raise AttachmentRefused(f"{label}不是可接受的文件类型：{KINDS_TEXT}")


def _pdf(data: bytes, label: str) -> Page:
    if len(data) > PDF_MAX_BYTES:
        raise AttachmentRefused(f"{label}有 {_mb(len(data))}，PDF 文件不能超过 "
                                f"{_mb(PDF_MAX_BYTES)}")
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    quiet = logging.getLogger("pypdf")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # a damaged file is refused below, not logged
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise AttachmentRefused(f"{label}设有密码，请提供未加密的 PDF 文件")
        pages = len(reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError):
        raise AttachmentRefused(f"{label}已损坏或不是有效的 PDF 文件") from None
    finally:
        quiet.setLevel(level)
    if pages < 1:
        raise AttachmentRefused(f"{label}没有页面")
    if pages > PDF_MAX_PAGES:
        raise AttachmentRefused(f"{label}有 {pages} 页，PDF 文件不能超过 {PDF_MAX_PAGES} 页")
    return Page(data=data, mime="application/pdf", pages=pages)


def _image(data: bytes, label: str) -> Page:
    if len(data) > IMAGE_MAX_INPUT:
        raise AttachmentRefused(f"{label}有 {_mb(len(data))}，图片不能超过 "
                                f"{_mb(IMAGE_MAX_INPUT)}")
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            w, h = opened.size
            if w * h > IMAGE_MAX_PIXELS:
                raise AttachmentRefused(f"{label}的像素过多（{w}×{h}），图片不能超过 "
                                        f"{IMAGE_MAX_PIXELS // 1_000_000} 百万像素")
            # the turn to upright, read before the reduced decode (EXIF is in the header)
            turn = _turn(opened.getexif().get(0x0112, 1))
            # a JPEG decodes straight at a reduced scale (DCT scaling by 1/2, 1/4, 1/8):
            # far less time and memory for a 12 MP photo than decoding it whole and
            # shrinking it afterwards — the smallest scale keeping the long side ≥ 1600
            if opened.format == "JPEG":
                k = LONG_SIDE / max(w, h)
                opened.draft("RGB", (max(1, round(w * k)), max(1, round(h * k))))
            opened.load()
            img: Image.Image = opened
    except AttachmentRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise AttachmentRefused(f"{label}已损坏或无法识别为图片") from None
    if img.mode not in ("RGB", "L"):
        if img.mode in ("RGBA", "LA", "P", "PA") or "transparency" in img.info:
            img = img.convert("RGBA")
            back = Image.new("RGB", img.size, "white")  # a transparent scan on white paper
            back.paste(img, mask=img.getchannel("A"))
            img = back
        else:
            img = img.convert("RGB")
    if max(img.size) > LONG_SIDE:  # a square box: the same whichever way up
        img.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
    if turn is not None:  # turned after the reduction: fewer pixels to move
        img = img.transpose(turn)
    out, dims = b"", img.size
    for _ in range(4):
        for q in QUALITIES:
            buf = io.BytesIO()
            # a new JPEG: no exif=, icc_profile= or comment= — none of the original's
            # metadata is kept
            img.save(buf, "JPEG", quality=q)
            out, dims = buf.getvalue(), img.size
            if len(out) <= IMAGE_TARGET:
                return Page(data=out, mime="image/jpeg", width=dims[0], height=dims[1])
        # still too big at the lowest quality (a busy picture): shrink by the size ratio
        scale = min(0.9, (IMAGE_TARGET / len(out)) ** 0.5 * 0.95)
        img = img.resize((max(1, int(img.width * scale)), max(1, int(img.height * scale))),
                         Image.Resampling.BILINEAR)
    return Page(data=out, mime="image/jpeg", width=dims[0], height=dims[1])


def _turn(orientation: object) -> Transpose | None:
    """The transpose turning a picture with this EXIF orientation upright (None: none) —
    as :func:`PIL.ImageOps.exif_transpose` does it, but applied after the reduction."""
    from PIL import Image

    t = Image.Transpose
    turns: dict[object, Transpose] = {
        2: t.FLIP_LEFT_RIGHT, 3: t.ROTATE_180, 4: t.FLIP_TOP_BOTTOM, 5: t.TRANSPOSE,
        6: t.ROTATE_270, 7: t.TRANSVERSE, 8: t.ROTATE_90}
    return turns.get(orientation)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n % (1024 * 1024) else f"{n // 1024 // 1024} MB"
