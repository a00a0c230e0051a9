"""A laid-out sheet (:class:`~forms.printing.layout.Sheet`) onto pages, as a PDF: the A4
document with its archive stub at the bottom of its one page (optional blocks compacted,
lowest rank first, until it fits), or the 80 mm roll, one page as long as its content.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepInFrame,
    KeepTogether,
    PageTemplate,
    Spacer,
)

from forms.printing import fonts
from forms.printing.flowables import CutLine, FillToBottom
from forms.printing.specs import CREATOR, Spec


def _expand(blocks: list[Any], compact_to: int | None) -> list[Flowable]:
    """The flowables of ``blocks`` with each optional block in its full form, or compact
    when its rank is at most ``compact_to`` (a compact form may have a more compact one)."""
    out: list[Flowable] = []
    for b in blocks:
        if isinstance(b, Alternative):
            out += _expand(b.compact if compact_to is not None and b.rank <= compact_to
                           else b.full, compact_to)
        else:
            if hasattr(b, "_postponed"):  # left by an earlier build of this sheet
                del b._postponed
            out.append(b)
    return out


class Alternative:
    """A block with a compact form, used only when the A4 sheet would not fit one page.

    ``compact`` is given as the function that makes it: most sheets fit in their full form,
    and their compact forms are never made (made once, when first asked for)."""

    def __init__(self, rank: int, full: list[Any],
                 compact: list[Any] | Callable[[], list[Any]]) -> None:
        self.rank = rank
        self.full = full
        self._compact = compact

    @property
    def compact(self) -> list[Any]:
        """The compact form's blocks (made now if not yet made)."""
        if callable(self._compact):
            self._compact = self._compact()
        return self._compact


def _ranks(blocks: list[Any]) -> set[int]:
    """The ranks of the alternatives among ``blocks`` and in their compact forms (which
    makes them)."""
    ranks: set[int] = set()
    while blocks:
        alts = [b for b in blocks if isinstance(b, Alternative)]
        ranks |= {b.rank for b in alts}
        blocks = [c for b in alts for c in b.compact]
    return ranks


def _known(blocks: list[Any], level: int | None) -> set[int]:
    """The ranks :func:`_ranks` finds without making a compact form of a rank over
    ``level`` (None: none made)."""
    out: set[int] = set()
    for b in blocks:
        if isinstance(b, Alternative):
            out.add(b.rank)
            if level is not None and b.rank <= level:
                out |= _known(b.compact, level)
    return out


def _met(blocks: list[Any], level: int | None) -> set[int]:
    """The ranks of the alternatives the sheet at ``level`` is made of (as :func:`_expand`
    goes: the full forms' own alternatives too)."""
    out: set[int] = set()
    for b in blocks:
        if isinstance(b, Alternative):
            out.add(b.rank)
            out |= _met(b.compact if level is not None and b.rank <= level else b.full,
                        level)
    return out


def _levels(blocks: list[Any]) -> Iterator[tuple[int | None, bool]]:
    """The compaction levels to try, each with whether it is the last: the full forms
    (None), then the ranks (:func:`_ranks`) in order — the same levels render the same.

    A compact form is made only when a level needs it. A rank not yet known lies in the
    compact form of a known rank above the level; a level below that known rank is the
    sheet just tried (and does not fit) unless the sheet has an alternative ranked there,
    which :func:`_met` sees; then every compact form is made and each rank tried."""
    level: int | None = None
    while True:
        later = sorted(r for r in _known(blocks, level) if level is None or r > level)
        yield level, not later
        if not later:
            return
        if any((level is None or r > level) and r < later[0] for r in _met(blocks, level)):
            ranks = sorted(r for r in _ranks(blocks) if level is None or r > level)
            for r in ranks:
                yield r, r == ranks[-1]
            return
        level = later[0]


def _doc_args(meta: dict[str, str]) -> dict[str, Any]:
    return {"title": meta["title"], "subject": meta["subject"],
            "author": meta["author"], "creator": CREATOR, "producer": CREATOR}


def render_a4(story: list[Any], stub: list[Any] | None, spec: Spec,
              meta: dict[str, str]) -> bytes:
    """The A4 document, its stub at the bottom of the page; when that takes a second
    page, the optional blocks are compacted, lowest rank first, until it fits."""
    blocks = [*story, *(stub or [])]
    pdf, pages = b"", 2
    heights: dict[int, tuple[Flowable, float]] = {}  # a block in two levels: measured once
    for compact_to, last in _levels(blocks):
        if not last and _surely_overflows(story, stub, spec, compact_to, heights):
            continue  # no need to build it to know (a whole build: ~15 ms)
        pdf, pages = _build_a4(story, stub, spec, meta, compact_to)
        if pages <= 1:
            break
    if pages > 1 and stub:  # last resort: the resident's part shrunk to fit
        pdf, pages = _build_a4(story, stub, spec, meta, max(_ranks(blocks), default=0),
                               shrink=True)
    return pdf


