"""Reading attendance machine exports (考勤机导入): encodings, delimiters, Excel, column guessing, every
bad row reported with its reason while every good row is kept, duplicates merged, same result twice."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from app.attendance.machine_import import (
    RawTable,
    StaffKey,
    check_mapping,
    file_sha256,
    guess_mapping,
    parse_rows,
    read_table,
)
from app.errors import InvalidInput

DATA = Path(__file__).parent / "data" / "attendance"
ROOT = Path(__file__).parents[2]
HALL = json.loads((ROOT / "resources" / "demo" / "hall.json").read_text(encoding="utf-8"))
STAFF = tuple(StaffKey(staff_id=f"id-{s['login']}", staff_no=s["staff_no"], login=s["login"], name=s["name"])
              for s in HALL["staff"])
HEADER = "工号,姓名,打卡时间,设备号"


def _write(tmp_path: Path, text: str, name: str = "export.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _parse(path: Path, **kw):
    table = read_table(path)
    return parse_rows(table, guess_mapping(table.headers), STAFF, **kw)


def test_utf8_bom_export_with_rare_character_and_a_repeated_row() -> None:
    table = read_table(DATA / "zkteco_utf8_bom.csv")
    assert table.headers[0] == "工号"      # the BOM is not part of the header
    mapping = guess_mapping(table.headers)
    assert mapping == {"staff_no": 0, "name": 1, "at": 3, "terminal": 4}
    result = parse_rows(table, mapping, STAFF)
    assert [(p.row, p.staff_id, p.at, p.terminal) for p in result.punches] == [
        (2, "id-zhangmin", dt.datetime(2026, 12, 1, 8, 25, 3), "1"),
        (3, "id-zhangmin", dt.datetime(2026, 12, 1, 12, 1, 10), "1"),
        (4, "id-wangxin", dt.datetime(2026, 12, 1, 8, 31), "2"),
        (5, "id-liqiang", dt.datetime(2026, 12, 1, 8, 29), "1"),
    ]
    assert result.punches[2].name == "王𬌗"
    assert (result.merged_in_file, result.problems, result.total_rows) == (1, (), 5)


def test_gbk_tab_export_with_title_line_padded_numbers_and_two_columns() -> None:
    table = read_table(DATA / "gbk_tab_date_time.csv")
    assert table.header_row == 2 and table.headers[:2] == ("考勤号码", "姓名")
    mapping = guess_mapping(table.headers)
    assert mapping == {"staff_no": 0, "name": 1, "date": 2, "time": 3, "terminal": 4}
    result = parse_rows(table, mapping, STAFF)
    assert [(p.row, p.staff_no, p.at) for p in result.punches] == [
        (3, "1003", dt.datetime(2026, 12, 1, 8, 27, 41)),
        (4, "1003", dt.datetime(2026, 12, 1, 17, 33, 2)),
        (5, "1007", dt.datetime(2026, 12, 2, 8, 20)),      # "王?": GBK cannot hold 𬌗
        (6, "1004", dt.datetime(2026, 12, 2, 8, 29, 59)),
    ]
    assert result.problems == ()


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"], ids=str)
def test_encodings_and_delimiters(tmp_path: Path, delimiter: str, encoding: str) -> None:
    text = "\r\n".join(line.replace(",", delimiter) for line in (HEADER, "1002,李强,2026-12-01 08:29:00,A1",
                                                                      "1007,王𬌗,2026-12-01 08:31:00,A1"))
    result = _parse(_write(tmp_path, text, encoding=encoding))
    assert [(p.staff_id, p.name) for p in result.punches] == [("id-liqiang", "李强"), ("id-wangxin", "王𬌗")]


@pytest.mark.parametrize("text, expected", [
    ("2026-12-01 08:25:03", dt.datetime(2026, 12, 1, 8, 25, 3)),
    ("2026/12/1 8:25", dt.datetime(2026, 12, 1, 8, 25)),
    ("2026.12.01 08:25", dt.datetime(2026, 12, 1, 8, 25)),
    ("20261201 082503", dt.datetime(2026, 12, 1, 8, 25, 3)),
    ("2026-12-01T08:25:03.000", dt.datetime(2026, 12, 1, 8, 25, 3)),
    ("2026年12月1日 8时25分", dt.datetime(2026, 12, 1, 8, 25)),
    ("46357.35", dt.datetime(2026, 12, 1, 8, 24)),           # an Excel serial left unformatted
    ("  2026-12-01 08:25:03  ", dt.datetime(2026, 12, 1, 8, 25, 3)),
], ids=["iso", "slashes", "dots", "compact", "t-millis", "chinese", "excel-serial", "padded"])
def test_vendor_time_formats(tmp_path: Path, text: str, expected: dt.datetime) -> None:
    result = _parse(_write(tmp_path, f'{HEADER}\n1001,张敏,"{text}",1\n'))
    assert [p.at for p in result.punches] == [expected] and result.problems == ()


def test_xlsx_with_real_datetimes_serials_numbers_and_split_columns(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "打卡记录"
    ws.append(["人员编号", "姓名", "日期", "时间", "终端"])
    ws.append([1001, "张敏", dt.date(2026, 12, 1), dt.time(8, 25, 3), "大厅1号机"])
    ws.append([1007.0, "王𬌗", dt.datetime(2026, 12, 1), dt.time(8, 31), "大厅1号机"])
    ws.append(["1002", "李强", 46357, 0.5, 7])                   # serial date, day fraction, number terminal
    ws.append([None, None, None, None, None])
    ws.append([" 1003 ", " 王芳 ", "2026/12/1", "17:35", None])  # text cells, padded; no terminal
    path = tmp_path / "export.xlsx"
    wb.save(path)
    table = read_table(path)
    assert table.sheet == "打卡记录"
    result = parse_rows(table, guess_mapping(table.headers), STAFF, default_terminal="考勤机")
    assert [(p.row, p.staff_no, p.at, p.terminal) for p in result.punches] == [
        (2, "1001", dt.datetime(2026, 12, 1, 8, 25, 3), "大厅1号机"),
        (3, "1007", dt.datetime(2026, 12, 1, 8, 31), "大厅1号机"),
        (4, "1002", dt.datetime(2026, 12, 1, 12, 0), "7"),
        (6, "1003", dt.datetime(2026, 12, 1, 17, 35), "考勤机"),
    ]
    assert result.total_rows == 4 and result.problems == ()


def test_xlsx_datetime_column_and_unformatted_serial(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["工号", "姓名", "签到时间"])
    ws.append(["zhaoli", "赵丽", dt.datetime(2026, 12, 2, 8, 29, 59)])     # matched by login
    ws.append([1004, "赵丽", 46358.354166666664])                        # 2026-12-02 08:30 as a number
    wb.save(tmp_path / "e.xlsx")
    result = _parse(tmp_path / "e.xlsx")
    assert [p.at for p in result.punches] == [dt.datetime(2026, 12, 2, 8, 29, 59), dt.datetime(2026, 12, 2, 8, 30)]
    assert {p.staff_id for p in result.punches} == {"id-zhaoli"}


GARBAGE_ROWS = [
    ("1001,张敏,2026-12-01 08:25:03,1", None),
    (",,,", None),                                                    # blank: skipped silently
    ("", None),
    ("9999,不在册,2026-12-01 08:25:03,1", "工号不存在"),
    ("1002,李强,2026-12-32 08:25:03,1", "时间无法识别"),
    ("1002,李强,明天早上,1", "时间无法识别"),
    ("1003,张敏,2026-12-01 08:25:03,1", "工号与姓名不符"),
    ("1004,\"=cmd|' /C calc'!A0\",2026-12-01 08:25:03,1", "工号与姓名不符"),
    ("\"=cmd|' /C calc'!A0\",赵丽,2026-12-01 08:25:03,1", "工号不存在"),
    ("1004,赵丽,2026-12-01 08:25:03,\"=cmd|' /C calc'!A0\"", "设备号无效"),
    ("1004,赵丽,2026-12-01 08:25:03," + "长" * 100_000, "内容过长"),
    ("1005,孙\x00浩,2026-12-01 08:25:03,1", "含有非法字符"),
    ("1005\x1b[31m,孙浩,2026-12-01 08:25:03,1", "含有非法字符"),
    (",孙浩,2026-12-01 08:25:03,1", "工号为空"),
    ("1006,陈静,2025-11-30 08:25:03,1", "日期超出范围"),
    ("1006,陈静,2026-12-07 08:25:03,1", "日期超出范围"),              # later than now
    ("1007,王𬌗,2026-12-01 08:31:00,1", None),
    ("1007,王𬌗,2026-12-01 08:31:00,1", "merged"),
    ("1007,王𬌗,2026-12-01 08:31:00,2", None),                        # another terminal: another punch
    ("  1008  ,  周涛  ,  2026-12-01 08:29:00  ,  1  ", None),
]


def test_garbage_rows_each_reported_with_its_reason_and_good_rows_kept(tmp_path: Path) -> None:
    text = "\n".join([HEADER, *(line for line, _ in GARBAGE_ROWS)]) + "\n"
    path = _write(tmp_path, text)
    kw = {"earliest": dt.date(2026, 12, 1), "latest": dt.datetime(2026, 12, 6, 23, 0)}
    result = _parse(path, **kw)
    expected_problems = [(i + 2, reason) for i, (_, reason) in enumerate(GARBAGE_ROWS)
                         if reason not in (None, "merged")]
    assert [(p.row, p.reason) for p in result.problems] == expected_problems
    good = [i + 2 for i, (_, reason) in enumerate(GARBAGE_ROWS) if reason is None and GARBAGE_ROWS[i][0].strip(",")]
    assert [p.row for p in result.punches] == good
    assert result.punches[-1].terminal == "1" and result.punches[-1].staff_no == "1008"   # trimmed
    assert result.merged_in_file == 1
    assert result.total_rows == len(result.punches) + result.merged_in_file + len(result.problems) == 18
    long_row = next(p for p in result.problems if p.reason == "内容过长")
    assert len(long_row.text) < 200 and "共 " in long_row.text
    control = next(p for p in result.problems if p.reason == "含有非法字符")
    assert "\x00" not in control.text and "\\x00" in control.text
    assert _parse(path, **kw) == result            # re-parse: the identical result
    assert file_sha256(path) == file_sha256(path) and len(file_sha256(path)) == 64


def test_name_column_alone_identifies_a_unique_person(tmp_path: Path) -> None:
    table = read_table(_write(tmp_path, "姓名,日期时间\n王𬌗,2026-12-01 08:31\n无此人,2026-12-01 08:31\n"))
    result = parse_rows(table, {"name": 0, "at": 1}, STAFF)
    assert [p.staff_id for p in result.punches] == ["id-wangxin"]
    assert [p.reason for p in result.problems] == ["姓名不存在或重名"]


@pytest.mark.parametrize("headers, expected", [
    (["工号", "姓名", "日期时间", "设备号"], {"staff_no": 0, "name": 1, "at": 2, "terminal": 3}),
    (["考勤号码", "姓名", "日期", "时间", "机器号"], {"staff_no": 0, "name": 1, "date": 2, "time": 3, "terminal": 4}),
    (["人员编号", "名字", "时间", "终端"], {"staff_no": 0, "name": 1, "at": 2, "terminal": 3}),
    (["用户ID", "姓名", "日期", "打卡时间", "设备编号"],
     {"staff_no": 0, "name": 1, "date": 2, "time": 3, "terminal": 4}),
    (["编号", "签到时间", "考勤机"], {"staff_no": 0, "at": 1, "terminal": 2}),
    (["序号", "部门", "备注"], {}),
], ids=["zkteco", "split", "time-alone-is-at", "date-and-punch-time", "minimal", "nothing"])
def test_guess_mapping(headers: list[str], expected: dict[str, int]) -> None:
    assert guess_mapping(headers) == expected


@pytest.mark.parametrize("mapping, field", [
    ({"at": 1}, "staff_no"),
    ({"staff_no": 0}, "at"),
    ({"staff_no": 0, "date": 1}, "at"),
    ({"staff_no": 0, "at": 9}, "at"),
    ({"staff_no": 0, "at": -1}, "at"),
    ({"staff_no": 0, "at": 0}, "mapping"),
    ({"staff_no": 0, "at": 1, "time": 2}, "at"),
    ({"staff_no": 0, "at": 1, "colour": 2}, "mapping"),
], ids=["no-person", "no-time", "date-without-time", "out-of-range", "negative", "twice", "at-and-time", "unknown"])
def test_check_mapping_refusals(mapping: dict[str, int], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        check_mapping(mapping, ["工号", "时间", "设备"])
    assert err.value.field == field and err.value.message


def test_parse_rows_checks_the_mapping_first() -> None:
    with pytest.raises(InvalidInput):
        parse_rows(RawTable(headers=("工号",), rows=(("1001",),)), {"staff_no": 0}, STAFF)


@pytest.mark.parametrize("name, content, words", [
    ("old.xls", b"\xd0\xcf\x11\xe0", "另存为"),
    ("empty.csv", b"", "空的"),
    ("blank.csv", b"\r\n , ,\r\n", "没有任何内容"),
    ("fake.xlsx", b"this is not a zip", "已损坏"),
    ("binary.csv", b"PK\x03\x04\x00\x00\x00\x00", "不是文本格式"),
    ("bad.bin", b"1,2", "无法识别的文件类型"),
    ("latin.csv", b"\xff\xff\xff\xfe\x81\x30", "文字编码"),
], ids=["xls", "empty", "blank", "broken-xlsx", "binary", "extension", "encoding"])
def test_unreadable_files_are_refused_in_chinese(tmp_path: Path, name: str, content: bytes, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidInput) as err:
        read_table(path)
    assert words in err.value.message and err.value.field == "file"


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="不存在"):
        read_table(tmp_path / "none.csv")
    with pytest.raises(InvalidInput):
        file_sha256(tmp_path / "none.csv")


def test_demo_sample_parses_against_the_demo_hall() -> None:
    result = _parse(ROOT / "resources" / "demo" / "attendance-machine-sample.csv",
                    earliest=dt.date(2026, 12, 1), latest=dt.datetime(2026, 12, 6, 23, 0))
    assert [(p.reason, p.text.split(" | ")[0]) for p in result.problems] == [("工号不存在", "1099")]
    assert result.merged_in_file == 1
    assert len(result.punches) == 16 * 4 * 4 - 1
    assert {p.staff_no for p in result.punches} == {f"{n}" for n in range(1001, 1017)}
