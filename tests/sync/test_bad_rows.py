"""Issue #11, defence in depth: a row stored on the server that a counter would refuse (as an older
server let in: a case whose version is the text "two") is found and repaired by
``python -m server check-rows --repair``; the counters, which skipped it and said so, take the
repaired version and the note clears. On SQLite the table itself holds the bad value; on PostgreSQL
(which refuses text in an integer column) the stored change does."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.sync.protocol import hall_scope
from server.cli import main
from server.schema import ChangeLog, ScopeRow
from tests.sync.kit import Hall, hall_rows, intake


def _poison(hall: Hall, case_id: str) -> None:
    scope = hall_scope(hall.server.hall_id)
    with hall.server.db.write() as s:
        current = s.get(ScopeRow, (scope, "case", case_id))
        assert current is not None
        change = s.scalars(select(ChangeLog).where(ChangeLog.scope == scope, ChangeLog.seq == current.seq)).one()
        change.row = {**change.row, "version": "two"}
        if s.bind is not None and s.bind.dialect.name == "sqlite":
            s.execute(text("UPDATE cases SET version = 'two' WHERE id = :id"), {"id": case_id})


def test_check_rows_finds_and_repairs_what_counters_skip(hall: Hall, capsys: pytest.CaptureFixture[str]) -> None:
    a = hall.counter("a")
    good, bad = intake(a, name="韩一"), intake(a, name="韩二")
    a.sync.sync_once()
    _poison(hall, bad.id)
    url = str(hall.server.db.url.render_as_string(hide_password=False))

    b = hall.counter("b", "02")
    b.sync.sync_once()  # the hall still syncs: the bad row is skipped and named
    assert ("case", good.id) in hall_rows(b) and ("case", bad.id) not in hall_rows(b)
    assert any("无法接收" in w and bad.id[:8] in w for w in b.sync.status().warnings)

    capsys.readouterr()
    assert main(["--db", url, "check-rows"]) == 1
    out = capsys.readouterr().out
    assert f"case {bad.id}: case.version" in out and good.id not in out
    assert main(["--db", url, "check-rows", "--repair"]) == 0
    assert "repaired" in capsys.readouterr().out
    assert main(["--db", url, "check-rows"]) == 0

    b.sync.sync_once()
    assert ("case", bad.id) in hall_rows(b)
    assert not any("无法接收" in w for w in b.sync.status().warnings)
    a.sync.sync_once()  # and the PC that made it still syncs, its copy compared with the server's
    assert a.sync.status().last_error == ""