def _surely_overflows(story: list[Any], stub: list[Any] | None, spec: Spec,
                      compact_to: int | None,
                      heights: dict[int, tuple[Flowable, float]] | None = None) -> bool:
    """True when the sheet at ``compact_to`` cannot fit one page: its blocks' heights
    (wrapped at the content width, with their spaces, less the first block's space
    before and the last's after, which a frame may drop) add up to more than the page
    holds. A build never needs less than that, so only a sheet that may fit is built.
    ``heights``: the blocks measured so far (by id, with the block, so the id stays its)."""
    s = spec
    flow = _expand(story, compact_to)
    if stub:
        flow += [Spacer(1, 3 * mm), CutLine("", s.small), *_expand(stub, compact_to)]
    if not flow:
        return False
    known = {} if heights is None else heights
    need: float = 0.0
    for f in flow:
        got = known.get(id(f))
        if got is None:
            got = known[id(f)] = (f, f.wrap(s.width, s.page_w * 2)[1] + f.getSpaceBefore()
                                  + f.getSpaceAfter())
        need += got[1]
    need -= flow[0].getSpaceBefore() + flow[-1].getSpaceAfter()
    return bool(need > A4[1] - s.margin_top - s.margin_bottom + 1)


def _build_a4(story: list[Any], stub: list[Any] | None, spec: Spec, meta: dict[str, str],
              compact_to: int | None, shrink: bool = False) -> tuple[bytes, int]:
    def expand(blocks: list[Any]) -> list[Flowable]:
        return _expand(blocks, compact_to)

    s = spec
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf, pagesize=A4, leftMargin=s.margin_x, rightMargin=s.margin_x,
        topMargin=s.margin_top, bottomMargin=s.margin_bottom, pageCompression=1,
        initialFontName=fonts.MAIN, initialFontSize=s.body, lang="zh-CN",
        **_doc_args(meta))
    frame = Frame(s.margin_x, s.margin_bottom, s.width,
                  A4[1] - s.margin_top - s.margin_bottom, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    flow = expand(story)
    if stub:
        cut = CutLine("沿虚线剪开：上联申请人留存，下联（存根）办事点归档", s.small)
        block = [cut, *expand(stub)]
        height = sum(f.wrap(s.width, s.page_w * 2)[1] + f.getSpaceBefore()
                     + f.getSpaceAfter() for f in block)
        if shrink:
            room = A4[1] - s.margin_top - s.margin_bottom - height - 3 * mm - 2
            flow = [KeepInFrame(s.width, room, flow, mode="shrink")]
        flow += [Spacer(1, 3 * mm), FillToBottom(height + 1), KeepTogether(block)]
    doc.build(flow)
    return buf.getvalue(), int(doc.page)


def render_roll(story: list[Any], spec: Spec, meta: dict[str, str]) -> bytes:
    """The roll: one page exactly as long as its content."""
    s = spec
    placed: list[tuple[Flowable, float, float, float, float]] = []
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(s.page_w, 100 * mm), pageCompression=1,
               initialFontName=fonts.MAIN, initialFontSize=s.body, lang="zh-CN")
    total = s.margin_top + s.margin_bottom
    prev_after = 0.0
    for f in story:
        w, h = f.wrapOn(c, s.width, 1e6)
        before = max(f.getSpaceBefore(), prev_after) if placed else 0.0
        prev_after = f.getSpaceAfter()
        placed.append((f, w, h, before, 0.0))
        total += before + h
    c.setPageSize((s.page_w, total))
    args = _doc_args(meta)
    c.setTitle(args["title"])
    c.setSubject(args["subject"])
    c.setAuthor(args["author"])
    c.setCreator(CREATOR)
    c.setProducer(CREATOR)
    y = total - s.margin_top
    for f, w, h, before, _ in placed:
        y -= before + h
        align = getattr(f, "hAlign", "LEFT")
        x = s.margin_x
        if align in ("CENTER", "CENTRE"):
            x += (s.width - w) / 2
        elif align == "RIGHT":
            x += s.width - w
        f.drawOn(c, x, y)
    c.showPage()
    c.save()
    return buf.getvalue()
