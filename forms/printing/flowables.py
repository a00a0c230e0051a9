"""The blocks a sheet is made of, as reportlab flowables: a paragraph broken by Chinese rules
(:mod:`.linebreak`), one-line cells, the title line, the QR code, the cut line, a row of
choice boxes, and the filler that pushes the archive stub to the bottom of the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    Flowable,
    Paragraph,
    Table,
    TableStyle,
)
from reportlab.platypus.paragraph import (
    ParaLines,
    _handleBulletWidth,
    cjkU,
    makeCJKParaLine,
)
from reportlab.rl_config import _FUZZ

from forms.printing import fonts
from forms.printing.linebreak import break_lines
from forms.printing.qr import draw_qr


class CJKParagraph(Paragraph):  # type: ignore[misc]
    """A Paragraph broken by Chinese line-breaking rules (:mod:`.linebreak`): no line
    starts with closing punctuation or ends with opening punctuation, and nothing hangs
    past the right margin (ReportLab's own CJK wrapping does both).

    Wrapped again at the width it was last wrapped at, it keeps the lines it has: an A4
    sheet measures its blocks before it builds them, and a table wraps its cells both to
    size its rows and to draw them."""

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        # the lines depend on the width alone (and on the text and style, which stay);
        # a split that gave the lines away (del blPara) breaks them anew
        if availWidth == self.__dict__.get("_wrapped_at") and "blPara" in self.__dict__:
            return self.width, self.height
        self.__dict__.pop("_wrapped_at", None)
        size: tuple[float, float] = super().wrap(availWidth, availHeight)
        if availWidth >= _FUZZ:  # (narrower: not wrapped at all)
            self._wrapped_at = availWidth
        return size

    def breakLinesCJK(self, maxWidths: Any) -> Any:  # ReportLab names it
        # ReportLab's own method with its two splitters replaced by :func:`break_lines`
        if not isinstance(maxWidths, (list, tuple)):
            maxWidths = [maxWidths]
        style = self.style
        self.height = 0
        _handleBulletWidth(self.bulletText, style, maxWidths)
        frags = self.frags
        if len(frags) == 1 and not hasattr(frags[0], "cbDefn") and not style.endDots:
            f = frags[0]  # one run of text (no markup): plain lines, cheap to draw
            if hasattr(self, "blPara") and getattr(self, "_splitpara", False):
                return f.clone(kind=0, lines=self.blPara.lines)
            text = f.text if hasattr(f, "text") else "".join(getattr(f, "words", []))
            widths = _char_widths(text, f.fontName, f.fontSize)
            lines = []
            for n, (a, b) in enumerate(break_lines(text, widths, maxWidths)):
                limit = maxWidths[min(n, len(maxWidths) - 1)]
                lines.append((limit - sum(widths[a:b]), [text[a:b]]))
            return f.clone(kind=0, lines=lines, ascent=f.fontSize, descent=-0.2 * f.fontSize)
        if not frags:
            return ParaLines(kind=0, fontSize=style.fontSize, fontName=style.fontName,
                             textColor=style.textColor, lines=[], ascent=style.fontSize,
                             descent=-0.2 * style.fontSize)
        if hasattr(self, "blPara") and getattr(self, "_splitpara", False):
            return self.blPara
        units: list[Any] = []
        for frag in frags:
            text = getattr(frag, "text", "")
            if text:
                units.extend(cjkU(t, frag, "utf8") for t in text)
            else:
                units.append(cjkU(text, frag, "utf8"))
        widths = [float(u.width) for u in units]
        hard = [hasattr(u.frag, "lineBreak") for u in units]
        auto = getattr(self, "autoLeading", getattr(style, "autoLeading", ""))
        bounds = auto not in ("", "off")
        paralines = []
        for n, (a, b) in enumerate(break_lines(units, widths, maxWidths, hard)):
            limit = maxWidths[min(n, len(maxWidths) - 1)]
            used = sum(widths[a:b])
            paralines.append(makeCJKParaLine(units[a:b], limit, used, limit - used,
                                             hard[b - 1], bounds))
        return ParaLines(kind=1, lines=paralines)


_WIDTHS: dict[tuple[str, float], dict[str, float]] = {}


def _char_widths(text: str, font: str, size: float) -> list[float]:
    """The width of each character of ``text`` (cached per font and size)."""
    known = _WIDTHS.setdefault((font, size), {})
    out = []
    for ch in text:
        w = known.get(ch)
        if w is None:
            w = known[ch] = float(pdfmetrics.stringWidth(ch, font, size))
        out.append(w)
    return out


class _Table(Table):  # type: ignore[misc]
    """A Table whose plain-string cells (even empty ones) use the CJK font: ReportLab's
    default would pull an unembedded Helvetica into the page resources."""

    def __init__(self, data: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.MAIN)]))

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        # Measured again at the width it was last measured at, with room for every row
        # it had then: the same sizes (ReportLab sizes the rows again each time; only a
        # row span in a table taller than the room stops it early). An A4 sheet measures
        # its blocks before it builds them, and a stub's blocks are measured for its room.
        rows = self.__dict__.get("_whole_at")
        if rows is not None and rows[0] == availWidth and rows[1] <= availHeight:
            self.availWidth = availWidth
            return self._width, self._height
        self.__dict__.pop("_whole_at", None)
        size: tuple[float, float] = super().wrap(availWidth, availHeight)
        if None not in self._rowHeights:
            self._whole_at = (availWidth, sum(self._rowHeights))
        return size

    def split(self, availWidth: float, availHeight: float) -> list[Any]:
        self.__dict__.pop("_whole_at", None)  # sized again for the room the split has
        return list(super().split(availWidth, availHeight))


class TitleLine(Flowable):  # type: ignore[misc]
    """A one-line title in the CJK font, drawn bold (stroked) and centred."""

    def __init__(self, text: str, size: float, align: str = "center") -> None:
        super().__init__()
        self.text, self.size, self.align = text, size, align

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        while self.size > 8 and fonts.string_width(self.text, self.size) > aw:
            self.size -= 1
        return aw, self.size * 1.35

    def draw(self) -> None:
        x = {"center": self.width / 2, "left": 0.0, "right": self.width}[self.align]
        fonts.draw_string(self.canv, x, self.size * 0.3, self.text, self.size,
                          align=self.align, bold=True)


class OneLine(Flowable):  # type: ignore[misc]
    """A single line of text (much cheaper than a Paragraph); fallback runs included."""

    def __init__(self, text: str, size: float, leading: float, color: Any,
                 align: str = "left") -> None:
        super().__init__()
        self.text, self.size, self.leading, self.color, self.align = (
            text, size, leading, color, align)

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        return aw, self.leading

    def draw(self) -> None:
        x = {"left": 0.0, "center": self.width / 2, "right": self.width}[self.align]
        self.canv.setFillColor(self.color)
        fonts.draw_string(self.canv, x, self.leading - self.size * 1.02, self.text, self.size,
                          align=self.align)


class QRCode(Flowable):  # type: ignore[misc]
    """A QR code matrix drawn at ``size`` points square."""

    def __init__(self, matrix: list[list[bool]], size: float) -> None:
        super().__init__()
        self.matrix, self.size = matrix, size
        self.hAlign = "CENTER"

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        draw_qr(self.canv, self.matrix, 0, 0, self.size)


class CutLine(Flowable):  # type: ignore[misc]
    """A dashed line across the page with 沿虚线剪开 in the middle."""

    def __init__(self, text: str, size: float) -> None:
        super().__init__()
        self.text, self.size = text, size

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        return aw, self.size * 2.2

    def draw(self) -> None:
        c = self.canv
        y = self.size * 1.1
        tw = fonts.string_width(self.text, self.size) + self.size * 1.5
        c.saveState()
        c.setLineWidth(0.6)
        c.setStrokeColor(colors.Color(0.35, 0.35, 0.35))
        c.setDash(4, 3)
        mid = self.width / 2
        c.line(0, y, mid - tw / 2, y)
        c.line(mid + tw / 2, y, self.width, y)
        c.restoreState()
        fonts.draw_string(c, mid, y - self.size * 0.35, self.text, self.size, align="center")


class ChoiceRow(Flowable):  # type: ignore[misc]
    """Tick boxes with labels, wrapped over as many lines as the width needs."""

    def __init__(self, options: Sequence[str], chosen: str | None, size: float) -> None:
        super().__init__()
        self.options, self.chosen, self.size = list(options), chosen, size
        self.lines: list[list[tuple[str, float]]] = []

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        box, gap = self.size * 0.95, self.size * 1.6
        self.lines, x = [[]], 0.0
        for o in self.options:
            w = box + self.size * 0.35 + fonts.string_width(o, self.size)
            if x and x + w > aw:
                self.lines.append([])
                x = 0.0
            self.lines[-1].append((o, x))
            x += w + gap
        self.width = aw
        return aw, len(self.lines) * self.size * 1.6

    def draw(self) -> None:
        c = self.canv
        box = self.size * 0.95
        step = self.size * 1.6
        for n, line in enumerate(self.lines):
            base = (len(self.lines) - n - 1) * step + self.size * 0.35
            for o, x in line:
                c.saveState()
                c.setLineWidth(0.7)
                c.rect(x, base - self.size * 0.08, box, box,
                       stroke=1, fill=1 if o == self.chosen else 0)
                c.restoreState()
                fonts.draw_string(c, x + box + self.size * 0.35, base, o, self.size)


class FillToBottom(Flowable):  # type: ignore[misc]
    """Takes the page's remaining height less ``reserve`` (pushes what follows down)."""

    def __init__(self, reserve: float) -> None:
        super().__init__()
        self.reserve = reserve

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return aw, max(0.0, ah - self.reserve - 0.5)

    def draw(self) -> None:
        pass
