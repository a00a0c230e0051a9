"""One look at a resident (issue 23): find them (ID number, name, phone tail, pinyin
initials), see their cases at this desk — item, date, state, what is due — their matters
(when a matter source is registered, see :data:`desk.core.residents.MATTER_SOURCES`) and
the household members named in their cases (each opens as a resident too); a new
application for them starts here.

Lookups run on the background helper; ID numbers and phones are shown masked.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk.core.residents import ResidentService, ResidentView
from desk.ui.services import Services
from desk.ui.style import restyle
from desk.ui.text import tr, whole
from forms.ids import mask_id, mask_phone


class ResidentPage(QWidget):
    """Search residents on the left; the chosen resident on the right.

    Given :class:`Services`; asks the window for a case, a matter or a new form by signal.
    """

    caseRequested = Signal(str)  # a case of theirs, by uuid
    matterRequested = Signal(str)  # a matter of theirs (民情诉求), by uuid
    formRequested = Signal(str, str)  # a new application: item code, their ID number

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.setObjectName("page")
        self.services = services
        self.service = ResidentService(services.ctx.store)
        self.view: ResidentView | None = None
        outer = QHBoxLayout(self)
        outer.setContentsMargins(20, 14, 20, 12)
        outer.setSpacing(14)
        outer.addWidget(self._build_search())
        outer.addLayout(self._build_resident(), 1)
        self._set_enabled(False)

    # -- building -------------------------------------------------------------------------

    def _build_search(self) -> QWidget:
        """The left column: the title, the search field and the residents found."""
        left = QVBoxLayout()
        title = QLabel(tr("居民"))
        title.setObjectName("title")
        left.addWidget(title)
        self.search = QLineEdit()
        # short enough for the narrow column in 长辈 mode; the whole hint as a tooltip
        self.search.setPlaceholderText(tr("证号、姓名或尾号"))
        self.search.setToolTip(tr("身份证号、姓名、电话尾号或拼音首字母"))
        self.search.setAccessibleName(tr("查找居民"))
        self.search.returnPressed.connect(self.look_up)
        left.addWidget(self.search)
        self.results = QListWidget()
        self.results.setAccessibleName(tr("找到的居民"))
        self.results.setSpacing(6)  # one resident's lines apart from the next one's
        self.results.itemActivated.connect(self._picked)
        self.results.itemClicked.connect(self._picked)
        left.addWidget(self.results, 1)
        holder = QWidget()
        holder.setLayout(left)
        holder.setMaximumWidth(330)
        return holder

    def _build_resident(self) -> QVBoxLayout:
        """The right column: who they are, a new application, their cases, the district's
        duplicate notes, their matters and their household."""
        right = QVBoxLayout()
        self.name = QLabel(tr("请先查找居民"))
        self.name.setObjectName("title")
        right.addWidget(self.name)
        self.ident = QLabel()
        self.ident.setObjectName("subtitle")
        right.addWidget(self.ident)
        start = QHBoxLayout()
        self.items = QComboBox()
        self.items.setAccessibleName(tr("为该居民办理的事项"))
        for it in self.services.ctx.catalog.items:
            if not it.is_bundle:
                self.items.addItem(f"{it.name}（{it.code}）", it.code)
        start.addWidget(self.items, 1)
        self.start_button = QPushButton(tr("为该居民办理新事项"))
        self.start_button.setProperty("kind", "primary")
        self.start_button.clicked.connect(self.start_application)
        start.addWidget(self.start_button)
        right.addLayout(start)
        self.cases_label = QLabel(tr("在本办事点办理的事项"))
        right.addWidget(self.cases_label)
        right.addWidget(self._build_cases_table(), 1)
        # issue 23: the district's notes that the resident applied at another desk too
        self.duplicates = QLabel()
        self.duplicates.setWordWrap(True)
        self.duplicates.setAccessibleName(tr("区级重复申请提示"))
        self.duplicates.hide()
        right.addWidget(self.duplicates)
        self._build_matters(right)
        self.household_label = QLabel(tr("案件中登记的家庭成员"))
        right.addWidget(self.household_label)
        self.household = QHBoxLayout()
        self.household_box = QWidget()
        self.household_box.setLayout(self.household)
        right.addWidget(self.household_box)
        return right

    def _build_cases_table(self) -> QTableWidget:
        """Their cases at this desk: number, item, date, state, what is due."""
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels([tr("受理编号"), tr("事项"), tr("受理日期"),
                                              tr("状态"), tr("待办")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        head.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.setAccessibleName(tr("该居民的案件"))
        self.table.cellActivated.connect(self._open_case)
        self.table.cellDoubleClicked.connect(self._open_case)
        return self.table

    # -- finding ---------------------------------------------------------------------------

    def look_up(self) -> None:  # not ``find``: QWidget.find is Qt's
        """Search residents on the background helper."""
        q = self.search.text().strip()
        if not q:
            return
        self.services.tasks.run(lambda: self.service.find(q), on_done=self._found)

    def search_for(self, query: str) -> None:
        """Look up ``query`` (from the home or cases page's search) as if typed here."""
        self.search.setText(query.strip())
        self.look_up()

    def _found(self, rows: list[dict[str, str]]) -> None:
        self.results.clear()
        for r in rows:
            # a line each, so the masked ID and phone fit the narrow list in 长辈 mode too
            shown = f"{r['name']}\n{mask_id(r['id_number'])}"
            if r.get("phone"):
                shown += f"\n{mask_phone(r['phone'])}"
            it = QListWidgetItem(shown)
            it.setData(Qt.ItemDataRole.UserRole, r["id_number"])
            self.results.addItem(it)
        if not rows:
            self.results.addItem(QListWidgetItem(tr("没有找到该居民")))
        elif len(rows) == 1:
            self.open(rows[0]["id_number"])

    def _picked(self, item: QListWidgetItem) -> None:
        pid = item.data(Qt.ItemDataRole.UserRole)
        if pid:
            self.open(str(pid))

    # -- one resident ----------------------------------------------------------------------

    def open(self, id_number: str) -> None:
        """Load one resident (background helper) and show them."""
        today = self.services.ctx.cases.desk_day()
        self.services.tasks.run(lambda: self.service.view(id_number, today), on_done=self.show_view)

    def show_view(self, view: ResidentView) -> None:
        """Show what the desk knows of the resident."""
        self.view = view
        self.name.setText(view.name or tr("（无姓名）"))
        ident = tr("身份证号 {id}").format(id=mask_id(view.id_number))
        if view.phone:
            ident += "  ·  " + tr("电话 {phone}").format(phone=mask_phone(view.phone))
        self.ident.setText(ident)
        self.cases_label.setText(tr("在本办事点办理的事项（{n} 件）").format(n=len(view.cases)))
        self.table.setRowCount(len(view.cases))
        for row, c in enumerate(view.cases):
            state = c["state"] + (" · " + tr("重复申请待核实") if c.get("duplicate") else "")
            for col, text in enumerate((c["receipt_no"], c["item_name"], c["date"], state,
                                        c["due"])):
                cell = QTableWidgetItem(str(text))
                cell.setData(Qt.ItemDataRole.UserRole, c["uuid"])
                self.table.setItem(row, col, cell)
        self.table.resizeColumnToContents(0)
        dups = [c for c in view.cases if c.get("duplicate")]
        if dups:
            self.table.resizeColumnToContents(3)  # the state with its 重复申请 mark, whole
        self.duplicates.setText("\n".join(whole(f"{c['receipt_no']}：{c['duplicate']}")
                                           for c in dups))
        restyle(self.duplicates, banner="warning")
        self.duplicates.setVisible(bool(dups))
        self._show_matters(view.matters)
        while self.household.count():
            item = self.household.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        for member in view.household:
            label = member["name"] + (f"（{member['relation']}）" if member["relation"] else "")
            b = QPushButton(label)
            b.setAccessibleName(tr("查看家庭成员 {name}").format(name=member["name"]))
            b.clicked.connect(lambda _=False, pid=member["id_number"]: self.open(pid))
            self.household.addWidget(b)
        self.household.addStretch(1)
        self.household_label.setVisible(bool(view.household))
        self._set_enabled(True)

    def _set_enabled(self, on: bool) -> None:
        self.items.setEnabled(on)
        self.start_button.setEnabled(on)

    def _open_case(self, row: int, _col: int) -> None:
        cell = self.table.item(row, 0)
        if cell is not None:
            self.caseRequested.emit(str(cell.data(Qt.ItemDataRole.UserRole)))

    def _build_matters(self, right: QVBoxLayout) -> None:
        """Issue 15: the resident's matters (民情诉求) beside their cases, each opens."""
        self.matters_label = QLabel(tr("民情诉求"))
        right.addWidget(self.matters_label)
        self.matters = QListWidget()
        self.matters.setAccessibleName(tr("该居民的民情诉求"))
        self.matters.itemActivated.connect(self._open_matter)
        self.matters.itemDoubleClicked.connect(self._open_matter)
        right.addWidget(self.matters)

    def _show_matters(self, matters: list[dict[str, Any]]) -> None:
        """The resident's matters (none for anonymous ones: they have no ID number)."""
        self.matters.clear()
        for m in matters:
            text = "  ".join(str(x) for x in (m.get("matter_no", ""), m.get("title", ""),
                                              m.get("date", ""), m.get("status", ""),
                                              m.get("due", "")) if x)
            entry = QListWidgetItem(text)
            entry.setData(Qt.ItemDataRole.UserRole, m.get("uuid", ""))
            self.matters.addItem(entry)
        self.matters_label.setText(tr("民情诉求（{n} 件）").format(n=len(matters)))
        rows = min(5, len(matters))
        self.matters.setFixedHeight(rows * max(self.matters.sizeHintForRow(0), 0)
                                    + 2 * self.matters.frameWidth())
        self.matters_label.setVisible(bool(matters))
        self.matters.setVisible(bool(matters))

    def _open_matter(self, item: QListWidgetItem) -> None:
        uuid = str(item.data(Qt.ItemDataRole.UserRole) or "")
        if uuid:
            self.matterRequested.emit(uuid)

    def start_application(self) -> None:
        """A new application for this resident: the item's form, for them."""
        if self.view is None:
            return
        code = self.items.currentData()
        if code:
            self.formRequested.emit(str(code), self.view.id_number)

    def current_cases(self) -> list[dict[str, Any]]:
        """The cases on show (tests)."""
        return list(self.view.cases) if self.view else []
