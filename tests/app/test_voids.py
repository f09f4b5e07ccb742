"""The void-number register (作废号登记): voiding a spoiled paper or a skipped number, who may, the
paper issued again under a new number, the register as PDF and Excel."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.context import Actor
from app.errors import InvalidInput, NotPermitted
from app.numbering import parse_station_number
from app.voids.model import RegisterQuery
from tests.app.kit import IntakeKit


def _parse(number: str) -> tuple[str, int, int] | None:
    """(kind, year, serial) of a number of this standalone store (marked with its window, 01)."""
    parts = parse_station_number(number)
    return (parts[1], parts[2], parts[3]) if parts and parts[0] == "01" else None


def _accepted(services, actor, kit: IntakeKit):
    view = services.intake.open_case(actor, kit.request(kit.matter(case_type="promised").id), window_id=None)
    return view, next(n for n in view.notices if n.kind == "acceptance")


def _authorised(services, clerk, case_id: str, login: str = "liqiang") -> Actor:
    return services.auth.authorise(login, "demo1234", clerk.id, "notice.void", case_id=case_id)


def test_void_then_reprint_gets_a_new_number_and_the_old_one_is_in_the_register(
        services, actor, clerk, kit, clock) -> None:
    view, paper = _accepted(services, actor, kit)
    doc = services.notices.prepare(actor, paper.id, "acceptance")
    chief = _authorised(services, clerk, view.id)
    assert chief.at_desk_of == clerk.id
    result = services.voids.void_notice(chief, paper.id, "misprint", "打印错位，重新打印")
    assert result.replacement_number and result.replacement_number != paper.number
    old, new = _parse(paper.number), _parse(result.replacement_number)
    assert old and new and new[0] == old[0] and new[2] > old[2]
    case = services.lifecycle.get(view.id)
    shown = {n.number: n for n in case.notices}
    assert shown[paper.number].void and "打印错位" in shown[paper.number].void_note
    assert result.replacement_number in shown[paper.number].void_note
    assert not shown[result.replacement_number].void
    # the reprint is a first print of the new paper, under the new number
    again = services.notices.prepare(actor, result.replacement_id, "acceptance")
    assert not again.reprint and again.number == result.replacement_number
    assert doc.path.exists() and result.stamped_pdf is not None and result.stamped_pdf.exists()
    stamped = "".join(p.extract_text() for p in PdfReader(result.stamped_pdf).pages)
    assert "作废" in stamped and paper.number in stamped
    register = services.voids.register(chief, RegisterQuery(clock.at.date(), clock.at.date()))
    [entry] = register.entries
    assert (entry.number, entry.voided_by, entry.requested_by, entry.replaced_by) == (
        paper.number, "李强", clerk.name, result.replacement_number)
    with sqlite3.connect(services.ctx.db.path) as c:
        op = c.execute("SELECT kind, entity_id, actor_id FROM outbox_op ORDER BY client_seq DESC").fetchone()
        audit = c.execute("SELECT summary FROM audit_event WHERE action = 'notice.void'").fetchone()
    assert op == ("notice.void", view.id, chief.id)
    assert "授权办理" in audit[0]
    with pytest.raises(InvalidInput, match="已作废"):
        services.voids.void_notice(chief, paper.id, "misprint", "再来一次")
    with pytest.raises(InvalidInput, match="不能再打印"):
        services.notices.prepare(actor, paper.id, "acceptance")
    with pytest.raises(NotPermitted, match="作废号登记簿"):
        services.voids.register(actor, RegisterQuery(clock.at.date(), clock.at.date()))


def test_a_clerk_alone_is_refused_and_the_chief_of_another_department_too(services, actor, clerk, kit) -> None:
    view, paper = _accepted(services, actor, kit)
    with pytest.raises(NotPermitted, match="首席代表"):
        services.voids.void_notice(actor, paper.id, "torn", "卡纸撕破")
    other = services.auth.login("chenjing", "demo1234")
    with pytest.raises(NotPermitted, match="本部门"):
        services.voids.void_notice(Actor(other.id, other.name), paper.id, "torn", "卡纸撕破")
    with pytest.raises(NotPermitted, match="陈静不能授权"):
        _authorised(services, clerk, view.id, "chenjing")
    business = services.auth.login("liuyang", "demo1234")
    result = services.voids.void_notice(Actor(business.id, business.name), paper.id, "left", "申请人离开未取",
                                        reissue=False)
    assert result.replacement_number is None
    with sqlite3.connect(services.ctx.db.path) as c:
        assert c.execute("SELECT void FROM notice WHERE id = ?", (paper.id,)).fetchone() == (1,)


def test_a_skipped_number_is_voided_and_never_handed_out(services, actor, chief, kit, clock) -> None:
    _, paper = _accepted(services, actor, kit)
    serial = _parse(paper.number)[2]  # type: ignore[index]
    skipped = paper.number[:-6] + f"{serial + 1:06d}"
    with pytest.raises(InvalidInput, match="已出具文书"):
        services.voids.void_number(chief, paper.number, "skipped", "跳号")
    with pytest.raises(NotPermitted):
        services.voids.void_number(actor, skipped, "skipped", "跳号")
    entry = services.voids.void_number(chief, skipped, "skipped", "打印机卡纸，未出具")
    assert not entry.with_paper and entry.case_number == ""
    _, later = _accepted(services, actor, kit)
    assert _parse(later.number)[2] == serial + 2  # type: ignore[index]
    with pytest.raises(InvalidInput, match="已登记作废"):
        services.voids.void_number(chief, skipped, "skipped", "跳号")
    with pytest.raises(InvalidInput, match="不属于本大厅"):
        services.voids.void_number(chief, "XX-2026-SL000001", "skipped", "跳号")


def test_register_by_period_type_and_window_as_pdf_and_excel(services, actor, chief, kit, clock, tmp_path) -> None:
    _, first = _accepted(services, actor, kit)
    services.voids.void_notice(chief, first.id, "misprint", "打印错位")
    clock.at += dt.timedelta(days=1)
    view, _ = _accepted(services, actor, kit)
    receipt = next(n for n in view.notices if n.kind == "receipt")
    services.voids.void_notice(chief, receipt.id, "torn", "卡纸撕破")
    day1, day2 = clock.at.date() - dt.timedelta(days=1), clock.at.date()
    assert [e.number for e in services.voids.register(chief, RegisterQuery(day1, day1)).entries] == [first.number]
    both = services.voids.register(chief, RegisterQuery(day1, day2))
    assert len(both.entries) == 2
    only = services.voids.register(chief, RegisterQuery(day1, day2, kind="receipt"))
    assert [e.number for e in only.entries] == [receipt.number] and only.kind_label == "收件回执"
    window = services.voids.windows()[0][0]
    assert len(services.voids.register(chief, RegisterQuery(day1, day2, window_id=window)).entries) in (0, 2)
    pdf = services.voids.write_pdf(both, tmp_path / "register.pdf")
    reader = PdfReader(pdf)
    text = "".join(p.extract_text() for p in reader.pages)
    assert "作废号登记簿" in text and first.number in text and receipt.number in text and "卡纸撕破" in text
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # A4 landscape
    fonts = {str(f) for p in reader.pages for f in p["/Resources"]["/Font"].values()}
    assert fonts
    xlsx = services.voids.write_excel(both, tmp_path / "register.xlsx")
    ws = load_workbook(io.BytesIO(xlsx.read_bytes())).active
    rows = list(ws.iter_rows(values_only=True))
    assert "作废号登记簿" in rows[0][0] and rows[2][1] == "文书编号"
    assert {rows[3][1], rows[4][1]} == {first.number, receipt.number}
    assert isinstance(rows[3][7], dt.datetime)
