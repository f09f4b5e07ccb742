"""导出Excel of the month window: the month shown (here March's draft, with 张敏's facts) written on a
worker and read back with openpyxl — the three sheets, their frozen headers, the scores as numbers and
every fact behind them; a folder that cannot be written is said, and the window stays usable."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from tests.ui.appraisal_kit import login, march_facts, open_month


def test_the_month_shown_exports_to_excel_with_its_facts(qtbot, services, runner, wait_idle, tmp_path,
                                                          monkeypatch) -> None:
    march_facts(services)
    _menu, window = open_month(qtbot, services, runner, login(services, "liuyang"), wait_idle, months_on=1)
    assert window.period() == (2026, 3) and window.export_button.isEnabled()
    target = tmp_path / "考核.xlsx"
    window.export_to(target)
    wait_idle()
    assert window.exported == target and "已导出" in window.state.text()
    book = load_workbook(target)
    assert book.sheetnames == ["人员考核", "窗口考核", "考核依据"]
    people = book["人员考核"]
    assert people.freeze_panes == "C4" and people["A3"].value == "名次"
    rows = [[c.value for c in r] for r in people.iter_rows(min_row=4) if r[0].value is not None]
    assert len(rows) == len(window.view.draft.people)
    zhang = next(r for r in rows if str(r[1]).startswith("张敏"))
    person = next(p for p in window.view.draft.people if p.person.name == "张敏")
    assert zhang[5] == person.score and isinstance(zhang[5], int | float) and zhang[8] == person.grade_label
    facts = [[c.value for c in r] for r in book["考核依据"].iter_rows(min_row=4) if r[0].value]
    assert sum(1 for f in facts if f[0] == "张敏") == len(person.facts)
    # a folder that cannot be written: the error is said, nothing else changes
    shown: list[Exception] = []
    monkeypatch.setattr("ui.appraisal.month_window.show_error", lambda _w, exc: shown.append(exc))
    window.export_to(Path("/proc/nowhere/考核.xlsx"))
    wait_idle()
    assert shown and window.exported == target and window.export_button.isEnabled()
