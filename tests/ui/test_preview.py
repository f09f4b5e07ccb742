"""Preview, print to a PDF printer target, reprint marked 补打, and a failed print that can be repeated."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pypdf import PdfReader

from app.services import Services
from tests.app.kit import IntakeKit
from ui.cases.case_dialog import CaseDialog
from ui.documents.preview_dialog import NoticePreviewDialog
from ui.documents.printing import pdf_printer


def _audit(services: Services) -> list[str]:
    with sqlite3.connect(services.ctx.db.path) as c:
        return [r[0] for r in c.execute("SELECT action FROM audit_event WHERE entity = 'notice' ORDER BY rowid")]


def test_preview_print_reprint_and_failure(
    qtbot, services: Services, runner, clerk, actor, wait_idle, shown_errors, tmp_path: Path
) -> None:
    kit = IntakeKit(services)
    view = services.intake.open_case(actor, kit.request(kit.matter().id, name="王𬌗"), window_id=None)
    dialog = CaseDialog(services, runner, clerk, view.id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.show_documents()
    wait_idle()
    assert [p.kind for p in dialog.printables] == ["receipt", "acceptance"]

    def open_preview() -> NoticePreviewDialog:
        dialog.preview(1)
        wait_idle()
        p = dialog.preview_dialog
        qtbot.waitUntil(lambda: p.prepared is not None, timeout=10000)
        assert p.document.pageCount() >= 1 and p.print_button.isEnabled()
        return p

    preview = open_preview()
    assert not preview.prepared.reprint
    # a printer that fails: nothing recorded, the clerk can print again
    preview.print_to(pdf_printer(tmp_path / "missing-dir" / "out.pdf"), "坏打印机")
    wait_idle()
    assert "打印机无法开始打印" in shown_errors[-1]
    assert "可重新打印" in preview.status.text() and preview.print_button.isEnabled()
    assert _audit(services) == []
    # the real print, to a PDF printer target
    out = tmp_path / "printed.pdf"
    preview.print_to(pdf_printer(out), "PDF")
    wait_idle()
    assert out.exists() and len(PdfReader(out).pages) == preview.document.pageCount()
    assert _audit(services) == ["notice.print"]
    preview.close()
    wait_idle()
    # the second time it is a reprint, marked on paper and in the audit trail
    preview = open_preview()
    assert preview.prepared.reprint and "补打" in preview.status.text()
    assert "补打" in PdfReader(preview.prepared.path).pages[0].extract_text()
    preview.print_to(pdf_printer(tmp_path / "again.pdf"), "PDF")
    wait_idle()
    assert _audit(services) == ["notice.print", "notice.reprint"]
    assert services.intake.get(view.id).status == "accepted"  # printing never touched the decision


def test_a_character_no_font_has_stops_the_print_with_its_name(
    qtbot, services: Services, runner, clerk, actor, wait_idle, shown_errors
) -> None:
    kit = IntakeKit(services)
    view = services.intake.open_case(actor, kit.request(kit.matter().id, name="张\U000f0001"), window_id=None)
    dialog = CaseDialog(services, runner, clerk, view.id)
    qtbot.addWidget(dialog)
    wait_idle()
    dialog.preview(0)
    wait_idle()
    assert "\U000f0001" in shown_errors[-1] and "无法打印" in shown_errors[-1]
    assert not dialog.preview_dialog.print_button.isEnabled()


def test_after_a_decision_the_papers_are_one_keypress_away(
    qtbot, services: Services, runner, clerk, wait_idle
) -> None:
    from PySide6.QtCore import Qt

    from ui.intake.intake_widget import IntakeWidget

    w = IntakeWidget(services, runner, clerk)
    qtbot.addWidget(w)
    w.show()
    wait_idle()
    w.search.setText("yyzz")
    w._on_search_return()
    wait_idle()
    w.applicant.name.setText("李明")
    w.applicant.id_number.setText("11010519491231002X")
    w.materials.set_all("received")
    assert not w.print_button.isVisible()
    w.decision_buttons["decideAccept"].click()
    wait_idle()
    assert w.print_button.isVisible() and w.print_button.hasFocus()
    qtbot.keyClick(w.print_button, Qt.Key.Key_Space)
    wait_idle()
    dialog = w.case_dialog
    assert dialog.isVisible() and dialog.tabs.currentIndex() == 2
    assert [p.kind for p in dialog.printables] == ["receipt", "acceptance"]


def test_enter_on_a_paper_opens_one_preview_on_a_brand_new_data_folder(
    qtbot, services: Services, runner, clerk, actor, wait_idle, shown_errors
) -> None:
    """Enter on the 文书 tab: one preview for one key press (the table's activation, not also the
    dialog's default button), and no 无法保存 error on a data folder with no pdf/ folder yet."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    archive = services.ctx.db.path.parent / "pdf"
    assert not archive.exists()
    kit = IntakeKit(services)
    view = services.intake.open_case(actor, kit.request(kit.matter().id, name="李明"), window_id=None)
    dialog = CaseDialog(services, runner, clerk, view.id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.show_documents()
    wait_idle()
    dialog.notices.setFocus()
    dialog.notices.setCurrentCell(0, 0)
    qtbot.keyClick(dialog.notices, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.notices, Qt.Key.Key_Enter)  # a second request while the first is open shows it
    wait_idle()
    previews = [w for w in QApplication.topLevelWidgets() if isinstance(w, NoticePreviewDialog) and w.isVisible()]
    assert len(previews) == 1
    qtbot.waitUntil(lambda: previews[0].prepared is not None, timeout=10000)
    assert previews[0].document.pageCount() >= 1 and not previews[0].busy.isVisible()
    assert shown_errors == []
    assert sorted(p.name for p in archive.rglob("*") if p.is_file()) == [f"{dialog.printables[0].number}-receipt.pdf"]


def test_the_preview_writes_the_paper_off_the_gui_thread(qtbot, services: Services, runner, clerk, actor,
                                                         wait_idle, monkeypatch) -> None:
    """The paper is rendered and archived on a worker; the preview shows it from memory (an encrypted
    store's archive holds no plain file to read back)."""
    import threading

    import app.documents.service as notice_service

    main = threading.get_ident()
    readers: list[int] = []
    real = notice_service.write_atomically

    def spy(path: Path, data: bytes) -> None:
        readers.append(threading.get_ident())
        real(path, data)

    monkeypatch.setattr(notice_service, "write_atomically", spy)
    kit = IntakeKit(services)
    view = services.intake.open_case(actor, kit.request(kit.matter().id), window_id=None)
    dialog = CaseDialog(services, runner, clerk, view.id)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle()
    dialog.preview(0)
    preview = dialog.preview_dialog
    qtbot.waitUntil(lambda: preview.prepared is not None, timeout=10000)
    assert readers and main not in readers
    assert preview.buffer is not None and preview.document.pageCount() >= 1
