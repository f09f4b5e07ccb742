"""The central server's address rule (issue 11, transport): https:// to another machine, http://
only to this PC itself (with a warning), odd spellings not mistaken for this PC, a CA file that
is missing or not PEM explained, and an old http:// LAN address in machine.ini kept (so sync can
say why it stopped) instead of silently turning the counter standalone."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import InvalidInput
from app.machine_settings import MachineSettings, MachineSettingsStore, check_server_url
from app.server_address import PLAIN_REFUSED, check, check_ca_file, is_loopback, parse


@pytest.mark.parametrize(("typed", "url"), [
    ("https://192.168.1.10", "https://192.168.1.10"),
    ("https://zwfw.example.gov.cn:8443/", "https://zwfw.example.gov.cn:8443"),
    ("HTTPS://ZWFW.example.gov.cn", "https://ZWFW.example.gov.cn"),
    ("192.168.1.10:8443", "https://192.168.1.10:8443"),  # no scheme: https to another machine
    ("https://127.0.0.1:8443", "https://127.0.0.1:8443"),
])
def test_https_to_any_host_is_accepted(typed: str, url: str) -> None:
    assert check(typed) == url
    address = parse(typed)
    assert address is not None and address.encrypted and address.allowed and not address.plain


@pytest.mark.parametrize("typed", [
    "http://192.168.1.10",
    "http://192.168.1.10:8765/",
    "HTTP://192.168.1.10",  # the scheme's case does not matter
    "Http://zwfw.example.gov.cn",
    "http://127.0.0.1.evil.com",  # a name that starts like this PC is another host
    "http://localhost.evil.com",
    "http://127.1",  # a short form the resolver takes as 127.0.0.1, but not spelt as this PC: refused
    "http://0x7f.0.0.1",
    "http://[::ffff:7f00:1]:8000",  # IPv4-mapped: not the literal ::1
    "http://10.0.0.1",
    "http://[fe80::1]:8000",
])
def test_plain_http_to_another_machine_is_refused_saying_why(typed: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check(typed)
    assert caught.value.message == PLAIN_REFUSED and caught.value.field == "server_url"
    assert "https://" in PLAIN_REFUSED and "明文" in PLAIN_REFUSED
    address = parse(typed)  # the form itself is fine: only the rule refuses it
    assert address is not None and not address.allowed and not address.plain
    with pytest.raises(InvalidInput, match="必须以 https:// 开头"):
        check_server_url(typed)


@pytest.mark.parametrize(("typed", "url"), [
    ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
    ("http://127.8.9.10", "http://127.8.9.10"),  # all of 127.0.0.0/8
    ("http://[::1]:8000", "http://[::1]:8000"),
    ("http://localhost:8765/", "http://localhost:8765"),
    ("HTTP://LOCALHOST:8765", "http://LOCALHOST:8765"),
    ("127.0.0.1:8765", "http://127.0.0.1:8765"),  # no scheme, this PC: the demo server's http
])
def test_plain_http_to_this_pc_is_allowed_with_a_warning(typed: str, url: str) -> None:
    assert check(typed) == url
    address = parse(typed)
    assert address is not None and address.loopback and address.plain and not address.encrypted


def test_userinfo_is_refused_so_nothing_can_pose_as_this_pc() -> None:
    for typed in ("http://127.0.0.1@evil.com", "http://127.0.0.1:8765@evil.com", "https://user:pw@zwfw.example.gov.cn"):
        with pytest.raises(InvalidInput, match="不能含用户名或密码"):
            check(typed)
    assert not is_loopback("evil.com")


@pytest.mark.parametrize("typed", ["ftp://zwfw", "http://", "https://:80", "http://host:99999", "zw fw.cn",
                                   "https://zwfw.example.gov.cn/?next=http://127.0.0.1", "file:///etc/passwd"])
def test_what_is_not_an_address_is_explained(typed: str) -> None:
    with pytest.raises(InvalidInput, match="中心服务器地址应类似"):
        check(typed)


def test_empty_means_standalone() -> None:
    assert check("  ") == "" and parse("") is None


def test_a_ca_file_that_cannot_be_used_is_explained(tmp_path: Path) -> None:
    assert check_ca_file("") == ""
    with pytest.raises(InvalidInput, match="找不到中心服务器的 CA 证书文件") as caught:
        check_ca_file(str(tmp_path / "hall-ca.pem"))
    assert caught.value.field == "server_ca_file"
    junk = tmp_path / "junk.pem"
    junk.write_text("这不是证书\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="不是有效的证书文件（应为 PEM 格式"):
        check_ca_file(str(junk))
    with pytest.raises(InvalidInput, match="CA 证书文件"):
        MachineSettings().with_value("server_ca_file", str(junk))  # machine-set and the dialogs check it


def test_machine_ini_keeps_an_old_http_lan_address_and_says_sync_stopped(tmp_path: Path) -> None:
    (tmp_path / "machine.ini").write_text(
        "[counter]\nserver_url = http://192.168.1.10:8765\nserver_ca_file = /gone/hall-ca.pem\n", encoding="utf-8")
    store = MachineSettingsStore(tmp_path)
    settings = store.load()
    # kept as they are: the transport refuses them and the status line says why (not silently standalone)
    assert settings.server_url == "http://192.168.1.10:8765" and settings.server_ca_file == "/gone/hall-ca.pem"
    assert len(store.problems) == 1 and "本机同步已停止" in store.problems[0] and "https://" in store.problems[0]
    with pytest.raises(InvalidInput, match="必须以 https:// 开头"):
        settings.with_value("server_url", settings.server_url)  # but it cannot be typed again
