"""Papers of a case: what can be printed, the archive copy, print audit and 补打."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.documents.service import NoticeService
from app.dto import DecisionInput
from app.errors import StorageError
from tests.app.kit import IntakeKit


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_papers_of_each_decision(services, actor, kit: IntakeKit, clock) -> None:
    m = kit.matter(deferral=True)
    mats = [dataclasses.replace(x, status="deferred") if x.deferrable else x for x in kit.materials(m.id)]
    due = services.ctx.calendar().add_working_days(clock.now().date(), m.promised_days)
    view = services.intake.open_case(actor, kit.request(m.id, materials=mats, decision=DecisionInput(
        "accept_deferred", supply_deadline=due, commitment_signed=True)), window_id=None)
    kinds = [p.kind for p in services.notices.printables(view.id)]
    assert kinds == ["receipt", "deferred", "commitment"]
    view = services.lifecycle.supply_deferred(actor, view.id, view.version)
    view = services.lifecycle.complete(actor, view.id, view.version, approved=True, result="准予许可")
    view = services.lifecycle.deliver(actor, view.id, view.version, recipient="李明", recipient_id="11010519491231002X")
    kinds = [p.kind for p in services.notices.printables(view.id)]
    assert kinds[-2:] == ["completion", "pickup"]


def test_prepare_archives_the_pdf_and_a_second_print_is_a_reprint(services, actor, kit) -> None:
    view = services.intake.open_case(actor, kit.request(kit.matter().id, name="欧阳娜娜"), window_id=None)
    acceptance = next(p for p in services.notices.printables(view.id) if p.kind == "acceptance")
    doc = services.notices.prepare(actor, acceptance.notice_id, "acceptance")
    assert doc.path.exists() and doc.path.is_relative_to(services.ctx.db.path.parent / "pdf")
    assert not doc.reprint
    text = _text(doc.path)
    assert "欧阳娜娜" in text and acceptance.number in text and "补打" not in text
    services.notices.record_print(actor, doc, "PDF")
    again = services.notices.prepare(actor, acceptance.notice_id, "acceptance")
    assert again.reprint and again.path != doc.path and "补打" in _text(again.path)
    services.notices.record_print(actor, again, "PDF")
    with sqlite3.connect(services.ctx.db.path) as c:
        rows = c.execute("SELECT action, actor_name, summary FROM audit_event WHERE entity = 'notice' "
                         "ORDER BY at, rowid").fetchall()
    assert [r[0] for r in rows] == ["notice.print", "notice.reprint"]
    assert rows[1][1] == actor.name and "补打" in rows[1][2]
    assert next(p for p in services.notices.printables(view.id) if p.kind == "acceptance").times_printed == 2


def test_archive_that_cannot_be_written_keeps_the_decision(services, actor, kit, tmp_path: Path) -> None:
    view = services.intake.open_case(actor, kit.request(kit.matter().id), window_id=None)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")
    notices = NoticeService(services.ctx, archive=blocked)
    receipt = services.notices.printables(view.id)[0]
    with pytest.raises(StorageError, match="受理决定已保存"):
        notices.prepare(actor, receipt.notice_id, receipt.kind)
    assert services.intake.get(view.id).status == "accepted"


def test_dates_on_paper_have_no_leading_zeros(services, actor, kit, clock) -> None:
    clock.at = dt.datetime(2026, 3, 2, 9, 0)
    view = services.intake.open_case(actor, kit.request(kit.matter().id), window_id=None)
    receipt = services.notices.printables(view.id)[0]
    assert "2026年3月2日" in _text(services.notices.prepare(actor, receipt.notice_id, "receipt").path)


def test_papers_written_at_the_same_time_to_one_file_all_succeed(tmp_path) -> None:
    """Two renders of one paper meeting (two previews, a preview and a print) on a folder that does
    not exist yet: each writes its own temporary file, the last rename wins, nobody fails."""
    import threading

    from app.documents.service import write_atomically

    target = tmp_path / "pdf" / "2026" / "DEMO-2026-SJ000001-receipt.pdf"
    start, errors = threading.Barrier(8), []

    def write(i: int) -> None:
        start.wait()
        try:
            write_atomically(target, b"%PDF-" + bytes([48 + i]) * 200_000)
        except Exception as exc:  # the test reports any failure
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    data = target.read_bytes()
    assert len(data) == 200_005 and len(set(data[5:])) == 1  # one writer's whole file
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary file left
