"""The admin command on an encrypted store: created so by setup, unlocked by a staff password or the
recovery key, a plain store from before encryption encrypted by it. Real files, no mocks."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from app.backup import backup_now, check_integrity, list_backups
from app.cli import main
from app.clock import FixedClock
from app.context import Actor
from app.paths import LOCK_FILE
from app.services import Services
from app.store_encryption import (
    ENCRYPTED,
    PLAIN,
    prepare_new_store,
    store_state,
    unlock_with_password,
    unlock_with_recovery,
)
from app.store_key import KEYRING_NAME, Keyring, StoreLocked, keyring_path
from db.engine import connect_raw
from tests.app.kit import IntakeKit, pending_ops
from tests.conftest import DEFAULT_NOW

DB = "counter-desk.sqlite3"
CODE = re.compile(r"\b[A-Z2-9]{4}(?:-[A-Z2-9]{4}){5}\b")


def _code(out: str) -> str:
    codes = CODE.findall(out)
    assert len(codes) == 1, out
    return str(codes[0])


@pytest.fixture(autouse=True)
def _no_credentials_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COUNTER_DESK_PASSWORD", raising=False)
    monkeypatch.delenv("COUNTER_DESK_RECOVERY_KEY", raising=False)


@pytest.fixture(scope="session")
def demo_folder_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A data folder set up by ``setup --demo`` (once: it takes a while), and what it printed."""
    folder = tmp_path_factory.mktemp("cli-encrypted") / "data"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--data", str(folder), "setup", "--demo"]) == 0
    return folder, out.getvalue()


@pytest.fixture
def demo(tmp_path: Path, demo_folder_template: tuple[Path, str]) -> tuple[Path, str]:
    """A copy of that folder, and its recovery key."""
    source, out = demo_folder_template
    folder = tmp_path / "data"
    shutil.copytree(source, folder)
    return folder, _code(out)


def _plainly_readable(path: Path) -> bool:
    con = sqlite3.connect(path)
    try:
        con.execute("select count(*) from sqlite_master").fetchone()
        return True
    except sqlite3.DatabaseError:
        return False
    finally:
        con.close()




# -- a new store ---------------------------------------------------------------------------------
def test_setup_demo_creates_an_encrypted_store_and_shows_its_recovery_key_once(
        demo_folder_template: tuple[Path, str], demo: tuple[Path, str], capsys) -> None:
    _, out = demo_folder_template  # what setup --demo printed on an empty data folder
    folder, code = demo
    assert "已完成设置：示范县政务服务中心 01号窗口" in out
    assert _code(out) == code and "只显示这一次" in out and "不要存放在本机上" in out
    db = folder / DB
    assert store_state(db) == ENCRYPTED
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(db).execute("select count(*) from sqlite_master")
    key = unlock_with_recovery(db, code)
    assert check_integrity(db, key).ok
    assert main(["--data", str(folder), "--recovery-key", code.lower(), "show-parameters"]) == 0
    assert "idle_lock_minutes = " in capsys.readouterr().out
    # the hall's staff can open it with their own password from the start
    assert unlock_with_password(db, "zhangmin", "demo1234") == key


