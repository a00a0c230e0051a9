"""The cases list: a real model/view over the store, fetched lazily in pages.

``CaseTableModel`` asks the store for one page (``PAGE`` rows) at a time through the
background helper: ``canFetchMore``/``fetchMore`` load the next page as the view scrolls, so
100,000 cases cost one page of memory and one query per page, and the UI thread never
waits on SQLite. A change of filters starts a new generation; late answers for an old
generation are dropped.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desk.core import clock
from desk.ui.flow import shrinkable
from desk.ui.style import colour
from desk.ui.text import district_label, rating_label, status_label, sync_label, tr
from forms.ids import mask_id

if TYPE_CHECKING:
    from desk.core.store import Store
    from desk.ui.services import Services
    from desk.ui.tasks import TaskManager
    from forms.model import Item

PAGE = 200
UUID_ROLE = Qt.ItemDataRole.UserRole
Index = QModelIndex | QPersistentModelIndex

# the status words' colours by name (desk.ui.style.colour: darker on white, lighter on the
# high-contrast black)
STATUS_COLOURS = {"accepted": "ok", "deferred": "warn", "correction": "bad"}


def _marked(store: Store, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows, each with ``duplicate`` true when the district flagged the case as the
    resident's application at another desk too (issue 23) and has not cleared it."""
    flagged = store.sync.duplicate_flagged([r["uuid"] for r in rows]) if rows else set()
    for r in rows:
        r["duplicate"] = r["uuid"] in flagged
    return rows


