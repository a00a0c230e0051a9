"""The form view: widgets built from an item definition.

Every field of ``forms.engine.all_fields(item)`` gets a row (label, input, message);
repeat groups get one framed block per row with add/remove buttons; ``show_if`` hides rows
live. Validation is the form engine's: the page calls :meth:`FormView.show_result` with the
engine's :class:`~forms.engine.Result`, and each message lands next to its field — errors
once the worker has left the field (or tried to save), eligibility warnings at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desk.ui import wheel
from desk.ui.catalog_text import field_label
from desk.ui.fields import FieldEditor, make_editor
from desk.ui.problems import problem_text
from desk.ui.style import colour, restyle
from desk.ui.text import esc, tr
from forms.engine import PROXY_KEYS, Result, all_fields, is_required, is_visible
from forms.model import FieldDef, Item

AUTOFILL_FROM_ID = {"birth_date": "birth_date", "sex": "sex", "gender": "sex"}


def _short(message: str) -> str:
    """The message without its leading "label：" (the label sits right beside it)."""
    head, sep, rest = message.partition("：")
    if not sep:  # a translated message: "label: rule"
        head, sep, rest = message.partition(": ")
    return rest if sep and len(head) <= 30 else message


class FieldRow(QWidget):
    """Label, input and the message line of one field."""

    def __init__(self, f: FieldDef, path: str, editor: QWidget, label_width: int,
                 shown: str | None = None) -> None:
        super().__init__()
        self.shown = shown or f.label  # the label in the UI's language
        self.field = f
        self.path = path
        self.editor = editor
        self.touched = False
        self._dirty = False
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 4, 0, 4)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(2)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setFixedWidth(label_width)
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.label.setContentsMargins(0, 8, 0, 0)
        grid.addWidget(self.label, 0, 0, 2, 1)
        grid.addWidget(editor, 0, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.hide()
        grid.addWidget(self.message, 1, 1)
        if f.help:
            hint = QLabel(f.help)
            hint.setObjectName("hint")
            hint.setWordWrap(True)
            grid.addWidget(hint, 2, 1)
        grid.setColumnStretch(1, 1)
        self.set_required(f.required)
        self.setAccessibleName(self.shown)

    def set_required(self, required: bool) -> None:
        star = f' <span style="color:{colour("required")}">*</span>' if required else ""
        self.label.setText(esc(self.shown) + star)

    def set_message(self, text: str, level: str) -> None:
        """Show an error/warning/info line under the input (empty text hides it)."""
        if not text:
            self.message.hide()
            self.message.setText("")
        else:
            self.message.setText(text)
            restyle(self.message, msg=level)
            self.message.show()
        self.message.setAccessibleName(text)


class GroupBlock(QFrame):
    """One row of a repeat group (e.g. one household member)."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.setProperty("role", "groupRow")
        self.lay = QVBoxLayout(self)
        self.lay.setContentsMargins(14, 8, 14, 10)
        head = QHBoxLayout()
        self.title = QLabel(title)
        self.title.setObjectName("sectionTitle")
        head.addWidget(self.title)
        head.addStretch(1)
        self.remove = QPushButton(tr("删除此项"))
        self.remove.setProperty("kind", "danger")
        head.addWidget(self.remove)
        self.lay.addLayout(head)
        self.rows: dict[str, FieldRow] = {}


