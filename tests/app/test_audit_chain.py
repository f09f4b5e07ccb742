"""The counter's audit trail is a hash chain: every event names the one before it and hashes its own
content, and a check end to end names the first edited, deleted or inserted row. Rows are tampered
with by plain sqlite3, the way someone with the data file would (dropping the append-only
triggers first)."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from app.audit_chain import GENESIS, BreakKind, ChainBreak, entry_hash, event_content
from app.cli import main
from app.clock import FixedClock
from app.context import Actor
from app.services import Services
from app.sync.checksum import canonical_json
from tests.app.kit import IntakeKit
from tests.db.test_upgrade_from_release import AFTER, RELEASE

COLUMNS = "id, at, actor_id, actor_name, device_id, action, entity, entity_id, case_id, summary, detail"


def _work(services: Services, actor, n: int = 3) -> None:
    kit = IntakeKit(services)
    for i in range(n):
        services.intake.open_case(actor, kit.request(kit.matter().id, name=f"李明{i}"), window_id=None)


def _chain(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as c:
        return c.execute(f"SELECT seq, prev_hash, hash, {COLUMNS} FROM audit_event ORDER BY seq").fetchall()


def _recomputed(row: tuple) -> str:
    seq, prev, _hash, id_, at, actor_id, actor_name, device_id, action, entity, entity_id, case_id, summary, \
        detail = row
    content = event_content(
        id=id_, at=dt.datetime.fromisoformat(at), actor_id=actor_id, actor_name=actor_name, device_id=device_id,
        action=action, entity=entity, entity_id=entity_id, case_id=case_id, summary=summary,
        detail=json.loads(detail) if detail else {},
    )
    return entry_hash(content, seq, prev)


def tamper(path: Path, *sql: str, args: tuple = ()) -> None:
    """Change the file behind the app's back: no triggers, no chain."""
    con = sqlite3.connect(path)
    try:
        con.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        con.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        for statement in sql:
            con.execute(statement, args if "?" in statement else ())
        con.commit()
    finally:
        con.close()


def _copy_of_row(path: Path, seq: int) -> dict:
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        return dict(con.execute("SELECT * FROM audit_event WHERE seq = ?", (seq,)).fetchone())
    finally:
        con.close()


def _insert(path: Path, row: dict) -> None:
    names = ", ".join(row)
    tamper(path, f"INSERT INTO audit_event ({names}) VALUES ({', '.join('?' * len(row))})", args=tuple(row.values()))


# -- the chain as written -----------------------------------------------------------------------


def test_every_event_carries_the_previous_hash_and_its_own(services: Services, actor, db_path: Path) -> None:
    _work(services, actor)
    rows = _chain(db_path)
    assert len(rows) >= 3
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0][1] == GENESIS
    for before, row in itertools.pairwise(rows):
        assert row[1] == before[2]
    assert all(len(r[2]) == 64 and r[2] == _recomputed(r) for r in rows)
    report = services.audit_chain.verify()
    assert report.ok and report.checked == len(rows) and report.last_seq == len(rows) and report.head == rows[-1][2]
    assert "校验通过" in report.describe()


def test_two_events_in_one_transaction_are_chained_in_order(services: Services, actor, db_path: Path) -> None:
    _work(services, actor, n=1)
    with services.ctx.action() as s:
        for n in (1, 2):
            services.ctx.audit(s, actor, action="test.step", entity="case", entity_id="x", summary=f"第{n}步")
    rows = _chain(db_path)
    assert [r[12] for r in rows[-2:]] == ["第1步", "第2步"] and rows[-1][1] == rows[-2][2]
    assert services.audit_chain.verify().ok


# -- tampering, each detected -------------------------------------------------------------------


@pytest.fixture
def worked(services: Services, actor, db_path: Path) -> Path:
    _work(services, actor, n=6)
    assert len(_chain(db_path)) >= 6
    return db_path


def _first_break(services: Services) -> ChainBreak:
    report = services.audit_chain.verify()
    assert not report.ok and report.broken is not None
    return report.broken