class CaseTableModel(QAbstractTableModel):
    """Cases matching the filters, newest first."""

    loaded = Signal()  # a page (or the count) arrived

    def __init__(self, store: Store, tasks: TaskManager, parent: Any = None) -> None:
        super().__init__(parent)
        self.store = store
        self.tasks = tasks
        self.rows: list[dict[str, Any]] = []
        self.total = 0
        self.counted = False  # the total is known (its count arrives after the first page)
        self.filters: dict[str, Any] = {}
        self.loading = False
        self.generation = 0
        self.columns = [
            ("receipt_no", tr("受理编号")), ("applicant_name", tr("申请人")),
            ("id", tr("身份证号")), ("item_name", tr("办理事项")), ("status", tr("状态")),
            ("promised_date", tr("承诺办结")),
            ("district_status", tr("区级状态")), ("sync_state", tr("上传")),
            ("rating", tr("评价")),
        ]

    # -- loading ---------------------------------------------------------------------------

    def set_filters(self, **filters: Any) -> None:
        """Start over with new filters (search, status, item, date_from, date_to, sync_state)."""
        self.filters = {k: v for k, v in filters.items() if v}
        self.generation += 1
        gen, flt, store = self.generation, dict(self.filters), self.store
        self.beginResetModel()
        self.rows = []
        self.total = 0
        self.endResetModel()
        self.loading = True

        def first_page() -> tuple[list[dict[str, Any]], int]:
            rows = _marked(store, store.search.list_cases(limit=PAGE, offset=0, **flt))
            return rows, len(rows)

        # the first page on screen first; the total (a count over every matching row:
        # ~0.4 s encrypted at 100,000 cases) follows as its own task
        self.counted = False
        self.tasks.run(first_page, on_done=lambda res: self._first(gen, res),
                       on_error=lambda exc: self._failed(gen, exc))
        self.tasks.run(lambda: store.search.count_cases(**flt),
                       on_done=lambda n: self._counted(gen, n),
                       on_error=lambda exc: self._failed(gen, exc))

    def _counted(self, gen: int, total: int) -> None:
        if gen != self.generation:
            return
        self.counted = True
        self.total = max(total, len(self.rows))
        self.loaded.emit()

    def reload(self) -> None:
        """Same filters, fresh data (after a save or a sync)."""
        self.set_filters(**self.filters)

    def _first(self, gen: int, res: tuple[list[dict[str, Any]], int]) -> None:
        if gen != self.generation:
            return
        rows, n = res
        self.loading = False
        # until the count arrives: one more page may exist when this one is full
        self.total = self.total if self.counted else n + (1 if n == PAGE else 0)
        if rows:
            self.beginInsertRows(QModelIndex(), 0, len(rows) - 1)
            self.rows = rows
            self.endInsertRows()
        self.loaded.emit()

    def _failed(self, gen: int, exc: object) -> None:
        if gen == self.generation:
            self.loading = False
            self.loaded.emit()
        self.tasks.error.emit(exc)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self.loading and len(self.rows) < self.total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        self.loading = True
        gen, flt, offset, store = self.generation, dict(self.filters), len(self.rows), self.store
        self.tasks.run(lambda: _marked(store, store.search.list_cases(limit=PAGE, offset=offset,
                                                                      **flt)),
                       on_done=lambda rows: self._more(gen, offset, rows),
                       on_error=lambda exc: self._failed(gen, exc))

    def _more(self, gen: int, offset: int, rows: list[dict[str, Any]]) -> None:
        if gen != self.generation or offset != len(self.rows):
            return
        self.loading = False
        if not rows:
            self.total = len(self.rows)
        else:
            self.beginInsertRows(QModelIndex(), offset, offset + len(rows) - 1)
            self.rows.extend(rows)
            self.endInsertRows()
            if not self.counted:
                self.total = len(self.rows) + (1 if len(rows) == PAGE else 0)
        self.loaded.emit()

    # -- the table -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section][1]
        return None

    def text(self, row: dict[str, Any], key: str) -> str:
        """One cell as text."""
        if key == "id":
            rev = row.get("id_rev") or ""
            return mask_id(rev[::-1]) if rev else ""
        if key == "applicant_name":
            return ("★ " if row.get("priority") else "") + str(row.get(key) or "")
        if key == "status":
            return status_label(row.get("status"))
        if key == "district_status":
            words = district_label(row.get("district_status")) or "—"
            return words + (" · " + tr("重复申请待核实") if row.get("duplicate") else "")
        if key == "sync_state":
            return sync_label(row.get("sync_state"))
        if key == "rating":
            return rating_label(row.get("rating")) or "—"
        return str(row.get(key) or "")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        key = self.columns[index.column()][0]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(row, key)
        if role == UUID_ROLE:
            return row["uuid"]
        if role == Qt.ItemDataRole.ToolTipRole and key == "applicant_name" and row.get("priority"):
            return tr("绿色通道")
        if role == Qt.ItemDataRole.ForegroundRole:
            if key == "status" and row.get("status") in STATUS_COLOURS:
                return QBrush(QColor(colour(STATUS_COLOURS[row["status"]])))
            if key == "district_status" and row.get("duplicate"):  # issue 23
                return QBrush(QColor(colour("bad")))
            if key == "sync_state" and row.get("sync_state") in ("rejected", "conflict"):
                return QBrush(QColor(colour("bad")))
        return None


class CaseTable(QTableView):
    """Enter opens the selected case."""

    open_case = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            idx = self.currentIndex()
            if idx.isValid():
                self.open_case.emit(idx.data(UUID_ROLE))
            return
        super().keyPressEvent(event)


