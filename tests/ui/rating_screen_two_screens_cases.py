"""The rating screen with two screens: the clerk's monitor and the applicant's (评价器).

Not collected by the ordinary run (no test_ prefix): tests/ui/test_rating_screen_two_screens.py runs
this module in a pytest subprocess whose offscreen platform has the two virtual screens of
tests/ui/rating_screen_kit.py. Real parts throughout: a demo store, the real RatingBooth behind the
controller, clicks on the applicant's window.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

import ui.rating_screen.controller as controller_module
from app.context import Actor
from app.dto import EnquiryInput
from app.machine_settings import MachineSettings
from app.ratings.policy import LEVELS
from app.services import Services
from tests.app.rating_kit import completed_case
from tests.ui.rating_screen_kit import APPLICANT_SCREEN, APPLICANT_SIZE, CLERK_SCREEN, followups, ratings
from ui.rating_screen.controller import ABSENT, ASKING, IDLE, RATED, TIMED_OUT, RatingScreenController
from ui.rating_screen.screen_window import ASKING_PAGE, IDLE_PAGE, REASONS_PAGE, THANKS_PAGE, RatingScreen


@pytest.fixture(autouse=True)
def _two_screens(qapp: QApplication) -> None:
    names = [s.name() for s in QGuiApplication.screens()]
    if APPLICANT_SCREEN not in names:
        pytest.fail("needs the two virtual screens: run through tests/ui/test_rating_screen_two_screens.py")
    assert QGuiApplication.primaryScreen().name() == CLERK_SCREEN


@pytest.fixture(autouse=True)
def _short_thanks(monkeypatch) -> None:
    monkeypatch.setattr(controller_module, "THANKS_MS", 300)


@pytest.fixture
def business(services: Services) -> Actor:
    """中心业务科: sets the hall's parameters."""
    info = services.auth.login("liuyang", "demo1234")
    return Actor(info.id, info.name)


@pytest.fixture
def clerk_window(qtbot) -> QWidget:
    """Stands for the clerk's main window: on the clerk's (primary) screen, with the keyboard."""
    w = QWidget()
    w.setWindowTitle("窗口工作台")
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.show()
    w.activateWindow()
    return w


@pytest.fixture
def booth(qtbot, services: Services, runner, clerk_window, wait_idle) -> Iterator[RatingScreenController]:
    services.machine.save(MachineSettings(rating_screen=APPLICANT_SCREEN))
    c = RatingScreenController(services.ctx, runner, clerk_window)
    states: list[str] = []
    c.state_changed.connect(states.append)
    c.states = states  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: c.state() == IDLE, timeout=10000)
    yield c
    wait_idle()


def short_time_out(services: Services) -> None:
    """One second (the hall may set 10 to 600): written straight to the store, as a test may."""
    from db.repositories import ReferenceRepository

    with services.ctx.db.write() as s:
        ReferenceRepository(s).set_parameter("rating.timeout_seconds", "1")


def window_of(c: RatingScreenController) -> RatingScreen:
    screens = [w for w in QApplication.topLevelWidgets() if isinstance(w, RatingScreen) and w.isVisible()]
    assert len(screens) == 1
    return screens[0]


def touch(w: RatingScreen, name: str) -> None:
    """A tap on the applicant's screen: a real mouse press and release on the widget's middle."""
    widget = w.findChild(QWidget, name)
    assert widget is not None and widget.isVisible(), name
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def text(w: RatingScreen, name: str) -> str:
    label = w.findChild(QLabel, name)
    assert label is not None
    return label.text()


def ask(qtbot, c: RatingScreenController, case_id: str, staff_id: str | None,
        trigger: str = "complete") -> RatingScreen:
    c.invite(case_id, trigger, staff_id)
    qtbot.waitUntil(lambda: c.state() == ASKING, timeout=10000)
    w = window_of(c)
    assert w.page() == ASKING_PAGE
    return w


def test_the_rating_screen_fills_the_applicants_monitor_and_leaves_the_clerk_his(booth, clerk_window) -> None:
    w = window_of(booth)
    assert booth.available() and booth.screen_name() == APPLICANT_SCREEN
    assert w.screen().name() == APPLICANT_SCREEN and w.isFullScreen()
    assert w.geometry() == w.screen().geometry() and w.geometry().size().toTuple() == APPLICANT_SIZE
    assert w.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert clerk_window.screen().name() == CLERK_SCREEN
    assert w.page() == IDLE_PAGE and text(w, "ratingIdleText") == "欢迎您！"
    assert text(w, "ratingIdleHall")  # the hall's name


