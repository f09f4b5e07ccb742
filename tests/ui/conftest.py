"""UI fixtures: the Qt app with the bundled font and translations, and a task runner."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication

from ui.fonts import install_fonts, install_translations
from ui.tasks import TaskRunner


@pytest.fixture(scope="session")
def qapp_args() -> list[str]:
    return ["counter-desk-tests"]


@pytest.fixture(autouse=True)
def _ui_setup(qapp: QApplication, tmp_path, monkeypatch) -> None:
    QCoreApplication.setOrganizationName("CounterDeskTests")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    if not getattr(qapp, "_counter_fonts", False):
        install_fonts(qapp)
        install_translations(qapp)
        qapp._counter_fonts = True


@pytest.fixture(autouse=True)
def _answer_questions_yes(monkeypatch) -> list[str]:
    """Windows are closed at teardown; a modal question would wait forever offscreen. Tests that
    are about a question patch it themselves."""
    from PySide6.QtWidgets import QMessageBox

    asked: list[str] = []

    def yes(_parent, _title, text, *_a, **_k):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", yes)
    return asked


@pytest.fixture
def runner(qtbot) -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    qtbot.waitUntil(lambda: r.pending == 0, timeout=30000)
    r.wait_all()


@pytest.fixture
def wait_idle(qtbot, runner: TaskRunner):
    """Call to wait until every job handed to ``runner`` has called back."""

    def wait(timeout: int = 30000) -> None:  # generous: CI machines may be busy
        qtbot.waitUntil(lambda: runner.pending == 0, timeout=timeout)

    return wait


@pytest.fixture
def shown_errors(monkeypatch) -> list[str]:
    """Messages the UI showed through ui.errors, in order, without opening boxes."""
    import ui.errors

    seen: list[str] = []

    def record(box) -> None:
        seen.append(box.text())
        box.deleteLater()

    monkeypatch.setattr(ui.errors, "present", record)
    return seen
