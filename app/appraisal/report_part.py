"""The appraisal in the hall's reports (统计报表): the ranking and the grade distribution of the last
published month the period covers (the latest version of it), for the reports' screen, Excel, PDF and
通报. A period with no published month shows the draft of its last ended month, marked as such; a
chief sees their department only. Registered as ReportService.appraisal_provider (app.services)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.appraisal import facts as mf
from app.appraisal.codec import appraisal_from_json
from app.appraisal.score import GRADE_LABELS, MonthAppraisal
from app.attendance import common
from app.authz import holder_of
from app.context import Actor, AppContext
from app.errors import InvalidInput
from app.permissions import Subject, refusal
from app.reports.model import AppraisalPart, AppraisalRank
from app.reports.periods import Period
from db.models import AppraisalMonth


def _months(period: Period, today: dt.date) -> list[tuple[int, int]]:
    """The months the period touches that have ended, newest first."""
    out, day = [], dt.date(period.end.year, period.end.month, 1)
    while day >= dt.date(period.start.year, period.start.month, 1):
        if mf.month_bounds(day.year, day.month)[1] < today:
            out.append((day.year, day.month))
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return out


def appraisal_part(ctx: AppContext, actor: Actor, period: Period, department_id: str | None) -> AppraisalPart | None:
    from app.appraisal.service import AppraisalService

    months = _months(period, ctx.today())
    if not months:
        return None
    with ctx.db.read() as s:
        holder = holder_of(s, actor)
        if refusal(holder, "appraisal.view", Subject(department_id=department_id or holder.department_id)):
            return None
        hall = common.hall_id(s)
        for year, month in months:
            row = s.scalars(select(AppraisalMonth).where(AppraisalMonth.hall_id == hall,
                                                         AppraisalMonth.month == mf.month_key(year, month))
                            .order_by(AppraisalMonth.version.desc()).limit(1)).first()
            if row is None:
                continue
            try:
                result = appraisal_from_json(row.result)
            except InvalidInput:
                continue
            return _part(result, f"{year}年{month}月考核结果（第{row.version}版）", department_id)
        year, month = months[0]
        draft = AppraisalService(ctx).compute(s, year, month)
        return _part(draft, f"{year}年{month}月考核（草稿，未发布）", department_id,
                     "本期没有已发布的考核结果，以下为按现有数据计算的草稿。")


def _part(m: MonthAppraisal, title: str, department_id: str | None, note: str = "") -> AppraisalPart:
    people = [p for p in m.people if department_id is None or p.person.department_id == department_id]
    ranking = tuple(AppraisalRank(p.rank, p.person.name, p.person.department_name, p.score, p.grade_label)
                    for p in people)
    grades = tuple((label, sum(1 for p in people if p.grade == code)) for code, label in GRADE_LABELS.items())
    quota = f"优秀名额 {m.excellent_quota} 名" + ("（经批准提高）" if m.quota_raised else "")
    return AppraisalPart(title, ranking, grades, "；".join(x for x in (note, quota) if x))