def test_a_rating_is_asked_about_the_case_and_recorded_once(qtbot, booth, services, clerk, wait_idle) -> None:
    case_id = completed_case(services)
    w = ask(qtbot, booth, case_id, clerk.id)
    assert "办理事项：" in text(w, "ratingMatter")
    assert text(w, "ratingWindow").startswith("办理窗口：01")
    assert text(w, "ratingStaff").startswith("工作人员：张敏（工号 ")
    assert [b.text() for b in w.findChildren(QPushButton) if b.objectName().startswith("ratingLevel")] == \
        list(LEVELS.values())  # 非常满意 … 非常不满意, left to right
    assert "秒内未评价将自动返回" in text(w, "ratingCountdown")
    touch(w, "ratingLevel4")
    qtbot.waitUntil(lambda: booth.state() == RATED, timeout=10000)
    assert w.page() == THANKS_PAGE and text(w, "ratingThanks") == "感谢您的评价！"
    rows = ratings(services.ctx.db.path)
    assert [(r[0], r[1], r[5], r[6]) for r in rows] == [(case_id, 4, "counter", "complete")]
    assert followups(services.ctx.db.path) == []
    qtbot.waitUntil(lambda: w.page() == IDLE_PAGE, timeout=10000)  # and back to the welcome
    assert text(w, "ratingIdleText") == "欢迎您！"
    # the clerk is told that, never what: no state text names a level
    assert booth.states == [IDLE, ASKING, RATED]
    assert not any(label in state for state in booth.states for label in LEVELS.values())
    # 一次一评: the same case invited again (by 出件, say) asks nothing and changes nothing
    booth.invite(case_id, "complete", clerk.id)
    wait_idle()
    qtbot.wait(50)
    assert booth.state() == RATED and w.page() == IDLE_PAGE
    assert len(ratings(services.ctx.db.path)) == 1


def test_a_bad_rating_asks_why_and_takes_a_phone_on_the_keypad(qtbot, booth, services, clerk) -> None:
    case_id = completed_case(services)
    w = ask(qtbot, booth, case_id, clerk.id)
    touch(w, "ratingLevel1")
    assert w.page() == REASONS_PAGE and booth.state() == ASKING  # nothing recorded before the reasons
    touch(w, "ratingSubmit")
    assert text(w, "ratingProblem") == "请至少选择一项不满意的原因。"
    assert ratings(services.ctx.db.path) == []
    touch(w, "ratingReason_attitude")
    touch(w, "ratingReason_efficiency")
    for key in "1381234":
        touch(w, "ratingKey" + key)
    touch(w, "ratingKeyBack")
    touch(w, "ratingSubmit")  # "138123": too short for a phone number
    qtbot.waitUntil(lambda: "回访电话" in text(w, "ratingProblem"), timeout=10000)
    assert w.page() == REASONS_PAGE and ratings(services.ctx.db.path) == []
    for key in "45678":
        touch(w, "ratingKey" + key)
    touch(w, "ratingSubmit")
    qtbot.waitUntil(lambda: booth.state() == RATED, timeout=10000)
    assert "中心督查将核实您反映的问题，并按您留的电话回访" in text(w, "ratingThanksNote")
    [(rated_case, level, reasons, _comment, phone, channel, _trigger)] = ratings(services.ctx.db.path)
    assert (rated_case, level, json.loads(str(reasons)), phone, channel) == \
        (case_id, 1, ["attitude", "efficiency"], "13812345678", "counter")
    assert [status for _r, status in followups(services.ctx.db.path)] == ["verify"]  # 差评整改 opened


def test_back_from_the_reasons_lets_the_applicant_choose_again(qtbot, booth, services, clerk) -> None:
    w = ask(qtbot, booth, completed_case(services), clerk.id)
    touch(w, "ratingLevel2")
    touch(w, "ratingBack")
    assert w.page() == ASKING_PAGE
    touch(w, "ratingLevel3")
    qtbot.waitUntil(lambda: booth.state() == RATED, timeout=10000)
    assert [r[1] for r in ratings(services.ctx.db.path)] == [3]


def test_no_choice_within_the_time_out_records_unrated(qtbot, booth, services, clerk, business) -> None:
    short_time_out(services)
    case_id = completed_case(services)
    w = ask(qtbot, booth, case_id, clerk.id)
    qtbot.waitUntil(lambda: booth.state() == TIMED_OUT, timeout=15000)
    assert w.page() == IDLE_PAGE and text(w, "ratingIdleText") == "欢迎您！"
    assert [(r[0], r[1], r[5]) for r in ratings(services.ctx.db.path)] == [(case_id, None, "counter")]
    assert followups(services.ctx.db.path) == []


