"""Table cells whose wrapped text gets the rows it needs.

The style sheet pads every table cell (``QTableView::item``, :data:`CELL_PAD_X` each side),
and Qt paints a cell's text inside that padding — but it works out a row's height by
wrapping the text at the whole column's width. Where a line fits the column but not the
padded cell, the row is sized for one line fewer than is painted, and the last line is cut
to "…" (a resident's ID number on the 民情诉求 list at 1024 px). :class:`WrappedCells`
measures at the width the text is painted in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize
from PySide6.QtWidgets import (
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
)

from desk.ui.style import CELL_PAD_X


class WrappedCells(QStyledItemDelegate):
    """A wrapping table's cells, sized at the width their text is painted in."""

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        opt = QStyleOptionViewItem(option)
        if opt.rect.width() > 2 * CELL_PAD_X:
            opt.rect.setWidth(opt.rect.width() - 2 * CELL_PAD_X)
        return super().sizeHint(opt, index)


@contextmanager
def filling(table: QTableView) -> Iterator[None]:
    """Fill ``table`` — its rows as tall as their wrapped text — with its columns and rows
    sized once, after the last cell: with the headers sizing sections to their contents as
    each cell arrives, every new cell measured the whole list again (reloading 主动服务名单
    of 300 residents, as each answer does, took 30 to 75 s; refilling 100 matters 5 s)."""
    across, down = table.horizontalHeader(), table.verticalHeader()
    modes = [across.sectionResizeMode(i) for i in range(across.count())]
    across.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    down.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    try:
        yield
    finally:
        for i, mode in enumerate(modes):
            across.setSectionResizeMode(i, mode)
        down.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
