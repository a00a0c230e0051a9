"""Fonts for receipts: the embedded CJK font and the fallback for rare characters.

- Main font: WenQuanYi Micro Hei (``resources/fonts/wqy-microhei.ttc``, subfont 0),
  embedded as a subset, so a receipt looks the same on every printer and viewer.
- Fallbacks, each loaded only when a document needs it: ``doorstep-han-fallback.ttf`` (a
  subset of Hanazono Mincho A) for the Han characters Micro Hei lacks — Extension A, the
  rare name characters of the 通用规范汉字表 in Extensions B–F such as 䶮 and 𠮷 — then
  ``doorstep-han-fallback-2.ttf`` (a subset of BabelStone Han) for what neither has, up
  to Extensions G and H (𰻞). See ``resources/fonts/build_fallback_font.py``.
- Yi (U+A000–A4CF, the 双语窗口's second language in Liangshan): ``NotoSansYi-Regular.ttf``
  (Noto Sans Yi, SIL OFL 1.1), registered — and so embedded, as a subset — only when a
  document prints Yi text.
- A character neither font has is never dropped silently: it is printed as its code point
  (``〔U+2A6D6〕``) and reported by :func:`unrenderable`.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from xml.sax.saxutils import escape

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from forms.printing.resources import resource

MAIN = "DoorstepSans"
FALLBACK = "DoorstepHanFallback"
MAIN_FILE = ("fonts", "wqy-microhei.ttc")
FALLBACK_FILE = ("fonts", "doorstep-han-fallback.ttf")
FALLBACK2 = "DoorstepHanFallback2"
FALLBACK2_FILE = ("fonts", "doorstep-han-fallback-2.ttf")
YI = "DoorstepYi"
YI_FILE = ("fonts", "NotoSansYi-Regular.ttf")
YI_RANGE = range(0xA000, 0xA4D0)  # Yi Syllables and Yi Radicals

_lock = threading.Lock()
_main_cmap: frozenset[int] | None = None
_fallback_cmap: frozenset[int] | None = None
_fallback2_cmap: frozenset[int] | None = None
_yi_cmap: frozenset[int] | None = None

# Invisible modifiers that would otherwise count as "missing": variation selectors,
# zero-width characters, the byte-order mark.
_DROP = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, *range(0xFE00, 0xFE10),
         *range(0xE0100, 0xE01F0)}


_original_to_unicode = ttfonts.makeToUnicodeCMap


def _utf16_hex(cp: int) -> str:
    if cp <= 0xFFFF:
        return f"{cp:04X}"
    cp -= 0x10000
    return f"{0xD800 + (cp >> 10):04X}{0xDC00 + (cp & 0x3FF):04X}"


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab's ToUnicode CMap, with characters beyond the BMP as UTF-16 pairs.

    ReportLab writes ``<20BB7>`` for 𠮷, which is not valid (PDF wants UTF-16BE), so text
    extraction, search and copy-paste lose such characters. Same output for the BMP.
    """
    if all(cp <= 0xFFFF for cp in subset):
        return str(_original_to_unicode(fontname, subset))
    out = str(_original_to_unicode(fontname, [0] * len(subset))).split("\n")
    start = out.index(f"{len(subset)} beginbfchar") + 1
    out[start:start + len(subset)] = [f"<{i:02X}> <{_utf16_hex(cp)}>"
                                      for i, cp in enumerate(subset)]
    return "\n".join(out)


ttfonts.makeToUnicodeCMap = _to_unicode_cmap


def _cmap(font: TTFont) -> frozenset[int]:
    return frozenset(cp for cp, glyph in font.face.charToGlyph.items() if glyph)


class _Glyphs:
    """A font file's ``glyf`` table read in place: slicing it gives the bytes of the slice."""

    def __init__(self, data: bytes, pos: int, length: int) -> None:
        self._view = memoryview(data)[pos:pos + length]

    def __getitem__(self, part: slice) -> bytes:
        return self._view[part].tobytes()


