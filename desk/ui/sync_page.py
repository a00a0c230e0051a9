"""Sync with the district: online/offline, cases waiting, last sync, a sync button with
progress, enrollment, and the cases set aside (rejected or conflicting) with reasons.

Sync runs on the helper's ``net`` lane, so saving cases goes on while it waits on the
network (promise 3: nothing in the worker's flow waits on the network).
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk.ui.flow import scroll_page
from desk.ui.services import Services
from desk.ui.text import esc, sync_label, tr
from sync.reasons import for_worker

log = logging.getLogger(__name__)


def sync_module() -> Any | None:
    """``sync.client.desk`` when installed, else None."""
    try:
        from sync.client import desk as client
    except ImportError:
        return None
    return client if hasattr(client, "sync_desk") else None


def summary_text(summary: dict[str, Any]) -> str:
    """A sync summary in one sentence."""
    text = tr("上传 {pushed} 条（新接收 {accepted}，重复 {dup}），冲突 {conf}，退回 {rej}；"
              "下载区级更新 {pulled} 条；仍待上传 {pending} 条。").format(
        pushed=summary.get("pushed", 0), accepted=summary.get("accepted", 0),
        dup=summary.get("duplicates", 0), conf=summary.get("conflicts", 0),
        rej=summary.get("rejected", 0), pulled=summary.get("pulled", 0),
        pending=summary.get("pending", 0))
    if summary.get("epoch_changed"):  # issue 22: the district was restored from a backup
        text += tr("区级数据已从备份恢复：本机已补传区级缺少的 {n} 条记录，并重新下载区级更新。"
                   ).format(n=summary.get("resent", 0))
    elif summary.get("resent"):
        text += tr("区级缺少的 {n} 条记录已补传。").format(n=summary["resent"])
    hold = summary.get("attachments_quota")
    if hold and summary.get("attachments_waiting"):  # issue 17: the district's daily cap
        text += quota_text(dict(hold, waiting=summary["attachments_waiting"]),
                           sent=summary.get("attachments_sent", 0))
    elif summary.get("attachments_sent") or summary.get("attachments_waiting"):  # issue 17
        text += tr("材料照片和扫描件：已上传 {sent} 页，待上传 {waiting} 页（在案件之后上传）。"
                   ).format(sent=summary.get("attachments_sent", 0),
                            waiting=summary.get("attachments_waiting", 0))
    if summary.get("attachments_error"):
        text += tr("照片上传中断，下次同步时从断点继续：") + str(
            summary["attachments_error"].get("message", ""))
    err = summary.get("error")
    if err:
        text = tr("同步未完成：") + str(err.get("message", "")) + "　" + text
    return text


def quota_text(wait: dict[str, Any], sent: int = 0) -> str:
    """Pages held back by the district's daily upload cap, in the worker's words: they
    wait for tomorrow's quota and go by themselves (the cases are not held back)."""
    head = tr("材料照片和扫描件：已上传 {sent} 页；").format(sent=sent) if sent else \
        tr("材料照片和扫描件：")
    message = str(wait.get("message") or "")
    return head + tr("{waiting} 页等明日的上传额度，到时自动上传，无需操作（案件已照常同步）。"
                     ).format(waiting=wait.get("waiting", 0)) + (message + "。" if message else "")


def promise_text(rows: list[dict[str, Any]]) -> str:
    """The worker's list of promised dates the official holiday arrangement moved."""
    from desk.core.recalendar import message

    if not rows:
        return ""
    return tr("以下案件的承诺日期已按国务院放假通知更新，请告知群众（补打回执即为新日期）：") + \
        "\n" + "\n".join(message(r) for r in rows)


