"""The transport to the central server (issue 11, point 5), against a real TLS server on 127.0.0.1
with a certificate made here: a self-signed hall CA is refused without the hall's CA file (also on
loopback: https is always verified) and accepted with it; a CA file that cannot be used and an old
http:// LAN address stop sync with a clear message before anything is sent."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.services import Services
from app.sync import state
from app.sync.errors import CertificateRefused, InsecureTransport
from app.sync.transport import ServerApi


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """(hall CA certificate, server certificate, server key) as PEM files: a CA of the hall's own
    and a server certificate it issued for 127.0.0.1."""
    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    hall = _name("示范县政务服务中心 CA")
    ca = (x509.CertificateBuilder().subject_name(hall).issuer_name(hall)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    server = (x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
              .public_key(key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
              .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                             critical=False)
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
              .sign(ca_key, hashes.SHA256()))
    paths = folder / "hall-ca.pem", folder / "server.pem", folder / "server-key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


class _Meta(BaseHTTPRequestHandler):
    """Answers ``GET /v1/meta`` as the central server does (enough to tell a conversation happened)."""

    seen: list[str]

    def do_GET(self) -> None:
        self.seen.append(self.path)
        body = json.dumps({"server_time": "2026-03-02T09:30:00+08:00", "epoch": "e1"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path, list[str]]]:
    """(https address on 127.0.0.1, the hall's CA file, paths the server was asked for)."""
    ca_file, cert, key = _certificates(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    seen: list[str] = []
    handler = type("Handler", (_Meta,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}", ca_file, seen
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_a_self_signed_hall_certificate_is_refused_without_the_ca_file(tls_server) -> None:
    url, _ca_file, seen = tls_server
    with ServerApi(url, "secret-credential", timeout=5) as api, pytest.raises(CertificateRefused) as caught:
        api.meta()  # https to 127.0.0.1 is this PC, and still verified
    assert "证书未通过验证" in caught.value.message and "CA 证书文件" in caught.value.message
    assert seen == []  # no request reached the server: the credential never left


def test_the_same_server_is_accepted_with_the_hall_ca_file(tls_server) -> None:
    url, ca_file, seen = tls_server
    with ServerApi(url, "secret-credential", timeout=5, ca_file=str(ca_file)) as api:
        assert api.meta()["epoch"] == "e1"
    assert seen == ["/v1/meta"]


def test_the_hall_ca_file_replaces_the_system_trust_store(tls_server) -> None:
    """With a CA file set, only that CA is trusted: a server certificate from elsewhere is refused."""
    url, ca_file, seen = tls_server
    other = ca_file.parent / "other"
    other.mkdir()
    with ServerApi(url, "", timeout=5, ca_file=str(_certificates(other)[0])) as api, \
            pytest.raises(CertificateRefused):
        api.meta()
    assert seen == []


@pytest.mark.parametrize("problem", ["missing", "not_pem"])
def test_a_ca_file_that_cannot_be_used_stops_with_a_clear_message(tls_server, tmp_path: Path, problem: str) -> None:
    url, _ca_file, seen = tls_server
    path = tmp_path / "gone.pem"
    if problem == "not_pem":
        path.write_bytes(b"\x30\x82\x01\x0a not a PEM file")
    with pytest.raises(InsecureTransport) as caught:
        ServerApi(url, "secret-credential", ca_file=str(path))
    assert caught.value.message.startswith("同步已停止：")
    assert ("找不到中心服务器的 CA 证书文件" if problem == "missing" else "不是有效的证书文件") in caught.value.message
    assert seen == []


def test_plain_http_to_a_lan_host_is_refused_by_the_transport_itself() -> None:
    """Defence in depth: whatever reaches the transport, no request goes out in the clear."""
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(200, json={}))
    for url in ("http://192.168.1.10:8765", "HTTP://zwfw.example.gov.cn", "http://127.0.0.1@evil.com"):
        with pytest.raises(InsecureTransport):
            ServerApi(url, "secret-credential", transport=transport)
    with ServerApi("http://127.0.0.1:8765", "secret-credential", transport=transport) as api:  # this PC: allowed
        api.meta()
    assert [str(r.url) for r in sent] == ["http://127.0.0.1:8765/v1/meta"]


def test_an_old_http_lan_address_in_machine_ini_stops_sync_and_says_why(services: Services) -> None:
    """An enrolled counter whose machine.ini still says http://<LAN host>: the cycle sends nothing,
    the status carries the reason, and sync is not retried on its own (InsecureTransport is a refusal)."""
    (services.ctx.db.path.parent / "machine.ini").write_text(
        "[counter]\nserver_url = http://192.168.1.10:8765\n", encoding="utf-8")
    services._machine = None  # read the file afresh, as at start
    state.save(services.ctx, **{state.CREDENTIAL: "secret-credential", state.DEVICE_ID: "d1"})
    sent: list[httpx.Request] = []
    services.sync.transport = httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200, json={}))
    before = services.sync.status()
    assert before.transport_problem.startswith("同步已停止：") and not before.unencrypted
    with pytest.raises(InsecureTransport, match="必须以 https:// 开头"):
        services.sync.sync_once()
    after = services.sync.status()
    assert sent == [] and after.online is False and "https://" in after.transport_problem
    assert "本机同步已停止" in services.machine.problems[0]  # the settings dialog shows it too


def test_http_to_this_pc_is_flagged_unencrypted(services: Services) -> None:
    services.sync.server_url = lambda: "http://127.0.0.1:8765"
    status = services.sync.status()
    assert status.unencrypted and status.transport_problem == ""
    services.sync.server_url = lambda: "https://zwfw.example.gov.cn"
    assert not services.sync.status().unencrypted
