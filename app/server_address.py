"""The central server's address and how this PC may talk to it (issue 11, transport).

Everything the counter sends carries its device credential and citizens' data, so an address of
another machine must be ``https://`` with a verified certificate: the system's trust store
(httpx's default) or, for a hall that runs its own certificate authority, the CA file named in
the machine settings (PEM). Plain ``http://`` is only for this PC itself (127.0.0.0/8, ::1,
``localhost``: the demo server, the tests, the fault harness), and the status line then says the
connection is not encrypted.

The rule is checked where the address is typed (本机设置, 首次设置, ``machine-set``) and again
by the transport before any request, so an old ``http://`` address to a LAN host kept in
``machine.ini`` stops sync with a clear message instead of sending the credential in the clear.
Qt-free; InvalidInput carries the Chinese message.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, urlsplit, urlunsplit

from app.errors import InvalidInput

FIELD = "server_url"
CA_FIELD = "server_ca_file"
BAD_FORM = "中心服务器地址应类似 https://zwfw.example.gov.cn 或 https://10.1.2.3:8443，留空表示单机运行。"
NO_USERINFO = "中心服务器地址中不能含用户名或密码（“@”之前的部分），请只填写 https://主机名:端口。"
PLAIN_REFUSED = ("中心服务器地址必须以 https:// 开头：http:// 不加密，本机的注册凭据、人员和办件资料"
                 "（含申请人身份证号）会在网络上明文传输，可被窃听或篡改。"
                 "http:// 只能用于本机演示（127.0.0.1 或 localhost）。")
PLAIN_WARNING = "未加密连接（仅限本机演示）"
CA_PATH_MAX = 1000
_LOOPBACK_V4 = ipaddress.ip_network("127.0.0.0/8")
_LOOPBACK_V6 = ipaddress.ip_address("::1")


@dataclass(frozen=True)
class ServerAddress:
    url: str  # normalised: lower-case scheme, no trailing slash
    host: str
    encrypted: bool  # https
    loopback: bool  # this PC itself

    @property
    def allowed(self) -> bool:
        """May this PC send its credential to this address?"""
        return self.encrypted or self.loopback

    @property
    def plain(self) -> bool:
        """http:// to this PC itself: allowed, with a warning on the status line."""
        return not self.encrypted and self.loopback


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or ``localhost`` (what urlsplit gives: lower case, no brackets).

    Only the literal forms count: ``127.1``, ``0x7f.0.0.1`` or ``localhost.example.com`` are other hosts."""
    if host.rstrip(".") == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    # spelt out rather than ip.is_loopback, whose answer for IPv4-mapped ::ffff:127.0.0.1 varies by Python
    return ip in _LOOPBACK_V4 if ip.version == 4 else ip == _LOOPBACK_V6


def parse(text: str) -> ServerAddress | None:
    """The address as typed or stored (None: empty, standalone); InvalidInput when it is not one.

    Only the form is checked here (see ``check`` for the https rule). Without a scheme, ``https://``
    is assumed, or ``http://`` for this PC itself (``127.0.0.1:8765`` is the demo server)."""
    text = text.strip()
    if not text:
        return None
    if "://" not in text:
        host = _host(urlsplit("//" + text))
        text = ("http://" if host and is_loopback(host) else "https://") + text
    parts = urlsplit(text.rstrip("/"))
    host = _host(parts)
    if parts.scheme not in ("http", "https") or not host or " " in text or parts.query or parts.fragment:
        raise InvalidInput(BAD_FORM, field=FIELD)
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(NO_USERINFO, field=FIELD)
    return ServerAddress(urlunsplit(parts), host, parts.scheme == "https", is_loopback(host))


def _host(parts: SplitResult) -> str:
    """The host name, '' when there is none or the port is not a number in range."""
    try:
        _ = parts.port
    except ValueError:
        return ""
    return str(parts.hostname or "")


def check(text: str) -> str:
    """An address a person typed: '' (standalone) or the normalised URL; InvalidInput for a bad form
    or ``http://`` to another machine (the message says to use https:// and why)."""
    address = parse(text)
    if address is None:
        return ""
    if not address.allowed:
        raise InvalidInput(PLAIN_REFUSED, field=FIELD)
    return address.url


def check_ca_path(text: str) -> str:
    """The CA file setting as stored: '' (the system's trust store) or a path; the file itself is
    checked where it is typed (``check_ca_file``) and when it is used (``tls_context``)."""
    text = text.strip()
    if len(text) > CA_PATH_MAX or not text.isprintable():
        raise InvalidInput(f"CA 证书文件应为一个文件路径（最多 {CA_PATH_MAX} 个字符），留空表示使用系统自带的根证书。",
                           field=CA_FIELD)
    return text


def check_ca_file(text: str) -> str:
    """A CA file a person typed: '' or the path of a readable PEM file with at least one certificate."""
    text = check_ca_path(text)
    if text:
        tls_context(text)
    return text


def tls_context(ca_file: str) -> ssl.SSLContext:
    """A verifying TLS context that trusts only the certificates in ``ca_file`` (the hall's own CA);
    InvalidInput in Chinese when the file is missing, unreadable or not PEM certificates."""
    path = Path(ca_file).expanduser()
    try:
        return ssl.create_default_context(cafile=str(path))
    except FileNotFoundError as exc:
        raise InvalidInput(f"找不到中心服务器的 CA 证书文件 {path}。请检查 本机设置 中的路径，"
                           "或留空以使用系统自带的根证书。", field=CA_FIELD) from exc
    except ssl.SSLError as exc:
        raise InvalidInput(f"CA 证书文件 {path} 不是有效的证书文件（应为 PEM 格式，即以 -----BEGIN CERTIFICATE----- "
                           "开头的文本文件），请向信息科索取大厅的 CA 证书。", field=CA_FIELD) from exc
    except OSError as exc:
        raise InvalidInput(f"CA 证书文件 {path} 无法读取（{exc.strerror or exc}），请检查文件和权限。",
                           field=CA_FIELD) from exc
