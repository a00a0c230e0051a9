"""A layout that lines its widgets up like words in a paragraph: as many per row as fit,
the rest on the next row (Qt's flow-layout example).

Used wherever a row of choice buttons could be wider than the window: the department
chips on 办事 (14 departments do not fit 1024 px, nor 1366 px in 长辈模式) and a field's
choices (the 一件事 services such as “基本养老保险退休待遇核定”), so no choice is ever
squeezed until its text is cut.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QLayout,
    QLayoutItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    QVBoxLayout,
    QWidget,
    QWidgetItem,
)


class FlowLayout(QLayout):
    """Widgets left to right, wrapping to a new row when the next one does not fit."""

    def __init__(self, parent: QWidget | None = None, h_spacing: int = 8,
                 v_spacing: int = 8) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._h, self._v = h_spacing, v_spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def addWidget(self, w: QWidget) -> None:
        self.addChildWidget(w)
        self.addItem(QWidgetItem(w))
        self.invalidate()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:
        # one row when there is room for it; the minimum below is what really binds
        w = sum(i.sizeHint().width() for i in self._items) + \
            self._h * max(len(self._items) - 1, 0)
        h = max((i.sizeHint().height() for i in self._items), default=0)
        m = self.contentsMargins()
        return QSize(w + m.left() + m.right(), h + m.top() + m.bottom())

    def minimumSize(self) -> QSize:
        # a plain button's minimum is its hint (its size policy cannot shrink); a
        # WrappingButton's is a few characters wide — it takes more lines instead
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _place(self, rect: QRect, *, move: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, line = area.x(), area.y(), 0
        for item in self._items:
            if item.isEmpty():
                continue
            hint = item.sizeHint()
            if x > area.x() and x + hint.width() > area.right() + 1:
                x, y, line = area.x(), y + line + self._v, 0
            width, height = min(hint.width(), area.width()), hint.height()
            if width < hint.width() and item.hasHeightForWidth():
                height = item.heightForWidth(width)  # a long choice on two or more lines
            if move:
                item.setGeometry(QRect(QPoint(x, y), QSize(width, height)))
            x += width + self._h
            line = max(line, height)
        return y + line - rect.y() + m.bottom()


# a break never leaves “（” at a line's end nor puts “）”/“，” at a line's start, and a
# run of Latin letters or digits (“40”, “2026”) stays whole
_TOKENS = re.compile(r"[（(《“]*(?:[A-Za-z0-9.\-]+|\s|.)[）)》”，、。：；！？,.:;!?]*")


def wrap_text(text: str, fm: QFontMetrics, width: int) -> list[str]:
    """``text`` in lines no wider than ``width`` (a token wider than that alone on its
    line): Chinese breaks between any two characters, as it is written."""
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(text):
        if line and fm.horizontalAdvance(line + token) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line or not lines:
        lines.append(line)
    return lines


class WrappingButton(QPushButton):
    """A push button whose text takes as many lines as the width it is given needs, like
    a label with word wrap: a choice such as “大龄失业人员（女40男50以上）” (329 px in
    长辈模式) never makes a 1024 px form scroll sideways. ``text()`` stays the whole
    text (what tests, screen readers and the value see); only the painting wraps."""

    MIN_CHARS = 6

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def _chrome(self) -> int:
        """What the style adds beside the text (padding, border): measured on the
        one-line hint, since the style's size for empty contents is its minimum width."""
        return self.sizeHint().width() - self.fontMetrics().size(0, self.text()).width()

    def _lines(self, width: int) -> list[str]:
        if width >= self.sizeHint().width():
            return [self.text()]
        fm, room = self.fontMetrics(), max(width - self._chrome(), 1)
        lines = wrap_text(self.text(), fm, room)
        # balanced: the narrowest width giving as few lines (“大龄失业人员（女40” /
        # “男50以上）”, not a lone “上）” on the second line)
        low, high = room // len(lines), room
        while low < high:
            mid = (low + high) // 2
            if len(wrap_text(self.text(), fm, mid)) <= len(lines):
                high = mid
            else:
                low = mid + 1
        return wrap_text(self.text(), fm, high)

    def minimumSizeHint(self) -> QSize:
        fm = self.fontMetrics()
        one = self.sizeHint()
        narrow = self._chrome() + fm.horizontalAdvance("字" * self.MIN_CHARS)
        # the height stays one line's: the layout asks heightForWidth for the width it
        # gives (a taller minimum would make every row as tall as the narrowest case)
        return QSize(min(one.width(), narrow), one.height())

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        lines = self._lines(width)
        if len(lines) == 1:
            return self.sizeHint().height()
        text = self.fontMetrics().size(0, "\n".join(lines))
        opt = QStyleOptionButton()
        self.initStyleOption(opt)
        return self.style().sizeFromContents(QStyle.ContentsType.CT_PushButton, opt,
                                             text, self).height()

    def paintEvent(self, event: QPaintEvent) -> None:
        opt = QStyleOptionButton()
        self.initStyleOption(opt)
        opt.text = "\n".join(self._lines(self.width()))
        QStylePainter(self).drawControl(QStyle.ControlElement.CE_PushButton, opt)


def shrinkable(combo: QComboBox, chars: int = 6) -> QComboBox:
    """A drop-down that may be narrower than its longest choice (a long item name would
    otherwise widen the whole page past a 1024 px screen); its list still opens wide
    enough to read every choice in full."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    view = combo.view()
    view.setMinimumWidth(view.sizeHintForColumn(0) + 32)
    return combo


def scroll_page(page: QWidget) -> QScrollArea:
    """Put ``page``'s layout in a vertical scroll area: on a short screen (1024×640,
    长辈模式) the page scrolls instead of squeezing its rows until their text is cut."""
    inner = QWidget()
    inner.setObjectName("page")
    layout = page.layout()
    if layout is not None:
        inner.setLayout(layout)  # Qt moves the layout and its widgets over
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(inner)
    outer = QVBoxLayout(page)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(area)
    return area
