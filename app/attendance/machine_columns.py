"""Which column of a punch export holds what: guessed from the headers vendor tools write, checked
before parsing. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from app.errors import InvalidInput

FIELDS = ("staff_no", "name", "at", "date", "time", "terminal")
FIELD_LABELS = {"staff_no": "工号", "name": "姓名", "at": "日期时间", "date": "日期", "time": "时间",
                "terminal": "设备号"}

_EXACT = {
    "staff_no": ("工号", "考勤号码", "考勤号", "人员编号", "用户id", "用户编号", "编号", "员工编号", "员工号", "职工号",
                 "登记号码", "用户号", "卡号", "ac-no.", "ac-no", "userid", "user id", "no."),
    "name": ("姓名", "名字", "人员姓名", "员工姓名", "用户名", "name"),
    "at": ("日期时间", "打卡时间", "签到时间", "考勤时间", "刷卡时间", "记录时间", "识别时间", "打卡日期时间",
           "datetime", "time"),
    "date": ("日期", "考勤日期", "打卡日期", "date"),
    "time": ("时间",),
    "terminal": ("设备", "设备号", "设备名称", "设备编号", "机器号", "机号", "终端", "终端号", "终端编号", "考勤机",
                 "考勤机号", "考勤机名称", "设备序列号", "sn", "machine"),
}
_CONTAINS = (("terminal", ("设备", "机器", "终端", "考勤机", "机号")), ("at", ("日期时间",)), ("date", ("日期",)),
             ("at", ("时间",)), ("name", ("姓名",)), ("staff_no", ("工号", "编号", "号码")))


def _norm_header(text: str) -> str:
    return re.sub(r"[\s:：()（）\[\]【】*]", "", text).lower()


def guess_mapping(headers: Sequence[str]) -> dict[str, int]:
    """field -> column index from the headers vendor tools write; fields not recognised are left out."""
    norm = [_norm_header(h) for h in headers]
    found: dict[str, int] = {}
    for field, names in _EXACT.items():
        for i, h in enumerate(norm):
            if h in names and i not in found.values():
                found[field] = i
                break
    for field, words in _CONTAINS:
        for i, h in enumerate(norm):
            if field not in found and i not in found.values() and any(w in h for w in words):
                found[field] = i
    return _settle_date_time(found, norm)


def _settle_date_time(found: dict[str, int], norm: Sequence[str]) -> dict[str, int]:
    """时间 alone holds date and time; beside a 日期 column, 时间 or 打卡时间 holds the time only."""
    if "date" in found and "at" in found and "time" not in found and "日期" not in norm[found["at"]]:
        found["time"] = found.pop("at")
    if "time" in found and "date" not in found:
        found["at"] = found.pop("time")
    if "at" in found:
        found.pop("date", None)
    return found


def check_mapping(mapping: Mapping[str, int], headers: Sequence[str]) -> None:
    """Refuses a mapping that cannot identify a person and a time, or points outside the table."""
    unknown = [f for f in mapping if f not in FIELDS]
    if unknown:
        raise InvalidInput(f"未知的列用途：{'、'.join(map(str, unknown))}。", field="mapping")
    for field, index in mapping.items():
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(headers):
            raise InvalidInput(f"“{FIELD_LABELS[field]}”对应的列不存在，请重新选择。", field=field)
    used = list(mapping.values())
    if len(set(used)) != len(used):
        raise InvalidInput("同一列不能同时用作两种内容，请重新选择列。", field="mapping")
    if "staff_no" not in mapping and "name" not in mapping:
        raise InvalidInput("请指定“工号”列（或至少指定“姓名”列），否则无法确定打卡人。", field="staff_no")
    if "at" in mapping and ("date" in mapping or "time" in mapping):
        raise InvalidInput("已指定“日期时间”列时，不要再指定单独的“日期”或“时间”列。", field="at")
    if "at" not in mapping and not ("date" in mapping and "time" in mapping):
        raise InvalidInput("请指定“日期时间”列，或同时指定“日期”列和“时间”列。", field="at")