class CasesPage(QWidget):
    """Filters, the table and the count. Given the services (issue 13); a case to open
    and the resident view are asked for by signal."""

    caseRequested = Signal(str)  # a case opened (Enter, double click, Enter in the search)
    # 查找居民 (issue 23): what the search box holds ("" for the resident view's own search)
    residentRequested = Signal(str)

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.setObjectName("page")
        ctx = services.ctx
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 16, 24, 12)
        lay.setSpacing(10)
        title = QLabel(tr("案件"))
        title.setObjectName("title")
        lay.addWidget(title)
        self.search = QLineEdit()
        self.search.setObjectName("caseSearch")
        self.search.setPlaceholderText(tr("姓名、拼音首字母、身份证或手机尾号、受理编号"))
        self.search.setAccessibleName(tr("搜索案件"))
        self.search.setClearButtonEnabled(True)
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        # issue 23: everything one resident has here, found by the same search
        self.resident_button = QPushButton(tr("查找居民"))
        self.resident_button.setAccessibleName(tr("按搜索内容查找居民，查看其全部事项"))
        self.resident_button.setToolTip(tr("身份证号、姓名、电话尾号或拼音首字母"))
        self.resident_button.clicked.connect(self.find_resident)
        search_row.addWidget(self.resident_button)
        lay.addLayout(search_row)
        lay.addLayout(self._filter_bar(ctx.catalog.items))
        lay.addLayout(self._date_row())

        self.model = CaseTableModel(ctx.store, services.tasks, self)
        self.model.loaded.connect(self._update_count)
        self.model.loaded.connect(self._arrived)
        self.model.modelReset.connect(self._update_count)
        self.table = self._case_table()
        self.table.doubleClicked.connect(lambda idx: self.caseRequested.emit(idx.data(UUID_ROLE)))
        self.table.open_case.connect(self.caseRequested)
        lay.addWidget(self.table, 1)
        self.count = QLabel()
        self.count.setObjectName("muted")
        lay.addWidget(self.count)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(self._filters_changed)
        self.search.returnPressed.connect(self.open_first)
        self.loaded_once = False
        self._open_first = False  # Enter in the search: open the first result once shown

    def _filter_bar(self, catalog_items: list[Item]) -> QHBoxLayout:
        """状态, 事项, 上传 and 日期."""
        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.status = self._combo(tr("状态"), [("", tr("全部状态")), ("accepted", tr("已受理")),
                                              ("deferred", tr("容缺受理")),
                                              ("correction", tr("待补正"))])
        bar.addWidget(self.status, 1)
        items = [("", tr("全部事项"))] + [(it.code, it.name) for it in catalog_items]
        self.item = self._combo(tr("事项"), items)
        bar.addWidget(self.item, 2)
        self.sync = self._combo(tr("上传"), [("", tr("全部上传状态")), ("pending", tr("待上传")),
                                            ("synced", tr("已上传")), ("rejected", tr("被退回")),
                                            ("conflict", tr("冲突"))])
        bar.addWidget(self.sync, 1)
        self.period = self._combo(tr("日期"), [("", tr("全部日期")), ("today", tr("今天")),
                                              ("7", tr("近7天")), ("30", tr("近30天")),
                                              ("custom", tr("自定义…"))])
        bar.addWidget(self.period, 1)
        return bar

    def _date_row(self) -> QHBoxLayout:
        """From and to, shown for 自定义… dates."""
        dates = QHBoxLayout()
        self.date_from = QDateEdit(QDate.currentDate().addDays(-30))
        self.date_to = QDateEdit(QDate.currentDate())
        for w, name in ((self.date_from, tr("开始日期")), (self.date_to, tr("结束日期"))):
            w.setCalendarPopup(True)
            w.setDisplayFormat("yyyy-MM-dd")
            w.setAccessibleName(name)
            w.dateChanged.connect(self._filters_changed)
        self.date_row = QWidget()
        dl = QHBoxLayout(self.date_row)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(QLabel(tr("从")))
        dl.addWidget(self.date_from)
        dl.addWidget(QLabel(tr("到")))
        dl.addWidget(self.date_to)
        dl.addStretch(1)
        self.date_row.hide()
        dates.addWidget(self.date_row)
        return dates

    def _case_table(self) -> CaseTable:
        """The table over the model: whole rows, fixed row height, columns sized to their
        longest likely text."""
        table = CaseTable()
        table.setModel(self.model)
        table.setAccessibleName(tr("案件列表"))
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        rh = self.fontMetrics().height() + 18
        table.verticalHeader().setDefaultSectionSize(max(rh, 36))
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        fm = self.fontMetrics()
        # the receipt number already says the day of acceptance, so no date column
        samples = ["HY-QL01-20261121-0001", "★ 欧阳秀英", "420105********0017",
                   "最低生活保障申请", "容缺受理", "2026-11-21", "区级已受理", "待上传",
                   "非常不满意"]
        for col, text in enumerate(samples):
            header.resizeSection(col, fm.horizontalAdvance(text) + 28)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        return table

    def _combo(self, name: str, options: list[tuple[str, str]]) -> QComboBox:
        c = QComboBox()
        c.setAccessibleName(name)
        for value, text in options:
            c.addItem(text, value)
        shrinkable(c)  # long item names never widen the page past the screen
        c.currentIndexChanged.connect(self._filters_changed)
        return c

    def _filters_changed(self, *_: Any) -> None:
        self.date_row.setVisible(self.period.currentData() == "custom")
        self._debounce.start()

    def filters(self) -> dict[str, Any]:
        """The store filters the controls describe."""
        period = self.period.currentData()
        date_from = date_to = None
        today = clock.today()
        if period == "today":
            date_from = today.isoformat()
        elif period in ("7", "30"):
            date_from = (today - timedelta(days=int(period) - 1)).isoformat()
        elif period == "custom":
            date_from = self.date_from.date().toString("yyyy-MM-dd")
            date_to = self.date_to.date().toString("yyyy-MM-dd")
        return {"search": self.search.text().strip() or None,
                "status": self.status.currentData() or None,
                "item": self.item.currentData() or None,
                "sync_state": self.sync.currentData() or None,
                "date_from": date_from, "date_to": date_to}

    def apply_filters(self) -> None:
        """Query again with the current filters."""
        self._debounce.stop()
        self.loaded_once = True
        self.model.set_filters(**self.filters())

    def ensure_loaded(self) -> None:
        """The first visit loads; later visits refresh."""
        self.apply_filters()

    def _update_count(self) -> None:
        m = self.model
        if m.loading and not m.rows:
            self.count.setText(tr("正在查询…"))
        elif m.total == 0:
            self.count.setText(tr("没有符合条件的案件"))
        elif not m.counted and len(m.rows) < m.total:
            self.count.setText(tr("已显示 {shown} 件，正在统计总数…（向下滚动加载更多；回车或双击打开）")
                               .format(shown=f"{len(m.rows):,}"))
        elif len(m.rows) < m.total:
            self.count.setText(tr("共 {n} 件，已显示 {shown} 件（向下滚动加载更多；回车或双击打开）")
                               .format(n=f"{m.total:,}", shown=f"{len(m.rows):,}"))
        else:  # everything is shown: nothing more to scroll for
            self.count.setText(tr("共 {n} 件（回车或双击打开）").format(n=f"{m.total:,}"))

    def open_first(self) -> None:
        """Enter in the search opens the first result (as on 办事), once the list shows
        what was typed."""
        self._open_first = True
        if self._debounce.isActive() or self.model.loading or \
                self.model.filters != {k: v for k, v in self.filters().items() if v}:
            self.apply_filters()
        else:
            self._arrived()

    def _arrived(self) -> None:
        """A page arrived: the 受理编号 column fits its numbers; a pending Enter opens."""
        if self.model.rows:
            # one measure of the longest number, not resizeColumnToContents (which asks the
            # model for every cell of the column: a third of the first page's time)
            fm = self.table.fontMetrics()
            longest = max((str(r.get("receipt_no") or "") for r in self.model.rows), key=len)
            width = fm.horizontalAdvance(longest) + 28
            if width > self.table.columnWidth(0):
                self.table.horizontalHeader().resizeSection(0, width)
        if self._open_first and not self.model.loading:
            self._open_first = False
            if self.model.rows:
                self.table.selectRow(0)
                self.caseRequested.emit(self.model.rows[0]["uuid"])

    def find_resident(self) -> None:
        """The resident view (issue 23): what the search box holds, else its own search."""
        self.residentRequested.emit(self.search.text().strip())

    def focus_search(self) -> None:
        """Ctrl+F."""
        self.search.setFocus()
        self.search.selectAll()