def _lean_subsets(font: TTFont) -> None:
    """ReportLab's subsetting (``makeSubset``, once per document and font) copies the
    whole ``glyf`` table (3.5 MB of Micro Hei's) to take each glyph used out of it; it gets
    the table read in place instead (it only ever slices it: the same bytes)."""
    face = font.face
    whole = face.get_table

    def get_table(tag: str) -> object:
        if tag == "glyf":
            pos, length = face.get_table_pos(tag)
            return _Glyphs(face._ttf_data, pos, length)
        return whole(tag)

    face.get_table = get_table


def ensure_fonts() -> None:
    """Register the main font once per process (thread-safe)."""
    global _main_cmap
    if _main_cmap is not None:
        return
    with _lock:
        if _main_cmap is not None:
            return
        # asciiReadable=False: embed only the characters used (the default also embeds
        # all of printable ASCII, some 90 glyphs, in every document).
        font = TTFont(MAIN, str(resource(*MAIN_FILE)), subfontIndex=0, asciiReadable=False)
        _lean_subsets(font)
        pdfmetrics.registerFont(font)
        # Micro Hei has one weight: <b>/<i> in markup map to the same face.
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(MAIN, bold, italic, MAIN)
        _main_cmap = _cmap(font)


def _ensure_fallback() -> frozenset[int]:
    global _fallback_cmap
    if _fallback_cmap is not None:
        return _fallback_cmap
    with _lock:
        if _fallback_cmap is None:
            font = TTFont(FALLBACK, str(resource(*FALLBACK_FILE)), asciiReadable=False)
            _lean_subsets(font)
            pdfmetrics.registerFont(font)
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FALLBACK, bold, italic, FALLBACK)
            _fallback_cmap = _cmap(font)
    return _fallback_cmap


def _register(name: str, file: tuple[str, str]) -> frozenset[int]:
    font = TTFont(name, str(resource(*file)), asciiReadable=False)
    _lean_subsets(font)
    pdfmetrics.registerFont(font)
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(name, bold, italic, name)
    return _cmap(font)


def _ensure_fallback2() -> frozenset[int]:
    global _fallback2_cmap
    if _fallback2_cmap is not None:
        return _fallback2_cmap
    with _lock:
        if _fallback2_cmap is None:
            _fallback2_cmap = _register(FALLBACK2, FALLBACK2_FILE)
    return _fallback2_cmap


def _ensure_yi() -> frozenset[int]:
    global _yi_cmap
    if _yi_cmap is not None:
        return _yi_cmap
    with _lock:
        if _yi_cmap is None:
            _yi_cmap = _register(YI, YI_FILE)
    return _yi_cmap


def font_for(cp: int) -> str | None:
    """The font that draws code point ``cp`` (main first, then the fallbacks), or None."""
    ensure_fonts()
    assert _main_cmap is not None
    if cp in _main_cmap:
        return MAIN
    if cp in YI_RANGE:  # Yi: its own font, never the Han fallbacks (not loaded for it)
        return YI if cp in _ensure_yi() else None
    if cp in _ensure_fallback():
        return FALLBACK
    if cp in _ensure_fallback2():
        return FALLBACK2
    return None


def main_has(ch: str) -> bool:
    """True when the main font draws ``ch``."""
    ensure_fonts()
    assert _main_cmap is not None
    return ord(ch) in _main_cmap


_MODIFIERS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def clean(text: object) -> str:
    """Printable text: control characters become spaces, invisible modifiers go."""
    s = "" if text is None else str(text)
    if s.isprintable() and not _MODIFIERS.search(s):  # the common case, at C speed
        return s
    out = []
    for ch in s:
        if ord(ch) in _DROP:
            continue
        cat = unicodedata.category(ch)
        if cat == "Cc":
            out.append(" ")
        elif cat not in ("Cf", "Cs"):
            out.append(ch)  # private-use and unassigned stay: printed as code points
    return "".join(out)


