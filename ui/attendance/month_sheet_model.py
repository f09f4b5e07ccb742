"""Table models of the 考勤月报 window: the totals per person, and the day grid (one column per day,
a short code per half day, coloured by the day's worst status, the full label as tooltip).

Both read a MonthSheet (app.attendance.rules) handed over whole; nothing here touches storage."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

Index = QModelIndex | QPersistentModelIndex

# One character per half day, as on the printed sheet (app.attendance.report).
CODES = {"normal": "√", "late": "迟", "early": "早", "missing": "缺", "absent": "旷", "leave": "假",
         "out": "外", "official": "公", "rest": "休", "not_employed": "–",
         "pending": ""}  # pending: a day or half day still ahead, not judged
# The colour of a day is that of its worse half (the order is how bad a status is).
SEVERITY = ("absent", "missing", "late", "early", "leave", "out", "official", "normal", "rest", "not_employed",
            "pending")
COLOURS = {"normal": "#e3f4e3", "late": "#ffe0b2", "early": "#ffe0b2", "missing": "#fff59d", "absent": "#ffcdd2",
           "leave": "#d6e6fb", "out": "#d6e6fb", "official": "#d6e6fb", "rest": "#eeeeee",
           "not_employed": "#eeeeee", "pending": "#ffffff"}
LEGEND = "√ 正常　迟 迟到　早 早退　缺 缺卡　旷 旷工　假 请假　外 外出　公 公假　休 休息　– 未在岗"
_LEAVE_LIKE = frozenset({"leave", "out", "official"})


def leave_kinds(sheet: Any) -> list[str]:
    """The leave types that occur in the sheet, in order of first appearance."""
    kinds: list[str] = []
    for person in sheet.people:
        for kind in person.leave_days:
            if kind not in kinds:
                kinds.append(kind)
    return kinds


def _days(value: float) -> str:
    return f"{value:g}"


class MonthTotalsTableModel(QAbstractTableModel):
    """One row per person: 应出勤, 迟到/早退 (次, 分钟), 缺卡, 旷工 (天), leave days per type, 外出, 待核."""

    FIXED = ("姓名", "窗口", "部门", "应出勤(天)", "迟到(次)", "迟到(分钟)", "早退(次)", "早退(分钟)", "缺卡(次)",
             "旷工(天)")
    TAIL = ("外出(小时)", "待核(天)")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.sheet: Any = None
        self.kinds: list[str] = []
        self.headers: list[str] = list(self.FIXED + self.TAIL)

    def set_sheet(self, sheet: Any) -> None:
        self.beginResetModel()
        self.sheet = sheet
        self.kinds = leave_kinds(sheet) if sheet is not None else []
        self.headers = list(self.FIXED) + [f"{k}(天)" for k in self.kinds] + list(self.TAIL)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() or self.sheet is None else len(self.sheet.people)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def cells(self, row: int) -> list[str]:
        p = self.sheet.people[row]
        fixed = [p.person.name, p.person.window_label, p.person.department_name, str(p.workdays),
                 str(p.late_count), str(p.late_minutes), str(p.early_count), str(p.early_minutes),
                 str(p.missing_count), _days(p.absent_halves / 2)]
        leave = [_days(p.leave_days.get(k, 0)) for k in self.kinds]
        return fixed + leave + [_days(p.out_hours), str(p.review_days)]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.sheet is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cells(index.row())[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        absent = self.sheet.people[index.row()].absent_halves
        if role == Qt.ItemDataRole.BackgroundRole and index.column() == 9 and absent:
            return QBrush(QColor(COLOURS["absent"]))
        return None


def _judged(result: Any, as_of: dt.date) -> bool:
    """Days after ``as_of`` are not judged: only leave already granted shows there."""
    if result.day <= as_of:
        return True
    return result.morning.status in _LEAVE_LIKE or result.afternoon.status in _LEAVE_LIKE


def day_code(result: Any, as_of: dt.date) -> str:
    if not _judged(result, as_of):
        return ""
    morning, afternoon = CODES.get(result.morning.status, "?"), CODES.get(result.afternoon.status, "?")
    code = morning if morning == afternoon else morning + afternoon
    return code + ("*" if getattr(result, "review", False) else "")


def day_status(result: Any) -> str:
    statuses = (result.morning.status, result.afternoon.status)
    return min(statuses, key=lambda s: SEVERITY.index(s) if s in SEVERITY else len(SEVERITY))


class MonthGridTableModel(QAbstractTableModel):
    """Person x day: the day's short code (one per half day when they differ; * = 待核)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.sheet: Any = None
        self.days: list[dt.date] = []

    def set_sheet(self, sheet: Any) -> None:
        self.beginResetModel()
        self.sheet = sheet
        self.days = [d.day for d in sheet.people[0].days] if sheet is not None and sheet.people else []
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.sheet is None else len(self.sheet.people)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.days)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return str(self.days[section].day)
        return self.sheet.people[section].person.name

    def result(self, row: int, column: int) -> Any:
        return self.sheet.people[row].days[column]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.sheet is None:
            return None
        result = self.result(index.row(), index.column())
        judged = _judged(result, self.sheet.as_of)
        if role == Qt.ItemDataRole.DisplayRole:
            return day_code(result, self.sheet.as_of)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.BackgroundRole and judged:
            return QBrush(QColor(COLOURS.get(day_status(result), "#ffffff")))
        if role == Qt.ItemDataRole.ToolTipRole:
            label = result.label if judged else "尚未到期"
            review = "（含待核打卡）" if getattr(result, "review", False) else ""
            return f"{self.sheet.people[index.row()].person.name} {result.day:%Y-%m-%d}：{label}{review}"
        return None