class FormView(QScrollArea):
    """The fields of one item; emits ``edited`` whenever a value changes."""

    edited = Signal()

    def __init__(self, item: Item, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        wheel.install()  # the wheel scrolls the form, never changes an answer (once per app)
        self.item = item
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        body.setObjectName("formBody")
        self.setWidget(body)
        self.lay = QVBoxLayout(body)
        self.lay.setContentsMargins(8, 4, 18, 24)
        self.lay.setSpacing(2)
        # labels wrap; in 长辈模式 their column is narrower so the answers keep room for a
        # long choice (“基本养老保险退休待遇核定”) on a 1024 px screen
        widest = "银行账号或社" if self.font().pixelSize() >= 18 else "银行账号或社保卡号"
        self.label_width = max(150 if len(widest) > 6 else 120,
                               self.fontMetrics().horizontalAdvance(widest) + 16)
        self.show_all = False
        self.rows: dict[str, FieldRow] = {}
        self.editors: dict[str, FieldEditor] = {}
        self.groups: dict[str, list[GroupBlock]] = {}
        self.group_boxes: dict[str, QVBoxLayout] = {}
        self.add_buttons: dict[str, QPushButton] = {}  # ＋ 添加… of each group, by its key
        self._focus_rows: dict[QWidget, FieldRow] = {}
        self._building = True
        self._edit_timer = QTimer(self)
        self._edit_timer.setSingleShot(True)
        self._edit_timer.setInterval(120)
        self._edit_timer.timeout.connect(self.edited)
        self.warning_banner = QLabel()
        self.warning_banner.setProperty("banner", "warning")
        self.warning_banner.setWordWrap(True)
        self.warning_banner.hide()
        self.lay.addWidget(self.warning_banner)
        fields = all_fields(item)
        main = [f for f in fields if f.key not in PROXY_KEYS]
        proxy = [f for f in fields if f.key in PROXY_KEYS]
        self._section(tr("申请信息"))
        for f in main:
            self._add_field(f)
        if proxy:
            self._section(tr("代办（他人代为办理）"))
            for f in proxy:
                self._add_field(f)
        self.lay.addStretch(1)
        self._building = False
        self.fix_tab_order()

    # -- building ------------------------------------------------------------------------

    def _section(self, title: str) -> None:
        label = QLabel(title)
        label.setObjectName("sectionTitle")
        self.lay.addWidget(label)

    def _add_field(self, f: FieldDef) -> None:
        if f.type == "group":
            self._add_group(f)
            return
        editor = make_editor(f)
        row = FieldRow(f, f.key, editor, self.label_width,
                       field_label(self.item, f.key, f.label))
        self._wire(row, editor)
        self.rows[f.key] = row
        self.editors[f.key] = editor
        self.lay.addWidget(row)

    def _add_group(self, f: FieldDef) -> None:
        holder = QWidget()
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(10)
        header = FieldRow(f, f.key, QWidget(), self.label_width,
                          field_label(self.item, f.key, f.label))
        self.rows[f.key] = header
        self.groups[f.key] = []
        self.group_boxes[f.key] = box
        add = QPushButton(tr("＋ 添加{what}").format(what=f.item_label or f.label))
        add.setAccessibleName(tr("添加{what}").format(what=f.item_label or f.label))
        add.clicked.connect(lambda: self.add_group_row(f.key, focus=True))
        self.add_buttons[f.key] = add
        self.lay.addWidget(header)
        self.lay.addWidget(holder)
        bar = QHBoxLayout()
        bar.setContentsMargins(self.label_width + 14, 0, 0, 6)
        bar.addWidget(add)
        bar.addStretch(1)
        self.lay.addLayout(bar)
        for _ in range(max(f.min_items or 0, 1 if f.required else 0)):
            self.add_group_row(f.key)

    def add_group_row(self, key: str, focus: bool = False) -> GroupBlock:
        """Append one row to a repeat group."""
        f = self.item.field(key)
        blocks = self.groups[key]
        if f.max_items is not None and len(blocks) >= f.max_items:
            return blocks[-1]
        block = GroupBlock("")
        width = max(120, self.label_width - 28)
        for sub in f.fields or []:
            editor = make_editor(sub)
            row = FieldRow(sub, "", editor, width)
            self._wire(row, editor)
            block.rows[sub.key] = row
            block.lay.addWidget(row)
        block.remove.clicked.connect(lambda: self.remove_group_row(key, block))
        blocks.append(block)
        self.group_boxes[key].addWidget(block)
        self._renumber(key)
        if not self._building:
            self.fix_tab_order()
            self._changed()
        if focus:
            first = next(iter(block.rows.values()))
            first.editor.first_focus().setFocus()  # type: ignore[attr-defined]
            QTimer.singleShot(0, lambda: self.ensureWidgetVisible(block))
        return block

    def remove_group_row(self, key: str, block: GroupBlock) -> None:
        """Delete one row of a repeat group."""
        self.groups[key].remove(block)
        block.setParent(None)
        block.deleteLater()
        self._renumber(key)
        self.fix_tab_order()
        self._changed()

    def _renumber(self, key: str) -> None:
        f = self.item.field(key)
        label = f.item_label or f.label
        for i, block in enumerate(self.groups[key]):
            block.title.setText(f"{label} {i + 1}")
            block.remove.setAccessibleName(tr("删除{what}{n}").format(what=label, n=i + 1))
            for sub_key, row in block.rows.items():
                row.path = f"{key}[{i}].{sub_key}"

    def _wire(self, row: FieldRow, editor: FieldEditor) -> None:
        editor.changed.connect(lambda: self._on_edit(row))
        for w in editor.focus_widgets():
            w.installEventFilter(self)
            w.setProperty("fieldRow", True)
            self._focus_rows[w] = row

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusOut:
            row = self._focus_rows.get(obj)  # type: ignore[call-overload]
            if row is not None and row._dirty and not row.touched:
                row.touched = True
                self._changed()
        elif event.type() == QEvent.Type.FocusIn:
            row = self._focus_rows.get(obj)  # type: ignore[call-overload]
            if row is not None:
                self.ensureWidgetVisible(row, 40, 60)
        return False

    def _on_edit(self, row: FieldRow) -> None:
        row._dirty = True
        if row.field.type in ("yes_no", "choice", "multi_choice"):
            row.touched = True
        self._changed()

    def _changed(self) -> None:
        self._edit_timer.start()

    def fix_tab_order(self) -> None:
        """Tab follows the page from top to bottom, group rows included."""
        chain = self.focus_chain()
        for a, b in pairwise(chain):
            QWidget.setTabOrder(a, b)

    def focus_chain(self) -> list[QWidget]:
        """Every focusable input in visual order."""
        out: list[QWidget] = []
        for f in all_fields(self.item):
            if f.type == "group":
                for block in self.groups[f.key]:
                    for row in block.rows.values():
                        out += row.editor.focus_widgets()  # type: ignore[attr-defined]
                    out.append(block.remove)
                out.append(self.add_buttons[f.key])
            else:
                out += self.editors[f.key].focus_widgets()
        return out

    # -- values --------------------------------------------------------------------------

    def iter_rows(self) -> Iterator[FieldRow]:
        """Every row, group rows included."""
        for f in all_fields(self.item):
            yield self.rows[f.key]
            for block in self.groups.get(f.key, []):
                yield from block.rows.values()

    def raw_values(self) -> dict[str, Any]:
        """What is typed in, hidden fields included (used to decide visibility)."""
        out: dict[str, Any] = {}
        for key, editor in self.editors.items():
            v = editor.value()
            if v is not None:
                out[key] = v
        for key, blocks in self.groups.items():
            rows = []
            for block in blocks:
                rows.append({k: v for k, r in block.rows.items()
                             if (v := r.editor.value()) is not None})  # type: ignore[attr-defined]
            if rows:
                out[key] = rows
        return out

    def values(self) -> dict[str, Any]:
        """The submission's field values: visible, non-empty fields only."""
        raw = self.raw_values()
        out: dict[str, Any] = {}
        for f in all_fields(self.item):
            if f.key not in raw or not is_visible(f, raw, raw):
                continue
            if f.type == "group":
                out[f.key] = [{s.key: row[s.key] for s in f.fields or []
                               if s.key in row and is_visible(s, row, raw)}
                              for row in raw[f.key]]
            else:
                out[f.key] = raw[f.key]
        return out

    def set_values(self, data: dict[str, Any]) -> None:
        """Fill the form (examples, drafts)."""
        for key, value in data.items():
            if key in self.editors:
                self.editors[key].set_value(value)
            elif key in self.groups and isinstance(value, list):
                while len(self.groups[key]) < len(value):
                    self.add_group_row(key)
                for block, row in zip(self.groups[key], value, strict=False):
                    for sub_key, v in row.items():
                        if sub_key in block.rows:
                            block.rows[sub_key].editor.set_value(v)  # type: ignore[attr-defined]

    def editor(self, path: str) -> FieldEditor:
        """The editor at a key path such as ``members[1].id_number``."""
        for row in self.iter_rows():
            if row.path == path:
                return row.editor  # type: ignore[return-value]
        raise KeyError(path)

    # -- showing the engine's verdict ----------------------------------------------------

    def show_result(self, result: Result) -> None:
        """Visibility, required marks, messages and ID-derived facts from ``result``."""
        raw = self.raw_values()
        errors: dict[str, str] = {}
        warnings: dict[str, str] = {}
        for p in result.errors:
            errors.setdefault(p.field, _short(problem_text(p, self.item)))
        for p in result.warnings:
            warnings.setdefault(p.field, problem_text(p, self.item))
        for f in all_fields(self.item):
            row = self.rows[f.key]
            visible = is_visible(f, raw, raw)
            row.setVisible(visible)
            row.set_required(is_required(f, raw, raw))
            if f.type == "group":
                for block, values in zip(self.groups[f.key], raw.get(f.key, [{}] * 99),
                                         strict=False):
                    block.setVisible(visible)
                    for sub in f.fields or []:
                        sub_row = block.rows[sub.key]
                        sub_row.setVisible(is_visible(sub, values, raw))
                        sub_row.set_required(is_required(sub, values, raw))
                        self._message(sub_row, errors, warnings, result)
                self.add_buttons[f.key].setVisible(visible)
            self._message(row, errors, warnings, result)
        texts = [esc(problem_text(p, self.item)) for p in result.warnings]
        self.warning_banner.setText(
            "<b>" + tr("资格提示（不影响受理，请如实告知申请人）") + "</b><br>" + "<br>".join(texts))
        self.warning_banner.setVisible(bool(texts))
        self._autofill(result)

    def _message(self, row: FieldRow, errors: dict[str, str], warnings: dict[str, str],
                 result: Result) -> None:
        editor = row.editor
        err = errors.get(row.path)
        shown = err if err and (row.touched or self.show_all) else ""
        if isinstance(editor, FieldEditor):
            editor.set_invalid(bool(shown))
        if shown:
            row.set_message(shown, "error")
            return
        derived = result.derived.get(row.path)
        if derived:
            row.set_message(tr("出生日期 {birth} · {age}周岁 · {sex}").format(
                birth=derived["birth_date"], age=derived["age"], sex=derived["sex"]), "info")
            return
        warn = warnings.get(row.path)
        row.set_message(warn or "", "warning")

    def _autofill(self, result: Result) -> None:
        """An ID number fills the birth date and sex fields beside it (when empty)."""
        for path, derived in result.derived.items():
            prefix = path.rsplit(".", 1)[0] + "." if "." in path else ""
            for key, what in AUTOFILL_FROM_ID.items():
                try:
                    editor = self.editor(prefix + key)
                except KeyError:
                    continue
                if editor.value() is None and derived.get(what):
                    editor.set_value(derived[what])

    def first_error_widget(self, result: Result) -> QWidget | None:
        """The input of the first field (in page order) with an error."""
        bad = {p.field for p in result.errors}
        for row in self.iter_rows():
            if row.path in bad and row.isVisibleTo(self.widget() or self):
                if isinstance(row.editor, FieldEditor):
                    return row.editor.first_focus()
                return self.add_buttons.get(row.path, row)
        return None

    def reveal_all(self) -> None:
        """After a save attempt every error shows, touched or not."""
        self.show_all = True
