"""ID numbers and phones in the ledger: search takes the full number, every list, view and export shows
it masked, and the case's own view reveals it only through an audited call. Real services on a
temporary SQLite file; no Qt."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from app.context import Actor
from app.dto import Applicant, IntakeRequest, LedgerQuery, PiiField
from app.errors import NotFound, NotPermitted
from app.ledger import REVEAL_ACTION
from tests.app.kit import IntakeKit, resident_id

WANG_ID = resident_id("32010619880212345")
WANG_PHONE = "13912345678"
AGENT_ID = resident_id("11010519800101123")


def _open(services, actor, kit: IntakeKit, *, name: str = "王𬌗", id_number: str = WANG_ID, phone: str = WANG_PHONE):
    m = kit.matter(case_type="promised")
    request = IntakeRequest(m.id, Applicant("person", name, id_number, phone, agent_name="赵刚",
                                            agent_id_number=AGENT_ID), tuple(kit.materials(m.id)), decision=None)
    return services.intake.open_case(actor, request, window_id=None)


def _audit(db_path: Path, action: str) -> list[tuple]:
    with sqlite3.connect(db_path) as c:
        return c.execute("SELECT actor_id, actor_name, entity_id, case_id, summary, detail FROM audit_event "
                         "WHERE action = ? ORDER BY seq", (action,)).fetchall()


def test_search_by_the_full_id_or_phone_finds_the_case_and_the_rows_carry_them_masked(services, actor, kit) -> None:
    case = _open(services, actor, kit)
    other = services.intake.open_case(actor, kit.request(kit.matter().id, name="李明"), window_id=None)
    for text in (WANG_ID, WANG_ID.lower(), WANG_PHONE, "139 1234 5678", "王𬌗"):
        rows = services.ledger.search(LedgerQuery(text=text))
        assert [r.id for r in rows] == [case.id], text
        row = rows[0]
        assert row.applicant_name == "王𬌗"  # names are never masked, rare characters intact
        assert row.applicant_id_masked == WANG_ID[:6] + "********" + WANG_ID[-4:]
        assert row.applicant_phone_masked == "139****5678"
        assert WANG_ID not in repr(row) and WANG_PHONE not in repr(row)
    every = services.ledger.search(LedgerQuery())
    assert {r.id for r in every} == {case.id, other.id}
    assert all("*" in r.applicant_id_masked for r in every)
    home = services.ledger.home(services.auth.login("zhangmin", "demo1234").hall_id)
    assert all(WANG_ID not in repr(r) for r in (*home.red, *home.yellow))


def test_the_case_view_carries_every_number_masked(services, actor, kit) -> None:
    case = _open(services, actor, kit)
    for view in (case, services.intake.get(case.id)):
        a = view.applicant
        assert a.name == "王𬌗" and a.agent_name == "赵刚"
        assert a.id_number == WANG_ID[:6] + "********" + WANG_ID[-4:]
        assert a.phone == "139****5678"
        assert a.agent_id_number == AGENT_ID[:6] + "********" + AGENT_ID[-4:]
        assert WANG_ID not in repr(view) and WANG_PHONE not in repr(view) and AGENT_ID not in repr(view)


def test_a_reveal_gives_the_full_value_and_is_audited_with_who_which_case_which_field(
    services, actor, kit, db_path
) -> None:
    case = _open(services, actor, kit)
    assert services.ledger.reveal(actor, case.id, PiiField.APPLICANT_ID) == WANG_ID
    assert services.ledger.reveal(actor, case.id, PiiField.APPLICANT_PHONE) == WANG_PHONE
    assert services.ledger.reveal(actor, case.id, PiiField.AGENT_ID) == AGENT_ID
    rows = _audit(db_path, REVEAL_ACTION)
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [(actor.id, actor.name, case.id, case.id)] * 3
    assert [json.loads(r[5])["field"] for r in rows] == ["applicant_id_number", "applicant_phone", "agent_id_number"]
    assert rows[0][4] == f"查看完整申请人证件号码（{case.number}）"
    assert all(WANG_ID not in r[4] + r[5] and WANG_PHONE not in r[4] + r[5] for r in rows)  # not the number itself
    # an audit event, not a step of the case: 办理过程 stays the steps
    assert all("查看完整" not in e.summary for e in services.ledger.timeline(case.id))
    assert services.audit_chain.verify().ok  # appended as links of the hash chain


def test_no_reveal_without_a_staff_member_or_for_an_unknown_case(services, actor, kit, db_path) -> None:
    case = _open(services, actor, kit)
    with pytest.raises(NotPermitted):
        services.ledger.reveal(Actor.system(), case.id, PiiField.APPLICANT_ID)
    with pytest.raises(NotPermitted):
        services.ledger.reveal(Actor("no-such-staff", "冒名"), case.id, PiiField.APPLICANT_ID)
    with pytest.raises(NotFound):
        services.ledger.reveal(actor, "no-such-case", PiiField.APPLICANT_ID)
    assert _audit(db_path, REVEAL_ACTION) == []


def test_the_excel_export_holds_the_cases_with_no_full_id_or_phone(services, actor, kit, db_path, tmp_path) -> None:
    case = _open(services, actor, kit)
    services.intake.open_case(actor, kit.request(kit.matter().id, name="李明"), window_id=None)
    path = services.ledger.export_xlsx(actor, LedgerQuery(), tmp_path / "台账.xlsx")
    sheet = openpyxl.load_workbook(path).active
    cells = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    text = "\n".join(cells)
    assert case.number in cells and "王𬌗" in cells and "李明" in cells
    assert WANG_ID[:6] + "********" + WANG_ID[-4:] in cells and "139****5678" in cells
    for full in (WANG_ID, WANG_PHONE, "11010519491231002X", "13800138000"):
        assert full not in text
    assert [r[4] for r in _audit(db_path, "ledger.export")] == ["导出台账 2 件"]
    # the export follows the filters: searched by the full number, one case, still masked
    one = services.ledger.export_xlsx(actor, LedgerQuery(text=WANG_ID), tmp_path / "one.xlsx")
    rows = list(openpyxl.load_workbook(one).active.iter_rows(min_row=4, values_only=True))
    assert [r[0] for r in rows] == [case.number] and WANG_ID not in str(rows)
