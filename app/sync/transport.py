"""HTTP to the central server (httpx), turning every failure into the client's typed errors.

Runs on the caller's (worker) thread and blocks for at most ``timeout`` seconds per request.
Timeouts, refused or dropped connections, 5xx and answers that are not the protocol's JSON raise
SyncUnavailable; 401/403 raise SyncRefused with the server's Chinese message; ``409
epoch_changed`` / ``cursor_ahead`` raise the internal EpochChanged / CursorAhead; enrolment-code
refusals raise InvalidInput (the clerk typed a wrong or used code). Nothing here touches the
local store.

Before any request, the address must be https:// (or http:// to this PC itself), otherwise
InsecureTransport: the credential is never sent in the clear, whatever an old machine.ini says.
Certificates are always verified, also for https://127.0.0.1: against the system's trust store,
or only against the hall's CA file when one is set (InsecureTransport when it cannot be read);
a certificate that does not verify raises CertificateRefused.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import ssl
from typing import TYPE_CHECKING, Any

from app import server_address
from app.errors import InvalidInput
from app.sync.errors import (
    CertificateRefused,
    CursorAhead,
    EpochChanged,
    InsecureTransport,
    ServerRefusal,
    SyncRefused,
    SyncUnavailable,
    garbage,
)
from app.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)
STAFF_HEADER = "X-Counter-Desk-Staff"  # who is signed in at this PC ('' nobody): the server's 空岗 check
ENROL_CODES = ("enrolment_code_invalid", "enrolment_code_used", "enrolment_code_expired")


class ServerApi:
    """One conversation with the server at ``base_url`` (close it, or use it as a context manager)."""

    def __init__(self, base_url: str, credential: str = "", *, transport: httpx.BaseTransport | None = None,
                 timeout: float = 10.0, signed_in: str | None = None, ca_file: str = "") -> None:
        import httpx  # here, not at the top: a counter with no server never pays for it at start

        verify = secure_verify(base_url, ca_file)
        headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION), STAFF_HEADER: signed_in or ""}
        if credential:
            headers["Authorization"] = f"Bearer {credential}"
        self.http = httpx.Client(base_url=base_url, headers=headers, transport=transport, timeout=timeout,
                                 verify=verify)

    def __enter__(self) -> ServerApi:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def sign_in(self, staff_id: str | None) -> None:
        """Who is signed in at this PC now (None: nobody), sent with every later request."""
        self.http.headers[STAFF_HEADER] = staff_id or ""

    def use_credential(self, credential: str) -> None:
        self.http.headers["Authorization"] = f"Bearer {credential}"

    # -- the endpoints -------------------------------------------------------------------------
    def meta(self) -> dict[str, Any]:
        return self._call("GET", "/v1/meta")

    def enrol(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/v1/enrol", json_body=body)

    def push(self, ops: list[dict[str, Any]]) -> dict[str, Any]:
        return self._call("POST", "/v1/push", json_body={"ops": ops})

    def pull(self, scope: str, cursor: int, limit: int, epoch: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"scope": scope, "cursor": cursor, "limit": limit}
        if epoch:
            params["epoch"] = epoch
        return self._call("GET", "/v1/pull", params=params)

    def epoch_marks(self, since: str) -> dict[str, Any]:
        """``GET /v1/epoch?since=``: how far this device's cursors of epoch ``since`` still hold."""
        return self._call("GET", "/v1/epoch", params={"since": since})

    def lease(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/v1/numbers/lease", json_body=body)

    def report(self, used: list[dict[str, Any]]) -> dict[str, Any]:
        return self._call("POST", "/v1/numbers/report", json_body={"used": used})

    # -- one request -----------------------------------------------------------------------------
    def _call(self, method: str, path: str, *, json_body: Any = None,
              params: dict[str, Any] | None = None) -> dict[str, Any]:
        import httpx

        try:
            response = self.http.request(method, path, json=json_body, params=params)
        except httpx.TimeoutException as exc:
            log.info("%s %s: timeout (%s)", method, path, exc)
            raise SyncUnavailable("连接中心服务器超时，本机照常办理，稍后自动重试。") from exc
        except httpx.ConnectError as exc:
            log.info("%s %s: %s", method, path, exc)
            raise _connect_error(exc) from exc
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            log.info("%s %s: %s", method, path, exc)
            raise SyncUnavailable("无法连接中心服务器（网络不通或服务器未开启），本机照常办理，稍后自动重试。") from exc
        body = _json(response)
        if response.is_success:
            if not isinstance(body, dict):
                raise garbage(f"HTTP {response.status_code}")
            return body
        raise _refusal(response.status_code, body)


def secure_verify(base_url: str, ca_file: str) -> ssl.SSLContext | bool:
    """httpx's ``verify=`` for this address: the hall's CA (a context) or True (the trust store).
    InsecureTransport for http:// to another machine or a CA file that cannot be used."""
    try:
        address = server_address.parse(base_url)
    except InvalidInput as exc:
        raise InsecureTransport(exc.message) from exc
    if address is None:
        raise InsecureTransport("未设置中心服务器地址，本机单机运行。")
    if not address.allowed:
        log.warning("refused to send to %s: plain http to another machine", address.url)
        raise InsecureTransport("同步已停止：" + server_address.PLAIN_REFUSED
                                + "请在 工具→本机设置 中改为 https:// 地址。")
    if not ca_file.strip():
        return True
    try:
        return server_address.tls_context(ca_file.strip())
    except InvalidInput as exc:
        raise InsecureTransport("同步已停止：" + exc.message) from exc


def _connect_error(exc: Exception) -> SyncUnavailable:
    """A certificate that does not verify, another TLS failure, or the network."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, ssl.SSLError):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
        reason = getattr(cause, "verify_message", "") or str(exc)
        return CertificateRefused(f"中心服务器的证书未通过验证（{reason}），本机未发送任何资料。请核对服务器地址；"
                                  "大厅使用自建证书时，请在 本机设置 中选择大厅的 CA 证书文件。")
    if isinstance(cause, ssl.SSLError) or "SSL" in str(exc):
        return SyncUnavailable("未能与中心服务器建立加密连接（该地址的端口可能不是 https 服务），稍后自动重试。")
    return SyncUnavailable("无法连接中心服务器（网络不通或服务器未开启），本机照常办理，稍后自动重试。")


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None


def _refusal(status: int, body: Any) -> Exception:
    """The typed error for a non-2xx answer."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("message"), str):
        if status in (401, 403):
            return SyncRefused("中心服务器拒绝了本机的同步请求，请联系中心管理员重新登记本机。")
        return SyncUnavailable(f"中心服务器暂时无法处理同步请求（HTTP {status}），稍后自动重试。")
    code, message = str(error.get("code", "")), str(error["message"])
    if status in (401, 403):
        return SyncRefused(message)
    if code == "epoch_changed" and isinstance(error.get("epoch"), str):
        return EpochChanged(error["epoch"])
    if code == "cursor_ahead":
        return CursorAhead(message)
    if code in ENROL_CODES:
        return InvalidInput(message, field="code")
    log.warning("server refused a request: %s %s %s", status, code, message)
    return ServerRefusal(message if status < 500 else f"{message}（HTTP {status}）", code)


def parse_server_time(value: Any) -> dt.datetime:
    """``server_time`` (RFC 3339 with offset) as an aware datetime; garbage otherwise."""
    try:
        at = dt.datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise garbage("server_time") from exc
    if at.tzinfo is None:
        raise garbage("server_time")
    return at
