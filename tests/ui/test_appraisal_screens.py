"""The appraisal screens as staff see them, saved for the docs (offscreen, the product's own fonts): the
month's people with 张敏's facts opened below (docs/screenshots/appraisal-month.png), and the grades with
the 20 % quota applied — more people at 95 or above than it allows, the others "超出优秀名额"
(appraisal-grades-quota.png). The March behind them is made of real records through the services."""

from __future__ import annotations

from tests.app.attendance_kit import who
from tests.app.rating_kit import bad_rating
from tests.ui.appraisal_kit import (
    SCREENSHOTS,
    actor,
    column,
    facts_of,
    login,
    march_facts,
    open_month,
    person_row,
    select_person,
    set_clock,
)


def _a_busy_march(services) -> None:
    """张敏's facts, and a few of the others': a late punch, a 差评, an approved item, a 表扬信."""
    import datetime as dt

    march_facts(services)
    set_clock(services, dt.datetime(2026, 3, 2, 8, 45))
    services.attendance.punch(who(services, "wangfang"))
    set_clock(services, dt.datetime(2026, 3, 2, 10, 30))
    bad_rating(services, login="zhaoli", window="04")
    ap, business, supervisor = services.appraisal, actor(services, "liuyang"), actor(services, "sunduc")
    item = ap.propose_item(supervisor, 2026, 3, "manual", staff_id=who(services, "wujun").id, window_id=None,
                           reason="服务对象投诉窗口推诿，经查属实", points=-8.0)
    ap.decide_item(business, item, True, "属实")
    ap.record_commendation(supervisor, "praise_letter", staff_id=who(services, "hejia").id, window_id=None,
                           day=dt.date(2026, 3, 2), note="办事群众来信表扬")
    set_clock(services, dt.datetime(2026, 3, 2, 16, 30))


def test_the_month_with_a_persons_facts(qtbot, services, runner, wait_idle) -> None:
    _a_busy_march(services)
    _menu, window = open_month(qtbot, services, runner, login(services, "liuyang"), wait_idle, months_on=1)
    window.resize(1480, 900)
    select_person(window, services, "zhangmin")
    assert len(facts_of(window)) == 5 and person_row(window, "张敏")[5] == "93.0"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SCREENSHOTS / "appraisal-month.png"))


def test_the_grades_with_the_quota_applied(qtbot, services, runner, wait_idle) -> None:
    _a_busy_march(services)
    _menu, window = open_month(qtbot, services, runner, login(services, "liuyang"), wait_idle, months_on=1)
    window.resize(1480, 900)
    grades = column(window.people.table, 8)
    reasons = column(window.people.table, 9)
    assert grades.count("优秀") + grades.count("优秀（优质服务标兵）") == 2  # 20 % of 12
    scores = [float(s) for s in column(window.people.table, 5)]
    assert sum(1 for s in scores if s >= 95) > 2
    assert sum(1 for r in reasons if r.startswith("超出优秀名额（20%，共 2 名）")) >= 5
    assert grades[0] == "优秀（优质服务标兵）" and "优质服务标兵：" in window.header.text()
    chief = person_row(window, "李强")  # beyond the quota, carrying half of 张敏's deductions
    assert chief[8] == "称职" and chief[9].startswith("超出优秀名额（20%，共 2 名），得分 95.5 ≥ 75，称职")
    select_person(window, services, "liqiang")
    assert {f[4] for f in facts_of(window)} == {"首席代表分担（张敏）"}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SCREENSHOTS / "appraisal-grades-quota.png"))
