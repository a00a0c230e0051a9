"""有新版本: the district offers a newer desk (issue 19); the worker reads what changed,
downloads it through the district and installs it with one click — never by itself.

The download runs on the network lane with progress, resumes after a broken connection
(what arrived is kept) and keeps the file only when its size, SHA-256 and the district's
signature match (:mod:`sync.client.updates`). Installing opens the verified installer with
the system's own handler (the software installer for a ``.deb``; the ``.exe`` runs);
the desk's data folder is outside the package and is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
)

from desk.ui.services import Services
from desk.ui.text import tr
from sync import protocol as P


def open_with_system(path: Path) -> bool:
    """Open ``path`` with the system's handler (the installer); False if none took it."""
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))


class UpdateDialog(QDialog):
    """The newer version, its notes, 下载 and then 安装."""

    def __init__(self, services: Services, release: P.ReleaseInfo, *,
                 open_file: Callable[[Path], bool] = open_with_system,
                 parent: Any = None) -> None:
        super().__init__(parent)
        from sync.client.updates import running_version

        self.services, self.release, self.open_file = services, release, open_file
        self.path: Path | None = None
        self.setWindowTitle(tr("办事台新版本"))
        self.setMinimumWidth(460)
        lay = QVBoxLayout(self)
        head = QLabel(tr("有新版本 {v}（当前 {cur}）").format(v=release.version,
                                                       cur=running_version()))
        head.setObjectName("pageTitle")
        lay.addWidget(head)
        lay.addWidget(QLabel(tr("更新说明：")))
        notes = QTextBrowser()
        notes.setPlainText(release.notes or tr("（区级未填写更新说明）"))
        notes.setMaximumHeight(160)
        lay.addWidget(notes)
        mb = release.size / 1024 / 1024
        self.info = QLabel(tr("安装包 {name}，{mb:.1f} MB，经区级下载并校验后才能安装；"
                              "已保存的案件和设置不受影响。").format(name=release.filename, mb=mb))
        self.info.setWordWrap(True)
        lay.addWidget(self.info)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setVisible(False)
        lay.addWidget(self.bar)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.download_btn = QPushButton(tr("下载"))
        self.install_btn = QPushButton(tr("安装"))
        self.install_btn.setEnabled(False)
        self.later_btn = QPushButton(tr("以后再说"))
        buttons.addButton(self.download_btn, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.install_btn, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.later_btn, QDialogButtonBox.ButtonRole.RejectRole)
        lay.addWidget(buttons)
        self.download_btn.clicked.connect(self.download)
        self.install_btn.clicked.connect(self.install)
        self.later_btn.clicked.connect(self.reject)
        self.download_btn.setDefault(True)

    def download(self) -> None:
        """Fetch the release on the network lane (resuming what a broken try left)."""
        from sync.client.desk import client_for
        from sync.client.updates import download_release

        ctx, rel = self.services.ctx, self.release
        self.download_btn.setEnabled(False)
        self.bar.setVisible(True)
        self.message.setText(tr("正在下载…"))

        def work(report: Callable[[Any], None]) -> Path:
            with client_for(ctx) as c:
                return download_release(ctx, c, rel,
                                        progress=lambda have, total: report((have, total)))

        self.services.tasks.run(work, lane="net", on_done=self._downloaded,
                                on_error=self._failed, on_progress=self._progress)

    def _progress(self, info: Any) -> None:
        have, total = info
        self.bar.setValue(int(1000 * have / max(1, total)))

    def _downloaded(self, path: Path) -> None:
        self.path = path
        self.bar.setValue(1000)
        self.message.setText(tr("已下载并校验无误。点“安装”打开安装程序，按提示完成；"
                                "安装后重新打开办事台。"))
        self.install_btn.setEnabled(True)
        self.install_btn.setDefault(True)
        self.install_btn.setFocus()

    def _failed(self, exc: Any) -> None:
        from sync.client.errors import SyncError

        text = exc.message if isinstance(exc, SyncError) else tr("下载失败，请稍后重试")
        self.message.setText(text + tr("（已下载的部分会保留，再点“下载”接着下载）")
                             if getattr(exc, "kind", "") == "network" else text)
        self.download_btn.setText(tr("重新下载"))
        self.download_btn.setEnabled(True)

    def install(self) -> None:
        """Open the verified installer with the system's handler (the worker's click)."""
        if self.path is None:
            return
        if self.open_file(self.path):
            self.message.setText(tr("已打开安装程序，请按提示完成安装。"))
            self.accept()
        else:
            self.message.setText(tr("无法自动打开安装程序，请在文件管理器中双击：{p}")
                                 .format(p=str(self.path)))
