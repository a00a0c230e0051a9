"""What the worker sees, checked widget by widget: text cut off (clipped) and text/background
contrast (WCAG 2.x relative luminance). Shared by test_fit.py and test_contrast.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from PySide6 import QtGui
from PySide6.QtCore import QModelIndex, QPoint, QRect, Qt
from PySide6.QtGui import (
    QColor,
    QImage,
    QPalette,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QStyle,
    QTableView,
    QTextEdit,
    QWidget,
)

from desk.ui.cells import WrappedCells


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
        if isinstance(w, QTableView) and w.wordWrap():  # its rows as tall as their text
            out += unfitted_rows(w)
        if isinstance(w, QLabel) and w.property("banner") and w.text():
            # a banner's padding keeps its text off its border (lost once when a banner
            # got its colours from restyle but not its padding: the text touched the edge)
            inner = w.contentsRect()
            if inner.left() < 4 or inner.top() < 2:
                out.append(f"{name(w)}: banner text at its border ({inner.left()} px in)")
        if isinstance(w, QLabel) and w.text() and w.pixmap().isNull():
            if w.wordWrap():
                out += split_codes(w)
                need = w.heightForWidth(w.width())
                if need > w.height() + 1:
                    out.append(f"{name(w)} needs {need} px high, has {w.height()}")
            elif w.sizeHint().width() > w.width() + 1:
                out.append(f"{name(w)} needs {w.sizeHint().width()} px, has {w.width()}")
        elif isinstance(w, QAbstractButton) and w.text() and w.hasHeightForWidth():
            # a choice that wraps (desk.ui.flow.WrappingButton): every line it needs at
            # the width it has, and never narrower than its minimum
            need = w.heightForWidth(w.width())
            if need > w.height() + 2 or w.minimumSizeHint().width() > w.width() + 1:
                out.append(f"{name(w)} needs {need} px high at {w.width()} px, has "
                           f"{w.height()}")
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


def split_codes(label: QLabel) -> list[str]:
    """Each code (receipt number, desk or item code) a wrapping label breaks at one of its
    hyphens at the width it has: "HY-" ending one line and "YH02-20261201-0003" starting
    the next is hard to read out to a resident. The label's text laid out as QLabel lays
    it out (a document without margin, at its contents' width)."""
    doc = QTextDocument()
    doc.setDocumentMargin(0)
    doc.setDefaultFont(label.font())
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(label.text()))
    if rich:
        doc.setHtml(label.text())
    else:
        doc.setPlainText(label.text())
    doc.setTextWidth(label.contentsRect().width() - 2 * label.margin()
                     - max(label.indent(), 0))
    doc.size()  # (the document lays itself out when first asked)
    out = []
    block = doc.begin()
    while block.isValid():
        lay, text = block.layout(), block.text()
        for i in range(lay.lineCount() - 1):
            line = lay.lineAt(i)
            end = line.textStart() + line.textLength()
            if text[:end].rstrip().endswith("-") and text[end:end + 1].isalnum():
                start = text.rfind(" ", 0, end) + 1
                out.append(f"{name(label)} breaks {text[start:end + 8]!r} at a hyphen")
        block = block.next()
    return out


def unfitted_rows(view: QTableView) -> list[str]:
    """Each row of ``view`` not as tall as its wrapped text needs at the columns' widths it
    has now: shorter cuts the text, taller hides the rows below (a list whose rows were
    sized before its page was laid out showed one resident in the whole list)."""
    out = []
    for r in range(view.model().rowCount()):
        if view.isRowHidden(r):
            continue
        # (Qt sizes a row to its cells or its header section, whichever is taller)
        need = max(view.sizeHintForRow(r), view.verticalHeader().sectionSizeHint(r))
        have = view.rowHeight(r)
        if have < need - 1 or have > need + 4:
            out.append(f"{name(view)} row {r}: {have} px high, its text needs {need}")
        out += _cut_cells(view, r)
    return out


class CountingCells(WrappedCells):
    """A wrapped table's cells, counting how often they are measured."""

    calls = 0

    def sizeHint(self, option: Any, index: Any) -> Any:
        self.calls += 1
        return super().sizeHint(option, index)


def _cut_cells(view: QTableView, r: int) -> list[str]:
    """Each cell of row ``r`` whose text, wrapped as it is painted (inside the cell's
    padding), needs more lines than the row holds, or has a word wider than the cell:
    either is painted cut to "…". Worked out apart from Qt's row sizing, which had wrapped
    at the whole column's width and so gave some rows a line fewer than they paint."""
    from desk.ui.style import CELL_PAD_X

    out = []
    fm = view.fontMetrics()
    margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    for c in range(view.model().columnCount()):
        if view.isColumnHidden(c):
            continue
        text = str(view.model().index(r, c).data() or "")
        width = view.columnWidth(c) - 2 * CELL_PAD_X - 2 * margin
        if not text or width <= 0:
            continue
        lay = QTextLayout(text, view.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WordWrap)
        lay.setTextOption(option)
        lay.beginLayout()
        lines, widest = 0, 0.0
        while (line := lay.createLine()).isValid():
            line.setLineWidth(width)
            lines += 1
            widest = max(widest, line.naturalTextWidth())
        lay.endLayout()
        room = (view.rowHeight(r) - 8) // fm.lineSpacing()  # (the cell's 4 px top and bottom)
        if lines > max(room, 1) or widest > width + 1:
            out.append(f"{name(view)} row {r} column {c}: {text!r} needs {lines} lines of "
                       f"{width} px, the row holds {room}")
    return out

