"""What the worker sees, checked widget by widget: text cut off (clipped) and text/background
contrast (WCAG 2.x relative luminance). Shared by test_fit.py and test_contrast.py."""

from __future__ import annotations

from collections import Counter
from typing import Any

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QHeaderView,
    QLabel,
    QLineEdit,
    QScrollArea,
    QWidget,
)


def shown(w: QWidget, root: QWidget) -> bool:
    """Visible in ``root`` (itself and every parent up to it shown, non-zero size)."""
    return w.isVisibleTo(root) and w.width() > 0 and w.height() > 0


def name(w: QWidget) -> str:
    text = ""
    for attr in ("text", "placeholderText"):
        fn = getattr(w, attr, None)
        if callable(fn):
            text = str(fn())[:30]
            if text:
                break
    return f"{type(w).__name__}({w.objectName() or ''}:{text!r})"


def _inside_scroll(w: QWidget, root: QWidget) -> bool:
    p = w.parentWidget()
    while p is not None and p is not root:
        if isinstance(p, QAbstractScrollArea):
            return True
        p = p.parentWidget()
    return False


def clipped(root: QWidget) -> list[str]:
    """Every place in ``root`` where the worker would see text cut off or a control
    pushed out of sight; empty when everything fits."""
    out: list[str] = []
    rr = root.rect()
    for w in root.findChildren(QWidget):
        if not shown(w, root):
            continue
        # a control laid out beyond its window (the window is smaller than its layout's
        # minimum): the status bar, 保存 … cut at the edge. Inside a scroll area it scrolls.
        if not _inside_scroll(w, root):
            r = QRect(w.mapTo(root, QPoint(0, 0)), w.size())
            if not rr.contains(r) and not isinstance(w, QHeaderView):
                out.append(f"{name(w)} at {r.getRect()} outside its window {rr.getRect()}")
                continue
        if isinstance(w, QScrollArea) and w.horizontalScrollBar().maximum() > 0 and \
                w.horizontalScrollBarPolicy() != Qt.ScrollBarPolicy.ScrollBarAlwaysOff:
            out.append(f"{name(w)} scrolls sideways by {w.horizontalScrollBar().maximum()} px")
        if isinstance(w, QScrollArea) and w.widget() is not None and w.widgetResizable():
            inner = w.widget()
            if inner.minimumSizeHint().width() > w.viewport().width() + 1:
                out.append(f"{name(w)}: content needs {inner.minimumSizeHint().width()} px, "
                           f"has {w.viewport().width()}")
        if isinstance(w, QLabel) and w.text() and w.pixmap().isNull():
            if w.wordWrap():
                need = w.heightForWidth(w.width())
                if need > w.height() + 1:
                    out.append(f"{name(w)} needs {need} px high, has {w.height()}")
            elif w.sizeHint().width() > w.width() + 1:
                out.append(f"{name(w)} needs {w.sizeHint().width()} px, has {w.width()}")
        elif isinstance(w, QAbstractButton) and w.text():
            hint = w.sizeHint()
            if hint.width() > w.width() + 1 or hint.height() > w.height() + 2:
                out.append(f"{name(w)} needs {hint.width()}x{hint.height()}, has "
                           f"{w.width()}x{w.height()}")
        elif isinstance(w, QLineEdit) and w.placeholderText() and not w.text():
            fm = w.fontMetrics()
            chrome = w.sizeHint().width() - 17 * fm.horizontalAdvance("x") - 4
            room = w.width() - chrome
            need = fm.horizontalAdvance(w.placeholderText())
            if w.isClearButtonEnabled():
                need += w.height() // 2  # room kept for the clear button
            if need > room + 1:
                out.append(f"{name(w)} placeholder needs {need} px, has {room}")
    return out


# -- contrast ------------------------------------------------------------------------------


