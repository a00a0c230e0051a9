"""The materials checklist and the acceptance decision beside the form.

Ticks say which materials the resident brought. The panel then says, before saving, what
will happen: accepted (材料齐全), accepted with a commitment and a due date (容缺受理, only
when every missing required material is deferrable and the resident signed the
commitment), or a correction notice listing every missing item at once (补正告知).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desk.core import clock
from desk.core.attachments import Page
from desk.core.cases import default_defer_days
from desk.ui.capture import CaptureDialog, ImageSource, Runner, default_source
from desk.ui.catalog_text import material_name
from desk.ui.style import restyle
from desk.ui.text import esc, material_form_label, tr, whole
from forms.engine import Result, all_materials, material_visible
from forms.model import Item, Material
from forms.workdays import add_working_days

if TYPE_CHECKING:
    from desk.core.store import Store


class MaterialCheck(QWidget):
    """A material's received tick with its name on as many lines as it needs (a
    QCheckBox's text never wraps: long names in 长辈 mode made the materials column wider
    than a 1024 px screen gives it). Clicking the name ticks it, as a check box's text
    does; the box takes the focus and the name shows it."""

    toggled = Signal(bool)

    def __init__(self, text: str) -> None:
        super().__init__()
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.check = QCheckBox()
        self.check.toggled.connect(self.toggled)
        self.check.installEventFilter(self)
        self.name = QLabel(text)
        self.name.setObjectName("materialName")
        self.name.setWordWrap(True)
        self.name.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.name.setMinimumWidth(self.name.fontMetrics().horizontalAdvance("汉" * 6))
        lay.addWidget(self.check, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.name, 1)
        self.setFocusProxy(self.check)

    def text(self) -> str:
        return self.name.text()

    def isChecked(self) -> bool:
        return self.check.isChecked()

    def setChecked(self, on: bool) -> None:
        self.check.setChecked(on)

    def click(self) -> None:
        self.check.click()

    def setAccessibleName(self, name: str) -> None:
        self.check.setAccessibleName(name)

    def mousePressEvent(self, event: Any) -> None:
        if self.isEnabled() and event.button() == Qt.MouseButton.LeftButton:
            self.check.setFocus()
            self.check.toggle()
        super().mousePressEvent(event)

    def eventFilter(self, watched: Any, event: Any) -> bool:
        if event.type() in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
            restyle(self.name, focused=event.type() == QEvent.Type.FocusIn)
        return False


class MaterialRow(QWidget):
    """One material: a checkbox, how many and in what form, and its notes."""

    def __init__(self, m: Material, shown: str | None = None) -> None:
        super().__init__()
        self.material = m
        shown = shown or m.name  # the name in the UI's language
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 2, 0, 2)
        lay.setSpacing(0)
        self.box = MaterialCheck(shown)
        self.box.setAccessibleName(tr("已收：{name}").format(name=shown))
        lay.addWidget(self.box)
        need = "<b>" + tr("必交") + "</b>" if m.required else tr("选交")
        if m.obtained_by_sharing:  # issue 17: 免提交 — the desk obtains it, never asks
            need = "<b>" + tr("免提交 · {how}").format(
                how=tr("电子证照" if m.source == "e_license" else "部门共享")) + "</b>"
            if m.source_department:
                need += f"（{esc(m.source_department)}）"
            self.box.setEnabled(False)
            self.box.setAccessibleName(tr("免提交：{name}").format(name=shown))
        elif m.deferrable:
            need += " · <u>" + tr("可容缺") + "</u>"
        detail = [need, esc(material_form_label(m.form) + (f" × {m.count}" if m.count > 1
                                                           else ""))]
        if m.note:
            detail.append(esc(m.note))
        sub = QLabel(" · ".join(detail))
        sub.setTextFormat(Qt.TextFormat.RichText)
        sub.setObjectName("hint")
        sub.setWordWrap(True)
        sub.setContentsMargins(34, 0, 0, 4)
        line = QHBoxLayout()  # issue 17: the material's pages beside its details
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(sub, 1)
        self.pages_label = QLabel()
        self.pages_label.setObjectName("hint")
        self.pages_label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        line.addWidget(self.pages_label)
        self.capture_button = QPushButton(tr("拍照"))
        self.capture_button.setToolTip(tr("拍照或选择扫描件（图片、PDF）"))
        self.capture_button.setAccessibleName(tr("拍照或选择文件：{name}").format(name=shown))
        self.capture_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        line.addWidget(self.capture_button, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(line)
        # (only once the row holds it: shown while it had no parent, the button became a
        # window of its own, one per material — test_fit's propagateSizeHints warnings)
        self.capture_button.setVisible(not m.obtained_by_sharing)


class MaterialsPanel(QFrame):
    """Checklist + decision + commitment + remarks; emits ``edited`` on any change."""

    edited = Signal()

    def __init__(self, item: Item, today: date | None = None,
                 parent: QWidget | None = None, store: Store | None = None) -> None:
        super().__init__(parent)
        self.item = item
        # issue 17: the store the form's pages are staged in as they are captured (none:
        # saved with the case's bytes), under this form's own session
        self.store, self.session = store, uuid.uuid4().hex
        self.today = today or clock.today()
        self.setProperty("role", "card")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 12, 16, 14)
        lay.setSpacing(6)
        head = QHBoxLayout()
        title = QLabel(tr("材料清单"))
        title.setObjectName("sectionTitle")
        head.addWidget(title)
        head.addStretch(1)
        self.all_button = QPushButton(tr("全部已收"))
        self.all_button.setAccessibleName(tr("勾选全部材料为已收"))
        self.all_button.clicked.connect(self.tick_all)
        head.addWidget(self.all_button)
        lay.addLayout(head)
        self.decision = QLabel()
        self.decision.setWordWrap(True)
        self.decision.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.decision)
        self.commitment = QCheckBox()
        self.commitment.setAccessibleName(tr("申请人已签署容缺受理承诺书"))
        self.commitment.toggled.connect(lambda *_: self.edited.emit())
        self.commitment.hide()
        lay.addWidget(self.commitment)
        self.rows: list[MaterialRow] = []
        # issue 17: pages captured per material (saved with the case); where pictures come
        # from (the camera when there is one — tests give their own source) and files
        self.captures: dict[str, list[Page]] = {}
        self.source_factory: Callable[[], ImageSource | None] = default_source
        self.pick_files: Callable[[QWidget], list[str]] | None = None
        self.capture_dialog: CaptureDialog | None = None
        self.tasks: Runner | None = None  # the window's task manager unless set
        self.thumbs: dict[str, dict[str, Any]] = {}  # material → its pages' thumbnails
        # issue 23: pages on file from the resident's earlier cases, offered after consent
        self.reuse_offers: dict[str, tuple[MaterialCheck, dict[str, Any]]] = {}
        self.reuse_box: QFrame | None = None
        for m in all_materials(item):
            row = MaterialRow(m, material_name(self.item, m.name))
            row.box.toggled.connect(lambda *_: self.edited.emit())
            row.capture_button.clicked.connect(lambda *_, r=row: self.open_capture(r))
            self.rows.append(row)
            lay.addWidget(row)
        remarks_label = QLabel(tr("备注（选填）"))
        lay.addWidget(remarks_label)
        self.remarks = QPlainTextEdit()
        self.remarks.setTabChangesFocus(True)
        self.remarks.setAccessibleName(tr("备注"))
        self.remarks.setPlaceholderText(tr("例如：老人行动不便，由女儿陪同"))
        self.remarks.setFixedHeight(self.fontMetrics().height() * 3 + 18)
        lay.addWidget(self.remarks)
        self.due_date = add_working_days(self.today, default_defer_days(item)).day

    # -- values --------------------------------------------------------------------------

    def received(self) -> list[str]:
        """Names of the ticked (and applicable) materials."""
        return [r.material.name for r in self.rows if r.box.isChecked() and not r.isHidden()]

    def set_received(self, names: list[str]) -> None:
        """Tick exactly ``names``."""
        for r in self.rows:
            r.box.setChecked(r.material.name in names and not r.material.obtained_by_sharing)

    def tick(self, name: str, on: bool = True) -> None:
        """Tick one material by name."""
        for r in self.rows:
            if r.material.name == name:
                r.box.setChecked(on)

    def tick_all(self) -> None:
        """Every applicable material received."""
        for r in self.rows:
            if not r.isHidden() and not r.material.obtained_by_sharing:
                r.box.setChecked(True)

    def case_keys(self) -> dict[str, Any]:
        """The submission's case-level keys: materials, commitment, remarks."""
        out: dict[str, Any] = {"materials": self.received(),
                               "defer_commitment": self.commitment.isChecked()}
        remarks = self.remarks.toPlainText().strip()
        if remarks:
            out["remarks"] = remarks
        return out

    def focus_chain(self) -> list[QWidget]:
        """Focusable widgets in order."""
        return [self.all_button, *[w for r in self.rows for w in (r.box, r.capture_button)],
                self.commitment, self.remarks]

    # -- photos and scans (issue 17) -------------------------------------------------------

    def open_capture(self, row: MaterialRow) -> CaptureDialog:
        """拍照 / 选择文件 for one material (window-modal; its pages are kept on 完成)."""
        name = row.material.name
        tasks = self.tasks or getattr(self.window(), "tasks", None)
        stage = unstage = None
        store = self.store
        if store is not None and tasks is not None:  # staged as captured (issue 17)
            stage = partial(store.attachments.stage_page, self.session, name)
            unstage = partial(self._unstage, tasks, store)
        dlg = CaptureDialog(name, row.box.text(), self.captures.get(name, []),
                            source=self.source_factory(), parent=self,
                            pick_files=self.pick_files, tasks=tasks,
                            thumbs=self.thumbs.get(name), stage=stage, unstage=unstage)
        dlg.accepted.connect(lambda: self.thumbs.__setitem__(name, dlg.thumbnails()))
        dlg.accepted.connect(lambda: self.set_captures(name, dlg.pages))
        dlg.finished.connect(dlg.deleteLater)
        self.capture_dialog = dlg
        dlg.open()
        return dlg

    def _unstage(self, tasks: Runner, store: Store, staged: list[int]) -> None:
        tasks.run(partial(store.attachments.unstage_pages, staged), lane="pages")

    def discard(self, tasks: Runner | None = None) -> None:
        """The form is left without saving (or saved): its pages still staged are deleted
        (through ``tasks`` when given, after any page being staged)."""
        if self.store is not None:
            drop = partial(self.store.attachments.drop_staged, self.session)
            if tasks is not None:
                tasks.run(drop, lane="pages")
            else:
                drop()

    def set_captures(self, name: str, pages: list[Page]) -> None:
        """The material's pages; a captured material counts as received (the worker may
        still tick one without a picture)."""
        if pages:
            self.captures[name] = list(pages)
        else:
            self.captures.pop(name, None)
        for r in self.rows:
            if r.material.name == name:
                r.pages_label.setText(tr("已拍 {n} 页").format(n=len(pages)) if pages else "")
                if pages:
                    r.box.setChecked(True)
        self.edited.emit()

    def offer_reuse(self, offers: list[dict[str, Any]]) -> None:
        """Materials on file (issue 23; offered once the resident agreed): a tick each, with
        the date captured and the case they came from; ticked, the material is received and
        its pages are copied into the new case when it is saved."""
        if self.reuse_box is not None:
            self.reuse_box.setParent(None)
            self.reuse_box.deleteLater()
        self.reuse_offers = {}
        self.reuse_box = None
        if not offers:
            return
        box = QFrame()
        box.setObjectName("reuseOffers")
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 4, 0, 4)
        head = QLabel(tr("存档材料可复用（居民已同意）："))
        head.setWordWrap(True)
        lay.addWidget(head)
        for o in offers:
            text = tr("{name} · {n} 页 · {day} 拍摄（受理编号 {no}）").format(
                name=material_name(self.item, o["material"]), n=o["pages"],
                day=str(o["captured_at"])[:10], no=whole(o["receipt_no"]))
            if o.get("valid_to"):  # issue 23: offered only within validity; until when
                text += tr(" · 有效期至 {day}").format(day=o["valid_to"])
            tick = MaterialCheck(text)
            tick.setAccessibleName(tr("复用存档材料：{name}").format(name=o["material"]))
            tick.toggled.connect(lambda on, n=o["material"]: self._reuse_toggled(n, on))
            lay.addWidget(tick)
            self.reuse_offers[o["material"]] = (tick, o)
        outer = self.layout()
        assert isinstance(outer, QVBoxLayout)
        outer.insertWidget(outer.indexOf(self.decision) + 1, box)
        box.show()  # now: a layout shows a widget added to a visible parent only later
        self.reuse_box = box

    def _reuse_toggled(self, name: str, on: bool) -> None:
        for r in self.rows:
            if r.material.name == name:
                if on:
                    r.box.setChecked(True)
                n = len(self.captures.get(name, []))
                reused = self.reuse_offers[name][1]["pages"] if on else 0
                r.pages_label.setText(
                    tr("已复用 {n} 页").format(n=reused) if reused and not n else
                    tr("已拍 {n} 页").format(n=n + reused) if n else "")
        self.edited.emit()

    def reuse_picks(self) -> list[tuple[str, list[str]]]:
        """``(material, attachment ids on file)`` ticked for reuse (applicable materials)."""
        shown = {r.material.name for r in self.rows if not r.isHidden()}
        return [(n, list(o["attachment_ids"])) for n, (tick, o) in self.reuse_offers.items()
                if tick.isChecked() and n in shown]

    def attachments(self) -> list[tuple[str, list[Page]]]:
        """``(material, pages)`` to save with the case (applicable materials only)."""
        shown = {r.material.name for r in self.rows if not r.isHidden()}
        return [(n, p) for n, p in self.captures.items() if n in shown and p]

    # -- the decision --------------------------------------------------------------------

    def show_result(self, result: Result, data: dict[str, Any]) -> str:
        """Show which materials apply and what saving will do; returns the decision."""
        for r in self.rows:
            r.setVisible(material_visible(r.material, data))
        missing = result.missing_required
        deferrable = bool(missing) and all(m.deferrable for m in missing)
        self.commitment.setVisible(deferrable)
        self.commitment.setText(tr("申请人已签署《容缺受理承诺书》\n承诺于 {due} 前补交")
                                .format(due=self.due_date.isoformat()))
        names = "".join(f"<li>{esc(m.name)}（{esc(material_form_label(m.form))}）</li>"
                        for m in missing)
        decision = result.decision
        if not missing:
            kind, text = "ok", "<b>" + tr("材料齐全") + "</b> — " + tr("保存后出具《受理回执》")
        elif decision == "deferred":
            kind = "warning"
            text = ("<b>" + tr("容缺受理") + "</b> — " +
                    tr("以下材料须在 {due} 前补交（{n}个工作日内）：").format(
                        due=self.due_date.isoformat(), n=default_defer_days(self.item)) +
                    f"<ul style='margin:2px 0 0 -20px'>{names}</ul>")
        else:
            kind = "error"
            lead = tr("缺少必交材料，保存后出具《补正告知书》，一次性告知需补正的全部材料：")
            if deferrable:
                lead = tr("缺少材料。申请人签署承诺书可容缺受理；否则出具《补正告知书》：")
            text = "<b>" + tr("补正告知") + "</b> — " + lead + \
                f"<ul style='margin:2px 0 0 -20px'>{names}</ul>"
        self.decision.setText(text)
        restyle(self.decision, banner=kind)
        return decision