# -- walking the window ---


def seed(ctx: Any) -> list[dict[str, Any]]:
    """A few real cases: a 一件事 bundle, a 补正 (missing material), a rated one."""
    cases = []
    for code in ("MZ-GLJT", "YJS-TX", "MZ-DB"):
        ex = dict(ctx.catalog.get(code).example)
        if code == "MZ-DB":
            ex["materials"] = list(ex.get("materials", []))[:1]
        cases.append(ctx.cases.submit(code, ex, ctx.actor()))
    return cases


def pages(win: Any, qtbot: Any, cases: list[dict[str, Any]]) -> Iterator[str]:
    """Walk the window through every page; yields the page's name when it is on screen."""
    win.go_home()
    yield "办事"
    win.home.search.setText("退休")
    yield "办事·搜索"
    win.home.search.clear()
    for code in ("MZ-DB", "YJS-TX"):
        win.open_notice(code)
        yield f"告知 {code}"
        win.start_form(code)
        ex = win.ctx.catalog.get(code).example
        win.form.form.set_values({k: v for k, v in ex.items() if k != "materials"})
        win.form.refresh()
        yield f"表单 {code}"
        bar = win.form.form.verticalScrollBar()
        bar.setValue(bar.maximum())
        yield f"表单 {code}（底部）"
    win._drop_form()
    win.show_receipt(cases[1], fresh=False)
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=20_000)
    yield "回执"
    win.show_rating(cases[0])
    yield "评价"
    win.rating_saved(None)
    win.go_cases()
    page = win.page("cases")
    qtbot.waitUntil(lambda: page.model.rowCount() == len(cases), timeout=20_000)
    yield "案件"
    for case in cases:
        win.show_case(case["uuid"])
        qtbot.waitUntil(lambda c=case: (win.page("detail").case or {}).get("uuid") ==
                        c["uuid"], timeout=20_000)
        yield f"详情 {case['item_code']}"
    win.go_sync()
    qtbot.waitUntil(lambda: not win.tasks.busy, timeout=20_000)
    yield "同步"
    yield from matter_pages(win, qtbot, cases)


def matter_pages(win: Any, qtbot: Any, cases: list[dict[str, Any]]) -> Iterator[str]:
    """The resident-matter screens (issue 15): today's list, all matters, the form (empty,
    with its problems shown, and a 办不成事 from a 补正 case) and a matter's detail with its
    hand-over and close cards open."""
    from desk.core.matters import MatterService

    ctx = win.ctx
    svc = MatterService(ctx.store)
    named = svc.record({
        "category": "投诉", "subcategory": "漏水", "urgency": "紧急",
        "description": "楼上卫生间漏水，天花板渗水已一周，墙皮脱落，家中有八十岁老人，"
                       "请尽快协调物业和楼上住户上门维修，并告知维修时间。",
        "resident": {"name": "欧阳建国", "phone": "13812345678",
                     "id_number": "420105194501010017"},
        "place": {"compound": "汉阳花园小区", "building": "13", "unit": "2", "room": "1502"},
        "answer_by": "phone"}, ctx.actor())
    svc.record({"category": "咨询", "description": "咨询高龄津贴申请条件"}, ctx.actor())
    screens = win.matters.screens
    win.go_matters()
    listing = screens.list_page
    qtbot.waitUntil(lambda: listing.loaded_once and not win.tasks.busy, timeout=20_000)
    yield "诉求·今日"
    listing.view.setCurrentIndex(listing.view.findData("all"))
    qtbot.waitUntil(lambda: len(listing.uuids()) == 2 and not win.tasks.busy, timeout=20_000)
    yield "诉求·全部"
    screens.new_matter()
    form = screens.form
    qtbot.waitUntil(lambda: form.ready and not win.tasks.busy, timeout=20_000)
    yield "登记诉求"
    form.save()
    qtbot.waitUntil(lambda: bool(form.problem_texts()) and not win.tasks.busy,
                    timeout=20_000)
    yield "登记诉求（提示）"
    correction = next(c for c in cases if c["status"] == "correction")
    screens.new_matter(from_case=correction)
    qtbot.waitUntil(lambda: form.ready and not win.tasks.busy, timeout=20_000)
    yield "办不成事"
    screens.show_matter(named["uuid"])
    detail = screens.detail
    qtbot.waitUntil(lambda: (detail.matter or {}).get("uuid") == named["uuid"] and
                    not win.tasks.busy, timeout=20_000)
    yield "诉求详情"
    detail.handover_button.click()
    yield "诉求详情·移交"
    detail.close_button.click()
    yield "诉求详情·办结"


