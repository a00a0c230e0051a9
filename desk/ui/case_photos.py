"""材料照片 on a case's detail page (issue 17): pages photographed or chosen after the intake.

Every material the case asks of the resident gets a row: its pages already on file and
拍照/选择文件 (the same :class:`desk.ui.capture.CaptureDialog` as on the form, normalising off
the UI thread).

- A material the case already holds: its new pages are saved on 完成 (one transaction,
  audited: :meth:`desk.core.cases.CaseService.add_pages`).
- A material still owed (容缺 or 补正): its pages wait for 登记已补交 and are saved with
  the 补交 in its transaction (:meth:`desk.core.cases.CaseService.supply_materials`);
  ``captured(name)`` tells the page to tick the material as brought.

Either way they are uploaded after the case like the intake's pages, and the console shows
them with the case.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desk.core.attachments import Page
from desk.core.errors import DeskError
from desk.ui.capture import CaptureDialog, ImageSource, default_source
from desk.ui.text import tr

if TYPE_CHECKING:
    from desk.ui.services import Services


class CasePhotos(QFrame):
    """The case's materials with their pages and 拍照/选择文件 each. Given the services
    (issue 13); it reports by signal."""

    captured = Signal(str)  # pages taken for a material still owed (tick it as brought)
    saved = Signal(str)     # pages of a held material saved (the page reloads)
    notice = Signal(str)    # a short message for the status bar

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.setProperty("role", "card")
        self.setObjectName("casePhotos")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 10, 14, 12)
        title = QLabel(tr("材料照片"))
        title.setObjectName("sectionTitle")
        lay.addWidget(title)
        self.rows_holder = QVBoxLayout()
        lay.addLayout(self.rows_holder)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("hint")
        self.message.hide()
        lay.addWidget(self.message)
        self.case: dict[str, Any] | None = None
        self.rows: dict[str, tuple[QWidget, QLabel, QPushButton]] = {}
        self.held: dict[str, int] = {}          # material → pages on file
        self.owed: set[str] = set()             # materials not brought yet
        self.pending: dict[str, list[Page]] = {}  # owed materials' pages, saved with 补交
        self.source_factory: Callable[[], ImageSource | None] = default_source
        self.pick_files: Callable[[QWidget], list[str]] | None = None
        self.dialog: CaptureDialog | None = None
        self.hide()

    def show_case(self, case: dict[str, Any]) -> None:
        """Rows for ``case``'s materials; its pages on file are counted in the background."""
        self.case = case
        self.pending = {}
        mats = json.loads(case.get("materials_json") or "{}")
        self.owed = {m["name"] for m in mats.get("missing", []) if not m.get("supplied_on")}
        names = list(dict.fromkeys([*mats.get("received", []),
                                    *(m["name"] for m in mats.get("missing", []))]))
        for w, _, _ in self.rows.values():
            w.setParent(None)
            w.deleteLater()
        self.rows = {}
        for name in names:
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            label = QLabel()
            label.setWordWrap(True)
            button = QPushButton(tr("拍照"))
            button.setToolTip(tr("拍照或选择扫描件（图片、PDF）"))
            button.setAccessibleName(tr("拍照或选择文件：{name}").format(name=name))
            button.clicked.connect(lambda *_, n=name: self.open_capture(n))
            line.addWidget(label, 1)
            line.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            self.rows_holder.addWidget(row)
            self.rows[name] = (row, label, button)
        self.setVisible(bool(names) and case.get("data_json") != '{"purged": true}')
        self.message.hide()
        store, uuid = self.services.ctx.store, case["uuid"]
        self.services.tasks.run(lambda: store.attachments.attachments_of(uuid),
                           on_done=lambda rows: self._counted(uuid, rows))

    def _counted(self, uuid: str, rows: list[dict[str, Any]]) -> None:
        if self.case is None or self.case["uuid"] != uuid:
            return  # another case was opened meanwhile
        self.held = {}
        for r in rows:
            self.held[r["material"]] = self.held.get(r["material"], 0) + 1
        self._label_rows()

    def _label_rows(self) -> None:
        for name, (_, label, _) in self.rows.items():
            bits = [name]
            if name in self.owed:
                bits.append(tr("（待补交）"))
            n = self.held.get(name, 0)
            if n:
                bits.append(tr(" · 已存 {n} 页").format(n=n))
            waiting = len(self.pending.get(name, []))
            if waiting:
                bits.append(tr(" · 新拍 {n} 页，登记补交时保存").format(n=waiting))
            label.setText("".join(bits))

    def open_capture(self, name: str) -> CaptureDialog:
        """拍照/选择文件 for one material (new pages only: those on file stay as they are)."""
        dlg = CaptureDialog(name, name, self.pending.get(name, []),
                            source=self.source_factory(), parent=self,
                            pick_files=self.pick_files, tasks=self.services.tasks)
        dlg.accepted.connect(lambda: self._taken(name, list(dlg.pages)))
        dlg.finished.connect(dlg.deleteLater)
        self.dialog = dlg
        dlg.open()
        return dlg

    def _taken(self, name: str, pages: list[Page]) -> None:
        if name in self.owed:  # saved with the 补交
            if pages:
                self.pending[name] = pages
                self.captured.emit(name)
            else:
                self.pending.pop(name, None)
            self._label_rows()
            return
        if not pages or self.case is None:
            return
        ctx, uuid = self.services.ctx, self.case["uuid"]
        actor = ctx.actor()
        self.services.tasks.run(lambda: ctx.cases.add_pages(uuid, name, pages, actor),
                           on_done=lambda _: self._saved(uuid, name, len(pages)),
                           on_error=self._failed)

    def _saved(self, uuid: str, name: str, n: int) -> None:
        self.notice.emit(tr("已保存 {name} 的 {n} 页照片").format(name=name, n=n))
        self.saved.emit(uuid)

    def _failed(self, exc: object) -> None:
        self.message.setText(tr("照片未保存：") + (exc.message if isinstance(exc, DeskError)
                                                   else str(exc)))
        self.message.show()

    def supply_pages(self, names: list[str]) -> list[tuple[str, list[Page]]]:
        """The pages to save with a 补交 of ``names``."""
        return [(n, p) for n, p in self.pending.items() if n in names and p]
