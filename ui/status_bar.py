"""The always-visible status line: who is at the counter, connection, pending sync work."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar

from app.dto import OutboxStats, StaffInfo
from app.services import Services
from ui.tasks import TaskRunner


def age_text(oldest: dt.datetime | None, now: dt.datetime) -> str:
    if oldest is None:
        return ""
    minutes = int((now - oldest).total_seconds() // 60)
    if minutes < 1:
        return "不到1分钟"
    if minutes < 60:
        return f"{minutes}分钟"
    if minutes < 60 * 24:
        return f"{minutes // 60}小时{minutes % 60}分钟"
    return f"{minutes // (60 * 24)}天"


class CounterStatusBar(QStatusBar):
    def __init__(self, services: Services, runner: TaskRunner, parent=None) -> None:
        super().__init__(parent)
        self.services, self.runner = services, runner
        self.user_label = QLabel()
        self.network_label = QLabel(self.tr("● 单机运行（未配置中心服务器）"))
        self.network_label.setObjectName("networkStatus")
        self.network_label.setStyleSheet("color: #8a6d00;")
        self.pending_label = QLabel()
        self.pending_label.setObjectName("pendingStatus")
        self.sync_label = QLabel(self.tr("上次同步：无"))
        self.clock_label = QLabel()
        for w in (self.user_label, self.network_label, self.pending_label, self.sync_label):
            self.addWidget(w)
        self.addPermanentWidget(self.clock_label)
        self.timer = QTimer(self)
        self.timer.setInterval(5000)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.stats = OutboxStats(0, None)

    def show_server(self, url: str) -> None:
        """Sync with the central server is not built yet: say plainly that this PC works alone."""
        if not url:
            self.network_label.setText(self.tr("● 单机运行（未配置中心服务器）"))
        else:
            host = urlsplit(url).netloc or url
            self.network_label.setText(self.tr("● 单机运行（中心服务器 ") + host + self.tr(" 尚未接入同步）"))
        self.network_label.setToolTip(url)

    def set_staff(self, staff: StaffInfo | None) -> None:
        if staff is None:
            self.user_label.setText(self.tr("未登录"))
        else:
            self.user_label.setText(f"{staff.name}（{staff.role_label}） {staff.window_label}")

    def refresh(self) -> None:
        self.clock_label.setText(self.services.ctx.clock.now().strftime("%Y-%m-%d %H:%M"))
        self.runner.run(self.services.ledger.outbox_stats, self._on_stats, lambda _e: None)

    def _on_stats(self, stats: OutboxStats) -> None:
        self.stats = stats
        if stats.pending == 0:
            self.pending_label.setText(self.tr("待同步：0"))
            return
        age = age_text(stats.oldest_pending_at, self.services.ctx.clock.now())
        self.pending_label.setText(
            self.tr("待同步：") + f"{stats.pending}" + self.tr(" 条，最早 ") + age + self.tr("前")
        )
