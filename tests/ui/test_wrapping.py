"""Issue 14 item 4 (长辈 mode at 1024×640): a long choice wraps onto lines instead of
making the form scroll sideways, and a field's hint is never cut half-way."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QWidget

from desk.ui.fields import HintedLineEdit, _placeholders
from desk.ui.flow import FlowLayout, WrappingButton
from forms.model import FieldDef

LONG = "大龄失业人员（女40男50以上）"


# the offscreen platform's note when a top-level widget is resized
@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_a_long_choice_wraps_within_a_narrow_row(qtbot: Any) -> None:
    box = QWidget()
    qtbot.addWidget(box)
    lay = FlowLayout(box, h_spacing=8, v_spacing=6)
    long, short = WrappingButton(LONG), WrappingButton("残疾人")
    lay.addWidget(long)
    lay.addWidget(short)
    one_line = long.sizeHint()
    width = one_line.width() * 2 // 3
    # the row may be as narrow as a few characters, not the whole choice on one line
    assert lay.minimumSize().width() < width
    box.resize(width, lay.heightForWidth(width))
    box.show()
    qtbot.waitExposed(box)
    assert long.width() <= width
    lines = long._lines(long.width())
    assert len(lines) == 2 and "".join(lines) == LONG  # two lines, all of it shown
    fm = long.fontMetrics()
    assert all(fm.horizontalAdvance(line) <= long.width() for line in lines)
    assert long.heightForWidth(long.width()) <= long.height()
    assert long.text() == LONG  # what the value, tests and screen readers see
    # a short choice keeps its one line and its own width
    assert short.size() == short.sizeHint()
    # given room again, the long one goes back to one line
    box.resize(one_line.width() + 40, 200)
    qtbot.waitUntil(lambda: long.width() == one_line.width())
    assert long._lines(long.width()) == [LONG]


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_a_hint_is_the_longest_that_fits(qtbot: Any) -> None:
    hints = _placeholders(FieldDef(key="id", label="身份证号", type="id_number"))
    assert hints[0] == "18位身份证号码，末位可为X"
    edit = HintedLineEdit(hints)
    edit.setClearButtonEnabled(True)
    qtbot.addWidget(edit)
    edit.resize(600, 40)
    edit.show()
    qtbot.waitExposed(edit)
    assert edit.placeholderText() == hints[0]
    fm = edit.fontMetrics()
    edit.resize(fm.horizontalAdvance(hints[0]), 40)  # the chrome no longer fits beside it
    qtbot.waitUntil(lambda: edit.placeholderText() != hints[0])
    assert edit.placeholderText() in hints[1:]
    edit.resize(600, 40)
    qtbot.waitUntil(lambda: edit.placeholderText() == hints[0])
