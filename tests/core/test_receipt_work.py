"""What a warm receipt does (issue 13: no slower than the first milestone's).

An A4 sheet's optional blocks (:meth:`forms.printing.layout.Sheet.alternatives`) make their
compact forms only when a compaction level needs them, and a paragraph wrapped again at
the width it was last wrapped at keeps its lines. What the documents show is unchanged:
``test_receipts_typesetting`` checks the levels chosen, and these tests check the work.
"""

from __future__ import annotations

from typing import Any

import pytest

from desk.core.receipts import render_case_pdf
from forms.printing import flowables, pages
from forms.printing.layout import Sheet


def _alternatives(blocks: list[Any]) -> list[pages.Alternative]:
    """Every alternative among ``blocks``, in full forms and in compact forms made."""
    out = []
    for b in blocks:
        if isinstance(b, pages.Alternative):
            out.append(b)
            out += _alternatives(b.full)
            if not callable(b._compact):
                out += _alternatives(b._compact)
    return out


@pytest.fixture
def sheets(monkeypatch: Any) -> list[tuple[Any, ...]]:
    """The story and stub of each A4 sheet built, with the level it was built at."""
    built: list[tuple[Any, ...]] = []
    real = pages._build_a4

    def build(story: Any, stub: Any, spec: Any, meta: Any, compact_to: Any,
              shrink: bool = False) -> tuple[bytes, int]:
        built.append((story, stub, compact_to))
        return real(story, stub, spec, meta, compact_to, shrink=shrink)

    monkeypatch.setattr(pages, "_build_a4", build)
    return built


def test_a_receipt_that_fits_makes_no_compact_form(desk: Any, sheets: list[Any]) -> None:
    g = desk.catalog.get("MZ-GLJT")
    saved = desk.cases.submit("MZ-GLJT", dict(g.example), desk.actor())
    render_case_pdf(desk, desk.store.get_case(saved["uuid"]), fmt="a4")
    [(story, stub, level)] = sheets
    alts = _alternatives([*story, *stub])
    assert level is None and len(alts) >= 5  # fields, tables, headings, rating, stub
    assert all(callable(a._compact) for a in alts)  # none made


LONG = "这是一段很长的说明文字，用来占满一页纸。" * 200


def _long_sheet() -> Sheet:
    """An A4 sheet that fits once its rank-1 block is compact: a page of text in a
    rank-1 block (two lines when compact), rank-3 and rank-5 blocks, and a stub."""
    sheet = Sheet("a4", title="测试")
    calls: list[str] = []
    sheet.calls = calls  # type: ignore[attr-defined]
    long = LONG

    def compact(rank: int, text: str) -> Any:
        def add() -> None:
            calls.append(f"compact {rank}")
            sheet.para(text, small=True)
        return add

    sheet.alternatives(lambda: sheet.para(long), compact(1, "短说明"), rank=1)
    sheet.alternatives(lambda: sheet.para("第三级"), compact(3, "三"), rank=3)
    sheet.heading("一节")  # rank 6
    sheet.begin_stub()
    sheet.alternatives(lambda: sheet.para("存根"), compact(5, "根"), rank=5)
    return sheet


def test_a_sheet_compacted_makes_only_the_compact_forms_its_level_needs(
        sheets: list[Any]) -> None:
    sheet = _long_sheet()
    sheet.render()
    assert [level for _, _, level in sheets] == [1]  # the full forms surely overflow
    assert sheet.calls == ["compact 1"]  # type: ignore[attr-defined]


def test_the_levels_are_the_ranks_of_every_compact_form(sheets: list[Any]) -> None:
    """The levels tried are the ranks of every compact form, made or not (the level chosen
    is the first that fits, as when all were made first). A rank not yet known (3, in the
    compact form of rank 5) matters when the sheet has an alternative ranked between the
    level and the next known rank (2, in rank 5's full form): then all are made."""
    sheet = Sheet("a4", title="测试")

    def full_5() -> None:
        sheet.para("五")
        sheet.alternatives(lambda: sheet.para(LONG), lambda: sheet.para("二"), rank=2)

    def compact_5() -> None:
        sheet.alternatives(lambda: sheet.para("三"), lambda: sheet.para("3"), rank=3)

    sheet.alternatives(lambda: sheet.para(LONG), lambda: sheet.para("一"), rank=1)
    sheet.alternatives(full_5, compact_5, rank=5)
    levels = list(pages._levels(list(sheet.story)))
    assert levels == [(None, False), (1, False), (3, False), (5, True)]
    sheet.render()
    assert [level for _, _, level in sheets] == [3]  # rank 2 compact: it fits


def test_a_paragraph_wrapped_again_at_its_width_keeps_its_lines(monkeypatch: Any) -> None:
    breaks: list[int] = []
    real = flowables.break_lines

    def counted(*args: Any, **kwargs: Any) -> Any:
        breaks.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(flowables, "break_lines", counted)
    sheet = Sheet("a4", title="测试")
    p = sheet._p("申请人须于十个工作日内补交户籍证明。" * 6)
    first = p.wrap(200, 1000)
    assert p.wrap(200, 50) == first and len(breaks) == 1  # the height asked does not matter
    narrower = p.wrap(150, 1000)
    assert narrower[1] > first[1] and len(breaks) == 2
    assert p.wrap(200, 1000) == first and len(breaks) == 3
    assert p.split(200, narrower[1] / 2)  # split: the lines go to the two halves
    del p.blPara  # (as a split that finds no room does)
    assert p.wrap(200, 1000) == first and len(breaks) == 4


def test_a_table_measured_again_at_its_width_keeps_its_sizes(monkeypatch: Any) -> None:
    from reportlab.platypus import tables

    sized: list[int] = []
    real = tables.Table._calc

    def counted(self: Any, *args: Any) -> Any:
        sized.append(1)
        return real(self, *args)

    monkeypatch.setattr(tables.Table, "_calc", counted)
    sheet = Sheet("a4", title="测试")
    sheet.fields([("申请人", "王桂兰"), ("办理依据", "《老年人权益保障法》" * 8, True)])
    [table] = sheet.story
    first = table.wrap(500, 2000)
    assert table.wrap(500, first[1]) == first and len(sized) == 1  # room for every row
    assert table.wrap(500, first[1] - 1) == first and len(sized) == 2  # less: sized again
    assert table.wrap(400, 2000) == first and len(sized) == 3  # another width (its
    # columns are fixed: the same sizes), measured again
    assert table.wrap(500, 2000) == first and len(sized) == 4
    table.split(500, first[1] / 2)  # a split sizes it for its room
    assert table.wrap(500, 2000) == first and len(sized) == 6


def test_a_font_subset_reads_the_glyphs_in_place() -> None:
    """ReportLab copied the main font's whole glyf table (3.5 MB) for every subset; read
    in place, the subset is the same font."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFontFile

    from forms.printing import fonts

    fonts.ensure_fonts()
    face = pdfmetrics.getFont(fonts.MAIN).face
    assert isinstance(face.get_table("glyf"), fonts._Glyphs)
    used = sorted(set(map(ord, "受理回执申请人王桂兰身份证号（代办人）ABC-123，。《》䶮")))
    assert face.makeSubset(used) == TTFontFile.makeSubset(_copying(face), used)


def _copying(face: Any) -> Any:
    """``face`` with ReportLab's own get_table (the glyf table copied)."""
    from reportlab.pdfbase.ttfonts import TTFontFile

    class Copying:
        def __getattr__(self, name: str) -> Any:
            return getattr(face, name)

        def get_table(self, tag: str) -> Any:
            return TTFontFile.get_table(face, tag)

    return Copying()
