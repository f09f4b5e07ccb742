"""Masked numbers as the clerk sees them: the ledger lists ID numbers masked (also when searched by the
full number), the case's own view shows them masked with 显示, which the keyboard reaches, reveals the
full number and writes an audit row; 隐藏 masks it again. Also the ledger's Excel export, and the app's
log file, which masks numbers in every line."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QTableView

import ui.main
from tests.ui.test_ledger import _search, open_case, resident_id
from ui.cases.case_dialog import CaseDialog
from ui.ledger.ledger_widget import LedgerWidget

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ID_COLUMN = 3


@pytest.fixture
def ledger(qtbot, services, runner, clerk, wait_idle) -> LedgerWidget:
    w = LedgerWidget(services, runner, clerk)
    qtbot.addWidget(w)
    w.resize(1280, 600)
    w.show()
    wait_idle()
    return w


def _reveals(db_path: Path) -> list[tuple]:
    with sqlite3.connect(db_path) as c:
        return c.execute("SELECT actor_id, entity_id, case_id, detail FROM audit_event WHERE action = 'case.reveal'"
                         " ORDER BY seq").fetchall()


def _find(parent, cls, name: str):
    w = parent.findChild(cls, name)
    assert w is not None, name
    return w


def test_the_ledger_lists_ids_masked_and_the_case_view_reveals_on_xianshi_with_an_audit_row(
    qtbot, services, actor, clerk, ledger, wait_idle, db_path
) -> None:
    wang_id = resident_id("32010219800101123")
    li_id = resident_id("11010519491231002")
    wang = open_case(services, actor, clerk, "王𬌗", wang_id, decide=False)
    open_case(services, actor, clerk, "欧阳娜娜", li_id)
    ledger.refresh()
    wait_idle()
    table = ledger.findChild(QTableView, "ledgerTable")
    shown = [table.model().index(r, c).data() for r in range(table.model().rowCount()) for c in range(8)]
    assert "王𬌗" in shown and "欧阳娜娜" in shown
    assert wang_id[:6] + "********" + wang_id[-4:] in shown and wang_id not in shown and li_id not in shown
    ledger.resize(1280, 360)
    assert ledger.grab().save(str(SCREENSHOTS / "ledger-masked.png"))

    table = _search(qtbot, ledger, wang_id, wait_idle)  # the full number finds it, the row shows it masked
    assert table.model().rowCount() == 1
    assert table.model().index(0, ID_COLUMN).data() == wang_id[:6] + "********" + wang_id[-4:]
    qtbot.keyClick(table, Qt.Key.Key_Return)  # the row selected: Enter opens the case
    qtbot.waitUntil(lambda: isinstance(ledger.case_dialog, CaseDialog) and ledger.case_dialog.view is not None)
    dialog = ledger.case_dialog
    wait_idle()
    text = _find(dialog, QLabel, "casePiiText_applicant_id_number")
    phone = _find(dialog, QLabel, "casePiiText_applicant_phone")
    assert text.text() == wang_id[:6] + "********" + wang_id[-4:] and phone.text() == "138****8000"
    assert _reveals(db_path) == []

    button = _find(dialog, QPushButton, "caseReveal_applicant_id_number")
    assert button.text() == "显示(&X)" and button.focusPolicy() & Qt.FocusPolicy.TabFocus
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)  # by keyboard
    qtbot.waitUntil(lambda: text.text() == wang_id)
    assert button.text() == "隐藏(&X)"
    assert phone.text() == "138****8000"  # only the field asked for
    (who, entity, case_id, detail), = _reveals(db_path)
    assert (who, entity, case_id, json.loads(detail)) == (clerk.id, wang.id, wang.id, {"field": "applicant_id_number"})
    dialog.resize(1140, 560)
    assert dialog.grab().save(str(SCREENSHOTS / "case-reveal.png"))

    qtbot.keyClick(button, Qt.Key.Key_Space)  # 隐藏: masked again, nothing asked
    assert text.text() == wang_id[:6] + "********" + wang_id[-4:] and button.text() == "显示(&X)"
    wait_idle()
    assert len(_reveals(db_path)) == 1
    qtbot.mouseClick(_find(dialog, QPushButton, "caseReveal_applicant_phone"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: phone.text() == "13800138000")
    assert [json.loads(r[3])["field"] for r in _reveals(db_path)] == ["applicant_id_number", "applicant_phone"]
    dialog.reject()


def test_the_ledger_export_has_the_rows_on_screen_masked(
    qtbot, services, actor, clerk, ledger, wait_idle, tmp_path
) -> None:
    wang_id = resident_id("32010219800101123")
    wang = open_case(services, actor, clerk, "王𬌗", wang_id, decide=False)
    ledger.refresh()
    wait_idle()
    ledger.export_to(tmp_path / "台账")
    wait_idle()
    assert ledger.exported == tmp_path / "台账.xlsx"
    assert "已导出" in _find(ledger, QLabel, "ledgerExportNote").text()
    values = [str(v) for row in openpyxl.load_workbook(ledger.exported).active.iter_rows(values_only=True)
              for v in row if v is not None]
    assert wang.number in values and "王𬌗" in values and "138****8000" in values
    assert wang_id not in "".join(values) and "13800138000" not in "".join(values)


def test_the_app_log_file_masks_ids_and_mobiles_whoever_logs_them(tmp_path) -> None:
    handler = ui.main.setup_logging(tmp_path / "logs")
    try:
        logging.getLogger("app.sync.push").warning("op rejected: applicant_id_number %s, phone %s, 申请人 王𬌗",
                                                   "11010519491231002X", "13800138000")
        try:
            raise RuntimeError("row (110105194912310021, 13912345678) refused")
        except RuntimeError:
            logging.getLogger("counterdesk.ui").exception("unexpected error")
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    text = (tmp_path / "logs" / "counter-desk.log").read_text(encoding="utf-8")
    for full in ("11010519491231002X", "13800138000", "110105194912310021", "13912345678"):
        assert full not in text
    assert "110105********002X, phone 138****8000, 申请人 王𬌗" in text
    assert "row (110105********0021, 139****5678) refused" in text  # in the traceback too
