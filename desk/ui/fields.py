"""One editor widget per field type of the item schema (forms/model.py).

Every editor has the same small interface — ``value()``, ``set_value()``, ``changed``,
``set_invalid()`` and ``first_focus()`` — so the form view treats them alike. Values are
handed to the form engine as typed (it normalises ID numbers, phones and numbers).
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from desk.ui.flow import FlowLayout, WrappingButton, shrinkable
from desk.ui.text import tr
from forms.model import FieldDef

CHIP_LIMIT = 5  # up to this many short choices show as buttons, more as a drop-down


class EnterMovesOn(QObject):
    """Enter in a one-line input moves to the next input, like Tab (keyboard-first entry)."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and \
                event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            if isinstance(obj, QComboBox) and obj.view().isVisible():
                return False
            tab = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Tab, Qt.KeyboardModifier.NoModifier)
            QApplication.sendEvent(obj, tab)
            return True
        return False


ENTER_FILTER = EnterMovesOn()


def _placeholders(f: FieldDef) -> list[str]:
    """The field's hint, longest first: the line edit shows the longest that fits its
    width (the full ID hint is 295 px in 长辈模式, a form's input 275 px at 1024 px)."""
    if f.placeholder:
        return [f.placeholder]
    return {
        "id_number": [tr("18位身份证号码，末位可为X"), tr("18位身份证号码"), tr("身份证号码")],
        "phone": [tr("手机号或固定电话"), tr("手机或固话")],
        "mobile": [tr("11位手机号")],
        "date": [tr("例如 2026-11-21 或 20261121"), tr("例如 2026-11-21"), tr("年-月-日")],
        "credit_code": [tr("18位统一社会信用代码"), tr("统一社会信用代码")],
        "bank_account": [tr("银行卡号或社保卡号"), tr("卡号")],
        "name": [tr("与身份证一致")],
    }.get(f.type, [""])


