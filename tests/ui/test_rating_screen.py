"""The rating screen (评价器) on one screen: its machine setting and 本机设置 field, the applicant's
window on its own, what happens without a second screen, the clerk's screens' hook, and the proof
that no clerk screen can reach the code that records a rating.

With the second screen: tests/ui/test_rating_screen_two_screens.py.
"""

from __future__ import annotations

import ast
import copy
import logging
import sqlite3
from pathlib import Path

import grimp
import pytest
from importlinter import configuration
from importlinter.application.use_cases import read_user_options
from importlinter.contracts.forbidden import ForbiddenContract
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

from app.errors import InvalidInput
from app.machine_settings import LABELS, MachineSettings, MachineSettingsStore
from app.ratings.booth import RatingBooth
from app.services import Services
from tests.app.rating_kit import completed_case
from tests.ui.rating_screen_kit import ROOT, ratings
from ui.main_window import MainWindow
from ui.rating_screen.controller import ABSENT, RatingScreenController
from ui.rating_screen.hook import RatingInvitations, invitations
from ui.rating_screen.screen_window import ASKING_PAGE, IDLE_PAGE, REASONS_PAGE, RatingScreen
from ui.settings.settings_dialog import MachineSettingsDialog

CONTRACT = "Only ui.rating_screen reaches the rating booth"


# -- the machine setting ------------------------------------------------------------------------
def test_the_rating_screen_is_a_machine_setting(tmp_path: Path) -> None:
    assert LABELS["rating_screen"] == "评价器显示屏"
    assert MachineSettings().rating_screen == ""  # none: the papers carry the QR code
    settings = MachineSettings().with_value("rating_screen", "  \\\\.\\DISPLAY2 ")
    assert settings.rating_screen == "\\\\.\\DISPLAY2"
    store = MachineSettingsStore(tmp_path)
    store.save(settings)
    assert MachineSettingsStore(tmp_path).load() == settings
    for bad in ("HDMI\n2", "x" * 121):
        with pytest.raises(InvalidInput) as refused:
            MachineSettings().with_value("rating_screen", bad)
        assert refused.value.field == "rating_screen" and "留空表示不接评价器" in refused.value.message


def test_a_damaged_rating_screen_value_falls_back_to_none(tmp_path: Path) -> None:
    (tmp_path / "machine.ini").write_text("[counter]\nrating_screen = " + "y" * 200 + "\nprinter = 前台\n",
                                          encoding="utf-8")
    store = MachineSettingsStore(tmp_path)
    assert store.load() == MachineSettings(printer="前台")
    assert any("评价器显示屏" in p for p in store.problems)


@pytest.fixture
def admin(services: Services):
    return services.auth.login("admin", "demo1234")


def _settings_dialog(qtbot, services, runner, staff, wait_idle) -> MachineSettingsDialog:
    w = MainWindow(services, runner, staff)
    qtbot.addWidget(w)
    w.show()
    wait_idle()
    dialog = w.open_machine_settings()
    wait_idle()
    return dialog


