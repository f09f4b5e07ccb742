"""The schedule's versions, the attendance machine import, and the monthly sheet with its published versions."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.attendance.schedule import default_schedule, schedule_content
from app.errors import InvalidInput, NotPermitted
from tests.app.attendance_kit import count, journal_sizes, last_op, who

D = dt.datetime
MAPPING = {"staff_no": 0, "name": 1, "at": 2, "terminal": 3}


def test_schedule_versions(services) -> None:
    assert services.attendance.schedule() == default_schedule()
    assert services.attendance.schedule_info().version == 0
    content = schedule_content(default_schedule())
    content["grace_minutes"] = 5
    business = who(services, "liuyang")
    assert services.attendance.set_schedule(business, content, "冬季延后") == 1
    op = last_op(services)
    assert op["kind"] == "schedule.set" and op["payload"]["version"] == 1 and op["payload"]["content"] == content
    assert services.attendance.schedule().grace_minutes == 5
    info = services.attendance.schedule_info()
    assert (info.version, info.note, info.set_by_name, info.content["grace_minutes"]) == (1, "冬季延后", "刘洋", 5)
    assert services.attendance.set_schedule(business, schedule_content(default_schedule()), "") == 2
    assert services.attendance.schedule().version == 2 and services.attendance.schedule().grace_minutes == 0
    before = journal_sizes(services)
    with pytest.raises(InvalidInput):
        services.attendance.set_schedule(business, {**content, "punches_per_day": 3}, "")
    with pytest.raises(NotPermitted, match="中心业务科"):
        services.attendance.set_schedule(who(services, "liqiang"), content, "")
    assert journal_sizes(services) == before


def _machine_file(tmp_path):
    path = tmp_path / "考勤机导出.csv"
    path.write_text(
        "工号,姓名,打卡时间,设备\n"
        "1001,张敏,2026-03-02 08:26:11,1\n"
        "1001,张敏,2026-03-02 08:26:11,1\n"  # the same punch twice in the file
        "1003,王芳,2026-03-02 08:31:40,1\n"
        "9999,无名,2026-03-02 08:20:00,1\n"  # no such staff number
        "1002,李强,昨天早上,1\n"  # unreadable time
        "1004,王芳,2026-03-02 08:25:00,1\n"  # name does not match the number
        "\n",
        encoding="utf-8")
    return path


def test_import_a_machine_file_once_and_again(services, tmp_path) -> None:
    path = _machine_file(tmp_path)
    assert services.attendance.remembered_mapping() is None
    preview = services.attendance.preview_import(path)
    assert preview.mapping_source == "guessed" and preview.mapping == MAPPING
    assert (preview.new_count, preview.duplicate_count, len(preview.problems)) == (2, 1, 3)
    assert len(preview.rows) == 7 and preview.headers[0] == "工号"
    admin = who(services, "admin")
    before = journal_sizes(services)
    result = services.attendance.import_file(admin, path, dict(preview.mapping))
    assert (result.rows_total, result.rows_new, result.rows_duplicate) == (6, 2, 1)
    assert {p.reason for p in result.problems} == {"工号不存在", "时间无法识别", "工号与姓名不符"}
    assert journal_sizes(services) == (before[0] + 1, before[1] + 1)  # one audited op for the file
    op = last_op(services)
    assert op["kind"] == "attendance.import" and op["entity_id"] == result.import_id
    assert op["payload"]["import"]["rows_new"] == 2 and len(op["payload"]["punches"]) == 2
    assert {(p["source"], p["device_id"], p["import_id"]) for p in op["payload"]["punches"]} == {
        ("machine", "machine:1", result.import_id)}
    assert count(services, "punch", "source = 'machine'") == 2
    # the mapping is remembered; running the same file again adds nothing
    assert services.attendance.remembered_mapping() == MAPPING
    again = services.attendance.preview_import(path)
    assert again.mapping_source == "remembered" and (again.new_count, again.duplicate_count) == (0, 3)
    second = services.attendance.import_file(admin, path, MAPPING)
    assert (second.rows_new, second.rows_duplicate) == (0, 3) and "0 条新记录" in second.message
    assert count(services, "punch", "source = 'machine'") == 2
    # the imported punches count for the day
    assert services.attendance.today(who(services, "zhangmin")).slots[0].state == "done"


def test_import_refusals(services, tmp_path) -> None:
    path = _machine_file(tmp_path)
    with pytest.raises(NotPermitted, match="导入考勤机记录"):
        services.attendance.import_file(who(services, "liqiang"), path, MAPPING)
    bad = services.attendance.preview_import(path, {"name": 1})
    assert bad.mapping_error and bad.new_count == 0
    with pytest.raises(InvalidInput):
        services.attendance.import_file(who(services, "admin"), path, {"name": 1})


def _february(services, clock) -> None:
    """zhangmin 11 minutes late on 24 February (all four punches); wangfang on approved leave a day."""
    zhangmin = who(services, "zhangmin")
    for at in (D(2026, 2, 24, 8, 41), D(2026, 2, 24, 12, 1), D(2026, 2, 24, 13, 58), D(2026, 2, 24, 17, 31)):
        clock.at = at
        services.attendance.punch(zhangmin)
    leave = services.attendance.request_leave(who(services, "wangfang"), "病假", D(2026, 2, 25, 8, 30),
                                              D(2026, 2, 25, 17, 30), "就医")
    services.attendance.decide_leave(who(services, "liuyang"), leave.id, True, "")
    clock.at = D(2026, 3, 2, 9, 30)


def test_month_sheet_scope_by_role(services, clock) -> None:
    _february(services, clock)
    hall = services.attendance.month_sheet(who(services, "liuyang"), 2026, 2)
    assert hall.scope_label == "全大厅" and not hall.own_only and hall.versions == ()
    names = {p.person.name for p in hall.sheet.people}
    assert {"张敏", "王芳", "李强"} <= names
    chief = services.attendance.month_sheet(who(services, "liqiang"), 2026, 2)
    assert {p.person.name for p in chief.sheet.people} == {"张敏", "李强"}  # his department
    with pytest.raises(NotPermitted, match="本部门"):
        services.attendance.month_sheet(who(services, "liqiang"), 2026, 2, department_id="other")
    own = services.attendance.month_sheet(who(services, "wangfang"), 2026, 2)
    assert own.own_only and own.scope_label == "王芳本人"
    [me] = own.sheet.people
    assert me.leave_days == {"病假": 1.0}
    with pytest.raises(NotPermitted, match="本人"):
        services.attendance.month_sheet(who(services, "wangfang"), 2026, 2, staff_id=who(services, "zhangmin").id)
    mine = next(p for p in hall.sheet.people if p.person.name == "张敏")
    assert mine.late_count == 1 and mine.late_minutes == 11


def test_publish_versions_and_exports(services, clock, tmp_path) -> None:
    _february(services, clock)
    business = who(services, "liuyang")
    with pytest.raises(NotPermitted, match="关闭并发布考勤月报"):
        services.attendance.publish_month(who(services, "liqiang"), 2026, 2)
    with pytest.raises(InvalidInput, match="尚未结束"):
        services.attendance.publish_month(business, 2026, 3)
    first = services.attendance.publish_month(business, 2026, 2)
    assert [v.version for v in first.versions] == [1]
    op = last_op(services)
    assert op["kind"] == "attendance.publish" and op["payload"]["version"] == 1 and op["payload"]["month"] == "2026-02"
    assert op["payload"]["sheet"]["year"] == 2026
    with pytest.raises(InvalidInput, match="更正原因") as refused:
        services.attendance.publish_month(business, 2026, 2)
    assert refused.value.field == "reason"
    second = services.attendance.publish_month(business, 2026, 2, "补录王芳病假")
    assert [v.version for v in second.versions] == [2, 1]
    assert second.latest is not None and second.latest.label == "第2版 2026-03-02 刘洋 更正：补录王芳病假"
    assert second.latest.sheet is not None and len(second.latest.sheet.people) == len(second.sheet.people)
    own = services.attendance.month_sheet(who(services, "wangfang"), 2026, 2)
    assert own.latest is not None and own.latest.sheet is not None
    assert [p.person.name for p in own.latest.sheet.people] == ["王芳"]  # the published sheet, narrowed too
    pdf = services.attendance.write_month_pdf(second, tmp_path / "2026-02.pdf")
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "考勤月报" in text and "张敏" in text and "第2版" in text
    xlsx = services.attendance.write_month_excel(second, tmp_path / "2026-02.xlsx")
    assert load_workbook(xlsx).sheetnames


def test_a_live_sheet_exported_says_it_is_not_the_published_one(services, tmp_path) -> None:
    view = services.attendance.month_sheet(who(services, "liuyang"), 2026, 2)
    assert view.edition is None
    text = "".join(p.extract_text() for p in PdfReader(services.attendance.write_month_pdf(
        view, tmp_path / "live.pdf")).pages)
    assert "实时计算" in text and "未经发布" in text
    names = {p.person.name for p in view.sheet.people}
    assert "张敏" in names and not names & {"黄伟", "刘洋", "陈卫东", "孙立"}  # the window staff only


def test_the_same_machine_file_imported_at_two_counters_gives_the_same_punch_rows(services, clock, tmp_path) -> None:
    """Punch ids of an import come from the natural key: two PCs importing one file offline make
    identical rows, which the server takes as duplicates (not two punches clashing on the key)."""
    import shutil

    from app.attendance.policy import machine_punch_id
    from app.services import Services

    clock.at = dt.datetime(2026, 12, 6, 10, 0)  # the sample holds 1–4 December
    other_path = tmp_path / "other" / "counter.sqlite3"
    other_path.parent.mkdir()
    shutil.copy(services.ctx.db.path, other_path)
    other = Services.open(other_path, services.ctx.clock)
    try:
        sample = Path(__file__).parents[2] / "resources" / "demo" / "attendance-machine-sample.csv"
        rows = []
        for counter in (services, other):
            mapping = counter.attendance.preview_import(sample).mapping
            counter.attendance.import_file(who(counter, "liuyang"), sample, mapping)
            with sqlite3.connect(counter.ctx.db.path) as con:
                rows.append(sorted(con.execute("SELECT id, staff_id, device_id, at FROM punch").fetchall()))
        assert rows[0] and rows[0] == rows[1]
        pid, staff, device, at = rows[0][0]
        assert pid == machine_punch_id(staff, device, dt.datetime.fromisoformat(at))
    finally:
        other.close()
