"""This PC's settings: one file in the data folder, checked values, a damaged file never stops
the counter, an atomic save, and the hall's parameters as the fallback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.cli import main as admin
from app.context import Actor
from app.errors import InvalidInput, StorageError
from app.machine_settings import MachineSettings, MachineSettingsStore, check_server_url
from app.services import Services


@pytest.mark.parametrize(("typed", "stored"), [
    ("", ""),
    ("  https://zwfw.example.gov.cn/  ", "https://zwfw.example.gov.cn"),
    ("10.1.2.3:8080", "https://10.1.2.3:8080"),
    ("http://[::1]:8000", "http://[::1]:8000"),
])
def test_server_addresses(typed: str, stored: str) -> None:
    assert check_server_url(typed) == stored


@pytest.mark.parametrize("typed", ["ftp://zwfw", "http://", "http://host:99999", "zw fw.cn", "https://:80"])
def test_bad_server_addresses_are_explained(typed: str) -> None:
    with pytest.raises(InvalidInput, match="中心服务器地址应类似"):
        check_server_url(typed)


def test_values_are_checked_and_empty_means_default() -> None:
    s = MachineSettings().with_value("idle_lock_minutes", "3").with_value("printer", "HP LaserJet 前台")
    assert (s.idle_lock_minutes, s.printer) == (3, "HP LaserJet 前台")
    assert s.with_value("idle_lock_minutes", "").idle_lock_minutes is None
    for key, bad in (("idle_lock_minutes", "0"), ("idle_lock_minutes", "abc"), ("backup_keep", "1000")):
        with pytest.raises(InvalidInput, match="之间的整数"):
            s.with_value(key, bad)
    with pytest.raises(InvalidInput, match="未知的本机设置项"):
        s.with_value("colour", "red")


def test_round_trip_in_utf8(tmp_path: Path) -> None:
    store = MachineSettingsStore(tmp_path)
    assert store.load() == MachineSettings()  # no file yet: defaults
    settings = MachineSettings("https://zwfw.example.gov.cn", "前台打印机（𬌗）", 7, 30)
    store.save(settings)
    assert "前台打印机（𬌗）" in (tmp_path / "machine.ini").read_text(encoding="utf-8")
    assert MachineSettingsStore(tmp_path).load() == settings


def test_a_damaged_file_falls_back_value_by_value(tmp_path: Path) -> None:
    (tmp_path / "machine.ini").write_text(
        "[counter]\nserver_url = not a url\nprinter = 前台\nidle_lock_minutes = -3\nbackup_keep = 20\n",
        encoding="utf-8")
    store = MachineSettingsStore(tmp_path)
    assert store.load() == MachineSettings(printer="前台", backup_keep=20)
    assert len(store.problems) == 2 and "中心服务器地址" in store.problems[0]
    (tmp_path / "machine.ini").write_bytes(b"\xff\xfe garbage [[[")
    assert store.load() == MachineSettings()
    assert "无法读取" in store.problems[0]


def test_a_failed_save_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = MachineSettingsStore(tmp_path)
    store.save(MachineSettings(printer="旧打印机"))

    def no_space(*_a: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    with pytest.raises(StorageError, match="本机设置未能保存"):
        store.save(MachineSettings(printer="新打印机"))
    monkeypatch.undo()
    assert store.load().printer == "旧打印机"
    assert [p.name for p in tmp_path.iterdir()] == ["machine.ini"]  # no temporary file left behind


def test_this_pc_overrides_the_hall_and_changes_are_audited(services: Services) -> None:
    assert services.idle_lock_minutes() == 5 and services.backup_keep() == 14  # hall defaults
    admin_actor = Actor(None, "信息科", roles=frozenset({"admin"}))
    services.save_machine_settings(admin_actor, MachineSettings(idle_lock_minutes=2, backup_keep=30))
    assert services.idle_lock_minutes() == 2 and services.backup_keep() == 30
    reopened = Services.open(services.ctx.db.path)
    try:
        assert reopened.idle_lock_minutes() == 2  # kept in the data folder, beside the database
    finally:
        reopened.close()
    from sqlite3 import connect

    with connect(services.ctx.db.path) as c:
        rows = c.execute("SELECT summary FROM audit_event WHERE action = 'machine.settings'").fetchall()
    assert len(rows) == 1 and "无操作自动锁屏（分钟） 默认→2" in rows[0][0]


def test_admin_command_sets_and_shows(tmp_path: Path, capsys) -> None:
    folder = str(tmp_path)
    assert admin(["--data", folder, "machine-set", "printer", "HP 前台"]) == 0
    assert admin(["--data", folder, "machine-set", "idle_lock_minutes", "500"]) == 2
    assert "1 到 120" in capsys.readouterr().err
    assert admin(["--data", folder, "machine-show"]) == 0
    out = capsys.readouterr().out
    assert "printer = HP 前台" in out and "idle_lock_minutes = " in out