def test_the_settings_dialog_keeps_a_screen_not_connected_and_can_clear_it(qtbot, services: Services, runner,
                                                                          admin, wait_idle) -> None:
    services.machine.save(MachineSettings(rating_screen="HDMI-2"))
    dialog = _settings_dialog(qtbot, services, runner, admin, wait_idle)
    combo = dialog.rating_screen_combo
    assert combo.itemText(0) == "不接评价器（文书印评价二维码）"
    assert combo.currentText() == "HDMI-2（未连接）" and dialog.chosen().rating_screen == "HDMI-2"
    assert combo.isEnabled()
    combo.setCurrentIndex(0)
    with qtbot.waitSignal(dialog.settings_saved, timeout=10000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle()
    assert MachineSettingsStore(services.ctx.db.path.parent).load().rating_screen == ""
    with sqlite3.connect(services.ctx.db.path) as con:
        summaries = [r[0] for r in con.execute("SELECT summary FROM audit_event WHERE action = 'machine.settings'")]
    assert summaries == ["本机设置：评价器显示屏 HDMI-2→默认"]


def test_a_clerk_cannot_change_the_rating_screen(qtbot, services: Services, runner, clerk, wait_idle) -> None:
    dialog = _settings_dialog(qtbot, services, runner, clerk, wait_idle)
    assert not dialog.rating_screen_combo.isEnabled()
    assert "中心管理员" in dialog.rating_screen_combo.toolTip()


# -- without a second screen ----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["", "HDMI-2"])
def test_without_a_rating_screen_an_invitation_says_so_and_records_nothing(qtbot, services: Services, runner, clerk,
                                                                          wait_idle, name: str) -> None:
    services.machine.save(MachineSettings(rating_screen=name))
    c = RatingScreenController(services.ctx, runner, None)
    states: list[str] = []
    c.state_changed.connect(states.append)
    qtbot.waitUntil(lambda: c.state() == ABSENT, timeout=10000)
    assert not c.available() and c.screen_name() == name
    c.invite(completed_case(services), "complete", clerk.id)
    wait_idle()
    assert states == [ABSENT, ABSENT] and ratings(services.ctx.db.path) == []
    assert "未接评价器" in ABSENT and "二维码" in ABSENT
    assert not any(isinstance(w, RatingScreen) and w.isVisible() for w in QApplication.topLevelWidgets())


# -- the applicant's window alone -------------------------------------------------------------------
@pytest.fixture
def asking(qtbot, services: Services, clerk) -> RatingScreen:
    prompt = RatingBooth(services.ctx).prompt(completed_case(services), "complete", clerk.id)
    assert prompt is not None
    w = RatingScreen()
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.set_scale(800)
    w.show()
    w.show_asking(prompt)
    return w


def _click(qtbot, w: QWidget, name: str) -> None:
    widget = w.findChild(QWidget, name)
    assert widget is not None and widget.isVisible(), name
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_a_good_level_is_said_at_once(qtbot, asking: RatingScreen) -> None:
    assert asking.page() == ASKING_PAGE
    assert asking.findChild(QLabel, "ratingStaff").text().startswith("工作人员：张敏（工号 ")
    with qtbot.waitSignal(asking.level_chosen, timeout=2000) as chosen:
        _click(qtbot, asking, "ratingLevel5")
    assert chosen.args == [5]


def test_a_bad_level_asks_for_reasons_first(qtbot, asking: RatingScreen) -> None:
    with qtbot.assertNotEmitted(asking.level_chosen):
        _click(qtbot, asking, "ratingLevel2")
    assert asking.page() == REASONS_PAGE
    with qtbot.assertNotEmitted(asking.reasons_submitted):
        _click(qtbot, asking, "ratingSubmit")
    assert asking.findChild(QLabel, "ratingProblem").text() == "请至少选择一项不满意的原因。"
    _click(qtbot, asking, "ratingReason_norms")
    for key in "05718":
        _click(qtbot, asking, "ratingKey" + key)
    _click(qtbot, asking, "ratingKeyClear")
    for key in "0" * 25:  # the keypad stops at twenty digits
        _click(qtbot, asking, "ratingKey" + key)
    assert asking.phone.text() == "0" * 20
    asking.comment.setText("等候太久")
    with qtbot.waitSignal(asking.reasons_submitted, timeout=2000) as sent:
        _click(qtbot, asking, "ratingSubmit")
    assert sent.args == [2, ["norms"], "等候太久", "0" * 20]


def test_keys_choose_nothing_on_the_applicants_window(qtbot, asking: RatingScreen) -> None:
    assert all(b.focusPolicy() == Qt.FocusPolicy.NoFocus for b in asking.findChildren(QPushButton))
    with qtbot.assertNotEmitted(asking.level_chosen), qtbot.assertNotEmitted(asking.reasons_submitted):
        for key in (Qt.Key.Key_5, Qt.Key.Key_Return, Qt.Key.Key_Space, Qt.Key.Key_Tab, Qt.Key.Key_Escape):
            qtbot.keyClick(asking, key)
    assert asking.page() == ASKING_PAGE and asking.isVisible()


def test_the_idle_page_welcomes_or_asks_when_a_rating_is_due(qtbot) -> None:
    w = RatingScreen()
    qtbot.addWidget(w)
    w.show_idle("某某市政务服务中心")
    assert w.page() == IDLE_PAGE and w.idle_text.text() == "欢迎您！" and w.idle_hall.text() == "某某市政务服务中心"
    w.show_idle("某某市政务服务中心", due=True)
    assert w.idle_text.text() == "请您对本次服务进行评价"


# -- the clerk's screens: the hook, and no path to the booth -----------------------------------------
def test_the_hook_passes_invitations_to_what_the_main_window_installed(caplog) -> None:
    hook = RatingInvitations()
    hook.invite("c1", "complete", "s1")  # nothing installed: nothing happens
    seen: list[tuple[str, str, str | None]] = []
    hook.install(lambda *args: seen.append(args))
    hook.invite("c1", "complete", "s1")
    hook.invite("c2", "deliver", None)
    assert seen == [("c1", "complete", "s1"), ("c2", "deliver", None)]

    def broken(*_args: object) -> None:
        raise RuntimeError("screen gone")

    hook.install(broken)
    with caplog.at_level(logging.ERROR):
        hook.invite("c3", "complete", "s1")  # the clerk's step went through: never undone by the screen
    assert "rating invitation failed" in caplog.text
    hook.install(None)
    assert isinstance(invitations, RatingInvitations)


def test_the_controller_offers_no_way_to_record() -> None:
    public = {n for n in dir(RatingScreenController) if not n.startswith("_")} - set(dir(QObject))
    assert public == {"invite", "available", "screen_name", "state", "reload_settings", "state_changed"}


def _check_contract(graph: grimp.ImportGraph) -> bool:
    configuration.configure()
    options = read_user_options(str(ROOT / "pyproject.toml"))
    [contract] = [c for c in options.contracts_options if c["name"] == CONTRACT]
    checker = ForbiddenContract(name=CONTRACT, session_options=options.session_options, contract_options=contract)
    return bool(checker.check(copy.deepcopy(graph), verbose=False).kept)


def test_the_import_contract_keeps_every_clerk_screen_away_from_the_booth() -> None:
    graph = grimp.build_graph("app", "db", "ui", "server", include_external_packages=True, cache_dir=None)
    assert graph.direct_import_exists(importer="ui.rating_screen.controller", imported="app.ratings.booth")
    assert _check_contract(graph)
    for clerk_module in ("ui.cases.case_dialog", "ui.main_window", "ui.ratings", "ui.intake.intake_widget"):
        reaching = copy.deepcopy(graph)
        if clerk_module not in reaching.modules:
            reaching.add_module(clerk_module)
        reaching.add_import(importer=clerk_module, imported="app.ratings.booth", line_number=1,
                            line_contents="from app.ratings.booth import RatingBooth")
        assert not _check_contract(reaching), clerk_module


def _clerk_sources() -> list[Path]:
    ui = ROOT / "ui"
    return [p for p in ui.rglob("*.py") if (ui / "rating_screen") not in p.parents]


def test_no_clerk_screen_names_the_booth_or_the_screens_insides() -> None:
    """Beyond imports: no importlib string, no reach into the controller's booth or window."""
    found = []
    for path in _clerk_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and (
                    "ratings.booth" in node.value or "RatingBooth" in node.value):
                found.append(f"{path}: {node.value[:40]}")
            elif isinstance(node, ast.Attribute) and node.attr in ("_booth", "_window", "_record", "_on_timed_out"):
                found.append(f"{path}: .{node.attr}")
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ui.rating_screen") and \
                    node.module not in ("ui.rating_screen.hook", "ui.rating_screen.screens") and \
                    path.name != "main_window.py":
                found.append(f"{path}: from {node.module}")
    assert found == []
