"""Home: find the item. A big search box (name, keyword, pinyin initials: ``gljt`` →
高龄津贴), department chips, and the catalog with the most used items first."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desk.ui.catalog_text import department, item_name
from desk.ui.flow import FlowLayout
from desk.ui.services import Services
from desk.ui.text import kind_label, tr
from forms.model import Item

CODE_ROLE = Qt.ItemDataRole.UserRole
META_ROLE = Qt.ItemDataRole.UserRole + 1
USED_ROLE = Qt.ItemDataRole.UserRole + 2


class ItemDelegate(QStyledItemDelegate):
    """Two lines per item: the name, then department · time limit · materials count."""

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        h = option.fontMetrics.height()
        return QSize(200, max(int(h * 3.2), 58))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        painter.save()
        r: QRect = option.rect.adjusted(4, 3, -4, -3)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        pal = option.palette
        base = pal.color(QPalette.ColorRole.Base)
        dark = base.lightness() < 128
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#ffff00") if dark else QColor("#dce8fb"))
            painter.drawRoundedRect(r, 8, 8)
        text = QColor("#000000") if (selected and dark) else pal.color(QPalette.ColorRole.Text)
        muted = text if dark else QColor("#52606d")
        font = QFont(option.font)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(text)
        line = option.fontMetrics.height()
        pad = 14
        name_rect = QRect(r.left() + pad, r.top() + int(line * 0.35), r.width() - 2 * pad, line)
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         str(index.data(Qt.ItemDataRole.DisplayRole)))
        used = index.data(USED_ROLE)
        if used:
            small = QFont(option.font)
            small.setPixelSize(max(12, option.font.pixelSize() - 2))
            painter.setFont(small)
            painter.setPen(muted)
            painter.drawText(name_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             tr("已办 {n} 件").format(n=used))
        small = QFont(option.font)
        small.setPixelSize(max(12, option.font.pixelSize() - 2))
        painter.setFont(small)
        painter.setPen(muted)
        meta_rect = QRect(r.left() + pad, name_rect.bottom() + int(line * 0.25),
                          r.width() - 2 * pad, line)
        painter.drawText(meta_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         str(index.data(META_ROLE)))
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(QColor("#1f5fbf") if not dark else QColor("#ffff00"))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(r, 8, 8)
        painter.restore()


class ItemList(QListWidget):
    """The items; Enter opens the selected one, Up from the first row goes to search."""

    activated_code = Signal(str)
    up_out = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            it = self.currentItem()
            if it is not None:
                self.activated_code.emit(it.data(CODE_ROLE))
            return
        if event.key() == Qt.Key.Key_Up and self.currentRow() <= 0:
            self.up_out.emit()
            return
        super().keyPressEvent(event)


class SearchBox(QLineEdit):
    """Down moves into the list; Enter opens the first hit."""

    down = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.down.emit()
            return
        super().keyPressEvent(event)


class HomePage(QWidget):
    """The item finder."""

    ALL, FREQUENT = "__all__", "__frequent__"
    itemChosen = Signal(str)  # open this item's notice (its code)
    residentSearched = Signal(str)  # look up a resident by what was typed (issue 23)
    proactiveRequested = Signal()  # the 主动服务 list (issue 18)

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.setObjectName("page")
        self.ctx = services.ctx
        self.usage: dict[str, int] = {}
        self.department = self.ALL
        lay = QVBoxLayout(self)
        lay.setContentsMargins(28, 20, 28, 16)
        lay.setSpacing(12)
        hello = QLabel(tr("办理什么事项？"))
        hello.setObjectName("title")
        lay.addWidget(hello)
        sub = QLabel(tr("输入事项名称、关键词或拼音首字母（如 gljt = 高龄津贴），按回车打开"))
        sub.setObjectName("subtitle")
        lay.addWidget(sub)
        # issue 18: residents the district's list says to go to, by building
        self.proactive_button = QPushButton()
        self.proactive_button.setProperty("kind", "chip")
        self.proactive_button.setSizePolicy(QSizePolicy.Policy.Preferred,
                                            QSizePolicy.Policy.Fixed)
        self.proactive_button.clicked.connect(self.proactiveRequested)
        self.proactive_button.hide()
        lay.addWidget(self.proactive_button)
        self.search = SearchBox()
        self.search.setObjectName("searchBox")
        self.search.setPlaceholderText(tr("搜索事项：低保、高龄、医保、gljt …"))
        self.search.setAccessibleName(tr("搜索事项"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.refresh)
        self.search.returnPressed.connect(self.open_first)
        lay.addWidget(self.search)

        # the department chips wrap onto a second row when the window is narrow (1024 px,
        # 长辈模式) instead of squeezing “退役军人” to “退役军”
        chip_row = QWidget()
        chips = FlowLayout(chip_row, h_spacing=8, v_spacing=8)
        self.chip_group = QButtonGroup(self)
        self.chip_group.setExclusive(True)
        for key, text in [(self.ALL, tr("全部")), (self.FREQUENT, tr("常用")),
                          *[(d, d) for d in self.ctx.catalog.departments()]]:
            b = QPushButton(text)
            b.setCheckable(True)
            b.setProperty("kind", "chip")
            b.setProperty("dept", key)
            b.setAccessibleName(tr("按部门筛选：{d}").format(d=text))
            b.setChecked(key == self.ALL)
            self.chip_group.addButton(b)
            chips.addWidget(b)
        self.chip_group.buttonClicked.connect(self._chip)
        lay.addWidget(chip_row)

        self.count = QLabel()
        self.count.setObjectName("muted")
        self.count.setWordWrap(True)  # a long search wraps rather than squeezing the button
        count_row = QHBoxLayout()
        count_row.addWidget(self.count, 1)
        # issue 23: the same search finds a resident (ID number, name, phone tail, pinyin)
        self.resident_button = QPushButton()
        self.resident_button.setAccessibleName(tr("按居民查找：身份证号、姓名、电话尾号或拼音首字母"))
        self.resident_button.clicked.connect(self.find_resident)
        self.resident_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.resident_button.hide()
        count_row.addWidget(self.resident_button)
        lay.addLayout(count_row)
        self.list = ItemList()
        self.list.setItemDelegate(ItemDelegate(self.list))
        self.list.setAccessibleName(tr("事项列表"))
        self.list.setUniformItemSizes(True)
        self.list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.list.itemClicked.connect(lambda it: self.itemChosen.emit(it.data(CODE_ROLE)))
        self.list.activated_code.connect(self.itemChosen)
        self.list.up_out.connect(self.search.setFocus)
        self.search.down.connect(self._into_list)
        lay.addWidget(self.list, 1)
        self.refresh()

    def set_proactive(self, counts: dict[str, int]) -> None:
        """主动服务 N 人 with the buildings (hidden when nobody is on the list)."""
        n = sum(counts.values())
        where = "、".join(f"{b} {k}" for b, k in sorted(counts.items())[:4])
        more = tr(" 等 {n} 处").format(n=len(counts)) if len(counts) > 4 else ""
        self.proactive_button.setText(tr("主动服务 {n} 人：{where}{more}").format(
            n=n, where=where, more=more))
        self.proactive_button.setAccessibleName(tr("主动服务名单，{n} 人待服务").format(n=n))
        self.proactive_button.setToolTip("\n".join(f"{b}：{k} 人"
                                                   for b, k in sorted(counts.items())))
        self.proactive_button.setVisible(n > 0)

    def set_usage(self, usage: dict[str, int]) -> None:
        """Cases per item (from the store, loaded in the background)."""
        self.usage = usage
        self.refresh()

    def _chip(self, button: QPushButton) -> None:
        self.department = str(button.property("dept"))
        self.refresh()

    def _into_list(self) -> None:
        if self.list.count():
            self.list.setFocus()
            self.list.setCurrentRow(0)

    def visible_items(self) -> list[Item]:
        """The items shown for the current search and department."""
        catalog = self.ctx.catalog
        q = self.search.text().strip()
        if q:
            items = catalog.search(q)
        else:
            order = {it.code: i for i, it in enumerate(catalog.items)}
            items = sorted(catalog.items, key=lambda it: (-self.usage.get(it.code, 0),
                                                          order[it.code]))
        if self.department == self.FREQUENT:
            items = [it for it in items if self.usage.get(it.code)][:12] or items[:12]
        elif self.department != self.ALL:
            items = [it for it in items if it.department == self.department]
        return items

    def refresh(self) -> None:
        """Rebuild the list."""
        items = self.visible_items()
        self.list.clear()
        for it in items:
            row = QListWidgetItem(item_name(it))
            row.setData(CODE_ROLE, it.code)
            n_mat = len(it.materials)
            extra = tr("一件事联办") if it.is_bundle else tr("{n}项材料").format(n=n_mat)
            row.setData(META_ROLE, " · ".join([it.department, kind_label(it.kind, it.promised_days),
                                               extra, it.fee, it.code]))
            row.setData(USED_ROLE, self.usage.get(it.code, 0))
            row.setData(Qt.ItemDataRole.AccessibleTextRole,
                        f"{item_name(it)}，{department(it)}")
            self.list.addItem(row)
        q = self.search.text().strip()
        self.resident_button.setText(tr("查找居民“{q}”").format(q=q[:18]))
        self.resident_button.setVisible(bool(q))
        if q and not items:
            self.count.setText(tr("没有找到“{q}”相关事项，换个说法试试，如“老人”“补贴”").format(q=q))
        elif q:
            self.count.setText(tr("找到 {n} 个事项，回车打开第一个").format(n=len(items)))
        else:
            self.count.setText(tr("共 {n} 个事项，常办的排在前面").format(n=len(items)))
        if items:
            self.list.setCurrentRow(0)

    def open_first(self) -> None:
        """Enter in the search box opens the top hit; with no item found, a search that
        names a resident (an ID number, a phone tail…) looks them up instead."""
        it = self.list.item(0)
        if it is not None:
            self.itemChosen.emit(it.data(CODE_ROLE))
        elif self.search.text().strip():
            self.find_resident()

    def find_resident(self) -> None:
        """The resident view (issue 23), searching for what was typed here."""
        q = self.search.text().strip()
        if q:
            self.residentSearched.emit(q)

    def focus_search(self) -> None:
        """Ctrl+F / arriving home."""
        self.search.setFocus()
        self.search.selectAll()
