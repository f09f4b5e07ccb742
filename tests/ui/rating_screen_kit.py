"""Two virtual screens for the rating screen's tests, and a real demo store to rate on.

Qt's offscreen platform (Qt 6.5+) takes a JSON ``configfile`` listing its screens; the screens are
fixed when the QApplication starts, so the tests that need a second screen run in a pytest
subprocess started with ``QT_QPA_PLATFORM=offscreen:configfile=…`` (tests/ui/test_rating_screen_two_screens.py).
Names are as Windows gives them; the offscreen platform makes the first name (in sort order) the
primary screen: DISPLAY1, the clerk's.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

CLERK_SCREEN = "\\\\.\\DISPLAY1"
APPLICANT_SCREEN = "\\\\.\\DISPLAY2"
CLERK_SIZE = (1366, 768)
APPLICANT_SIZE = (1280, 800)
ROOT = Path(__file__).resolve().parents[2]


def screens_config(folder: Path) -> Path:
    """The offscreen platform's configuration: the clerk's monitor, the applicant's to its right."""
    path = folder / "two_screens.json"

    def screen(name: str, x: int, size: tuple[int, int]) -> dict[str, object]:
        return {"name": name, "x": x, "y": 0, "width": size[0], "height": size[1], "logicalDpi": 96,
                "logicalBaseDpi": 96, "dpr": 1}

    path.write_text(json.dumps({"synchronousWindowSystemEvents": False, "windowFrameMargins": False, "screens": [
        screen(CLERK_SCREEN, 0, CLERK_SIZE), screen(APPLICANT_SCREEN, CLERK_SIZE[0], APPLICANT_SIZE)]}),
        encoding="utf-8")
    return path


def two_screen_env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_CURRENT"))}
    env["QT_QPA_PLATFORM"] = f"offscreen:configfile={screens_config(folder)}"
    return env


def run_with_two_screens(args: list[str], folder: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """``python <args>`` from the repository root with two virtual screens."""
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=two_screen_env(folder), capture_output=True,
                          text=True, timeout=timeout, check=False)


def ratings(db_path: Path) -> list[tuple[object, ...]]:
    """(case_id, level, reasons, comment, callback_phone, channel, trigger) of every stored rating."""
    with sqlite3.connect(db_path) as con:
        return list(con.execute("SELECT case_id, level, reasons, comment, callback_phone, channel, trigger "
                                "FROM rating ORDER BY rated_at").fetchall())


def followups(db_path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_path) as con:
        return list(con.execute("SELECT rating_id, status FROM rating_followup").fetchall())
