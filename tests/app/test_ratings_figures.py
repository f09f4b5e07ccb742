"""The clerk's day summary (counts only), the hall's ratings for those who may see them, and the figures
(好评率, 差评数, 整改按期率, 回访率) per window, department, matter and staff, with the Excel export."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from app.errors import InvalidInput, NotPermitted
from app.ratings.booth import RatingBooth
from tests.app.attendance_kit import who, window_id
from tests.app.rating_kit import completed_case, later, rate, table

DAY = dt.date(2026, 3, 2)


def _hall(services) -> dict[str, str]:
    """Window 01 (张敏): 5, 4, 3, 1 (with a phone) and a 未评价; window 03 (王芳): 5 and 2 (no phone)."""
    ids = {}
    for key, level, reasons, phone in (("a", 5, [], ""), ("b", 4, [], ""), ("c", 3, [], ""),
                                       ("bad01", 1, ["attitude"], "13812345678")):
        ids[key] = rate(services, completed_case(services), level, reasons, "", phone).rating_id
    booth = RatingBooth(services.ctx)
    prompt = booth.prompt(completed_case(services), "complete")
    assert prompt is not None
    booth.record_unrated(prompt)
    ids["e"] = rate(services, completed_case(services, "wangfang", "03"), 5).rating_id
    ids["bad03"] = rate(services, completed_case(services, "wangfang", "03"), 2, ["norms"]).rating_id
    return ids


def _row(rows, label):
    return next(r for r in rows if r.label == label)


def test_figures_per_window_with_the_total_last(services) -> None:
    _hall(services)
    rows = services.ratings.figures(who(services, "sunduc"), DAY, DAY)
    assert [r.label for r in rows] == ["01 市场监管综合窗口", "03 人力社保窗口", "合计"]
    w01, w03, total = rows
    assert (w01.key, w01.rated, w01.unrated, w01.good, w01.medium, w01.bad, w01.good_rate, w01.followups) == (
        window_id(services, "01"), 4, 1, 2, 1, 1, 0.5, 1)
    assert (w03.rated, w03.unrated, w03.good, w03.bad, w03.good_rate, w03.followups) == (2, 0, 1, 1, 0.5, 1)
    assert (total.key, total.rated, total.unrated, total.good, total.medium, total.bad, total.followups) == (
        "", 6, 1, 3, 1, 2, 2)
    assert total.good_rate == pytest.approx(0.5)
    # nothing rectified and nothing overdue yet: no rate to speak of
    assert (total.rectified_on_time, total.rectified_on_time_rate, total.callbacks_due, total.callback_rate) == (
        0, None, 0, None)
    assert services.ratings.figures(who(services, "sunduc"), DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=9)
                                    )[-1].rated == 0


def test_rectified_on_time_and_callback_rates(services) -> None:
    ids = _hall(services)
    sup = who(services, "sunduc")
    f01 = next(f for f in services.ratings.followups(sup) if f.rating.id == ids["bad01"])
    services.ratings.verify(sup, f01.id, 1, "substantiated", "")
    services.ratings.rectify(sup, f01.id, 2, "培训")
    total = services.ratings.figures(sup, DAY, DAY)[-1]
    assert (total.rectified_on_time, total.rectified_on_time_rate) == (1, 1.0)
    assert (total.callbacks_due, total.callbacks_done, total.callback_rate) == (1, 0, 0.0)  # 03's left no phone
    services.ratings.callback(sup, f01.id, 3, "satisfied", "")
    assert services.ratings.figures(sup, DAY, DAY)[-1].callback_rate == 1.0
    later(services, days=22)  # 24 March: window 03's follow-up is overdue and unrectified
    rows = services.ratings.figures(sup, DAY, DAY)
    assert _row(rows, "03 人力社保窗口").rectified_on_time_rate == 0.0
    assert rows[-1].rectified_on_time_rate == 0.5


def test_an_upheld_appeal_is_out_of_the_level_counts(services) -> None:
    ids = _hall(services)
    later(services, hours=1)
    appeal = services.ratings.appeal(who(services, "zhangmin"), ids["bad01"], "mistaken", "办事人误点")
    services.ratings.decide_appeal(who(services, "chenzr"), appeal.id, 1, True, "核实为误评")
    w01 = services.ratings.figures(who(services, "sunduc"), DAY, DAY)[0]
    assert (w01.rated, w01.bad, w01.good_rate, w01.upheld_appeals, w01.followups) == (3, 0, 2 / 3, 1, 1)


def test_figures_by_department_staff_and_matter(services) -> None:
    _hall(services)
    sup = who(services, "sunduc")
    names = dict(table(services, "SELECT code, name FROM department"))
    rows = services.ratings.figures(sup, DAY, DAY, "department")
    assert sorted(r.label for r in rows[:-1]) == sorted([names["SCJ"], names["RSJ"]])
    assert _row(rows, names["SCJ"]).rated == 4 and rows[-1].label == "合计"
    staff = services.ratings.figures(sup, DAY, DAY, "staff")
    assert [(r.label, r.rated, r.bad) for r in staff] == [("张敏", 4, 1), ("王芳", 2, 1), ("合计", 6, 2)]
    matters = services.ratings.figures(sup, DAY, DAY, "matter")
    assert len(matters) == 2 and matters[0].rated == 6 and matters[0].label
    with pytest.raises(InvalidInput):
        services.ratings.figures(sup, DAY, DAY, "colour")
    with pytest.raises(InvalidInput):
        services.ratings.figures(sup, DAY, DAY - dt.timedelta(days=1))


def test_a_chief_sees_their_department_and_a_clerk_no_figures(services) -> None:
    _hall(services)
    rows = services.ratings.figures(who(services, "liqiang"), DAY, DAY)
    assert [(r.label, r.rated) for r in rows] == [("01 市场监管综合窗口", 4), ("合计", 4)]
    assert services.ratings.figures(who(services, "chenjing"), DAY, DAY)[-1].rated == 0
    with pytest.raises(NotPermitted):
        services.ratings.figures(who(services, "zhangmin"), DAY, DAY)


def test_the_halls_ratings_by_whom_may_see_them(services) -> None:
    ids = _hall(services)
    sup, chief = who(services, "sunduc"), who(services, "liqiang")
    everything = services.ratings.ratings(sup, DAY, DAY)
    assert len(everything) == 7 and everything[0].phone in ("", "13812345678")
    bad = services.ratings.ratings(sup, DAY, DAY, bad_only=True)
    assert sorted(r.id for r in bad) == sorted([ids["bad01"], ids["bad03"]])
    assert len(services.ratings.ratings(sup, DAY, DAY, window_id=window_id(services, "03"))) == 2
    mine = services.ratings.ratings(chief, DAY, DAY)
    assert len(mine) == 5 and {r.window_label for r in mine} == {"01 市场监管综合窗口"}
    assert next(r for r in mine if r.id == ids["bad01"]).phone == "138****5678"
    with pytest.raises(NotPermitted):
        services.ratings.ratings(who(services, "zhangmin"), DAY, DAY)


def test_the_day_summary_is_counts_only_for_this_windows_day(services) -> None:
    _hall(services)
    clerk = who(services, "zhangmin")
    day = services.ratings.day_summary(clerk)
    assert (day.day, day.window_label, day.rated, day.good_rate) == (DAY, "01 市场监管综合窗口", 4, 0.5)
    assert day.counts == {"非常满意": 1, "满意": 1, "基本满意": 1, "不满意": 0, "非常不满意": 1, "未评价": 1}
    assert services.ratings.day_summary(clerk, DAY + dt.timedelta(days=1)).rated == 0
    with pytest.raises(NotPermitted):
        services.ratings.day_summary(clerk, window_id=window_id(services, "03"))
    other = services.ratings.day_summary(who(services, "sunduc"), window_id=window_id(services, "03"))
    assert other.counts["非常满意"] == 1 and other.counts["不满意"] == 1 and other.rated == 2
    assert services.ratings.day_summary(who(services, "wangfang"), window_id=window_id(services, "03")).rated == 2


def test_the_figures_export_to_excel(services, tmp_path) -> None:
    _hall(services)
    path = services.ratings.export_figures(who(services, "sunduc"), DAY, DAY, "window", tmp_path / "评价统计.xlsx")
    ws = load_workbook(path).active
    assert ws is not None
    assert ws["A1"].value == "示范县政务服务中心评价统计（按窗口）"
    assert ws["A2"].value == "统计期间：2026-03-02 至 2026-03-02"
    assert [c.value for c in ws[3]][:7] == ["窗口", "已评价", "未评价", "好评", "中评", "差评", "好评率"]
    assert [c.value for c in ws[4]][:7] == ["01 市场监管综合窗口", 4, 1, 2, 1, 1, 0.5]
    assert ws["G4"].number_format == "0.0%" and ws["J4"].value == "—"
    assert ws["A6"].value == "合计" and ws["B6"].value == 6
    with pytest.raises(NotPermitted):
        services.ratings.export_figures(who(services, "zhangmin"), DAY, DAY, "window", tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()
