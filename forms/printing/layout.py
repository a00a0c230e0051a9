"""Page layout for receipts and notices: A4 sheets and the 80 mm thermal roll.

:class:`Sheet` collects the blocks of one document (header, fields, tables, paragraphs,
rating boxes, signature lines, the QR code) and renders them for its format:

- ``a4``: the resident's copy flows from the top of the page; an archive stub (存根), after
  a dashed cut line, sits at the bottom of the last page (or on a new page when there is
  no room left).
- ``80mm``: one page exactly as long as its content (a roll has no page breaks); black only,
  no tints, since thermal printers dither grey.

All text goes through :mod:`.fonts`, so rare characters are drawn with the fallback font.
With a second language (``words``, :mod:`.bilingual`), every text that has a translation
gets it beneath, smaller; without one the sheet is exactly the Chinese one.

The sizes of each format are :mod:`.specs`, the blocks' flowables :mod:`.flowables`, and
putting the sheet onto pages :mod:`.pages`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Image,
    Paragraph,
    Spacer,
    TableStyle,
)

from forms.printing import fonts
from forms.printing.bilingual import Bi, Words
from forms.printing.flowables import (
    ChoiceRow,
    CJKParagraph,
    OneLine,
    QRCode,
    TitleLine,
    _Table,
)
from forms.printing.pages import Alternative, render_a4, render_roll
from forms.printing.specs import spec_for


class Sheet:
    """One document being laid out. Add blocks, then :meth:`render`."""

    def __init__(self, fmt: str, *, title: str, subject: str = "", author: str = "",
                 words: Words | None = None) -> None:
        fonts.ensure_fonts()
        self.spec = spec_for(fmt)
        self.fmt = fmt
        # the second language (None: Chinese alone)
        self.words = words if words is not None and words.lang else None
        self.meta = {"title": title, "subject": subject, "author": author}
        self.story: list[Flowable] = []
        self.stub: list[Flowable] | None = None
        self._target = self.story
        s = self.spec
        base = ParagraphStyle("body", fontName=fonts.MAIN, fontSize=s.body, leading=s.leading,
                              textColor=s.ink, wordWrap="CJK")
        self.st = {
            "body": base,
            "small": ParagraphStyle("small", parent=base, fontSize=s.small,
                                    leading=s.small_leading, textColor=s.soft),
            "label": ParagraphStyle("label", parent=base, textColor=s.soft),
            "cell": ParagraphStyle("cell", parent=base),
            "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
            "small_center": ParagraphStyle("small_center", parent=base, fontSize=s.small,
                                           leading=s.small_leading, alignment=TA_CENTER,
                                           textColor=s.soft),
            "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
            "heading": ParagraphStyle("heading", parent=base, fontSize=s.heading,
                                      leading=s.heading * 1.4, spaceBefore=s.body * 0.6,
                                      spaceAfter=s.body * 0.25),
            "heading_tight": ParagraphStyle("heading_tight", parent=base, fontSize=s.body,
                                            leading=s.body * 1.3, spaceBefore=s.body * 0.3,
                                            spaceAfter=s.body * 0.15),
            "subtitle": ParagraphStyle("subtitle", parent=base, alignment=TA_CENTER,
                                       textColor=s.soft),
        }
        # a translation beneath its Chinese: smaller, in the secondary colour
        tr = ParagraphStyle("tr", parent=base, fontSize=s.small - (1 if fmt == "a4" else 0.5),
                            leading=s.small_leading - 1.5, textColor=s.soft)
        self.st["tr"] = tr
        self.st["tr_center"] = ParagraphStyle("tr_center", parent=tr, alignment=TA_CENTER)
        self.st["tr_right"] = ParagraphStyle("tr_right", parent=tr, alignment=TA_RIGHT)

    # -- helpers

    def _p(self, text: object, style: str = "body", *, raw: bool = False) -> Paragraph:
        return CJKParagraph(str(text) if raw else fonts.markup(text), self.st[style])

    def _tr(self, text: object) -> str | None:
        """The translation printed beneath ``text`` (None: Chinese alone)."""
        if self.words is None:
            return None
        tr = self.words.get(text)
        return tr if tr and tr != str(text) else None

    def _tr_style(self, style: str) -> str:
        return {TA_CENTER: "tr_center", TA_RIGHT: "tr_right"}.get(
            self.st[style].alignment, "tr")

    def _ps(self, text: object, style: str = "body") -> list[Flowable]:
        """A paragraph and, beneath it, its translation."""
        tr = self._tr(text)
        out = [self._p(text, style)]
        if tr:
            out.append(self._p(tr, self._tr_style(style)))
        return out

    def _cell(self, text: object, style: str, width: float) -> Any:
        """A one-line cell when ``text`` fits ``width``, else a wrapping Paragraph; with
        its translation beneath when it has one."""
        st = self.st[style]
        tr = self._tr(text)
        s = fonts.clean(text)
        cell: Flowable
        if fonts.string_width(s, st.fontSize) <= width - 0.5:
            align = {TA_CENTER: "center", TA_RIGHT: "right"}.get(st.alignment, "left")
            cell = OneLine(s, st.fontSize, st.leading, st.textColor, align)
        else:
            cell = self._p(s, style)
        return [cell, self._p(tr, self._tr_style(style))] if tr else cell

    def _add(self, *items: Flowable) -> None:
        self._target.extend(items)

    def alternatives(self, full: Any, compact: Any, *, rank: int = 1) -> None:
        """A block (added by calling ``full()``) that an A4 sheet replaces by what
        ``compact()`` adds when the document and its stub would not fit one page; lower
        ranks are compacted first. The roll has no pages: it always takes ``full``.

        ``compact()`` is called only when the sheet does not fit in its full forms, at
        :meth:`render`: it must add the same then as now (it reads nothing that changes)."""
        if self.fmt != "a4":
            full()
            return
        self._target.append(Alternative(rank, self._collect(full),
                                        lambda: self._collect(compact)))

    def _collect(self, add: Any) -> list[Flowable]:
        """What ``add()`` adds, kept apart from the sheet's blocks."""
        target = self._target
        self._target = []
        try:
            add()
            return self._target
        finally:
            self._target = target

    def begin_stub(self) -> None:
        """What is added from now on is the A4 archive stub (ignored on the roll)."""
        self.stub = []
        self._target = self.stub

    # -- blocks

    def header(self, title: str, subtitle: str, issuer: str,
               qr: tuple[list[list[bool]], str] | None = None) -> None:
        """The document title; on A4 with the issuer at left and the QR code at right."""
        s = self.spec
        title_tr = self._tr(title)
        titles: list[Flowable] = [TitleLine(title, s.title)]
        if title_tr:
            titles.append(self._p(title_tr, "subtitle"))
        if self.fmt == "80mm":
            self._add(self._p(issuer.replace("\n", "　"), "small_center"), *titles,
                      *self._ps(subtitle, "subtitle"), Spacer(1, s.body * 0.4))
            return
        side = max(s.qr + 6 * mm, 38 * mm)
        middle = s.width - 2 * side
        left = [p for line in issuer.split("\n") for p in self._ps(line, "small")]
        right: list[Flowable] = []
        if qr is not None:
            right = [QRCode(qr[0], s.qr), Spacer(1, 1.5),
                     OneLine(qr[1], s.small * 0.85, s.small_leading, s.soft, "right")]
        t = _Table([[left, [*titles, *self._ps(subtitle, "subtitle")], right]],
                  colWidths=[side, middle, side])
        t.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (2, 0), (2, 0), "RIGHT"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]))
        self._add(t, Spacer(1, 2 * mm))

    def numbered(self, pairs: Sequence[tuple[str, str]]) -> None:
        """A line of key facts above the body (编号、日期), ruled underneath."""
        s = self.spec
        if self.fmt == "80mm":
            self.fields(pairs)
            return
        cells = [self._ps(self._pair(k, v), "body" if i == 0 else "right")
                 for i, (k, v) in enumerate(pairs)]
        t = _Table([cells], colWidths=[s.width / len(cells)] * len(cells))
        t.setStyle(TableStyle([
            ("LINEBELOW", (0, 0), (-1, 0), 1.2, s.ink),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]))
        self._add(t, Spacer(1, 2.5 * mm))

    def _pair(self, key: str, value: str) -> str:
        """``key：value`` on one line (``key: value`` in the second language, the value in
        its own translation when it carries one: a date reads ``2026-09-21`` there)."""
        tr = self._tr(key)
        return Bi(f"{key}：{value}", f"{tr}: {getattr(value, 'tr', None) or value}" if tr else None)

    def fields(self, rows: Sequence[tuple[str, str] | tuple[str, str, bool]], *,
               small_wide: bool = False, small: bool = False) -> None:
        """Label/value rows. On A4 two pairs share a line unless a row is marked wide;
        ``small_wide`` sets the wide rows' values in the small size, ``small`` every cell
        (compact forms)."""
        s = self.spec
        if not rows:
            return
        if self.fmt == "80mm":
            trs = [self._tr(r[0]) or "" for r in rows]  # a label's translation: one line
            lw = min(max(max(fonts.string_width(r[0], s.body) for r in rows),
                         max(fonts.string_width(t, self.st["tr"].fontSize) for t in trs)) + 5,
                     22 * mm)
            vw = s.width - lw - 1
            lines = [[self._cell(r[0], "label", lw), self._cell(r[1], "body", vw)]
                     for r in rows]
            t = _Table(lines, colWidths=[lw, s.width - lw])
            t.setStyle(TableStyle([
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 1),
                ("TOPPADDING", (0, 0), (-1, -1), 0.6), ("BOTTOMPADDING", (0, 0), (-1, -1), 0.6),
            ]))
            self._add(t)
            return
        lw = s.label_w
        vw = (s.width - 2 * lw) / 2
        data: list[list[Any]] = []
        wide_rows: list[int] = []
        pending: list[Any] | None = None
        held: list[list[Any]] = []  # wide rows wait until a half-filled line is completed
        for r in rows:
            wide = len(r) > 2 and bool(r[2])
            cells = [self._cell(r[0], "small" if small else "label", lw - 8),
                     self._cell(r[1], "small" if small or (wide and small_wide) else "body",
                                (s.width - lw if wide else vw) - 8)]
            if wide:
                if pending is None:
                    wide_rows.append(len(data))
                    data.append([*cells, "", ""])
                else:
                    held.append(cells)
            elif pending is None:
                pending = cells
            else:
                data.append([*pending, *cells])
                pending = None
                for h in held:
                    wide_rows.append(len(data))
                    data.append([*h, "", ""])
                held = []
        if pending is not None:
            wide_rows.append(len(data))  # a lone last pair spans the line
            data.append([*pending, "", ""])
        for h in held:
            wide_rows.append(len(data))
            data.append([*h, "", ""])
        style: list[tuple[Any, ...]] = [
            ("GRID", (0, 0), (-1, -1), 0.5, s.rule),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 1 if small else 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5 if small else 2.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ]
        if s.tint is not None:
            style.append(("BACKGROUND", (0, 0), (0, -1), s.tint))
        start = None  # runs of two-pair lines get the second label tinted in one command
        for i in range(len(data) + 1):
            two = i < len(data) and i not in wide_rows
            if two and start is None:
                start = i
            elif not two and start is not None:
                if s.tint is not None:
                    style.append(("BACKGROUND", (2, start), (2, i - 1), s.tint))
                start = None
        style += [("SPAN", (1, i), (3, i)) for i in wide_rows]
        t = _Table(data, colWidths=[lw, vw, lw, vw])
        t.setStyle(TableStyle(style))
        self._add(t)

    def heading(self, text: str) -> None:
        """A section heading (■ 已收材料)."""
        label = f"■ {text}" if self.fmt == "a4" else f"【{text}】"
        tr = self._tr(text)
        under = [self._p(tr, "tr")] if tr else []
        self.alternatives(lambda: self._add(self._p(label, "heading"), *under),
                          lambda: self._add(self._p(label, "heading_tight"), *under), rank=6)

    def para(self, text: str, *, small: bool = False, center: bool = False,
             right: bool = False) -> None:
        """A paragraph of plain text."""
        style = ("small_center" if small else "center") if center else \
            "right" if right else ("small" if small else "body")
        self._add(*self._ps(text, style))

    def caption_title(self, text: str) -> None:
        """A smaller bold title line (the stub's)."""
        tr = self._tr(text)
        self._add(TitleLine(text, self.spec.heading * 1.25),
                  *([self._p(tr, "tr_center")] if tr else []), Spacer(1, 2))

    def bullets(self, items: Sequence[str], *, numbered: bool = True,
                small: bool = False) -> None:
        """A list, hanging-indented."""
        base = self.st["small" if small else "body"]
        size = base.fontSize
        for i, text in enumerate(items, 1):
            mark = f"{i}." if numbered else "•"
            indent = size * ((1.6 if len(items) < 10 else 2.1) if numbered else 1.1)
            style = ParagraphStyle(f"b{indent}", parent=base, leftIndent=indent,
                                   bulletIndent=0, bulletFontName=fonts.MAIN,
                                   bulletFontSize=size)
            self._add(CJKParagraph(fonts.markup(text), style, bulletText=mark))
            tr = self._tr(text)
            if tr:
                self._add(CJKParagraph(fonts.markup(tr), ParagraphStyle(
                    f"tb{indent}", parent=self.st["tr"], leftIndent=indent)))

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]],
              widths: Sequence[float], *, center_cols: Sequence[int] = (),
              empty: str = "（无）", small: bool = False) -> None:
        """A ruled table; ``widths`` are fractions of the content width; ``small`` sets it
        in the small size with less padding (a compact form)."""
        s = self.spec
        if not rows:
            self.para(empty)
            return
        total = sum(widths)
        col_w = [s.width * w / total for w in widths]
        head_style = "small_center" if small else "center"
        pad = (2 if small else 3) if self.fmt == "a4" else 1.5
        data = [[self._cell(h, head_style, col_w[i] - 2 * pad) for i, h in enumerate(headers)]]
        for row in rows:
            data.append([self._cell(v, head_style if i in center_cols else
                                    ("small" if small else "cell"), col_w[i] - 2 * pad)
                         for i, v in enumerate(row)])
        style = [
            ("GRID", (0, 0), (-1, -1), 0.5, s.rule),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
            ("TOPPADDING", (0, 0), (-1, -1), pad * 0.6),
            ("BOTTOMPADDING", (0, 0), (-1, -1), pad * 0.6 + 1),
        ]
        if s.tint is not None:
            style.append(("BACKGROUND", (0, 0), (-1, 0), s.tint))
        else:
            style.append(("LINEBELOW", (0, 0), (-1, 0), 1.0, s.ink))
        t = _Table(data, colWidths=col_w, repeatRows=1)
        t.setStyle(TableStyle(style))
        self._add(t, Spacer(1, s.body * 0.4))

    def choices(self, options: Sequence[str], chosen: str | None) -> None:
        """A row of tick boxes (□ 非常满意 □ 满意 …), the chosen one filled."""
        if self.words is not None:  # the translation beside each option
            shown = {o: f"{o} {self._tr(o)}" if self._tr(o) else o for o in options}
            options, chosen = list(shown.values()), shown.get(chosen or "")
        self._add(ChoiceRow(options, chosen, self.spec.body))

    def listing(self, entries: Sequence[tuple[str, str]]) -> None:
        """Numbered entries with a detail line each (the roll's form of a table)."""
        s = self.spec
        for i, (main, detail) in enumerate(entries, 1):
            style = ParagraphStyle("li", parent=self.st["body"], leftIndent=s.body * 1.5,
                                   bulletIndent=0, bulletFontName=fonts.MAIN,
                                   bulletFontSize=s.body)
            text = fonts.markup(main)
            tr = self._tr(main)
            size = self.st["tr"].fontSize
            if tr:
                text += f'<br/><font size="{size}">{fonts.markup(tr)}</font>'
            if detail:
                text += f'<br/><font size="{s.small}">{fonts.markup(detail)}</font>'
                tr = self._tr(detail)
                if tr:
                    text += f'<br/><font size="{size}">{fonts.markup(tr)}</font>'
            self._add(CJKParagraph(text, style, bulletText=f"{i}."))

    def signature(self, labels: Sequence[str], *, image: bytes | None = None,
                  date_line: bool = True) -> None:
        """Signature lines (and a date line); a captured signature (PNG) fills the first."""
        s = self.spec
        labels = list(labels) + (["日期："] if date_line else [])
        sign: Any = ""
        if image is not None:
            img = Image(io.BytesIO(image))
            ratio = img.imageWidth / max(img.imageHeight, 1)
            img.drawHeight = 10 * mm
            img.drawWidth = min(img.drawHeight * ratio, 40 * mm)
            sign = img
        lab_w = [fonts.string_width(t, s.body) + 3 for t in labels]
        height = (11 if sign else 8) * mm
        if any(self._tr(t) for t in labels):  # room for the translations beneath
            height += 2 * self.st["tr"].leading
        if self.fmt == "a4":
            free = s.width - sum(lab_w) - 6 * mm * (len(labels) - 1)
            line_w = [free * (0.5 if date_line and i == len(labels) - 1 else 1.0)
                      for i in range(len(labels))]
            scale = free / sum(line_w)
            cells: list[Any] = []
            widths: list[float] = []
            style: list[tuple[Any, ...]] = []
            for i, t in enumerate(labels):
                if i:
                    cells.append("")
                    widths.append(6 * mm)
                cells += [self._ps(t, "label"), sign if i == 0 else ""]
                widths += [lab_w[i], line_w[i] * scale]
                col = len(cells) - 1
                style.append(("LINEBELOW", (col, 0), (col, 0), 0.6, s.ink))
            t = _Table([cells], colWidths=widths, rowHeights=[height])
        else:
            lw = max(lab_w)
            rows = [[self._ps(t, "label"), sign if i == 0 else ""] for i, t in enumerate(labels)]
            extra = height - (11 if sign else 8) * mm
            t = _Table(rows, colWidths=[lw, s.width - lw],
                      rowHeights=[height if i == 0 else 8 * mm + extra
                                  for i in range(len(rows))])
            style = [("LINEBELOW", (1, 0), (1, -1), 0.6, s.ink)]
        t.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1), *style,
        ]))
        self._add(t)

    def qr_block(self, matrix: list[list[bool]], caption: str) -> None:
        """The QR code with its caption, centred (the roll; A4 has it in the header)."""
        self._add(Spacer(1, self.spec.body * 0.6), QRCode(matrix, self.spec.qr),
                  *[p for line in caption.split("\n") for p in self._ps(line, "small_center")])

    def space(self, points: float) -> None:
        """Vertical space."""
        self._add(Spacer(1, points))

    def rule(self) -> None:
        """A thin rule across the content width."""
        t = _Table([[""]], colWidths=[self.spec.width], rowHeights=[self.spec.body * 0.8])
        t.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.5, self.spec.rule)]))
        self._add(t)

    # -- output

    def render(self) -> bytes:
        """The PDF."""
        if self.fmt == "a4":
            return render_a4(self.story, self.stub, self.spec, self.meta)
        return render_roll(self.story, self.spec, self.meta)


__all__ = ["Sheet"]
