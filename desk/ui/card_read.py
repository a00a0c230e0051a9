"""读卡 on a form (issue 17): reads the resident's ID card with the configured reader off the
window's thread, fills the fields the item marks (``card:`` in the catalog) and says what
it filled; a card past its validity is a warning; every reader failure is the reader's
plain message beside the button. Nothing is filled silently: the page marks each filled
field until the worker changes it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from desk.core.clock import today
from desk.core.idcard import CardData, CardReaderError, fill_values, read_card, reader_for
from desk.ui.services import Services
from desk.ui.text import tr


class CardRead(QWidget):
    """The 读卡 button and its message line; ``cardRead(values, card)`` when a card was read."""

    cardRead = Signal(dict, object)

    def __init__(self, services: Services, item: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.item = services, item
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.button = QPushButton(tr("读卡"))
        self.button.setAccessibleName(tr("读取居民身份证"))
        self.button.setToolTip(tr("把身份证放在读卡器上，点此读入姓名、证件号码和地址"))
        self.button.clicked.connect(self.read)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("subtitle")
        lay.addWidget(self.button)
        lay.addWidget(self.message, 1)
        s = services.ctx.settings
        self.setVisible(bool(s.card_reader))  # no reader set up: typing as before

    def read(self) -> None:
        """Read the card on the background helper; the window keeps answering."""
        s = self.services.ctx.settings
        reader = (s.card_reader, s.card_reader_path, s.card_reader_port)
        self.button.setEnabled(False)
        self.message.setText(tr("正在读卡…"))

        def work() -> CardData:
            return read_card(reader_for(*reader), today())

        self.services.tasks.run(work, lane="net", on_done=self._read, on_error=self._failed)

    def _read(self, data: CardData) -> None:
        self.button.setEnabled(True)
        values = fill_values(self.item, data)
        text = tr("已读卡：{name}，已填入 {n} 项，请与居民核对").format(name=data.name,
                                                               n=len(values))
        if data.expired(today()):
            text += tr("。注意：此身份证已过有效期（{d}）").format(d=data.valid_to)
        self.message.setText(text)
        self.cardRead.emit(values, data)

    def _failed(self, exc: Any) -> None:
        self.button.setEnabled(True)
        self.message.setText(exc.message if isinstance(exc, CardReaderError)
                             else tr("读卡失败，请手工录入"))
