"""The status bar's lasting parts: this desk and its worker, 诉求 counts, cases waiting
to go to the district, and the sync state; 处理中… while the background helper works.

Given the services and the background sync it reports on; it reads the store through the
background helper only, so the window never waits on the disk to show a count.
"""

from __future__ import annotations

import html
from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QStatusBar

from desk.ui import style
from desk.ui.services import Services
from desk.ui.text import tr


class SyncState(Protocol):
    """What the status line reads of the background sync (desk.ui.autosync.AutoSync)."""

    state: str
    message: str

    def status_text(self) -> str:
        """The state in the worker's words."""
        ...


def from_district(ctx: Any) -> dict[str, Any]:
    """The release the district offers (issue 19) and the pages its upload quota holds
    back (issue 17): only an enrolled desk has either, so a desk that is not does not load
    the sync client's modules for them (its protocol's models: ~3 MB resident; issue 13,
    bench/bench_startup.py's peak memory). Qt-free modules, imported on the background
    helper (as the unlock's warm-up imports them)."""
    if not ctx.store.get_meta("desk_id"):
        return {"release": None, "quota_wait": None}
    from sync.client.attachments import quota_wait
    from sync.client.updates import offered

    return {"release": offered(ctx), "quota_wait": quota_wait(ctx.store)}


class StatusLine(QObject):
    """The permanent labels of the window's status bar; 有新版本 V when the district offers
    a newer desk (issue 19): ``updateRequested(release)`` when the worker clicks it."""

    updateRequested = Signal(object)

    def __init__(self, bar: QStatusBar, services: Services, autosync: SyncState) -> None:
        super().__init__(bar)
        self.ctx = services.ctx
        self.tasks = services.tasks
        self.autosync = autosync
        self.desk_label = QLabel()
        self.queue_label = QLabel()
        self.sync_label = QLabel()
        self.sync_label.setObjectName("syncDot")
        self.matter_label = QLabel()  # 诉求 今日 N · 待办 M (issue 15)
        self.matter_label.setAccessibleName(tr("民情诉求计数"))
        self.busy_label = QLabel()
        # a link, not a button: a status-bar button (even hidden) takes a button's height
        # in 长辈 mode and squeezes the pages at 1024×640
        self.update_button = QLabel()
        self.update_button.setObjectName("updateOffer")
        self.update_button.setTextFormat(Qt.TextFormat.RichText)
        self.update_button.setVisible(False)
        self.update_button.linkActivated.connect(
            lambda _link: self.updateRequested.emit(self.release) if self.release else None)
        self.release: Any = None
        for w in (self.desk_label, self.matter_label, self.queue_label, self.sync_label,
                  self.update_button):
            bar.addPermanentWidget(w)
        bar.addWidget(self.busy_label)
        self.tasks.busy_changed.connect(
            lambda busy: self.busy_label.setText(tr("处理中…") if busy else ""))
        self.show_desk()

    def show_desk(self) -> None:
        """The desk's name and code, and the worker (after set-up or settings change)."""
        s = self.ctx.settings
        name = s.desk_name or s.desk_code
        # the code and the worker; the desk's full name in the tooltip — with 诉求 counts,
        # the queue and the sync state, the full name did not fit 1024 px in 长辈 mode
        self.desk_label.setText(f"{s.desk_code} · " + tr("经办人") + f"：{s.worker_name or '—'}")
        self.desk_label.setToolTip(f"{name}（{s.desk_code}）")

    def refresh(self) -> None:
        """Cases waiting and last sync, read in the background."""
        store, ctx = self.ctx.store, self.ctx
        self.tasks.run(lambda: {"counts": store.sync.outbox_counts(),
                                "last": store.get_meta("last_sync"),
                                "server": store.get_meta("server_url"),
                                "promises": store.calendar.promise_updates(unseen_only=True),
                                **from_district(ctx)},
                       on_done=self.show)

    def show(self, info: dict[str, Any]) -> None:
        """Show the queue and sync state."""
        counts = info.get("counts") or {}
        pending = counts.get("pending", 0)
        aside = counts.get("rejected", 0) + counts.get("conflict", 0)
        text = tr("待上传 {n} 条").format(n=pending)
        if aside:
            text += " · " + tr("{n} 条被退回").format(n=aside)
        if info.get("quota_wait"):  # issue 17: the district's daily upload cap is reached
            text += " · " + tr("照片 {n} 页等明日上传").format(n=info["quota_wait"]["waiting"])
        if info.get("promises"):  # promised dates the holiday notice moved, not yet told
            text += " · " + tr("承诺日期更新 {n} 件").format(n=len(info["promises"]))
        self.queue_label.setText(text)
        server = info.get("server") or self.ctx.settings.server_url
        last = str(info.get("last") or "")[:16].replace("T", " ")
        if not server:
            self.sync_label.setText("○ " + tr("离线工作"))
            self.sync_label.setProperty("state", "offline")
        else:
            auto = self.autosync
            online = auto.state in ("online", "syncing")
            self.sync_label.setText(auto.status_text() +
                                    (" · " + tr("上次同步 {t}").format(t=last) if last else ""))
            self.sync_label.setToolTip(auto.message)
            self.sync_label.setProperty("state", "online" if online else "offline")
        style.restyle(self.sync_label)
        self.release = info.get("release")
        if self.release is not None:
            self.update_button.setText('<a href="update">' + html.escape(
                tr("有新版本 {v}").format(v=self.release.version)) + "</a>")
            self.update_button.setToolTip(tr("点此查看更新说明并下载安装"))
        self.update_button.setVisible(self.release is not None)

    def show_matter_counts(self, counts: dict[str, int], text: str) -> None:
        """诉求 今日 N · 待办 M (``text``), with what is due in the tooltip."""
        self.matter_label.setText(text)
        self.matter_label.setToolTip(tr("到期或超时 {due} · 待转告答复 {a} · 待回访 {r}").format(
            due=counts.get("due", 0), a=counts.get("answers", 0), r=counts.get("revisits", 0)))
