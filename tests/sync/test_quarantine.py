"""Conflicts and rejections go to quarantine with the server's reason and the original data; the
local record is not overwritten while they wait; a 首席代表 settles them (a clerk cannot), and
nothing is deleted; later operations sync as if nothing happened."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select, update

from app.dto import DecisionInput, EnquiryInput
from app.errors import InvalidInput, NotPermitted
from db.models import Staff
from tests.app.kit import IntakeKit
from tests.sync.kit import Hall, actor, intake, login, names, ops, unverified


def _deactivate_on_server(hall: Hall, login_name: str) -> None:
    with hall.server.db.write() as s:
        s.execute(update(Staff).where(Staff.login == login_name).values(active=False))


def _status_of(counter, case_id: str) -> str:
    return counter.intake.get(case_id).status


@pytest.fixture
def quarantined(hall: Hall):
    """Counter b voids a case that counter a accepted meanwhile (conflict), and records an enquiry
    for a clerk the hall deactivated on the server (rejected); then a normal enquiry."""
    a, b = hall.counter("a", "01"), hall.counter("b", "02")
    case = intake(a, decision=None, name="吴收件")
    a.sync.sync_once()
    b.sync.sync_once()
    kit = IntakeKit(a)
    a.intake.decide(actor(a), case.id, case.version, DecisionInput("accept"), kit.materials(case.matter_id))
    a.sync.sync_once()
    b.lifecycle.void(actor(b, "liqiang"), case.id, case.version, "申请人撤回申请")
    _deactivate_on_server(hall, "wangxin")
    gone = login(b, "wangxin")
    b.enquiries.record(actor(b, "wangxin"), gone.hall_id, gone.window_id, EnquiryInput(topic="离职人员的登记"))
    b.enquiries.record(actor(b), gone.hall_id, None, EnquiryInput(topic="之后的登记"))
    report = b.sync.sync_once()
    return a, b, case, report


def test_conflict_and_rejection_are_quarantined_with_reason_and_original_data(quarantined) -> None:
    a, b, case, report = quarantined
    assert (report.pushed, report.applied, report.conflicts, report.rejected) == (3, 1, 1, 1)
    assert report.pending_after == 0
    conflict, rejection = b.sync.quarantine()
    assert (conflict.result, conflict.code, conflict.kind) == ("conflict", "state_mismatch", "case.void")
    assert "已受理" in conflict.message and conflict.actor_name == "李强"
    assert conflict.payload["case"]["status"] == "voided" and conflict.payload["reason"] == "申请人撤回申请"
    assert conflict.server_row is not None and conflict.server_row["status"] == "accepted"
    assert (rejection.result, rejection.code) == ("rejected", "not_authorised")
    assert rejection.payload["topic"] == "离职人员的登记" and "不是本大厅在岗人员" in rejection.message
    assert b.sync.status().quarantined == 2
    # the clerk's version stays on this counter while it waits, also after later pulls
    assert _status_of(b, case.id) == "voided"
    view = a.intake.get(case.id)
    a.lifecycle.complete(actor(a), case.id, view.version, approved=True, result="准予许可")
    a.sync.sync_once()
    b.sync.sync_once()
    assert _status_of(b, case.id) == "voided"
    assert unverified(b) == []  # kept-aside server versions count in the checksum: no re-pull loop


def test_only_a_chief_resolves_and_nothing_is_deleted(quarantined) -> None:
    _, b, case, _ = quarantined
    conflict, rejection = b.sync.quarantine()
    with pytest.raises(NotPermitted, match="首席代表（本部门）或中心管理员"):
        b.sync.resolve(actor(b), conflict.op_id, "我来处理")
    with pytest.raises(InvalidInput, match="处理说明"):
        b.sync.resolve(actor(b, "liqiang"), conflict.op_id, "  ")
    b.sync.resolve(actor(b, "liqiang"), conflict.op_id, "已与一号窗口核实，办件以中心为准")
    with pytest.raises(InvalidInput, match="不在待处理"):
        b.sync.resolve(actor(b, "liqiang"), conflict.op_id, "再处理一次")
    assert [q.op_id for q in b.sync.quarantine()] == [rejection.op_id]
    settled = next(q for q in b.sync.quarantine(include_resolved=True) if q.op_id == conflict.op_id)
    assert settled.resolved_by == "李强" and settled.resolution_note.startswith("已与一号窗口核实")
    assert settled.resolved_at is not None and settled.payload == conflict.payload  # kept for the record
    assert _status_of(b, case.id) == "accepted"  # the server's version, taken over once settled
    b.sync.resolve(actor(b, "admin"), rejection.op_id, "该人员已调离，登记作废")
    assert b.sync.quarantine() == [] and b.sync.status().quarantined == 0
    assert len(b.sync.quarantine(include_resolved=True)) == 2
    assert [op.status for op in ops(b)].count("resolved") == 2  # never deleted
    with sqlite3.connect(b.ctx.db.path) as con:
        audit = con.execute("SELECT actor_name, summary FROM audit_event WHERE action = 'sync.resolve'").fetchall()
    assert [who for who, _ in audit] == ["李强", "黄伟"]
    assert "办件以中心为准" in audit[0][1]
    b.sync.sync_once()
    assert unverified(b) == []


def test_later_operations_still_sync(quarantined, hall: Hall) -> None:
    a, b, _, _ = quarantined
    intake(b, name="郑后来")
    report = b.sync.sync_once()
    assert (report.applied, report.conflicts, report.rejected, report.pending_after) == (1, 0, 0, 0)
    a.sync.sync_once()
    assert names(a, "郑后来") == ["郑后来"]
    with hall.server.db.snapshot() as s:
        assert s.scalars(select(Staff.active).where(Staff.login == "wangxin")).one() is False
