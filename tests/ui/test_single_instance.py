"""A second start on the same data folder brings the first forward instead of opening the
database twice; another folder is independent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ui.single_instance import SingleInstance

ROOT = Path(__file__).resolve().parents[2]


def test_second_start_asks_the_first_to_show(qtbot, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    first = SingleInstance(folder)
    assert first.acquire()
    other = SingleInstance(tmp_path / "other")
    assert other.acquire()  # a different data folder is a different app
    code = ("import sys; from pathlib import Path; from PySide6.QtCore import QCoreApplication;"
            "from ui.single_instance import SingleInstance; app = QCoreApplication([]);"
            "sys.exit(0 if not SingleInstance(Path(sys.argv[1])).acquire() else 1)")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    with qtbot.waitSignal(first.activation_requested, timeout=10000):
        second = subprocess.Popen([sys.executable, "-c", code, str(folder)], env=env)
    assert second.wait(20) == 0  # the second process saw the first and stepped aside
    first.release()
    other.release()
    again = SingleInstance(folder)
    assert again.acquire()  # after the first quits, a new start proceeds
    again.release()


def test_restore_is_refused_while_the_app_has_the_folder(tmp_path: Path, db_path: Path, capsys) -> None:
    import shutil

    from app.cli import main as admin

    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copyfile(db_path, folder / "counter-desk.sqlite3")
    assert admin(["--data", str(folder), "backup"]) == 0
    backup = next((folder / "backups").glob("*.sqlite3"))
    running = SingleInstance(folder)
    assert running.acquire()
    assert admin(["--data", str(folder), "restore", str(backup)]) == 2
    assert f"进程 {os.getpid()}" in capsys.readouterr().err
    running.release()
    assert admin(["--data", str(folder), "restore", str(backup)]) == 0


def test_a_lock_left_by_a_dead_process_does_not_count(tmp_path: Path) -> None:
    from app.paths import LOCK_FILE, running_app_pid

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / LOCK_FILE).write_text(f"{dead.pid}\ncounter-desk\nhost\n", encoding="utf-8")
    assert running_app_pid(tmp_path) is None
    (tmp_path / LOCK_FILE).write_text(f"{os.getpid()}\ncounter-desk\nhost\n", encoding="utf-8")
    assert running_app_pid(tmp_path) == os.getpid()