class SyncPage(QWidget):
    """The sync status page."""

    statusRead = Signal(object)  # counts, last sync, server: for the status bar
    syncFinished = Signal(object)  # the summary of a round the worker started here
    enrolled = Signal()  # the desk has its district identity (settings changed)
    caseRequested = Signal(str)  # open this case (uuid) in detail

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.setObjectName("page")
        self.ctx = services.ctx
        self.tasks = services.tasks
        self.running = False
        self.last_summary: dict[str, Any] | None = None
        self._aside: list[dict[str, Any]] = []
        self._promises: list[dict[str, Any]] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(28, 16, 28, 14)
        lay.setSpacing(12)
        title = QLabel(tr("与区级系统同步"))
        title.setObjectName("title")
        lay.addWidget(title)
        self._build_status(lay)
        self._build_enroll_card(lay)
        self._build_pin_card(lay)
        self._build_promises(lay)
        self._build_aside(lay)
        scroll_page(self)  # a short screen scrolls the page rather than squeezing its rows

    def _build_status(self, lay: QVBoxLayout) -> None:
        """The state card, then the sync button with its progress."""
        card = QFrame()
        card.setProperty("role", "card")
        grid = QGridLayout(card)
        grid.setContentsMargins(18, 14, 18, 14)
        grid.setHorizontalSpacing(20)
        self.values: dict[str, QLabel] = {}
        for row, (key, label) in enumerate([("state", tr("连接状态")), ("server", tr("区级服务器")),
                                            ("pending", tr("待上传")), ("last", tr("上次同步")),
                                            ("result", tr("上次结果"))]):
            k = QLabel(label)
            k.setObjectName("muted")
            grid.addWidget(k, row, 0, Qt.AlignmentFlag.AlignTop)
            v = QLabel("—")
            v.setWordWrap(True)
            v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(v, row, 1)
            self.values[key] = v
        grid.setColumnStretch(1, 1)
        lay.addWidget(card)

        bar = QHBoxLayout()
        self.sync_button = QPushButton(tr("立即同步"))
        self.sync_button.setProperty("kind", "primary")
        self.sync_button.setMinimumWidth(200)
        self.sync_button.clicked.connect(self.start_sync)
        bar.addWidget(self.sync_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.hide()
        bar.addWidget(self.progress, 1)
        self.progress_text = QLabel()
        self.progress_text.setObjectName("muted")
        bar.addWidget(self.progress_text, 1)
        lay.addLayout(bar)

    def _build_enroll_card(self, lay: QVBoxLayout) -> None:
        """Enrollment with a one-time code (shown until the desk is enrolled)."""
        self.enroll_card = QFrame()
        self.enroll_card.setProperty("role", "card")
        el = QHBoxLayout(self.enroll_card)
        el.setContentsMargins(18, 10, 18, 10)
        el.addWidget(QLabel(tr("注册本办事点：")))
        self.enroll_url = QLineEdit()
        self.enroll_url.setPlaceholderText(tr("如 https://zwfw.example.gov.cn"))
        self.enroll_url.setAccessibleName(tr("区级服务器地址"))
        el.addWidget(self.enroll_url, 2)
        self.enroll_code = QLineEdit()
        self.enroll_code.setPlaceholderText(tr("一次性注册码"))
        self.enroll_code.setAccessibleName(tr("一次性注册码"))
        el.addWidget(self.enroll_code, 1)
        self.enroll_button = QPushButton(tr("注册"))
        self.enroll_button.clicked.connect(self.enroll)
        el.addWidget(self.enroll_button)
        lay.addWidget(self.enroll_card)

    def _build_promises(self, lay: QVBoxLayout) -> None:
        """Promised dates the official holiday arrangement moved (desk.core.recalendar)."""
        self.promise_notice = QLabel()
        self.promise_notice.setObjectName("promiseNotice")
        self.promise_notice.setWordWrap(True)
        self.promise_notice.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.promise_notice)
        self.promise_seen = QPushButton(tr("已告知群众"))
        self.promise_seen.setAccessibleName(tr("承诺日期更新已告知群众"))
        self.promise_seen.clicked.connect(self._promises_seen)
        lay.addWidget(self.promise_seen)
        self.promise_notice.hide()
        self.promise_seen.hide()

    def _build_aside(self, lay: QVBoxLayout) -> None:
        """The cases the district set aside (rejected or conflicting), with their reasons."""
        aside = QLabel(tr("被退回或冲突的案件（其余案件照常上传）"))
        aside.setObjectName("sectionTitle")
        lay.addWidget(aside)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels([tr("受理编号"), tr("申请人"), tr("事项"),
                                              tr("状态"), tr("原因")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.setAccessibleName(tr("被退回或冲突的案件"))
        self.table.doubleClicked.connect(self._open_selected)
        lay.addWidget(self.table, 1)
        rb = QHBoxLayout()
        self.open_button = QPushButton(tr("打开案件"))
        self.open_button.clicked.connect(self._open_selected)
        rb.addWidget(self.open_button)
        self.retry_button = QPushButton(tr("修正后重新排队上传"))
        self.retry_button.clicked.connect(self._retry_selected)
        rb.addWidget(self.retry_button)
        rb.addStretch(1)
        lay.addLayout(rb)

    def _build_pin_card(self, lay: QVBoxLayout) -> None:
        """Quick-unlock PIN: shown on enrolled, password-protected desks."""
        self.pin_card = QFrame()
        self.pin_card.setProperty("role", "card")
        pl = QHBoxLayout(self.pin_card)
        pl.setContentsMargins(18, 10, 18, 10)
        self.pin_state = QLabel()
        self.pin_state.setWordWrap(True)
        pl.addWidget(self.pin_state, 2)
        self.pin_edit = QLineEdit()
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setMaxLength(6)
        self.pin_edit.setPlaceholderText(tr("6位数字"))
        self.pin_edit.setAccessibleName(tr("快速解锁 PIN"))
        self.pin_edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,6}")))
        self.pin_edit.returnPressed.connect(self.set_pin)
        pl.addWidget(self.pin_edit, 1)
        self.pin_button = QPushButton(tr("设置 PIN"))
        self.pin_button.clicked.connect(self.set_pin)
        pl.addWidget(self.pin_button)
        self.pin_remove = QPushButton(tr("取消 PIN"))
        self.pin_remove.clicked.connect(self.remove_pin)
        pl.addWidget(self.pin_remove)
        self.pin_card.hide()
        lay.addWidget(self.pin_card)

    # -- status ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload counts, enrollment and the set-aside list (in the background)."""
        store = self.ctx.store
        data_dir = self.ctx.paths.data_dir

        def read() -> dict[str, Any]:
            from desk.core import keyring
            from sync.client.attachments import quota_wait

            return {"counts": store.sync.outbox_counts(), "last": store.get_meta("last_sync"),
                    "quota_wait": quota_wait(store),
                    "server": store.get_meta("server_url"),
                    "enrolled": bool(store.get_meta("desk_id")), "aside": store.sync.set_aside(),
                    "promises": store.calendar.promise_updates(unseen_only=True),
                    "protected": keyring.exists(data_dir), "pin": keyring.has_pin(data_dir)}

        self.tasks.run(read, on_done=self._show)

    def _show(self, info: dict[str, Any]) -> None:
        available = sync_module() is not None
        server = info["server"] or self.ctx.settings.server_url
        s = self.last_summary
        if not available:
            state = tr("同步模块未安装（离线工作）")
        elif not server:
            state = tr("未连接区级系统（离线工作，案件保存在本机）")
        elif s is None:
            state = tr("尚未同步")
        elif s.get("error"):
            state = "● " + tr("离线：") + str(s["error"].get("message", ""))
        else:
            state = "● " + tr("在线，已同步")
        self.values["state"].setText(state)
        self.values["server"].setText(server or tr("未设置"))
        pending = info["counts"].get("pending", 0)
        wait = info.get("quota_wait")
        self.values["pending"].setText(tr("{n} 条").format(n=pending) + (tr(
            "；材料照片 {n} 页等明日上传额度（自动上传）").format(n=wait["waiting"]) if wait else ""))
        self.values["last"].setText(str(info["last"] or tr("从未同步"))[:19].replace("T", " "))
        self.values["result"].setText(summary_text(s) if s else "—")
        self.enroll_card.setVisible(available and not info["enrolled"])
        self.pin_card.setVisible(available and info["enrolled"] and info.get("protected", False))
        self.pin_state.setText(
            tr("快速解锁 PIN：已设置。PIN 解锁需连接区级系统（区级保管密钥分片，"
               "办事台停用后 PIN 即失效）；离线时请用完整密码。") if info.get("pin") else
            tr("快速解锁 PIN：未设置。可设6位数字 PIN，联网时代替完整密码解锁。"))
        self.pin_button.setText(tr("更换 PIN") if info.get("pin") else tr("设置 PIN"))
        self.pin_remove.setVisible(bool(info.get("pin")))
        if server and not self.enroll_url.text():
            self.enroll_url.setText(server)
        self.sync_button.setEnabled(available and bool(server) and not self.running)
        self._aside = info["aside"]
        self.table.setRowCount(len(self._aside))
        for r, e in enumerate(self._aside):
            for c, text in enumerate([e.get("receipt_no"), e.get("applicant_name"),
                                      e.get("item_name"), sync_label(e.get("state")),
                                      for_worker(e.get("last_error") or "")]):
                self.table.setItem(r, c, QTableWidgetItem(str(text or "")))
        self.open_button.setEnabled(bool(self._aside))
        self._promises = info.get("promises") or []
        self.promise_notice.setText(promise_text(self._promises))
        self.promise_notice.setVisible(bool(self._promises))
        self.promise_seen.setVisible(bool(self._promises))
        self.retry_button.setEnabled(bool(self._aside))
        self.statusRead.emit(info)

    # -- actions -----------------------------------------------------------------------------

    def start_sync(self) -> None:
        """One full round on the network lane."""
        client = sync_module()
        if client is None or self.running:
            return
        self.running = True
        self.sync_button.setEnabled(False)
        self.progress.show()
        self.progress_text.setText(tr("正在同步…"))
        ctx = self.ctx
        self.tasks.run(lambda report: client.sync_desk(ctx, progress=report),
                           on_done=self._synced, on_error=self._sync_failed, lane="net",
                           on_progress=self._progress)

    def _progress(self, info: object) -> None:
        if isinstance(info, dict):
            stage = tr("上传") if info.get("stage") == "push" else tr("下载")
            self.progress_text.setText(tr("{stage}中… 已上传 {n} 条").format(
                stage=stage, n=info.get("pushed", 0)))

    def show_summary(self, summary: dict[str, Any]) -> None:
        """A round someone else ran (the background sync): the page tells the latest."""
        self.last_summary = summary
        if self.isVisible():
            self.refresh()

    def _synced(self, summary: dict[str, Any]) -> None:
        self.running = False
        self.progress.hide()
        self.last_summary = summary
        self.progress_text.setText(tr("同步完成") if summary.get("complete") else
                                   tr("同步未完成"))
        if (summary.get("catalog_version") and summary["catalog_version"] != \
                self.ctx.catalog.version) or summary.get("pulled"):
            self.ctx.reload_catalog()
        self.syncFinished.emit(summary)
        self.refresh()

    def _sync_failed(self, exc: object) -> None:
        self.running = False
        self.progress.hide()
        log.error("sync failed: %s", getattr(exc, "__traceback_text__", exc))
        self.last_summary = {"error": {"message": str(exc)}}
        self.progress_text.setText(tr("同步出错：{e}").format(e=esc(exc)))
        self.refresh()

    def enroll(self) -> None:
        """Exchange a one-time code for the desk's identity."""
        client = sync_module()
        url, code = self.enroll_url.text().strip(), self.enroll_code.text().strip()
        if client is None or not url or not code:
            self.progress_text.setText(tr("请填写服务器地址和注册码"))
            return
        ctx = self.ctx
        self.enroll_button.setEnabled(False)
        self.tasks.run(lambda: client.enroll_desk(ctx, url, code), lane="net",
                           on_done=self._enrolled, on_error=self._enroll_failed)

    def _enrolled(self, info: dict[str, Any]) -> None:
        self.enroll_button.setEnabled(True)
        self.enroll_code.clear()
        self.progress_text.setText(tr("注册成功：{code}").format(code=info.get("desk_code", "")))
        self.enrolled.emit()
        self.refresh()

    def _enroll_failed(self, exc: object) -> None:
        self.enroll_button.setEnabled(True)
        self.progress_text.setText(tr("注册失败：{e}").format(e=getattr(exc, "message", exc)))

    def set_pin(self) -> None:
        """Register the typed PIN with the district (network lane)."""
        from desk.core import keyring
        from desk.core.errors import DeskError

        pin = self.pin_edit.text()
        try:
            keyring.check_pin_rule(pin)
        except DeskError as exc:
            self.progress_text.setText(exc.message)
            return
        ctx = self.ctx
        self.pin_button.setEnabled(False)
        self.progress_text.setText(tr("正在向区级系统登记 PIN…"))

        def work() -> dict[str, Any]:
            from sync.client.pin import set_pin

            return set_pin(ctx, pin)

        self.tasks.run(work, lane="net", on_done=self._pin_done, on_error=self._pin_failed)

    def remove_pin(self) -> None:
        """Drop the PIN here and at the district."""
        ctx = self.ctx

        def work() -> dict[str, Any]:
            from sync.client.pin import remove_pin

            return remove_pin(ctx)

        self.tasks.run(work, lane="net", on_done=self._pin_done, on_error=self._pin_failed)

    def _pin_done(self, info: dict[str, Any]) -> None:
        self.pin_button.setEnabled(True)
        self.pin_edit.clear()
        self.progress_text.setText(tr("PIN 已设置") if info.get("pin") else tr("PIN 已取消"))
        self.refresh()

    def _pin_failed(self, exc: object) -> None:
        self.pin_button.setEnabled(True)
        self.progress_text.setText(tr("PIN 设置失败：{e}").format(
            e=getattr(exc, "message", exc)))

    def _promises_seen(self) -> None:
        ids = [int(p["id"]) for p in self._promises]
        store = self.ctx.store
        self.tasks.run(lambda: store.calendar.mark_promise_updates_seen(ids),
                       on_done=lambda _: self.refresh())

    def _selected(self) -> dict[str, Any] | None:
        row = self.table.currentRow()
        return self._aside[row] if 0 <= row < len(self._aside) else None

    def _open_selected(self, *_: Any) -> None:
        e = self._selected()
        if e and e.get("case_uuid"):
            self.caseRequested.emit(e["case_uuid"])

    def _retry_selected(self) -> None:
        e = self._selected()
        if not e:
            return
        store, uuid = self.ctx.store, e["case_uuid"]
        self.tasks.run(lambda: store.sync.retry_set_aside(uuid), on_done=lambda _: self.refresh())