def test_an_edited_summary_is_named(services: Services, worked: Path) -> None:
    tamper(worked, "UPDATE audit_event SET summary = summary || '（已撤回）' WHERE seq = 3")
    broken = _first_break(services)
    assert (broken.kind, broken.seq) == (BreakKind.EDITED, 3)
    assert broken.id == _copy_of_row(worked, 3)["id"]
    assert "第 3 条记录" in broken.describe() and "被改动" in broken.describe()


@pytest.mark.parametrize("column, value", [("actor_name", "王𬌗"), ("at", "2026-03-01 08:00:00.000000"),
                                           ("detail", '{"op_id": "x"}'), ("hash", "0" * 64)])
def test_any_edited_column_is_named(services: Services, worked: Path, column: str, value: str) -> None:
    tamper(worked, f"UPDATE audit_event SET {column} = ? WHERE seq = 2", args=(value,))
    assert (_first_break(services).kind, _first_break(services).seq) == (BreakKind.EDITED, 2)


def test_an_edit_with_the_hash_recomputed_breaks_the_next_link(services: Services, worked: Path) -> None:
    row = _chain(worked)[1]
    edited = (*row[:12], "已更正", row[13])
    tamper(worked, "UPDATE audit_event SET summary = '已更正', hash = ? WHERE seq = 2", args=(_recomputed(edited),))
    broken = _first_break(services)
    assert (broken.kind, broken.seq) == (BreakKind.INSERTED, 3)  # 3 no longer follows 2


def test_a_deleted_event_is_named(services: Services, worked: Path) -> None:
    tamper(worked, "DELETE FROM audit_event WHERE seq = 4")
    broken = _first_break(services)
    assert (broken.kind, broken.seq, broken.last_missing) == (BreakKind.DELETED, 4, 4)
    assert broken.describe() == "第 4 条记录缺失（被删除）"


def test_several_deleted_events_are_named_as_a_range(services: Services, worked: Path) -> None:
    tamper(worked, "DELETE FROM audit_event WHERE seq IN (2, 3)")
    broken = _first_break(services)
    assert (broken.kind, broken.seq, broken.last_missing) == (BreakKind.DELETED, 2, 3)
    assert "第 2–3 条记录缺失" in broken.describe()


def test_a_deleted_first_event_is_named(services: Services, worked: Path) -> None:
    tamper(worked, "DELETE FROM audit_event WHERE seq = 1")
    assert (_first_break(services).kind, _first_break(services).seq) == (BreakKind.DELETED, 1)


def test_an_event_inserted_without_a_place_in_the_chain_is_named(services: Services, worked: Path) -> None:
    row = {**_copy_of_row(worked, 2), "id": "0190f0f0-0000-7000-8000-000000000001", "summary": "补录",
           "seq": None, "prev_hash": None, "hash": None}
    _insert(worked, row)
    broken = _first_break(services)
    assert (broken.kind, broken.seq, broken.id) == (BreakKind.INSERTED, None, row["id"])
    assert "被插入" in broken.describe()


def test_an_event_inserted_at_the_end_with_a_made_up_link_is_named(services: Services, worked: Path) -> None:
    last = _chain(worked)[-1][0]
    row = {**_copy_of_row(worked, last), "id": "0190f0f0-0000-7000-8000-000000000002", "seq": last + 1,
           "prev_hash": "f" * 64, "hash": "e" * 64}
    _insert(worked, row)
    broken = _first_break(services)
    assert (broken.kind, broken.seq) == (BreakKind.INSERTED, last + 1)


def test_an_event_inserted_between_two_is_named(services: Services, worked: Path) -> None:
    row = {**_copy_of_row(worked, 3), "id": "0190f0f0-0000-7000-8000-000000000003", "seq": 3.5}
    _insert(worked, row)
    broken = _first_break(services)
    assert (broken.kind, broken.id) == (BreakKind.INSERTED, row["id"])