def test_a_failed_first_setup_leaves_nothing_behind(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "data"
    assert main(["--data", str(folder), "setup", "--demo", "--window", "99"]) == 2
    captured = capsys.readouterr()
    assert "99" in captured.err and not CODE.search(captured.out)  # no key shown for a store that is gone
    assert not (folder / DB).exists() and not (folder / KEYRING_NAME).exists()
    assert main(["--data", str(folder), "show-parameters"]) == 2  # creates no store either
    assert "尚未完成首次设置" in capsys.readouterr().err
    assert not (folder / DB).exists()


def test_setup_is_not_repeated_on_an_encrypted_store(demo, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, code = demo
    assert main(["--data", str(folder), "setup", "--demo"]) == 2
    assert "不能重复设置" in capsys.readouterr().err
    monkeypatch.setenv("COUNTER_DESK_RECOVERY_KEY", code)
    assert main(["--data", str(folder), "setup", "--demo"]) == 2
    assert "不能重复设置" in capsys.readouterr().err


# -- unlocking -----------------------------------------------------------------------------------
def test_without_credentials_a_command_says_what_to_give(demo, capsys) -> None:
    folder, _ = demo
    for command in (["show-parameters"], ["backup"], ["check"], ["verify-audit"], ["recovery-key"]):
        assert main(["--data", str(folder), *command]) == 2
        err = capsys.readouterr().err
        assert "本机数据已加密" in err and "--login" in err and "--recovery-key" in err
        assert "COUNTER_DESK_PASSWORD" in err and "COUNTER_DESK_RECOVERY_KEY" in err
    assert list_backups(folder / "backups") == []  # nothing was done


def test_a_staff_login_with_the_password_from_the_environment(demo, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, _ = demo
    monkeypatch.setenv("COUNTER_DESK_PASSWORD", "demo1234")
    assert main(["--data", str(folder), "--login", "zhangmin", "set-parameter", "idle_lock_minutes", "4"]) == 0
    assert main(["--data", str(folder), "show-parameters", "--login", "zhangmin"]) == 0  # after the command too
    assert "idle_lock_minutes = 4" in capsys.readouterr().out
    assert main(["--data", str(folder), "--login", "zhangmin", "verify-audit"]) == 0
    assert "审计记录校验通过" in capsys.readouterr().out

    monkeypatch.setenv("COUNTER_DESK_PASSWORD", "demo12345")
    assert main(["--data", str(folder), "--login", "zhangmin", "show-parameters"]) == 2
    assert "用户名或密码不正确" in capsys.readouterr().err
    monkeypatch.setenv("COUNTER_DESK_PASSWORD", "demo1234")
    assert main(["--data", str(folder), "--login", "nobody", "show-parameters"]) == 2
    assert "尚未在本机登录过" in capsys.readouterr().err


def test_a_login_without_a_password_and_no_terminal_is_refused(demo, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, _ = demo
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal: no prompt
    assert main(["--data", str(folder), "--login", "zhangmin", "show-parameters"]) == 2
    assert "COUNTER_DESK_PASSWORD" in capsys.readouterr().err


def test_a_wrong_recovery_key_is_refused_and_it_comes_before_a_login(demo, capsys,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    folder, code = demo
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    monkeypatch.setenv("COUNTER_DESK_PASSWORD", "demo1234")
    assert main(["--data", str(folder), "--recovery-key", wrong, "--login", "zhangmin", "show-parameters"]) == 2
    assert "恢复密钥不正确" in capsys.readouterr().err
    monkeypatch.setenv("COUNTER_DESK_RECOVERY_KEY", code)
    assert main(["--data", str(folder), "show-parameters"]) == 0


# -- a new recovery key --------------------------------------------------------------------------
def test_recovery_key_makes_a_new_one_and_the_old_one_stops_working(demo, capsys,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    folder, old = demo
    db = folder / DB
    assert main(["--data", str(folder), "--recovery-key", old, "backup"]) == 0  # a keyring copy in backups/
    capsys.readouterr()
    assert main(["--data", str(folder), "--recovery-key", old, "recovery-key"]) == 0
    out = capsys.readouterr().out
    new = _code(out)
    assert new != old and "原恢复密钥已作废" in out
    key = unlock_with_recovery(db, new)
    with pytest.raises(StoreLocked):
        unlock_with_recovery(db, old)
    backup_ring = folder / "backups" / DB  # the copy beside the backups does not open with it either
    assert unlock_with_recovery(backup_ring, new) == key
    with pytest.raises(StoreLocked):
        unlock_with_recovery(backup_ring, old)
    assert main(["--data", str(folder), "--recovery-key", old, "show-parameters"]) == 2
    assert "恢复密钥不正确" in capsys.readouterr().err
    # a staff password still opens it, and makes the next one
    monkeypatch.setenv("COUNTER_DESK_PASSWORD", "demo1234")
    assert main(["--data", str(folder), "--login", "zhangmin", "recovery-key"]) == 0
    newer = _code(capsys.readouterr().out)
    assert unlock_with_recovery(db, newer) == key
    con = connect_raw(db, key)
    try:
        events = con.execute("SELECT actor_name, entity, summary, detail FROM audit_event "
                             "WHERE action = 'store.recovery_key'").fetchall()
    finally:
        con.close()
    assert len(events) == 2
    for actor, entity, summary, detail in events:
        assert actor == "信息科（命令行）" and entity == "device" and "恢复密钥" in summary
        text = f"{summary}{detail}"
        assert all(c not in text and c.replace("-", "") not in text for c in (old, new, newer))


def test_recovery_key_is_refused_while_the_app_runs_and_on_a_plain_store(demo, db_path: Path, tmp_path: Path,
                                                                        capsys) -> None:
    folder, code = demo
    (folder / LOCK_FILE).write_text(f"{os.getpid()}\n", encoding="utf-8")
    assert main(["--data", str(folder), "--recovery-key", code, "recovery-key"]) == 2
    assert f"进程 {os.getpid()}" in capsys.readouterr().err
    assert unlock_with_recovery(folder / DB, code)  # unchanged
    plain = tmp_path / "plain"
    plain.mkdir()
    shutil.copyfile(db_path, plain / DB)
    assert main(["--data", str(plain), "recovery-key"]) == 2
    assert "counter-desk-admin encrypt" in capsys.readouterr().err


# -- a plain store from before encryption ----------------------------------------------------------
def _open_case(services: Services) -> None:
    """A real intake: it queues an outbox operation for the server."""
    clerk = services.auth.login("zhangmin", "demo1234")
    kit = IntakeKit(services)
    matter = kit.matter(deferral=False)
    services.intake.open_case(Actor(clerk.id, clerk.name), kit.request(matter.id), window_id=clerk.window_id)


def _plain_folder_with_pending_work(tmp_path: Path, db_path: Path) -> Path:
    folder = tmp_path / "plain"
    folder.mkdir()
    db = folder / DB
    shutil.copyfile(db_path, db)
    services = Services.open_demo(db, FixedClock(DEFAULT_NOW))  # no key: a plain file
    try:
        _open_case(services)
        _open_case(services)
    finally:
        services.close()
    return folder


def test_a_plain_store_still_works_with_a_reminder(tmp_path: Path, db_path: Path, capsys) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    shutil.copyfile(db_path, folder / DB)
    assert main(["--data", str(folder), "show-parameters"]) == 0
    captured = capsys.readouterr()
    assert "idle_lock_minutes = " in captured.out
    assert captured.err.count("\n") == 1
    assert "尚未加密" in captured.err and "counter-desk-admin encrypt" in captured.err
    assert store_state(folder / DB) == PLAIN


def test_encrypt_keeps_the_pending_operations_and_then_only_the_printed_key_opens_it(
        tmp_path: Path, db_path: Path, capsys) -> None:
    folder = _plain_folder_with_pending_work(tmp_path, db_path)
    db = folder / DB
    assert main(["--data", str(folder), "backup"]) == 0
    before = pending_ops(db, None)
    assert len(before) >= 2
    capsys.readouterr()

    (folder / LOCK_FILE).write_text(f"{os.getpid()}\n", encoding="utf-8")
    assert main(["--data", str(folder), "encrypt"]) == 2  # not under the running app
    assert f"进程 {os.getpid()}" in capsys.readouterr().err and store_state(db) == PLAIN
    (folder / LOCK_FILE).unlink()

    assert main(["--data", str(folder), "encrypt"]) == 0
    out = capsys.readouterr().out
    code = _code(out)
    assert "已加密备份 1 份" in out and "恢复密钥打开" in out
    assert store_state(db) == ENCRYPTED and not _plainly_readable(db)
    backups = list_backups(folder / "backups")
    assert len(backups) == 1 and not _plainly_readable(backups[0])
    key = unlock_with_recovery(db, code)
    assert pending_ops(db, key) == before
    assert check_integrity(db, key).ok and check_integrity(backups[0], key).ok
    with pytest.raises(StoreLocked, match="尚未在本机登录过"):  # nobody has signed in since
        unlock_with_password(db, "zhangmin", "demo1234")
    assert main(["--data", str(folder), "show-parameters"]) == 2
    assert main(["--data", str(folder), "--recovery-key", code, "show-parameters"]) == 0
    assert main(["--data", str(folder), "encrypt"]) == 0
    assert "无需再加密" in capsys.readouterr().out


def test_encrypt_with_a_login_lets_that_person_open_it(tmp_path: Path, db_path: Path, capsys,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _plain_folder_with_pending_work(tmp_path, db_path)
    db = folder / DB
    before = pending_ops(db, None)
    monkeypatch.setenv("COUNTER_DESK_PASSWORD", "wrong-one")
    assert main(["--data", str(folder), "encrypt", "--login", "zhangmin"]) == 2  # checked first
    assert "用户名或密码不正确" in capsys.readouterr().err
    assert store_state(db) == PLAIN and not keyring_path(db).exists()
    monkeypatch.setenv("COUNTER_DESK_PASSWORD", "demo1234")
    assert main(["--data", str(folder), "encrypt", "--login", "zhangmin"]) == 0
    code = _code(capsys.readouterr().out)
    key = unlock_with_recovery(db, code)
    assert unlock_with_password(db, "zhangmin", "demo1234") == key
    assert pending_ops(db, key) == before
    assert main(["--data", str(folder), "--login", "zhangmin", "check"]) == 0
    assert "数据文件完好" in capsys.readouterr().out
    assert Keyring.load(db).staff_count() == 1


def test_encrypt_needs_a_store(tmp_path: Path, capsys) -> None:
    assert main(["--data", str(tmp_path / "none"), "encrypt"]) == 2
    assert "还没有数据文件" in capsys.readouterr().err


# -- files: backup, check, list, restore -----------------------------------------------------------
def test_backup_check_list_and_restore_on_an_encrypted_store(demo, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, code = demo
    db = folder / DB
    key = unlock_with_recovery(db, code)
    monkeypatch.setenv("COUNTER_DESK_PASSWORD", "demo1234")
    login = ["--data", str(folder), "--login", "zhangmin"]
    assert main([*login, "backup"]) == 0
    backups = list_backups(folder / "backups")
    assert len(backups) == 1 and not _plainly_readable(backups[0]) and check_integrity(backups[0], key).ok
    assert (folder / "backups" / KEYRING_NAME).exists()
    assert main([*login, "check"]) == 0
    assert "数据文件完好" in capsys.readouterr().out

    assert main(["--data", str(folder), "list-backups"]) == 0  # needs nothing: lists them unchecked
    captured = capsys.readouterr()
    assert f"{backups[0]} 已加密（未校验）" in captured.out and "--login" in captured.err
    assert main([*login, "list-backups"]) == 0
    assert f"{backups[0]} 完好" in capsys.readouterr().out

    assert main([*login, "set-parameter", "idle_lock_minutes", "7"]) == 0  # after the backup
    db.write_bytes(b"broken" * 1000)
    assert main([*login, "check"]) == 1
    assert "已损坏" in capsys.readouterr().out
    assert main(["--data", str(folder), "restore", str(backups[0])]) == 2  # the key first
    assert "本机数据已加密" in capsys.readouterr().err
    assert main([*login, "restore", str(backups[0])]) == 0
    assert "已恢复" in capsys.readouterr().out
    assert main([*login, "check"]) == 0
    assert main([*login, "show-parameters"]) == 0
    assert "idle_lock_minutes = 7" not in capsys.readouterr().out  # as it was at the backup


def test_restore_refuses_a_backup_the_key_does_not_open(demo, tmp_path: Path, capsys) -> None:
    """Another store's backup (another key) is not put in place of this one."""
    folder, code = demo
    other = tmp_path / "other" / DB  # another (empty) store, under its own key
    other_key, _ = prepare_new_store(other, DEFAULT_NOW)
    Services.open(other, key=other_key).close()
    foreign = backup_now(other, other.parent / "backups", keep=1, now=DEFAULT_NOW, key=other_key)
    before = (folder / DB).read_bytes()
    assert main(["--data", str(folder), "--recovery-key", code, "restore", str(foreign)]) == 2
    assert "不是这份数据的备份" in capsys.readouterr().err
    assert (folder / DB).read_bytes() == before
    assert main(["--data", str(folder), "restore", str(tmp_path / "no-such.sqlite3")]) == 2
    assert "找不到备份文件" in capsys.readouterr().err
    assert (folder / DB).exists()


def test_restore_into_a_new_data_folder_takes_the_keyring_kept_with_the_backups(demo, tmp_path: Path,
                                                                                capsys) -> None:
    """The PC is replaced: its backups folder, copied to the new one, is restored with the recovery key."""
    folder, code = demo
    assert main(["--data", str(folder), "--recovery-key", code, "backup"]) == 0
    carried = tmp_path / "usb"
    shutil.copytree(folder / "backups", carried)
    new = tmp_path / "new-pc"
    backup = list_backups(carried)[0]
    assert main(["--data", str(new), "restore", str(backup)]) == 2
    assert main(["--data", str(new), "--recovery-key", code, "restore", str(backup)]) == 0
    assert store_state(new / DB) == ENCRYPTED
    assert main(["--data", str(new), "--recovery-key", code, "check"]) == 0
    assert main(["--data", str(new), "--recovery-key", code, "show-parameters"]) == 0
    assert unlock_with_password(new / DB, "zhangmin", "demo1234") == unlock_with_recovery(new / DB, code)


def test_check_without_the_keyring_says_what_is_missing(demo, capsys) -> None:
    folder, code = demo
    (folder / KEYRING_NAME).unlink()
    assert main(["--data", str(folder), "check"]) == 1
    assert KEYRING_NAME in capsys.readouterr().out
    assert main(["--data", str(folder), "--recovery-key", code, "show-parameters"]) == 2
    assert "找不到本机密钥文件" in capsys.readouterr().err