def test_the_hall_may_choose_to_record_nothing_on_a_time_out(qtbot, booth, services, clerk, business) -> None:
    short_time_out(services)
    services.settings.set_parameter(business, "rating.timeout_policy", "none")
    ask(qtbot, booth, completed_case(services), clerk.id)
    qtbot.waitUntil(lambda: booth.state() == TIMED_OUT, timeout=15000)
    assert ratings(services.ctx.db.path) == []


def test_the_clerks_keyboard_cannot_choose_or_change_a_rating(qtbot, booth, services, clerk, clerk_window,
                                                            wait_idle) -> None:
    w = ask(qtbot, booth, completed_case(services), clerk.id)
    assert QApplication.focusWidget() is None or QApplication.focusWidget().window() is not w
    assert all(b.focusPolicy() == Qt.FocusPolicy.NoFocus and not b.shortcut().toString()
               for b in w.findChildren(QPushButton))
    keys = [Qt.Key.Key_1, Qt.Key.Key_4, Qt.Key.Key_5, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space,
            Qt.Key.Key_Tab, Qt.Key.Key_Escape]
    for target in (clerk_window, w, w.stack.currentWidget()):
        for key in keys:
            qtbot.keyClick(target, key)
            qtbot.keyClick(target, key, Qt.KeyboardModifier.AltModifier)
    wait_idle()
    assert booth.state() == ASKING and w.page() == ASKING_PAGE and w.isVisible()
    assert ratings(services.ctx.db.path) == []
    touch(w, "ratingLevel5")  # the applicant's touch still works
    qtbot.waitUntil(lambda: booth.state() == RATED, timeout=10000)


def test_a_second_invitation_waits_for_the_first_rating(qtbot, booth, services, clerk) -> None:
    first, second = completed_case(services), completed_case(services)
    w = ask(qtbot, booth, first, clerk.id)
    booth.invite(second, "complete", clerk.id)
    touch(w, "ratingLevel5")
    qtbot.waitUntil(lambda: booth.state() == RATED, timeout=10000)
    qtbot.waitUntil(lambda: booth.state() == ASKING, timeout=10000)
    touch(w, "ratingLevel4")
    qtbot.waitUntil(lambda: len(ratings(services.ctx.db.path)) == 2, timeout=10000)
    assert [(r[0], r[1]) for r in ratings(services.ctx.db.path)] == [(first, 5), (second, 4)]


def test_an_enquiry_is_rated_only_where_the_hall_chose_so(qtbot, booth, services, clerk, business, wait_idle) -> None:
    actor = Actor(clerk.id, clerk.name)
    enquiry = services.enquiries.record(actor, clerk.hall_id, clerk.window_id,
                                        EnquiryInput(topic="营业执照变更需要哪些材料", answer="见一次性告知单",
                                                     referred_window="", visitor="", phone=""))
    booth.invite(enquiry.id, "enquiry", clerk.id)
    wait_idle()
    assert booth.state() == IDLE  # rating.after_enquiry is 0 by default
    services.settings.set_parameter(business, "rating.after_enquiry", "1")
    w = ask(qtbot, booth, enquiry.id, clerk.id, "enquiry")
    touch(w, "ratingLevel5")
    qtbot.waitUntil(lambda: booth.state() == RATED, timeout=10000)
    assert [(r[0], r[1], r[6]) for r in ratings(services.ctx.db.path)] == [(enquiry.id, 5, "enquiry")]


def test_the_clerks_own_screen_is_never_the_rating_screen(qtbot, services, runner, clerk_window, clerk,
                                                         wait_idle) -> None:
    services.machine.save(MachineSettings(rating_screen=CLERK_SCREEN))
    c = RatingScreenController(services.ctx, runner, clerk_window)
    qtbot.waitUntil(lambda: c.state() == ABSENT, timeout=10000)
    assert not c.available()
    c.invite(completed_case(services), "complete", clerk.id)
    wait_idle()
    assert c.state() == ABSENT and ratings(services.ctx.db.path) == []
    assert not any(isinstance(w, RatingScreen) and w.isVisible() for w in QApplication.topLevelWidgets())


def test_the_applicants_screen_goes_dark_with_the_clerks_window(qtbot, booth, clerk_window) -> None:
    w = window_of(booth)
    clerk_window.close()  # log out or quit
    assert not w.isVisible()
    clerk_window.show()
    qtbot.waitUntil(w.isVisible, timeout=5000)
    assert w.screen().name() == APPLICANT_SCREEN and w.page() == IDLE_PAGE