def settle(app: Any) -> None:
    """Let posted layout requests run (a label's new text re-lays out its bar).

    Passes repeat until the geometry of every visible widget stays the same for a whole pass:
    a background task that finishes during the last pass (the status bar's refresh) sets new
    text whose layout request would otherwise be measured stale — a label still as wide as
    its old, empty text.
    """
    from PySide6.QtCore import QCoreApplication, QEvent

    def shape() -> list[tuple[int, int, int, int, int]]:
        return [(id(w), *w.geometry().getRect()) for top in app.topLevelWidgets()
                if top.isVisible() for w in [top, *top.findChildren(QWidget)]]

    before = None
    for _ in range(50):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        app.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        now = shape()
        if now == before:
            return
        before = now
    raise AssertionError("the layout never settled: widgets kept moving for 50 passes")


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
        if isinstance(w, QTextEdit):
            out += document_problems(w.document(), w.palette().color(QPalette.ColorRole.Text),
                                     w.palette().color(QPalette.ColorRole.Base),
                                     f"{where}: {name(w)}", False)
            continue
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
        if isinstance(w, QLabel) and w.textFormat() != Qt.TextFormat.PlainText and \
                QtGui.Qt.mightBeRichText(text):
            doc = QTextDocument()
            doc.setHtml(text)
            seen = w.visibleRegion().boundingRect()
            if seen.width() < 8 or seen.height() < 8:
                continue
            bg = background(img, seen.translated(at).adjusted(3, 3, -3, -3))
            out += document_problems(doc, w.palette().color(w.foregroundRole()), bg,
                                     f"{where}: {name(w)}", _large(w))
            continue
        pal = w.palette()
        if isinstance(w, QLineEdit):
            role = QPalette.ColorRole.Text if w.text() else QPalette.ColorRole.PlaceholderText
        else:
            role = w.foregroundRole()
        fg = pal.color(role)
        seen = w.visibleRegion().boundingRect()
        if seen.width() < 8 or seen.height() < 8:
            continue  # scrolled out of sight
        bg = background(img, seen.translated(at).adjusted(3, 3, -3, -3))
        if isinstance(w, QPushButton):
            if seen != w.rect():
                continue  # partly scrolled out of sight (seen whole at another scroll position)
            # a checked/hovered chip takes its colours from the style sheet's pseudo-state,
            # which the palette does not hold: read the text's own pixels
            tw = w.fontMetrics().horizontalAdvance(w.text().replace("&", ""))
            th = w.fontMetrics().height()
            r = QRect(at.x() + (w.width() - tw) // 2, at.y() + (w.height() - th) // 2, tw, th)
            bg = background(img, r)
            fg = _stroke(img, r, bg)
        need = 3.0 if _large(w) else 4.5
        got = ratio(fg, bg)
        if got < need:
            out.append(f"{where}: {name(w)} {fg.name()} on {bg.name()} = {got:.2f} < {need}")
    return out


def document_problems(doc: QTextDocument, fg: QColor, bg: QColor, where: str,
                      large: bool) -> list[str]:
    """Rich text: each run's colour against its own background — its highlight, the
    table cell's or the block's background, else the page's."""
    out: list[str] = []
    cursor = QTextCursor(doc)
    block = doc.begin()
    while block.isValid():
        cursor.setPosition(block.position())
        table = cursor.currentTable()
        cell_bg = None
        if table is not None:
            cell = table.cellAt(cursor)
            b = cell.format().background() if cell.isValid() else None
            if b is not None and b.style() != Qt.BrushStyle.NoBrush:
                cell_bg = b.color()
        bb = block.blockFormat().background()
        block_bg = bb.color() if bb.style() != Qt.BrushStyle.NoBrush else None
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            it += 1
            text = frag.text().strip()
            if not frag.isValid() or not text:
                continue
            fmt = frag.charFormat()
            f = fmt.foreground().color() if fmt.foreground().style() != \
                Qt.BrushStyle.NoBrush else fg
            b = fmt.background().color() if fmt.background().style() != \
                Qt.BrushStyle.NoBrush else (cell_bg or block_bg or bg)
            px = fmt.font().pixelSize() if fmt.font().pixelSize() > 0 else \
                fmt.fontPointSize() * 96 / 72
            big = large or px >= 24 or (px >= 18.66 and fmt.fontWeight() >= 600) or \
                (fmt.property(QTextFormat.Property.FontSizeAdjustment) or 0) > 0 or \
                block.blockFormat().headingLevel() > 0
            need = 3.0 if big else 4.5
            got = ratio(f, b)
            if got < need:
                out.append(f"{where}: {text[:16]!r} {f.name()} on {b.name()} = {got:.2f} < "
                           f"{need}")
        block = block.next()
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
        for col in range(_columns(model)):
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
    rows = model.rowCount(QModelIndex())
    cols = _columns(model)
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


def _columns(model: Any) -> int:
    from PySide6.QtCore import QAbstractListModel

    return 1 if isinstance(model, QAbstractListModel) else int(model.columnCount(QModelIndex()))


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
