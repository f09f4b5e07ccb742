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
