"""The navigation rail on the window's left: 办事, 案件, 同步, 诉求, 长辈模式 and 设置.

It only says what the worker asked for (``navigate("cases")``, ``largeToggled``,
``settingsRequested``); the window decides (a half-filled form may keep it where it is).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QLabel, QPushButton, QVBoxLayout, QWidget

from desk.ui.text import tr


class NavRail(QWidget):
    """The rail's buttons; one section checked at a time."""

    navigate = Signal(str)  # home, cases, sync or matters
    largeToggled = Signal(bool)  # 长辈模式 on/off
    settingsRequested = Signal()

    def __init__(self, large: bool) -> None:
        super().__init__()
        self.setObjectName("navRail")
        # a QWidget subclass paints its style-sheet background only when asked to: without
        # this the rail's blue was gone and its white words stood on the page's grey
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        lay = QVBoxLayout(self)
        # four sections, 长辈模式 and 设置 fit a 1024×640 screen in 长辈 mode (issue 15's 诉求
        # made it six buttons: the rail's minimum had grown past the window's 538 px) — in
        # Noto Sans CJK too, whose lines are a fifth taller than WenQuanYi's: its two-line
        # brand and a two-line 长辈模式 had made the rail 536 px of the 533 there
        lay.setContentsMargins(8, 10, 8, 10)
        lay.setSpacing(6)
        brand = QLabel(tr("家门口\n办事台"))
        brand.setObjectName("brand")
        brand.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(brand)
        lay.addSpacing(6)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QPushButton] = {}
        for key, text, tip in (("home", tr("办事"), "Alt+1"), ("cases", tr("案件"), "Alt+2"),
                               ("sync", tr("同步"), "Alt+3"), ("matters", tr("诉求"), "Alt+4")):
            b = QPushButton(text)
            b.setCheckable(True)
            b.setToolTip(f"{text}  {tip}")
            b.setAccessibleName(text)
            b.clicked.connect(lambda _=False, k=key: self.navigate.emit(k))
            self.group.addButton(b)
            self.buttons[key] = b
            lay.addWidget(b)
        self.buttons["home"].setChecked(True)
        lay.addStretch(1)
        self.large_button = QPushButton(tr("长辈模式"))  # (one line: 4 characters fit the rail)
        self.large_button.setCheckable(True)
        self.large_button.setChecked(large)
        self.large_button.setAccessibleName(tr("长辈模式：大字号、大按钮"))
        self.large_button.setToolTip(tr("长辈模式（大字号）Ctrl+L"))
        self.large_button.toggled.connect(self.largeToggled)
        lay.addWidget(self.large_button)
        settings = QPushButton(tr("设置"))
        settings.setAccessibleName(tr("设置"))
        settings.clicked.connect(self.settingsRequested)
        lay.addWidget(settings)

    def set_large(self, on: bool) -> None:
        """Show 长辈模式 as set elsewhere (the settings dialog), without toggling it again."""
        self.large_button.blockSignals(True)
        self.large_button.setChecked(on)
        self.large_button.blockSignals(False)
