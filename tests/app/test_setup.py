"""First-run setup from a hall's own files: checked as a whole, every problem listed, and a
refused or failed setup leaves the store empty so it can simply be tried again."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from app.cli import main as admin
from app.errors import InvalidInput, StorageError
from app.machine_settings import MachineSettings
from app.resources import resource_path
from app.services import Services
from app.setup import HallFileError, device_name, load_hall_file


def hall_data(**changes: Any) -> dict[str, Any]:
    """A small hall (two staff, so argon2 hashing stays quick) in the counter-desk-hall/1 format."""
    data: dict[str, Any] = {
        "format": "counter-desk-hall/1",
        "hall": {"code": "XQ", "name": "新区政务服务中心", "agency_name": "新区行政审批局", "phone": "0571-1"},
        "windows": [{"number": "01", "name": "综合窗口", "department_code": "SCJ"},
                    {"number": "07", "name": "社保窗口", "department_code": "RSJ"}],
        "staff": [{"login": "wangfang", "name": "王芳", "role": "clerk", "window_number": "07",
                   "department_code": "RSJ", "password": "chushi-2026"},
                  {"login": "it", "name": "信息科", "role": "admin", "window_number": None, "password": "chushi-2026"}],
        "parameters": {"idle_lock_minutes": "8"},
    }
    data.update(changes)
    return data


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def fresh(tmp_path: Path):
    services = Services.open(tmp_path / "data" / "counter-desk.sqlite3")
    yield services
    services.close()


CATALOGUE = resource_path("demo", "catalogue.json")


def test_a_hall_file_sets_up_the_hall_window_and_machine(fresh: Services, tmp_path: Path) -> None:
    assert not fresh.is_set_up()
    hall = load_hall_file(write(tmp_path / "hall.json", hall_data()))
    assert [w.label for w in hall.windows] == ["01号窗口 综合窗口", "07号窗口 社保窗口"]
    assert hall.staff_count == 2
    fresh.set_up(hall.path, CATALOGUE, "07", MachineSettings(server_url="https://zwfw.example.gov.cn"))
    assert fresh.is_set_up()
    assert device_name(fresh.ctx) == "新区政务服务中心 07号窗口"
    staff = fresh.auth.login("wangfang", "chushi-2026")
    assert staff.window_label.startswith("07")
    assert fresh.idle_lock_minutes() == 8  # the hall's parameter, this PC has none of its own
    assert fresh.machine_settings().server_url == "https://zwfw.example.gov.cn"
    assert len(fresh.catalogue.matters()) == 34
    assert fresh.ctx.calendar().is_working_day(dt.date(2026, 10, 10)) is True  # 调休上班


def test_every_problem_of_a_hall_file_is_listed_at_once(tmp_path: Path) -> None:
    data = hall_data(windows=[{"number": "01", "name": "综合窗口"}, {"number": "01", "name": "又一个"}])
    data["staff"] = [{"login": "a", "name": "甲", "role": "boss", "password": "short", "window_number": "09"},
                     {"login": "a", "name": "乙", "role": "clerk", "password": "long-enough"}]
    data["parameters"] = {"notify_limit_days": "9"}
    with pytest.raises(HallFileError) as err:
        load_hall_file(write(tmp_path / "bad.json", data))
    text = err.value.message
    for expected in ("窗口号 01 重复", "角色 role", "初始密码 password 至少 8 位", "窗口号 09 不在窗口列表中",
                     "登录名 a 重复", "至少应有一名中心管理员", "notify_limit_days"):
        assert expected in text
    assert len(err.value.errors) == 7


@pytest.mark.parametrize(("content", "expected"), [
    (b"{not json", "不是有效的 JSON"),
    (b"{}", "counter-desk-hall/1"),
    ("大厅".encode("gbk"), "UTF-8"),
])
def test_unreadable_hall_files_are_explained(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "hall.json"
    path.write_bytes(content)
    with pytest.raises(HallFileError, match=expected):
        load_hall_file(path)
    with pytest.raises(HallFileError, match="找不到文件"):
        load_hall_file(tmp_path / "missing.json")


def test_a_refused_setup_writes_nothing(fresh: Services, tmp_path: Path) -> None:
    # department RSJ exists in the demo catalogue, XYZ does not: caught before writing
    data = hall_data()
    data["windows"][1]["department_code"] = "XYZ"
    with pytest.raises(HallFileError, match="部门代码 XYZ 不在事项目录中"):
        fresh.set_up(write(tmp_path / "hall.json", data), CATALOGUE, "07")
    with pytest.raises(HallFileError, match="本机窗口号 99"):
        fresh.set_up(write(tmp_path / "hall2.json", hall_data()), CATALOGUE, "99")
    assert not fresh.is_set_up()
    assert _count(fresh, "matter") == 0 and _count(fresh, "staff") == 0


def test_a_setup_that_fails_while_writing_leaves_an_empty_store(fresh: Services, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import app.setup

    def disk_full(*_a: Any) -> None:
        raise StorageError("本机磁盘已满，本次操作未保存。")

    monkeypatch.setattr(app.setup, "_write_hall", disk_full)  # after the catalogue, inside the transaction
    with pytest.raises(StorageError):
        fresh.set_up(write(tmp_path / "hall.json", hall_data()), CATALOGUE, "01")
    assert _count(fresh, "matter") == 0  # the catalogue went back with the rest
    monkeypatch.undo()
    fresh.set_up(tmp_path / "hall.json", CATALOGUE, "01")  # and trying again works
    assert fresh.is_set_up()


def _count(services: Services, table: str) -> int:
    with sqlite3.connect(services.ctx.db.path) as c:
        return int(c.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_admin_command_sets_up_once_and_refuses_work_before(tmp_path: Path, capsys, monkeypatch) -> None:
    data = tmp_path / "data"
    assert admin(["--data", str(data), "show-parameters"]) == 2
    assert "尚未完成首次设置" in capsys.readouterr().err
    hall = write(tmp_path / "hall.json", hall_data())
    assert admin(["--data", str(data), "setup", str(hall), str(CATALOGUE)]) == 2  # no window given
    assert admin(["--data", str(data), "setup", str(hall), str(CATALOGUE), "--window", "07",
                  "--server", "10.1.2.3:8080"]) == 0
    assert "新区政务服务中心 07号窗口" in capsys.readouterr().out
    assert admin(["--data", str(data), "setup", "--demo"]) == 2
    assert "不能重复设置" in capsys.readouterr().err
    assert admin(["--data", str(data), "machine-show"]) == 0
    assert "server_url = https://10.1.2.3:8080" in capsys.readouterr().out
    monkeypatch.setenv("COUNTER_DESK_PASSWORD", "chushi-2026")  # the store is encrypted: IT signs in
    assert admin(["--data", str(data), "--login", "it", "show-parameters"]) == 0
    assert "idle_lock_minutes = 8" in capsys.readouterr().out


def test_server_address_is_checked_by_setup_too(fresh: Services, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="中心服务器地址"):
        MachineSettings().with_value("server_url", "ftp://zwfw")
    assert not fresh.is_set_up()
