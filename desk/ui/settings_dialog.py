"""Settings, and the short first-run set-up (desk code and worker name).

Settings are the core's JSON settings (never pickles); this dialog only edits a copy and
hands it back once every value checks out (``Settings.problems``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desk.core.doclang import LANGUAGE_NAMES
from desk.core.settings import Settings
from desk.ui.fields import ENTER_FILTER
from desk.ui.text import tr


def printer_names() -> list[str]:
    """Printers the system knows (empty when printing support is unavailable)."""
    try:
        from PySide6.QtPrintSupport import QPrinterInfo
    except ImportError:  # pragma: no cover
        return []
    return [str(n) for n in QPrinterInfo.availablePrinterNames()]


def fit_to_screen(dlg: QDialog, body: QWidget, avail: QRect | None = None) -> None:
    """Size a dialog whose ``body`` scrolls: tall enough to show every field when the
    screen allows, never taller (or wider) than the screen's available area."""
    if avail is None:
        screen = dlg.screen() or QGuiApplication.primaryScreen()
        avail = screen.availableGeometry() if screen is not None else None
    hint = dlg.sizeHint()
    scroll = dlg.findChild(QScrollArea)
    extra = body.sizeHint().height() - scroll.sizeHint().height() if scroll else 0
    width = body.minimumSizeHint().width() + (scroll.verticalScrollBar().sizeHint().width()
                                              if scroll else 0) + 60
    want = QSize(max(hint.width(), dlg.minimumWidth(), width), hint.height() + max(extra, 0) + 4)
    if avail is not None:
        # a window manager's title bar and frame take ~40 px more
        want = want.boundedTo(QSize(avail.width() - 16, avail.height() - 48))
    dlg.setMinimumWidth(min(dlg.minimumWidth(), want.width()))
    dlg.resize(want)


