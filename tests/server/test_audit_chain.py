"""The server keeps its own hash chain per hall over the operations it applied; a check end to end
names the first edited, deleted or inserted entry. Entries are tampered with by raw SQL on the
database itself (SQLite and PostgreSQL), the way someone with database access would."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import select, text

from app.audit_chain import GENESIS, BreakKind, entry_hash
from server import audit_chain, push
from server.audit_chain import op_digest, verify_hall
from server.cli import main
from server.oputil import IncomingOp
from server.schema import AuditChainEntry, InboxOp
from tests.server.kit import ServerKit, intake, outbox


def _entries(server: ServerKit) -> list[AuditChainEntry]:
    with server.db.snapshot() as s:
        return list(s.scalars(select(AuditChainEntry).where(AuditChainEntry.hall_id == server.hall_id)
                              .order_by(AuditChainEntry.seq)))


def _raw(server: ServerKit, sql: str, **params: Any) -> None:
    with server.db.engine.begin() as conn:
        conn.execute(text(sql), params)


def _incoming(op: dict[str, Any]) -> IncomingOp:
    return IncomingOp(op_id=op["op_id"], client_seq=op["client_seq"], kind=op["kind"], entity_id=op["entity_id"],
                      actor_id=op["actor_id"], payload=op["payload"], created_at=op.get("created_at"),
                      clock_skew_seconds=op.get("clock_skew_seconds"))


@pytest.fixture
def pushed(server: ServerKit, counters) -> list[dict[str, Any]]:
    """Five applied ops from one counter, chained 1..5."""
    counter = counters.new("a")
    for name in ("李明", "王芳", "赵雷", "钱多", "孙丽"):
        intake(counter, name=name)
    ops = outbox(counter)
    assert [r["status"] for r in server.push(server.enrol(), ops)["results"]] == ["applied"] * 5
    return ops


def test_each_applied_op_is_chained_with_a_digest_of_op_and_answer(server: ServerKit, pushed) -> None:
    entries = _entries(server)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert [e.op_id for e in entries] == [o["op_id"] for o in pushed]
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    with server.db.snapshot() as s:
        answers = {i.op_id: i.answer for i in s.scalars(select(InboxOp))}
    assert all(e.digest == op_digest(_incoming(o), answers[o["op_id"]]) for e, o in zip(entries, pushed, strict=True))
    report = verify_hall(server.db, server.hall_id)
    assert report.ok and report.checked == 5 and report.head == entries[-1].hash


def test_replays_and_refused_ops_add_nothing_and_later_pushes_continue(server: ServerKit, counters,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    counter, device = counters.new("a"), server.enrol()
    for name in ("李明", "王芳"):
        intake(counter, name=name)
    ops = outbox(counter)
    server.push(device, ops)
    server.push(device, ops)  # a replay
    server.push(server.enrol("02"), ops)  # the same ops from another device: duplicates
    unknown = {**ops[0], "op_id": "01900000-0000-7000-8000-0000000000aa", "client_seq": 50, "kind": "no.such"}
    assert server.push(device, [unknown])["results"][0]["status"] == "rejected"
    assert [e.seq for e in _entries(server)] == [1, 2]
    monkeypatch.setattr(push, "OPS_PER_TRANSACTION", 2)  # the head carried across locked chunks
    for name in ("周一", "吴二", "郑三"):
        intake(counter, name=name)
    assert [r["status"] for r in server.push(device, outbox(counter, after=2))["results"]] == ["applied"] * 3
    assert [e.seq for e in _entries(server)] == [1, 2, 3, 4, 5]
    assert verify_hall(server.db, server.hall_id).ok


@pytest.mark.parametrize("sql, kind, seq", [
    ("UPDATE audit_chain_entry SET actor_id = 'someone-else' WHERE seq = 3", BreakKind.EDITED, 3),
    ("UPDATE audit_chain_entry SET kind = 'case.void' WHERE seq = 1", BreakKind.EDITED, 1),
    ("UPDATE audit_chain_entry SET digest = repeat('0', 64) WHERE seq = 5", BreakKind.EDITED, 5),
    ("DELETE FROM audit_chain_entry WHERE seq = 2", BreakKind.DELETED, 2),
    ("DELETE FROM audit_chain_entry WHERE seq IN (3, 4)", BreakKind.DELETED, 3),
    ("UPDATE audit_chain_entry SET seq = seq + 10 WHERE seq = 5", BreakKind.DELETED, 5),
])
def test_tampering_is_named(server: ServerKit, pushed, sql: str, kind: BreakKind, seq: int) -> None:
    if server.db.is_sqlite:
        sql = sql.replace("repeat('0', 64)", "'" + "0" * 64 + "'")
    _raw(server, sql)
    report = verify_hall(server.db, server.hall_id)
    assert report.broken is not None
    assert (report.broken.kind, report.broken.seq) == (kind, seq)
    assert report.last_seq == seq - 1


def test_an_inserted_entry_is_named(server: ServerKit, pushed) -> None:
    last = _entries(server)[-1]
    _raw(server, "INSERT INTO audit_chain_entry (hall_id, seq, op_id, kind, device_id, actor_id, at, digest, "
                 "prev_hash, hash) VALUES (:hall, 6, 'forged-op', :kind, :device, :actor, :at, :digest, :prev, :hash)",
         hall=server.hall_id, kind=last.kind, device=last.device_id, actor=last.actor_id, at=last.at,
         digest="1" * 64, prev="2" * 64, hash="3" * 64)
    broken = verify_hall(server.db, server.hall_id).broken
    assert broken is not None and (broken.kind, broken.seq, broken.id) == (BreakKind.INSERTED, 6, "forged-op")


def test_an_entry_replaced_with_a_recomputed_hash_breaks_the_next_link(server: ServerKit, pushed) -> None:
    e = _entries(server)[1]
    e.actor_id = "someone-else"
    forged = entry_hash(audit_chain._content(e), e.seq, e.prev_hash)
    _raw(server, "UPDATE audit_chain_entry SET actor_id = 'someone-else', hash = :h WHERE seq = 2", h=forged)
    broken = verify_hall(server.db, server.hall_id).broken
    assert broken is not None and (broken.kind, broken.seq) == (BreakKind.INSERTED, 3)


def test_verify_audit_command(server: ServerKit, pushed, tmp_path, capsys) -> None:
    args = ["--db", str(server.db.url.render_as_string(hide_password=False)), "--data", str(tmp_path),
            "verify-audit"]
    assert main(args) == 0
    assert "审计记录校验通过：共 5 条" in capsys.readouterr().out
    _raw(server, "DELETE FROM audit_chain_entry WHERE seq = 4")
    assert main([*args, "--hall", "DEMO"]) == 1
    assert "审计记录校验未通过：第 4 条记录缺失（被删除）" in capsys.readouterr().out