class HintedLineEdit(QLineEdit):
    """A line edit whose placeholder is the longest of its hints that fits: a cut-off
    hint (“18位身份证号码，末位可”) reads as an instruction that stops half-way."""

    def __init__(self, hints: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hints = hints or [""]
        self.setPlaceholderText(self._hints[0])

    def _room(self) -> int:
        # what QLineEdit keeps for the text: its hint is 17 'x' wide plus its chrome
        fm = self.fontMetrics()
        chrome = self.sizeHint().width() - 17 * fm.horizontalAdvance("x") - 4
        room = self.width() - chrome
        if self.isClearButtonEnabled():
            room -= self.height() // 2
        return room

    def _fit(self) -> None:
        fm, room = self.fontMetrics(), self._room()
        hint = next((h for h in self._hints if fm.horizontalAdvance(h) <= room), self._hints[-1])
        if hint != self.placeholderText():
            self.setPlaceholderText(hint)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit()


def normalise_date(text: str) -> str:
    """Accept 20261121, 2026.11.21, 2026/11/21 and 2026年11月21日 as 2026-11-21."""
    s = text.strip()
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s) or \
        re.fullmatch(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?", s)
    if m:
        return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return s


class FieldEditor(QWidget):
    """Base class: one field's input."""

    changed = Signal()

    def __init__(self, f: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = f

    def value(self) -> Any:
        """The value for the submission, or None when empty."""
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        """Show ``value`` (from an example or a draft)."""
        raise NotImplementedError

    def first_focus(self) -> QWidget:
        """The widget that takes focus when the field is selected."""
        return self

    def focus_widgets(self) -> list[QWidget]:
        """Focusable widgets in tab order."""
        return [self.first_focus()]

    def set_invalid(self, invalid: bool) -> None:
        """Mark the input red (the message label says why)."""
        for w in self.focus_widgets():
            if w.property("invalid") != invalid:
                w.setProperty("invalid", invalid)
                w.style().unpolish(w)
                w.style().polish(w)


class LineEditor(FieldEditor):
    """Text, names, numbers, IDs, phones, dates, codes."""

    def __init__(self, f: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(f, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.edit = HintedLineEdit(_placeholders(f))
        self.edit.setAccessibleName(f.label)
        self.edit.setClearButtonEnabled(True)
        if f.max_length:
            self.edit.setMaxLength(f.max_length + 10)  # the engine explains "too long"
        if f.type in ("id_number", "credit_code"):
            self.edit.setMaxLength(20)
        if f.type in ("phone", "mobile", "number", "money", "bank_account", "id_number"):
            self.edit.setInputMethodHints(Qt.InputMethodHint.ImhPreferNumbers)
        self.edit.installEventFilter(ENTER_FILTER)
        self.edit.textChanged.connect(self.changed)
        if f.type == "date":
            self.edit.editingFinished.connect(self._tidy_date)
        lay.addWidget(self.edit, 1)
        if f.unit:
            lay.addWidget(QLabel(f.unit))

    def _tidy_date(self) -> None:
        tidy = normalise_date(self.edit.text())
        if tidy != self.edit.text():
            self.edit.setText(tidy)

    def value(self) -> Any:
        s = self.edit.text().strip()
        if not s:
            return None
        if self.field.type == "date":
            return normalise_date(s)
        if self.field.type == "id_number":
            return s.upper().replace(" ", "")
        return s

    def set_value(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(value))

    def first_focus(self) -> QWidget:
        return self.edit


class TextAreaEditor(FieldEditor):
    """Longer text; Tab leaves the box (Enter makes a new line)."""

    def __init__(self, f: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(f, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.edit = QPlainTextEdit()
        self.edit.setTabChangesFocus(True)
        self.edit.setAccessibleName(f.label)
        self.edit.setPlaceholderText(f.placeholder)
        self.edit.setFixedHeight(self.fontMetrics().height() * 4 + 20)
        self.edit.textChanged.connect(self.changed)
        lay.addWidget(self.edit)

    def value(self) -> Any:
        return self.edit.toPlainText().strip() or None

    def set_value(self, value: Any) -> None:
        self.edit.setPlainText("" if value is None else str(value))

    def first_focus(self) -> QWidget:
        return self.edit


class ChipEditor(FieldEditor):
    """Choices as big buttons: one of (choice, yes/no) or several (multi_choice)."""

    def __init__(self, f: FieldDef, options: list[tuple[str, Any]], multi: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(f, parent)
        self.multi = multi
        # choices flow onto as many rows as the width needs (desk.ui.flow): a long one
        # such as “基本养老保险退休待遇核定” is never squeezed until its text is cut
        lay = FlowLayout(self, h_spacing=8, v_spacing=6)
        self.group = QButtonGroup(self)
        self.group.setExclusive(not multi)
        self.buttons: list[tuple[QPushButton, Any]] = []
        for i, (text, val) in enumerate(options):
            b = WrappingButton(text)
            b.setCheckable(True)
            b.setProperty("kind", "chip")
            b.setAccessibleName(f"{f.label}：{text}")
            b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            self.group.addButton(b, i)
            lay.addWidget(b)
            self.buttons.append((b, val))
        self.group.buttonToggled.connect(lambda *_: self.changed.emit())

    def value(self) -> Any:
        chosen = [val for b, val in self.buttons if b.isChecked()]
        if self.multi:
            return chosen or None
        return chosen[0] if chosen else None

    def set_value(self, value: Any) -> None:
        wanted = value if isinstance(value, list) else [value]
        self.group.setExclusive(False)
        for b, val in self.buttons:
            b.setChecked(val in wanted)
        self.group.setExclusive(not self.multi)

    def first_focus(self) -> QWidget:
        return self.buttons[0][0]

    def focus_widgets(self) -> list[QWidget]:
        return [b for b, _ in self.buttons]

    def set_invalid(self, invalid: bool) -> None:
        pass  # the message label carries it; red chips would read as "chosen and wrong"


class ComboEditor(FieldEditor):
    """A long list of choices as a drop-down with a '请选择' placeholder."""

    def __init__(self, f: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(f, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.combo = QComboBox()
        self.combo.setAccessibleName(f.label)
        self.combo.addItem(tr("请选择…"), None)
        for c in f.choices or []:
            self.combo.addItem(c, c)
        shrinkable(self.combo, 10)
        self.combo.installEventFilter(ENTER_FILTER)
        self.combo.currentIndexChanged.connect(lambda *_: self.changed.emit())
        lay.addWidget(self.combo, 1)

    def value(self) -> Any:
        return self.combo.currentData()

    def set_value(self, value: Any) -> None:
        i = self.combo.findData(value)
        self.combo.setCurrentIndex(max(i, 0))

    def first_focus(self) -> QWidget:
        return self.combo


class PartEdit(QLineEdit):
    """One of several line edits side by side (小区, 楼栋, 单元, 房号): at least as wide as
    its word, and no wider. QLineEdit's own minimum is the font's widest glyph: in Noto Sans
    CJK (Debian's and many a 信创 desktop's Chinese font) 3 em, so four in a row widened a
    form past a 1024 px screen in 长辈模式 — it scrolled sideways, its labels cut."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        fm = self.fontMetrics()
        chrome = hint.width() - fm.maxWidth()  # (QLineEdit's: its frame and text margins)
        word = fm.horizontalAdvance(self.placeholderText() or "0000")
        return QSize(min(hint.width(), chrome + word), hint.height())


class AddressEditor(FieldEditor):
    """小区 / 楼栋 / 单元 / 房号 — the way compounds number their doors."""

    def __init__(self, f: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(f, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)  # (长辈 mode, high contrast, Noto CJK: the row fits 1024 px)
        self.edits: dict[str, QLineEdit] = {}
        parts = (("compound", tr("小区")), ("building", tr("楼栋")), ("unit", tr("单元")),
                 ("room", tr("房号")))
        for key, label in parts:
            e = PartEdit()
            e.setPlaceholderText(label)
            e.setAccessibleName(f"{f.label}：{label}")
            e.installEventFilter(ENTER_FILTER)
            e.textChanged.connect(self.changed)
            lay.addWidget(e, 3 if key == "compound" else 1)
            self.edits[key] = e

    def value(self) -> Any:
        out = {k: e.text().strip() for k, e in self.edits.items()}
        return out if any(out.values()) else None

    def set_value(self, value: Any) -> None:
        value = value if isinstance(value, dict) else {}
        for k, e in self.edits.items():
            e.setText(str(value.get(k, "") or ""))

    def first_focus(self) -> QWidget:
        return self.edits["compound"]

    def focus_widgets(self) -> list[QWidget]:
        return list(self.edits.values())


def make_editor(f: FieldDef, parent: QWidget | None = None) -> FieldEditor:
    """The editor for a (non-group) field."""
    t = f.type
    if t == "textarea":
        return TextAreaEditor(f, parent)
    if t == "yes_no":
        return ChipEditor(f, [(tr("是"), True), (tr("否"), False)], False, parent)
    if t == "multi_choice":
        return ChipEditor(f, [(c, c) for c in f.choices or []], True, parent)
    if t == "choice":
        choices = f.choices or []
        if len(choices) <= CHIP_LIMIT and sum(len(c) for c in choices) <= 24:
            return ChipEditor(f, [(c, c) for c in choices], False, parent)
        return ComboEditor(f, parent)
    if t == "address":
        return AddressEditor(f, parent)
    return LineEditor(f, parent)
