"""The desk's resident matters (民情诉求, issue 15): today's list — matters due within 24 hours or overdue,
answers from the district to pass on, 回访 to come — and a search of every matter with a
status filter. A matter opens in its detail page; 登记诉求 starts a new one.

The page takes :class:`desk.ui.services.Services` and reports by signal
(``matterRequested``, ``newMatterRequested``); lists are read on the background helper.
Residents are shown masked (匿名 when none was given).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk.core import clock
from desk.core.matters import due_horizon, public_matter
from desk.ui.cells import WrappedCells, filling
from desk.ui.matter_words import (
    place_text,
    resident_text,
    short_time,
    sla_label,
    status_words,
)
from desk.ui.services import Services
from desk.ui.text import tr

VIEWS = ("today", "all", "open", "closed")


class MattersPage(QWidget):
    """Today's list and the search."""

    matterRequested = Signal(str)  # a matter's uuid
    newMatterRequested = Signal()

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.setObjectName("page")
        self.services = services
        self.rows: list[dict[str, Any]] = []
        self._generation = 0
        self.loaded_once = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 16, 24, 12)
        lay.setSpacing(10)
        head = QHBoxLayout()
        title = QLabel(tr("民情诉求"))
        title.setObjectName("title")
        head.addWidget(title, 1)
        self.new_button = QPushButton(tr("登记诉求"))
        self.new_button.setProperty("kind", "primary")
        self.new_button.setAccessibleName(tr("登记一件新的民情诉求"))
        self.new_button.clicked.connect(self.newMatterRequested.emit)
        head.addWidget(self.new_button)
        lay.addLayout(head)
        bar = QHBoxLayout()
        self.view = QComboBox()
        self.view.setAccessibleName(tr("查看范围"))
        for key, text in zip(VIEWS, (tr("今日待办"), tr("全部诉求"), tr("办理中"),
                                     tr("已办结")), strict=True):
            self.view.addItem(text, key)
        self.view.currentIndexChanged.connect(lambda _i: self.reload())
        bar.addWidget(self.view)
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("编号、姓名、地点或内容"))
        self.search.setToolTip(tr("诉求编号、居民姓名、地点、分类、内容、负责人，或电话/证号尾号"))
        self.search.setAccessibleName(tr("查找诉求"))
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self._search)
        bar.addWidget(self.search, 1)
        find = QPushButton(tr("查找"))
        find.clicked.connect(self._search)
        bar.addWidget(find)
        lay.addLayout(bar)
        self.summary = QLabel()
        self.summary.setObjectName("muted")
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.table = QTableWidget(0, 7)
        self.table.setHorizontalHeaderLabels([tr("诉求编号"), tr("分类"), tr("居民"), tr("地点"),
                                              tr("负责人"), tr("答复期限"), tr("状态")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        # the resident and the place share what the other columns leave, wrapping onto more
        # lines when they need them (in 长辈 mode at 1366 px the place had shrunk to "…" and
        # 状态 had scrolled out of sight): see _share; a row as tall as its text
        self.table.setWordWrap(True)
        self.table.setItemDelegate(WrappedCells(self.table))
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        head_view = self.table.horizontalHeader()
        head_view.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.viewport().installEventFilter(self)
        self.table.setAccessibleName(tr("民情诉求列表"))
        self.table.cellActivated.connect(self._open)
        self.table.cellDoubleClicked.connect(self._open)
        lay.addWidget(self.table, 1)

    # -- loading ----------------------------------------------------------------------------

    def _search(self) -> None:
        if self.search.text().strip() and self.view.currentData() == "today":
            self.view.blockSignals(True)
            self.view.setCurrentIndex(VIEWS.index("all"))  # a search looks at every matter
            self.view.blockSignals(False)
        self.reload()

    def show_today(self) -> None:
        """Today's list, freshly read."""
        self.search.clear()
        self.view.setCurrentIndex(0)
        self.reload()

    def reload(self) -> None:
        """Read the chosen list on the background helper."""
        view = str(self.view.currentData())
        q = self.search.text().strip()
        store = self.services.ctx.store
        self._generation += 1
        gen = self._generation

        def read() -> list[dict[str, Any]]:
            if view == "today":
                lists = store.matters.today_matters(due_horizon(clock.now()))
                return ([dict(m, why="overdue_or_due") for m in lists["due"]]
                        + [dict(m, why="answer") for m in lists["answers"]]
                        + [dict(m, why="revisit") for m in lists["revisits"]])
            rows = store.matters.list_matters(search=q or None,
                                              status=None if view == "all" else view, limit=500)
            return [dict(m, why="") for m in rows]

        self.services.tasks.run(read, on_done=lambda rows: self._loaded(gen, rows))

    def _loaded(self, gen: int, rows: list[dict[str, Any]]) -> None:
        if gen != self._generation:
            return  # an older read answered late
        self.loaded_once = True
        now = clock.now()
        self.rows = rows
        with filling(self.table):
            self.table.setRowCount(len(rows))
            for r, m in enumerate(rows):
                shown = public_matter(m, now)
                state = shown.get("sla_state")
                why = {"answer": tr("区级已答复，待转告居民"), "revisit": tr("已转告，待区级回访")}.get(
                    m["why"], "")
                status = why or status_words(m)
                if state in ("due_soon", "overdue") and not why:
                    status += " · " + sla_label(state)
                category = m["category"] + (f" · {m['subcategory']}" if m.get("subcategory") else "")
                cells = (m["matter_no"], category, resident_text(m.get("resident_json")),
                         place_text(m.get("place_json")) or "—", m["owner"],
                         short_time(m.get("district_due_at") or m["due_at"]), status)
                for c, text in enumerate(cells):
                    item = QTableWidgetItem(str(text))
                    item.setData(Qt.ItemDataRole.UserRole, m["uuid"])
                    if c == 6 and state == "overdue" and not why:
                        item.setData(Qt.ItemDataRole.AccessibleTextRole, tr("超时：") + str(text))
                    self.table.setItem(r, c, item)
        for c in (0, 1, 4, 5, 6):
            self.table.resizeColumnToContents(c)
        self._share()
        view = str(self.view.currentData())
        if view == "today":
            due = sum(m["why"] == "overdue_or_due" for m in rows)
            answers = sum(m["why"] == "answer" for m in rows)
            revisits = sum(m["why"] == "revisit" for m in rows)
            self.summary.setText(tr("今日待办 {n} 件：到期或超时 {due} 件，待转告答复 {a} 件，"
                                    "待回访 {r} 件").format(n=len(rows), due=due, a=answers,
                                                         r=revisits))
        else:
            self.summary.setText(tr("共 {n} 件").format(n=len(rows)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._share()
        return super().eventFilter(watched, event)

    def _share(self) -> None:
        """The resident's column's width: its text on one line when the place's fits beside
        it; otherwise a share of the room in proportion to the two texts, never narrower than
        its longest word (an ID number is not broken, it would be cut); the place takes the
        rest."""
        t = self.table
        fixed = sum(t.columnWidth(c) for c in (0, 1, 4, 5, 6))
        room = t.viewport().width() - fixed
        if t.rowCount() == 0:  # the headings alone, the place's taking the rest
            head = t.horizontalHeader()
            t.setColumnWidth(2, head.sectionSizeHint(2))
            t.setColumnWidth(3, max(room - head.sectionSizeHint(2), head.sectionSizeHint(3)))
            return
        need = {c: max(t.sizeHintForColumn(c), t.horizontalHeader().sectionSizeHint(c))
                for c in (2, 3)}
        fm = t.fontMetrics()
        cells = (t.item(r, 2) for r in range(t.rowCount()))
        texts = [cell.text() for cell in cells if cell is not None]
        pad = need[2] - max(map(fm.horizontalAdvance, texts), default=0)  # the cell's padding
        if need[2] + need[3] <= room:
            width = need[2]
        else:
            word = max((fm.horizontalAdvance(w) for text in texts for w in text.split()),
                       default=0)
            width = max(word + pad, room * need[2] // (need[2] + need[3]))
        # the place at least six characters wide: where even that leaves no room (长辈 mode
        # on a 1024 px screen) the list scrolls sideways rather than stacking the place one
        # character a line
        place = max(room - width, min(need[3], fm.horizontalAdvance("汉阳花园小区") + pad))
        if (t.columnWidth(2), t.columnWidth(3)) != (width, place):
            t.setColumnWidth(2, width)
            t.setColumnWidth(3, place)

    def _open(self, row: int, _col: int) -> None:
        cell = self.table.item(row, 0)
        if cell is not None:
            self.matterRequested.emit(str(cell.data(Qt.ItemDataRole.UserRole)))

    def focus_search(self) -> None:
        """Ctrl+F."""
        self.search.setFocus()
        self.search.selectAll()

    def uuids(self) -> list[str]:
        """The matters listed, in order (tests)."""
        return [str(m["uuid"]) for m in self.rows]