def luminance(c: QColor) -> float:
    def chan(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * chan(c.redF()) + 0.7152 * chan(c.greenF()) + 0.0722 * chan(c.blueF())


def ratio(a: QColor, b: QColor) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def background(img: QImage, r: QRect) -> QColor:
    """The colour most of ``r`` is painted with (the text's background)."""
    r = r.intersected(img.rect())
    counts: Counter[int] = Counter()
    step = max(1, min(r.width(), r.height()) // 12)
    for y in range(r.top(), r.bottom() + 1, step):
        for x in range(r.left(), r.right() + 1, step):
            counts[img.pixel(x, y)] += 1
    return QColor.fromRgb(counts.most_common(1)[0][0]) if counts else QColor("#ffffff")


def _large(w: QWidget) -> bool:
    """WCAG large text: ≥ 24 px, or ≥ 18.66 px bold."""
    f = w.font()
    px = f.pixelSize() if f.pixelSize() > 0 else f.pointSizeF() * 96 / 72
    return px >= 24 or (px >= 18.66 and f.bold())


def contrast_problems(root: QWidget, where: str) -> list[str]:
    """Each text in ``root`` whose colour against what is painted behind it is below
    4.5:1 (3:1 for large text). The text colour is the widget's own palette (the style
    sheet sets it); the background is read from the rendered window."""
    out: list[str] = []
    img = root.grab().toImage()
    for w in root.findChildren(QWidget):
        if not shown(w, root) or not w.isEnabled():
            continue  # WCAG: disabled controls are exempt
        at = w.mapTo(root, QPoint(0, 0))
        if isinstance(w, QAbstractItemView):
            out += _view_problems(w, root, img, where)
            continue
        if isinstance(w, QHeaderView):
            continue
        text = ""
        if isinstance(w, (QLabel, QAbstractButton)):
            text = w.text()
        elif isinstance(w, QLineEdit):
            text = w.text() or w.placeholderText()
        if not text or (isinstance(w, QLabel) and not w.pixmap().isNull()):
            continue
        pal = w.palette()
        if isinstance(w, QLineEdit):
            role = QPalette.ColorRole.Text if w.text() else QPalette.ColorRole.PlaceholderText
        else:
            role = w.foregroundRole()
        fg = pal.color(role)
        bg = background(img, QRect(at, w.size()).adjusted(3, 3, -3, -3))
        need = 3.0 if _large(w) else 4.5
        got = ratio(fg, bg)
        if got < need:
            out.append(f"{where}: {name(w)} {fg.name()} on {bg.name()} = {got:.2f} < {need}")
    return out


def _view_problems(view: Any, root: QWidget, img: QImage, where: str) -> list[str]:
    out: list[str] = []
    model = view.model()
    if model is None:
        return out
    vp = view.viewport()
    origin = vp.mapTo(root, QPoint(0, 0))
    pal = view.palette()
    header = getattr(view, "horizontalHeader", lambda: None)()
    if header is not None and header.isVisible():
        # the header's words are painted by the style sheet's ::section rule: read them
        # from the pixels (the darkest/lightest stroke against the section's background)
        himg = header.grab().toImage()
        for col in range(model.columnCount()):
            x = header.sectionViewportPosition(col)
            wdt = header.sectionSize(col)
            if wdt <= 8 or x >= header.width():
                continue
            r = QRect(x + 4, 4, min(wdt, header.width() - x) - 8, header.height() - 10)
            bg = background(himg, r)
            fg = _stroke(himg, r, bg)
            got = ratio(fg, bg)
            if got < 4.5:
                label = model.headerData(col, Qt.Orientation.Horizontal)
                out.append(f"{where}: header {label!r} {fg.name()} on {bg.name()} = {got:.2f}")
    rows = model.rowCount()
    cols = model.columnCount() if hasattr(model, "columnCount") else 1
    for row in range(min(rows, 40)):
        for col in range(cols):
            idx = model.index(row, col)
            r = view.visualRect(idx)
            if not r.isValid() or not vp.rect().intersects(r):
                continue
            text = idx.data(Qt.ItemDataRole.DisplayRole)
            if not text:
                continue
            fg_data = idx.data(Qt.ItemDataRole.ForegroundRole)
            if fg_data is not None:
                fg = fg_data.color() if hasattr(fg_data, "color") else QColor(fg_data)
            elif view.selectionModel() is not None and \
                    view.selectionModel().isSelected(idx):
                fg = pal.color(QPalette.ColorRole.HighlightedText)
            else:
                fg = pal.color(QPalette.ColorRole.Text)
            cell = r.intersected(vp.rect()).translated(origin).adjusted(2, 2, -2, -2)
            bg = background(img, cell)
            got = ratio(fg, bg)
            if got < 4.5:
                out.append(f"{where}: cell {row},{col} {str(text)[:12]!r} {fg.name()} on "
                           f"{bg.name()} = {got:.2f}")
    return out


def _stroke(img: QImage, r: QRect, bg: QColor) -> QColor:
    """The text colour in ``r``: the pixel farthest in luminance from the background."""
    lb = luminance(bg)
    best, best_d = bg, -1.0
    r = r.intersected(img.rect())
    for y in range(r.top(), r.bottom() + 1):
        for x in range(r.left(), r.right() + 1):
            c = QColor.fromRgb(img.pixel(x, y))
            d = abs(luminance(c) - lb)
            if d > best_d:
                best, best_d = c, d
    return best
