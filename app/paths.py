"""Where the counter keeps its data: the user data folder, unless told otherwise."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "CounterDesk"
DB_FILE = "counter-desk.sqlite3"


def data_dir(override: Path | None = None) -> Path:
    """``override``, else $COUNTER_DESK_DATA, else the platform's user data folder."""
    if override is not None:
        return override
    env = os.environ.get("COUNTER_DESK_DATA")
    if env:
        return Path(env)
    return Path(user_data_dir(APP_NAME, appauthor=False))


def database_path(folder: Path) -> Path:
    return folder / DB_FILE


LOCK_FILE = "counter-desk.lock"


def running_app_pid(folder: Path) -> int | None:
    """The PID of a Counter Desk window open on ``folder`` (from its instance lock), else None.

    Lets the admin command refuse a restore under a running app. A lock left by a crashed
    process names a dead PID and counts as not running.
    """
    try:
        pid = int((folder / LOCK_FILE).read_text(encoding="utf-8", errors="replace").split("\n", 1)[0])
    except (OSError, ValueError):
        return None
    return pid if pid > 0 and process_alive(pid) else None


def process_alive(pid: int) -> bool:
    if os.name == "nt":  # pragma: no cover - Windows only; os.kill would terminate the process there
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
