"""The admin command: catalogue import/export and calendar overrides, on a real data folder.

These run on a plain store (as from before encryption), which keeps working without a key;
the encrypted store: test_cli_encrypted.py."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from app.cli import main
from app.resources import resource_path
from app.services import Services


def test_catalogue_export_edit_import_round_trip(tmp_path: Path, db_path: Path, capsys) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copyfile(db_path, folder / "counter-desk.sqlite3")
    xlsx = tmp_path / "事项目录.xlsx"
    assert main(["--data", str(folder), "export-catalogue", str(xlsx)]) == 0
    assert xlsx.exists()
    data = json.loads(resource_path("demo", "catalogue.json").read_text(encoding="utf-8"))
    code, original = data["matters"][0]["code"], data["matters"][0]["name"]
    data["matters"][0]["name"] = original + "（修订）"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert main(["--data", str(folder), "import-catalogue", str(edited)]) == 0
    assert "已导入 34 个事项" in capsys.readouterr().out
    assert _name(folder, code) == original + "（修订）"
    assert main(["--data", str(folder), "import-catalogue", str(xlsx)]) == 0  # the export imports back
    assert _name(folder, code) == original
    data["matters"][0]["promised_days"] = 999
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert main(["--data", str(folder), "import-catalogue", str(bad)]) == 2
    assert "承诺时限" in capsys.readouterr().err
    assert _name(folder, code) == original  # a refused file changes nothing


def _name(folder: Path, code: str) -> str:
    s = Services.open_demo(folder / "counter-desk.sqlite3")
    try:
        return next(m.name for m in s.catalogue.matters() if m.code == code)
    finally:
        s.close()


def test_calendar_override(tmp_path: Path, db_path: Path, capsys) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copyfile(db_path, folder / "counter-desk.sqlite3")
    assert main(["--data", str(folder), "calendar-set", "2026-03-03", "holiday", "大厅搬迁停办"]) == 0
    s = Services.open_demo(folder / "counter-desk.sqlite3")
    cal = s.ctx.calendar()
    assert not cal.is_working_day(dt.date(2026, 3, 3))
    assert cal.add_working_days(dt.date(2026, 3, 2), 1) == dt.date(2026, 3, 4)
    s.close()
    assert main(["--data", str(folder), "calendar-show", "2026-03"]) == 0
    assert "2026-03-03 二 休息" in capsys.readouterr().out


def test_parameters_are_checked_and_audited(tmp_path: Path, db_path: Path, capsys) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copyfile(db_path, folder / "counter-desk.sqlite3")
    assert main(["--data", str(folder), "set-parameter", "idle_lock_minutes", "3"]) == 0
    assert main(["--data", str(folder), "set-parameter", "notify_limit_days", "9"]) == 2
    assert "1 到 5" in capsys.readouterr().err
    assert main(["--data", str(folder), "set-parameter", "no_such_key", "1"]) == 2
    assert main(["--data", str(folder), "set-parameter", "text.acceptance.body", "本机关已受理。"]) == 0
    assert main(["--data", str(folder), "show-parameters"]) == 0
    out = capsys.readouterr().out
    assert "idle_lock_minutes = 3" in out and "text.acceptance.body = 本机关已受理。" in out
    import sqlite3

    with sqlite3.connect(folder / "counter-desk.sqlite3") as c:
        assert c.execute("SELECT count(*) FROM audit_event WHERE action = 'parameter.set'").fetchone()[0] == 2


def test_backup_check_and_restore_commands(tmp_path: Path, db_path: Path, capsys) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copyfile(db_path, folder / "counter-desk.sqlite3")
    assert main(["--data", str(folder), "backup"]) == 0
    assert "本机数据尚未加密" in capsys.readouterr().err  # the reminder, once per command
    backups = list((folder / "backups").glob("*.sqlite3"))
    assert len(backups) == 1
    assert main(["--data", str(folder), "check"]) == 0
    (folder / "counter-desk.sqlite3").write_bytes(b"broken" * 1000)
    assert main(["--data", str(folder), "check"]) == 1
    assert "已损坏" in capsys.readouterr().out
    assert main(["--data", str(folder), "restore", str(backups[0])]) == 0
    assert "恢复的备份未加密" in capsys.readouterr().err
    assert main(["--data", str(folder), "check"]) == 0
    assert "数据文件完好" in capsys.readouterr().out