def test_renumbering_to_make_room_is_named(services: Services, worked: Path) -> None:
    last = _chain(worked)[-1][0]
    for seq in range(last, 2, -1):
        tamper(worked, f"UPDATE audit_event SET seq = {seq + 1} WHERE seq = {seq}")
    _insert(worked, {**_copy_of_row(worked, 2), "id": "0190f0f0-0000-7000-8000-000000000004", "seq": 3})
    broken = _first_break(services)
    assert broken.seq == 3 and broken.kind in (BreakKind.INSERTED, BreakKind.EDITED)


def test_work_after_a_break_goes_on_and_the_break_stays_named(services: Services, actor, worked: Path) -> None:
    tamper(worked, "UPDATE audit_event SET summary = 'x' WHERE seq = 2")
    _work(services, actor, n=1)
    assert (_first_break(services).kind, _first_break(services).seq) == (BreakKind.EDITED, 2)


def test_a_stopped_check_reports_what_it_walked(services: Services, worked: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    report = services.audit_chain.verify(cancel)
    assert report.ok and report.checked == 1


# -- the admin command ---------------------------------------------------------------------------


def _folder(tmp_path: Path, db_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    with sqlite3.connect(db_path) as src, sqlite3.connect(folder / "counter-desk.sqlite3") as dst:
        src.backup(dst)
    return folder


def test_verify_audit_command(tmp_path: Path, worked: Path, capsys) -> None:
    folder = _folder(tmp_path, worked)
    assert main(["--data", str(folder), "verify-audit"]) == 0
    assert "审计记录校验通过" in capsys.readouterr().out
    tamper(folder / "counter-desk.sqlite3", "DELETE FROM audit_event WHERE seq = 5")
    assert main(["--data", str(folder), "verify-audit"]) == 1
    out = capsys.readouterr().out
    assert "审计记录校验未通过：第 5 条记录缺失（被删除）" in out and "第 1–4 条完好" in out


# -- the upgrade chains the events already there, once ------------------------------------------


@pytest.fixture
def upgraded_release(tmp_path: Path) -> Path:
    target = tmp_path / "counter-desk.sqlite3"
    shutil.copyfile(RELEASE, target)
    return target


def test_the_upgrade_chains_existing_events_in_the_order_written(upgraded_release: Path) -> None:
    with sqlite3.connect(upgraded_release) as c:
        written = [r[0] for r in c.execute("SELECT id FROM audit_event ORDER BY at, id")]
    services = Services.open_demo(upgraded_release, FixedClock(AFTER))
    try:
        report = services.audit_chain.verify()
        assert report.ok and report.checked == len(written) == 30
        rows = _chain(upgraded_release)
        assert [r[3] for r in rows] == written and [r[0] for r in rows] == list(range(1, 31))
        assert all(r[2] == _recomputed(r) for r in rows)  # the migration's hash is the app's
        kit = IntakeKit(services)
        info = services.auth.login("zhangmin", "demo1234")
        services.intake.open_case(Actor(info.id, info.name), kit.request(kit.matter().id, name="林新"),
                                  window_id=None)
        after = _chain(upgraded_release)
        assert after[30][0] == 31 and after[30][1] == rows[-1][2]  # new work continues the chain
        assert services.audit_chain.verify().ok
    finally:
        services.close()
    with sqlite3.connect(upgraded_release) as c, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        c.execute("UPDATE audit_event SET summary = 'x' WHERE seq = 1")  # the trigger came back


def test_reopening_does_not_chain_again(upgraded_release: Path) -> None:
    Services.open_demo(upgraded_release, FixedClock(AFTER)).close()
    first = _chain(upgraded_release)
    Services.open_demo(upgraded_release, FixedClock(AFTER)).close()
    assert _chain(upgraded_release) == first


def test_the_hash_is_sha256_over_canonical_json() -> None:
    content = {"summary": "收件：王𬌗", "detail": {"b": [1, {"z": None, "a": "甲"}], "a": 1.5}, "id": "x"}
    expected = hashlib.sha256(canonical_json({**content, "seq": 7, "prev_hash": GENESIS}).encode()).hexdigest()
    assert entry_hash(content, 7, GENESIS) == expected