def placeholder(ch: str) -> str:
    """How a character no font has is printed."""
    return f"〔U+{ord(ch):04X}〕"


def runs(text: str) -> Iterator[tuple[str, str]]:
    """Split cleaned ``text`` into (font name, segment) runs.

    Segments for characters neither font has are their placeholders, in the main font.
    """
    ensure_fonts()
    main = _main_cmap
    assert main is not None
    if main.issuperset(map(ord, text)):
        if text:
            yield MAIN, text
        return
    font = MAIN
    buf: list[str] = []
    for ch in text:
        cp = ord(ch)
        found = MAIN if cp in main or ch == " " else font_for(cp)
        if found is not None:
            want, piece = found, ch
        else:
            want, piece = MAIN, placeholder(ch)
        if want != font and buf:
            yield font, "".join(buf)
            buf = []
        font = want
        buf.append(piece)
    if buf:
        yield font, "".join(buf)


def unrenderable(text: str) -> list[str]:
    """Characters of ``text`` that no font of ours can draw (printed as code points)."""
    ensure_fonts()
    assert _main_cmap is not None
    out = []
    for ch in clean(text):
        if ord(ch) in _main_cmap or ch == " ":
            continue
        if font_for(ord(ch)) is None:
            out.append(ch)
    return out


def markup(text: object) -> str:
    """Paragraph markup for plain ``text``: escaped, with fallback runs in their font."""
    s = clean(text)
    if not s:
        return ""
    ensure_fonts()
    assert _main_cmap is not None
    if _main_cmap.issuperset(map(ord, s)):  # the common case, no per-run work
        return escape(s)
    parts = []
    for font, seg in runs(s):
        if font != MAIN:
            parts.append(f'<font face="{font}">{escape(seg)}</font>')
        else:
            parts.append(escape(seg))
    return "".join(parts)


def _width(parts: list[tuple[str, str]], size: float) -> float:
    if len(parts) == 1:  # (the sum of one width: that width)
        return float(pdfmetrics.stringWidth(parts[0][1], parts[0][0], size))
    return float(sum(pdfmetrics.stringWidth(seg, font, size) for font, seg in parts))


def _runs(s: str) -> list[tuple[str, str]]:
    """:func:`runs` of cleaned ``s`` as a list (one run at once in the common case)."""
    ensure_fonts()
    assert _main_cmap is not None
    if _main_cmap.issuperset(map(ord, s)):
        return [(MAIN, s)] if s else []
    return list(runs(s))


def string_width(text: str, size: float) -> float:
    """Width of cleaned ``text`` at ``size`` points, fallback runs included."""
    return _width(_runs(clean(text)), size)


def draw_string(canvas: object, x: float, y: float, text: str, size: float, *,
                align: str = "left", bold: bool = False) -> float:
    """Draw one line of mixed-font text; returns its width.

    ``bold`` strokes the glyph outlines as well (the CJK font has a single weight).
    """
    parts = _runs(clean(text))
    width = _width(parts, size)
    if align == "center":
        x -= width / 2
    elif align == "right":
        x -= width
    c = canvas
    # The fallback is a thin Mincho; stroking it a little matches the sans's weight (and
    # keeps rare name characters from printing faint on a thermal roll).
    stroke = size * (0.035 if bold else 0.0) if len(parts) == 1 and parts[0][0] == MAIN \
        else size * 0.035
    t = c.beginText()  # type: ignore[attr-defined]
    t.setTextOrigin(x, y)
    if stroke:
        c.saveState()  # type: ignore[attr-defined]
        c.setLineWidth(stroke)  # type: ignore[attr-defined]
    for font, seg in parts:
        t.setFont(font, size)
        t.setTextRenderMode(2 if bold or font != MAIN else 0)
        t.textOut(seg)
    c.drawText(t)  # type: ignore[attr-defined]
    if stroke:
        c.restoreState()  # type: ignore[attr-defined]
    return width
