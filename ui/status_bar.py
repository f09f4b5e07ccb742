"""The always-visible status line: who is at the counter, the connection to the central server,
what waits to be synced and since when, the last successful sync, clock skew, number-block
warnings, and conflicts that wait for a 首席代表."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QToolButton

from app.audit_chain import ChainReport
from app.dto import OutboxStats, StaffInfo
from app.services import Services
from ui.tasks import TaskRunner

SKEW_LIMIT_S = 300
GREEN, AMBER, RED, GREY = "#1b7f3b", "#8a6d00", "#b00020", "#666666"


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


def network_text(status) -> tuple[str, str]:
    """(text, colour) of the connection light for a SyncStatus."""
    if not status.server_url:
        return "● 单机运行（未配置中心服务器）", AMBER
    host = urlsplit(status.server_url).netloc or status.server_url
    if status.transport_problem:  # http:// to another machine, the CA file, the certificate: why is beside it
        return f"● 同步已停止（{host}）：连接不安全", RED
    if not status.enrolled:
        return f"● 本机未注册（{host}）：请在 工具→本机设置 中注册", AMBER
    if status.online is None:
        return f"● 正在连接中心服务器 {host}…", GREY
    if status.online:
        return f"● 在线（{host}）", GREEN
    # the reason is in the tooltip: the line must stay short enough to leave room for the counts
    return "● 离线（本机照常办理，联网后自动同步）", RED


def skew_text(skew: float | None) -> str:
    if skew is None or abs(skew) <= SKEW_LIMIT_S:
        return ""
    minutes = round(abs(skew) / 60)
    return f"⚠ 本机时间比服务器{'慢' if skew > 0 else '快'} {minutes} 分钟，请联系信息科校准"


class ElidedLabel(QLabel):
    """A one-line label that gives up width when the window is narrow (a 1366-pixel counter screen
    with a long offline warning): the text ends in … and the whole of it is in the tooltip."""

    MIN_CHARS = 6

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.fontMetrics().horizontalAdvance("中") * self.MIN_CHARS), hint.height())

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        self.style().drawItemText(painter, rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                                  self.palette(), self.isEnabled(), text, self.foregroundRole())


class CounterStatusBar(QStatusBar):
    quarantine_requested = Signal()

    def __init__(self, services: Services, runner: TaskRunner, parent=None) -> None:
        super().__init__(parent)
        self.services, self.runner = services, runner
        self.user_label = self._label("userStatus", elide=True)
        self.network_label = self._label("networkStatus", elide=True)
        self.pending_label = self._label("pendingStatus")
        self.sync_label = self._label("lastSync", self.tr("上次同步：无"))
        # http:// to this PC itself (the demo server): works, but nothing on the wire is encrypted
        self.transport_label = self._label("transportWarning", self.tr("⚠ 未加密连接（仅限本机演示）"))
        self.transport_label.setStyleSheet(f"color: {AMBER};")
        self.transport_label.setToolTip(self.tr("中心服务器地址为 http://，只适用于在本机上演示；"
                                                "正式使用请在 工具→本机设置 中改为 https:// 地址。"))
        self.transport_label.setVisible(False)
        self.warning_label = self._label("syncWarning", elide=True)
        self.warning_label.setStyleSheet(f"color: {RED};")
        self.quarantine_button = QToolButton()
        self.quarantine_button.setObjectName("quarantineButton")
        self.quarantine_button.setStyleSheet(f"color: {RED}; font-weight: bold;")
        self.quarantine_button.setVisible(False)
        self.quarantine_button.clicked.connect(self.quarantine_requested)
        # the start-up check of the audit chain: shown only when it fails, and then until the app
        # closes; permanent, so it keeps its full width and the other labels give way
        self.audit_label = self._label("auditWarning")
        self.audit_label.setStyleSheet(f"color: {RED}; font-weight: bold;")
        self.audit_label.setVisible(False)
        self.clock_label = QLabel()
        for w in (self.user_label, self.network_label, self.transport_label, self.pending_label, self.sync_label,
                  self.quarantine_button, self.warning_label):
            self.addWidget(w)
        self.addPermanentWidget(self.audit_label)
        self.addPermanentWidget(self.clock_label)
        self.timer = QTimer(self)
        self.timer.setInterval(5000)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.stats = OutboxStats(0, None)
        self.sync_status = None
        self._set_network("● 单机运行（未配置中心服务器）", AMBER)

    def _label(self, name: str, text: str = "", *, elide: bool = False) -> QLabel:
        label = ElidedLabel(text) if elide else QLabel(text)
        label.setObjectName(name)
        return label

    def _set_network(self, text: str, colour: str) -> None:
        self.network_label.setText(self.tr(text))
        self.network_label.setStyleSheet(f"color: {colour};")

    def set_staff(self, staff: StaffInfo | None) -> None:
        if staff is None:
            self.user_label.setText(self.tr("未登录"))
        else:
            self.user_label.setText(f"{staff.name}（{staff.role_label}） {staff.window_label}")
        self.user_label.setToolTip(self.user_label.text())

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
            self.tr("待同步：") + f"{stats.pending}" + self.tr(" 条，最早已等 ") + age
        )

    def show_sync(self, status) -> None:
        """A SyncStatus from the sync worker."""
        self.sync_status = status
        self._set_network(*network_text(status))
        problem = status.transport_problem
        self.network_label.setToolTip("\n".join(t for t in (self.network_label.text(), problem or status.last_error)
                                                if t))
        self.transport_label.setVisible(status.unencrypted)
        self._on_stats(OutboxStats(status.pending, status.oldest_pending_at))
        self.sync_label.setText(self.tr("上次同步：") + self._when(status.last_success_at))
        warnings = [w for w in (problem, skew_text(status.skew_seconds), *status.warnings) if w]
        self.warning_label.setText(warnings[0] if warnings else "")
        self.warning_label.setToolTip("\n".join(warnings))
        self.quarantine_button.setText(self.tr("⚠ 同步冲突待处理：") + str(status.quarantined))
        self.quarantine_button.setVisible(status.quarantined > 0)

    def show_audit_check(self, report: ChainReport) -> None:
        """The start-up check of the audit chain (app.audit_chain): silent when it passed."""
        if report.broken is None:
            return
        text = self.tr("⚠ 审计记录校验未通过：") + report.broken.describe() + self.tr("，请联系信息科")
        self.audit_label.setText(text)
        hint = self.tr("本机照常办理。请勿改动数据文件；信息科可用 counter-desk-admin verify-audit 复查。")
        self.audit_label.setToolTip(self.audit_label.text() + "\n" + hint)
        self.audit_label.setVisible(True)

    def _when(self, at: dt.datetime | None) -> str:
        if at is None:
            return self.tr("无")
        today = self.services.ctx.clock.now().date()
        return at.strftime("%H:%M") if at.date() == today else at.strftime("%m-%d %H:%M")
