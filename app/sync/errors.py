"""Errors of the sync client (exported by app.sync.client). Messages are Chinese, for the clerk."""

from __future__ import annotations

from app.errors import DomainError


class SyncError(DomainError):
    """Sync did not complete; what was committed locally before it stays."""


class SyncUnavailable(SyncError):
    """Server unreachable, timeout, connection dropped, 5xx or an answer that makes no sense:
    nothing of that answer was applied; retry later."""


class ServerRefusal(SyncUnavailable):
    """The server refused one request with a protocol code (e.g. ``numbers_exhausted``); ``code``
    says which, so a caller may carry on with the rest of the cycle."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class SyncRefused(SyncError):
    """401/403 (credential invalid, device revoked) or no enrolment: no automatic retry; enrol again."""


class InsecureTransport(SyncRefused):
    """This PC's settings do not allow a safe connection: an http:// address of another machine, or
    a CA file that is missing, unreadable or not PEM. Nothing was sent; no automatic retry until the
    settings change (app.server_address)."""


class CertificateRefused(SyncUnavailable):
    """The server's TLS certificate did not verify (unknown issuer, wrong host name, expired):
    nothing was sent; retried later, and the message says to check the address or the CA file."""


class EpochChanged(SyncError):
    """Internal: the server was restored from a backup while a cycle ran (``409 epoch_changed``)."""

    def __init__(self, epoch: str) -> None:
        super().__init__("中心服务器已从备份恢复，正在重新同步。")
        self.epoch = epoch


class CursorAhead(SyncError):
    """Internal: the stored cursor is beyond the server's last change (``409 cursor_ahead``)."""


GARBAGE = "中心服务器的应答无法识别（地址可能不是本系统的中心服务器，或服务器出错），本次未同步任何内容，稍后自动重试。"


def garbage(detail: str = "") -> SyncUnavailable:
    """The answer does not follow the protocol (not JSON, an HTML page, wrong shapes)."""
    return SyncUnavailable(GARBAGE + (f"（{detail}）" if detail else ""))
