"""Killing the process right after decisions loses nothing the screen confirmed."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

CHILD = Path(__file__).with_name("kill_child.py")
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.parametrize("confirmations", [1, random.Random(7).randint(3, 8)])
def test_sigkill_after_confirmed_decisions(db_path: Path, confirmations: int) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(db_path), "1000"], stdout=subprocess.PIPE, text=True, env=env,
    )
    confirmed = []
    try:
        assert proc.stdout is not None
        while len(confirmed) < confirmations:
            line = proc.stdout.readline()
            assert line, "child ended before confirming"
            if line.startswith("CONFIRMED"):
                confirmed.append(line.split()[1])
        os.kill(proc.pid, signal.SIGKILL)  # right after the screen said so, mid-work on the next one
    finally:
        proc.kill()
        proc.wait(10)
    with sqlite3.connect(db_path) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        numbers = {r[0] for r in c.execute("SELECT number FROM cases")}
        ops = c.execute("SELECT count(*) FROM outbox_op WHERE kind = 'case.open'").fetchone()[0]
        audits = c.execute("SELECT count(*) FROM audit_event").fetchone()[0]
    assert set(confirmed) <= numbers
    # atomic: every committed case has exactly its outbox op and audit event, nothing half-written
    assert ops == len(numbers) == audits