class SettingsDialog(QDialog):
    """Edit the desk's settings; ``result_settings`` holds the accepted values."""

    def __init__(self, settings: Settings, *, first_run: bool = False,
                 protect_offered: bool = False, enrolled_code: str = "",
                 doc_languages: Sequence[str] = ("en",), ui_languages: Sequence[str] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first_run = first_run
        self.original = settings
        self.result_settings: Settings | None = None
        self.result_password: str | None = None
        self.setWindowTitle(tr("欢迎使用家门口办事台") if first_run else tr("设置"))
        self.setMinimumWidth(620)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 20, 24, 18)
        lay.setSpacing(10)
        if first_run:
            self._intro(lay)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(8)
        self._text_rows(form, settings, enrolled_code)
        self.password: QLineEdit | None = None
        self.password2: QLineEdit | None = None
        if first_run and protect_offered:
            self._password_rows(form)
        self._display_rows(form, settings, doc_languages, ui_languages)
        # the fields scroll when the screen is short (长辈模式 at 768 px is ~935 px of
        # fields); 保存/取消 stay below them, always on screen
        body = QWidget()
        body.setObjectName("page")
        body.setLayout(form)
        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("settingsScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(body)
        self._body = body
        lay.addWidget(self.scroll_area, 1)
        self._buttons(lay)
        self.fit()

    def _intro(self, lay: QVBoxLayout) -> None:
        t = QLabel(tr("开始前，请填写办事点和工作人员"))
        t.setObjectName("title")
        lay.addWidget(t)
        s = QLabel(tr("办事点编码印在每张回执上（如 HY-QL01：区简称 + 社区办事点）。"
                      "以后可在“设置”中修改，注册到区级系统时会以区级下发的编码为准。"))
        s.setObjectName("subtitle")
        s.setWordWrap(True)
        lay.addWidget(s)

    def _text_rows(self, form: QFormLayout, settings: Settings, enrolled_code: str) -> None:
        """The desk's and the worker's texts, each with its error line."""
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        code = settings.desk_code if not settings.desk_code.startswith("LS-") else ""
        rows = [("desk_code", tr("办事点编码"), code, "HY-QL01"),
                ("desk_name", tr("办事点名称"), settings.desk_name, tr("七里一村社区流动办事点")),
                ("worker_name", tr("工作人员姓名"), settings.worker_name, ""),
                # printed on receipts and notices (经办电话), so residents can call back
                ("worker_phone", tr("工作人员联系电话"), settings.worker_phone,
                 tr("手机号或固定电话"))]
        if not self.first_run:
            rows += [("community", tr("所属社区"), settings.community, ""),
                     ("district_contact", tr("咨询电话（印在告知单上）"),
                      settings.district_contact, ""),
                     ("server_url", tr("区级服务器地址"), settings.server_url,
                      "https://zwfw.example.gov.cn")]
        self.enrolled_note: QLabel | None = None
        for key, label, value, placeholder in rows:
            e = QLineEdit(value)
            e.setCursorPosition(0)  # a long value shows its beginning, not its last words
            e.setPlaceholderText(placeholder)
            e.setAccessibleName(label)
            e.installEventFilter(ENTER_FILTER)
            err = QLabel()
            err.setProperty("msg", "error")
            err.hide()
            form.addRow(label, e)
            form.addRow("", err)
            self.edits[key] = e
            self.errors[key] = err
            if key == "desk_code" and enrolled_code:
                self._enrolled(form, e, enrolled_code)
            e.textChanged.connect(lambda _t, k=key: self._recheck(k))

    def _enrolled(self, form: QFormLayout, e: QLineEdit, enrolled_code: str) -> None:
        # the district's code is this desk's identity (receipt numbers, its records
        # there): shown, not editable; a new code means a new enrollment
        e.setText(enrolled_code)
        e.setReadOnly(True)
        note = QLabel(tr("已在区级登记为 {code}，编码不能在此修改；需要换编码时，"
                         "请区级为新编码发放注册码后在“同步”页重新注册").format(
            code=enrolled_code))
        note.setObjectName("hint")
        note.setWordWrap(True)
        form.addRow("", note)
        self.enrolled_note = note

    def _password_rows(self, form: QFormLayout) -> None:
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(tr("至少8位，不能全是数字"))
        self.password.setAccessibleName(tr("工作人员密码"))
        self.password2 = QLineEdit()
        self.password2.setEchoMode(QLineEdit.EchoMode.Password)
        self.password2.setAccessibleName(tr("再次输入密码"))
        for e in (self.password, self.password2):
            e.installEventFilter(ENTER_FILTER)
        err = QLabel()
        err.setProperty("msg", "error")
        err.hide()
        form.addRow(tr("工作人员密码"), self.password)
        form.addRow(tr("再次输入密码"), self.password2)
        form.addRow("", err)
        self.errors["password"] = err
        hint = QLabel(tr("居民的身份证号、电话等信息将用此密码加密保存；"
                         "笔记本丢失也不会泄露。请牢记密码。"))
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        form.addRow("", hint)

    def _display_rows(self, form: QFormLayout, settings: Settings,
                      doc_languages: Sequence[str], ui_languages: Sequence[str]) -> None:
        """Printer, receipt format, document language, 长辈/contrast, UI language."""
        first_run = self.first_run
        self.printer = QComboBox()
        self.printer.setAccessibleName(tr("打印机"))
        self.printer.addItem(tr("系统默认打印机"), "")
        self.format = QComboBox()
        self.format.setAccessibleName(tr("回执格式"))
        self.format.addItem(tr("A4 纸"), "a4")
        self.format.addItem(tr("80毫米小票"), "80mm")
        self.format.setCurrentIndex(max(self.format.findData(settings.receipt_format), 0))
        if not first_run:
            for name in printer_names():
                self.printer.addItem(name, name)
            i = self.printer.findData(settings.printer)
            if settings.printer and i < 0:
                self.printer.addItem(settings.printer, settings.printer)
                i = self.printer.count() - 1
            self.printer.setCurrentIndex(max(i, 0))
            form.addRow(tr("打印机"), self.printer)
            form.addRow(tr("回执格式"), self.format)
        self.doc_language = _doc_language_box(settings.doc_language, doc_languages)
        if not first_run:
            form.addRow(tr("文书第二语言"), self.doc_language)
        self.large = QCheckBox(tr("长辈模式（大字号、大按钮）"))
        self.large.setChecked(settings.large_font)
        self.contrast = QCheckBox(tr("高对比度（黑底白字）"))
        self.contrast.setChecked(settings.high_contrast)
        self.language = _ui_language_box(settings.language, ui_languages)
        form.addRow(tr("显示"), self.large)
        form.addRow("", self.contrast)
        if not first_run:
            form.addRow(tr("界面语言"), self.language)

    def _buttons(self, lay: QVBoxLayout) -> None:
        self.note = QLabel()
        self.note.setObjectName("hint")
        self.note.setWordWrap(True)
        if not self.first_run:
            self.note.setText(tr("界面语言在重新启动后生效。"))
        lay.addWidget(self.note)
        bar = QHBoxLayout()
        bar.addStretch(1)
        if not self.first_run:
            cancel = QPushButton(tr("取消"))
            cancel.clicked.connect(self.reject)
            bar.addWidget(cancel)
        self.ok = QPushButton(tr("开始使用") if self.first_run else tr("保存设置"))
        self.ok.setProperty("kind", "primary")
        self.ok.setDefault(True)
        self.ok.clicked.connect(self.try_accept)
        bar.addWidget(self.ok)
        lay.addLayout(bar)

    def fit(self, avail: QRect | None = None) -> None:
        """Size to the screen (``avail``: its available area; the dialog's own screen
        when None)."""
        fit_to_screen(self, self._body, avail)

    def showEvent(self, event: Any) -> None:
        self.fit()
        super().showEvent(event)

    def values(self) -> dict[str, Any]:
        """The edited values."""
        out: dict[str, Any] = {k: e.text().strip() for k, e in self.edits.items()}
        out["desk_code"] = out["desk_code"].upper()
        out["large_font"] = self.large.isChecked()
        out["high_contrast"] = self.contrast.isChecked()
        if not self.first_run:
            out["printer"] = self.printer.currentData() or ""
            out["receipt_format"] = self.format.currentData()
            out["doc_language"] = self.doc_language.currentData() or ""
            out["language"] = self.language.currentData()
        return out

    def _recheck(self, key: str) -> None:
        """A field shown in error is checked again as the worker fixes it: the message
        goes as soon as the value is right (or changes to the new reason)."""
        label = self.errors.get(key)
        if label is None or label.isHidden():
            return
        problem = replace(self.original, **self.values()).problems().get(key)
        label.setText(problem or "")
        label.setVisible(bool(problem))

    def try_accept(self) -> None:
        """Accept only valid settings; otherwise say what is wrong next to each field."""
        candidate = replace(self.original, **self.values())
        problems = candidate.problems()
        if self.password is not None and self.password2 is not None:
            from desk.core.keyring import KeyringError, check_password_rule

            pw = self.password.text()
            try:
                check_password_rule(pw)
            except KeyringError as exc:
                problems["password"] = exc.message
            else:
                if pw != self.password2.text():
                    problems["password"] = tr("两次输入的密码不一致")
                else:
                    self.result_password = pw
        for key, label in self.errors.items():
            label.setText(problems.get(key, ""))
            label.setVisible(key in problems)
        if problems:
            first = next(k for k in self.edits if k in problems) if \
                any(k in self.edits for k in problems) else None
            if first:
                self.edits[first].setFocus()
            elif "password" in problems and self.password is not None:
                self.password.setFocus()
            return
        self.result_settings = candidate
        self.accept()


def _doc_language_box(current: str, offered: Sequence[str]) -> QComboBox:
    """文书第二语言: none, or a language the catalog or a file provides (and the one set
    earlier, still shown)."""
    box = QComboBox()
    box.setAccessibleName(tr("文书第二语言"))
    box.addItem(tr("不打印（仅中文）"), "")
    for code in dict.fromkeys([*offered, *([current] if current else [])]):
        box.addItem(LANGUAGE_NAMES.get(code, code), code)
    box.setCurrentIndex(max(box.findData(current), 0))
    return box


def _ui_language_box(current: str, offered: Sequence[str]) -> QComboBox:
    """界面语言: Chinese, English, and a language the district published with the catalog
    (a .ts file, issue 16)."""
    box = QComboBox()
    box.setAccessibleName(tr("界面语言"))
    box.addItem("简体中文", "zh_CN")
    box.addItem("English", "en")
    for code in dict.fromkeys([*offered, current]):
        if code and code not in ("zh_CN", "en"):
            box.addItem(LANGUAGE_NAMES.get(code, code), code)
    box.setCurrentIndex(max(box.findData(current), 0))
    return box
