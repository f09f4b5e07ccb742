"""Hall figures of the ratings (评价统计): 好评率, 差评数, 整改按期率, 回访率 per window, department,
matter or staff member over a period, and their Excel export.

A rating whose appeal was upheld is out of the level counts (it no longer counts for appraisal) and
is counted under ``upheld_appeals``; its follow-up still counts (the loop was run). 整改按期率 is over
the follow-ups whose limit has passed or that were rectified; 回访率 over the rectified follow-ups of
ratings that left a phone (the target is 100 % for those)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from app.context import Actor, AppContext
from app.errors import InvalidInput
from app.ratings import policy
from app.ratings.common import VIEW, Labels, day_bounds, rate, reviewer
from app.ratings.model import FigureRow
from db.models import Rating, RatingAppeal, RatingFollowup
from db.rating_repository import RatingRepository

BY_LABELS = {"window": "窗口", "department": "部门", "matter": "事项", "staff": "人员"}
TOTAL = "合计"


@dataclass
class _Tally:
    rated: int = 0
    unrated: int = 0
    good: int = 0
    medium: int = 0
    bad: int = 0
    followups: int = 0
    rectify_due: int = 0
    on_time: int = 0
    callbacks_due: int = 0
    callbacks_done: int = 0
    upheld: int = 0

    def add(self, r: Rating, f: RatingFollowup | None, a: RatingAppeal | None, today: dt.date) -> None:
        if a is not None and a.status == "upheld":
            self.upheld += 1
        elif r.level is None:
            self.unrated += 1
        else:
            self.rated += 1
            self.good += policy.is_good(r.level)
            self.medium += r.level == 3
            self.bad += policy.is_bad(r.level)
        if f is not None:
            self._followup(r, f, today)

    def _followup(self, r: Rating, f: RatingFollowup, today: dt.date) -> None:
        self.followups += 1
        if f.rectified_at is not None or f.rectify_due < today:
            self.rectify_due += 1
        if f.rectified_at is not None and f.rectified_at.date() <= f.rectify_due:
            self.on_time += 1
        if r.callback_phone and f.rectified_at is not None:
            self.callbacks_due += 1
            self.callbacks_done += bool(f.callback_result)

    def row(self, key: str, label: str) -> FigureRow:
        return FigureRow(
            key=key, label=label, rated=self.rated, unrated=self.unrated, good=self.good, medium=self.medium,
            bad=self.bad, good_rate=rate(self.good, self.rated), followups=self.followups,
            rectified_on_time=self.on_time, rectified_on_time_rate=rate(self.on_time, self.rectify_due),
            callbacks_due=self.callbacks_due, callbacks_done=self.callbacks_done,
            callback_rate=rate(self.callbacks_done, self.callbacks_due), upheld_appeals=self.upheld,
        )


def _grouping(by: str, labels: Labels) -> Callable[[Rating], tuple[str, str]]:
    if by == "window":
        return lambda r: (r.window_id or "", labels.window(r.window_id) or "（无窗口）")

    def department(r: Rating) -> tuple[str, str]:
        key = labels.department_of(r.window_id, r.matter_id) or ""
        return key, labels.department_name(key) or "（未分部门）"

    if by == "department":
        return department
    if by == "matter":
        return lambda r: (r.matter_id, labels.matter(r.matter_id))
    return lambda r: (r.staff_id or "", labels.name(r.staff_id) or "（未知人员）")


def figures(ctx: AppContext, actor: Actor, start: dt.date, end: dt.date, by: str = "window") -> list[FigureRow]:
    """One row per group (by label), then the 合计 row (key '')."""
    if by not in BY_LABELS:
        raise InvalidInput("请选择统计口径（窗口、部门、事项或人员）。", field="by")
    if end < start:
        raise InvalidInput("统计的结束日期早于开始日期，请核对。", field="end")
    today = ctx.today()
    with ctx.db.read() as s:
        seen = reviewer(s, actor)
        repo = RatingRepository(s)
        rows = repo.ratings(*day_bounds(start, end))
        labels = Labels(s, {r.matter_id for r in rows})
        rows = [r for r in rows if seen.may(VIEW, labels.subject(r))]
        followups = repo.followups_of(r.id for r in rows)
        appeals = repo.appeals_of(r.id for r in rows)
        group = _grouping(by, labels)
        tallies: dict[tuple[str, str], _Tally] = {}
        total = _Tally()
        for r in rows:
            f, a = followups.get(r.id), appeals.get(r.id)
            tallies.setdefault(group(r), _Tally()).add(r, f, a, today)
            total.add(r, f, a, today)
    out = [t.row(key, label) for (key, label), t in sorted(tallies.items(), key=lambda kv: (kv[0][1], kv[0][0]))]
    return [*out, total.row("", TOTAL)]


# -- Excel ---------------------------------------------------------------------------------------

HEADERS = ("已评价", "未评价", "好评", "中评", "差评", "好评率", "差评整改", "按期整改", "整改按期率", "应回访",
           "已回访", "回访率", "申诉成立")


def _percent(value: float | None) -> Any:
    return "—" if value is None else round(value, 4)


def _cells(row: FigureRow) -> list[Any]:
    return [row.label, row.rated, row.unrated, row.good, row.medium, row.bad, _percent(row.good_rate), row.followups,
            row.rectified_on_time, _percent(row.rectified_on_time_rate), row.callbacks_due, row.callbacks_done,
            _percent(row.callback_rate), row.upheld_appeals]


def figures_xlsx(rows: Sequence[FigureRow], start: dt.date, end: dt.date, by: str, hall_name: str = "") -> bytes:
    """One sheet: a heading with the period, the header row, one line per group and the 合计."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "评价统计"
    heading = f"{hall_name}评价统计（按{BY_LABELS[by]}）"
    ws.cell(row=1, column=1, value=heading).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=f"统计期间：{start.isoformat()} 至 {end.isoformat()}")
    for c, text in enumerate((BY_LABELS[by], *HEADERS), 1):
        cell = ws.cell(row=3, column=c, value=text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r, row in enumerate(rows, 4):
        for c, value in enumerate(_cells(row), 1):
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str) and cell.data_type == "f":
                cell.data_type = "s"  # a name typed as "=..." stays text, never a formula
            if c >= 2 and HEADERS[c - 2].endswith("率") and isinstance(value, float):
                cell.number_format = "0.0%"
            if row.key == "" and row.label == TOTAL:
                cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 28
    for c in range(2, len(HEADERS) + 2):
        ws.column_dimensions[get_column_letter(c)].width = 11
    ws.freeze_panes = "B4"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
