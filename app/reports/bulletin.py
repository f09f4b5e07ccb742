"""The monthly 通报 (bulletin) of the hall's window service, in the layout of the papers (GB/T 9704-2012,
app.documents: A4, the 156 × 225 mm block, title in the Song face, body 仿宋 16 pt on the 28-character
grid, level-1 headings in 黑体, page numbers "— n —"), plain (no red header): the month's figures in
prose, with the tables of the windows, then any extra section (the appraisal, added later), numbered on.
Pure function of the Dashboard; safe on a worker thread."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from reportlab.platypus import BaseDocTemplate, Flowable, Frame, KeepTogether, PageTemplate, Spacer, Table, TableStyle

from app.documents.flow import GridParagraph, Segment, TextStyle, draw_line, text_width
from app.documents.glyphs import (
    FANGSONG,
    FANGSONG_CHAIN,
    HEI_CHAIN,
    SONG_CHAIN,
    MissingGlyphs,
    missing_glyphs,
    register_fonts,
)
from app.documents.layout import (
    BLOCK_H,
    BLOCK_W,
    BODY_PT,
    BOTTOM,
    GRID,
    LEFT,
    LINE,
    PAGE_H,
    PAGE_W,
    TITLE_PT,
    PaperCanvas,
)
from app.documents.pdf import cn_date
from app.reports.model import BulletinSection, Dashboard, ReportSection
from app.reports.tables import appraisal_sections, shown

NUMERALS = "一二三四五六七八九十"
BODY = TextStyle(BODY_PT, LINE, "justify", grid=GRID)
TITLE = TextStyle(TITLE_PT, LINE * 1.5, "center", chain=SONG_CHAIN, embolden=0.035)
CELL = TextStyle(12, 16, "left")
REQUIREMENTS = (
    "各窗口要对照本通报查找不足：超期的办件逐件说明原因、限期办结；差评逐件核实整改、按时回访；"
    "严格执行考勤和AB岗制度，杜绝空岗。各派驻单位首席代表要加强对本单位窗口的日常管理。"
)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _compare(now: float | None, before: float | None, unit: str, percent: bool = False) -> str:
    """"上月1180件，增加54件" / "上月97.2%，提高0.6个百分点"."""
    if now is None or before is None:
        return ""
    if percent:
        diff = (now - before) * 100
        word = "提高" if diff > 0 else "下降"
        return f"上月{_pct(before)}，" + ("持平" if abs(diff) < 0.05 else f"{word}{abs(diff):.1f}个百分点")
    diff_n = now - before
    word = "增加" if diff_n > 0 else "减少"
    return f"上月{before:g}{unit}，" + ("持平" if diff_n == 0 else f"{word}{abs(diff_n):g}{unit}")


def _list(items: Iterable[str], empty: str) -> str:
    shown_items = list(items)
    return "、".join(shown_items) if shown_items else empty


def cases_prose(report: Dashboard) -> list[str]:
    c, p = report.current.case_total, report.previous.case_total
    days = c.handling_days_average
    lines = [
        f"{report.period.label}，{report.scope_label}共收件{c.received}件（{_compare(c.received, p.received, '件')}）；"
        f"受理{c.accepted}件，其中容缺受理{c.deferred}件、视为受理{c.deemed}件；不予受理{c.rejected}件；"
        f"出具一次性告知书{c.corrections}件次。",
        f"办结{c.completed}件，按期办结率{_pct(c.on_time_rate)}"
        + (f"（{_compare(c.on_time_rate, p.on_time_rate, '', percent=True)}）" if p.on_time_rate is not None else "")
        + f"；超期{c.overdue}件，其中超期办结{c.overdue_completed}件、超期未办结{c.overdue_open}件；"
        f"即办件当场办结率{_pct(c.on_the_spot_rate)}；平均办理时间"
        + ("—" if days is None else f"{days:.1f}个工作日") + "。",
    ]
    late = [f"{r.label}（{r.overdue}件）" for r in report.current.cases[:-1] if r.overdue]
    lines.append("有超期办件的" + report.by_label + "：" + _list(late, "无") + "。")
    return lines


def ratings_prose(report: Dashboard) -> list[str]:
    r, p = report.current.rating_total, report.previous.rating_total
    text = (f"共收到评价{r.rated}件，好评{r.good}件，好评率{_pct(r.good_rate)}"
            + (f"（{_compare(r.good_rate, p.good_rate, '', percent=True)}）" if p.good_rate is not None else "")
            + f"；中评{r.medium}件；差评{r.bad}件。差评整改{r.followups}件，"
            f"整改按期率{_pct(r.rectified_on_time_rate)}，"
            f"回访率{_pct(r.callback_rate)}；申诉成立{r.upheld_appeals}件，不计入各项比率。")
    bad = [f"{x.label}（{x.bad}件）" for x in report.current.ratings[:-1] if x.bad]
    return [text, "收到差评的" + report.by_label + "：" + _list(bad, "无") + "。"]


def attendance_prose(report: Dashboard) -> list[str]:
    a = report.current.attendance_total
    if a is None:
        return ["本月无考勤数据。"]
    text = (f"应出勤{a.workdays:g}人天，出勤率{_pct(a.attendance_rate)}；"
            f"迟到{a.late_count}人次，共{a.late_minutes}分钟；"
            f"早退{a.early_count}人次；旷工{a.absent_days:g}天；请假{a.leave_days:g}天；空岗{a.empty_posts}次，"
            f"共{a.empty_post_minutes}分钟（{report.current.attendance_source.replace('：', '')}）。")
    absent = [f"{x.label}（{x.absent_days:g}天）" for x in report.current.attendance[:-1] if x.absent_halves]
    empty = [f"{x.label}（{x.empty_posts}次）" for x in report.current.attendance[:-1] if x.empty_posts]
    return [text, "有旷工的：" + _list(absent, "无") + "；有空岗的：" + _list(empty, "无") + "。"]


def window_table(report: Dashboard) -> ReportSection:
    ratings = {r.key: r for r in report.current.ratings}
    rows = []
    for c in report.current.cases:
        r = ratings.get(c.key)
        rows.append((c.label, c.received, c.completed, c.on_time_rate if c.on_time_rate is not None else "—",
                     c.overdue, r.good_rate if r is not None and r.good_rate is not None else "—",
                     r.bad if r is not None else 0))
    return ReportSection("bulletin_windows", f"各{report.by_label}办件和评价情况",
                         (report.by_label, "收件", "办结", "按期办结率", "超期", "好评率", "差评"), tuple(rows),
                         ("text", "int", "int", "percent", "int", "percent", "int"))


def own_sections(report: Dashboard) -> list[BulletinSection]:
    return [
        BulletinSection("办件情况", tuple(cases_prose(report)), window_table(report)),
        BulletinSection("服务评价情况", tuple(ratings_prose(report))),
        BulletinSection("考勤情况", tuple(attendance_prose(report))),
    ]


def appraisal_bulletin(report: Dashboard) -> list[BulletinSection]:
    part = report.appraisal
    if part is None:
        return []
    grades = "，".join(f"{grade}{n}人" for grade, n in part.grades)
    ranking = appraisal_sections(part)[0]
    return [BulletinSection("考核情况", (f"{part.title}：{grades}。" + (part.note or ""),), ranking)]


class _Closing(Flowable):  # type: ignore[misc]  # ReportLab's flowables are untyped
    """The issuing hall and the date, right-aligned four characters in from the block's edge."""

    def __init__(self, name: str, date: str) -> None:
        super().__init__()
        self.name, self.date = name, date

    def wrap(self, *_args: Any) -> tuple[float, float]:
        return BLOCK_W, LINE * 2.2

    def draw(self) -> None:
        right = BLOCK_W - 4 * BODY_PT
        for y, text in ((LINE * 1.2, self.name), (LINE * 0.2, self.date)):
            draw_line(self.canv, right - text_width(text, FANGSONG_CHAIN, BODY_PT), y, text, FANGSONG_CHAIN, BODY_PT)


def _heading(number: int, title: str) -> GridParagraph:
    """"一、办件情况" in 黑体 (GB/T 9704's level-1 heading), indented two characters like the body."""
    segments: list[Segment] = [(f"{NUMERALS[number % len(NUMERALS)]}、{title}", HEI_CHAIN)]
    return GridParagraph(segments, BODY, indent=2)


def _table(section: ReportSection) -> Table:
    widths = [BLOCK_W * 0.3] + [BLOCK_W * 0.7 / max(len(section.headers) - 1, 1)] * (len(section.headers) - 1)
    rows: list[list[Any]] = [[GridParagraph.of(h, CELL) for h in section.headers]]
    for values in section.rows:
        rows.append([GridParagraph.of(str(v), CELL) if c == 0 else shown(v, section.formats[c])
                     for c, v in enumerate(values)])
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FANGSONG, 11), ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (1, 1), (-1, -1), "RIGHT")]))
    return table


def story(report: Dashboard, extra: Sequence[BulletinSection] = ()) -> list[Any]:
    flow: list[Any] = [GridParagraph.of(f"关于{report.period.label}窗口服务情况的通报", TITLE), Spacer(1, LINE * 0.5),
                       GridParagraph.of("各窗口、各派驻单位：", BODY),
                       GridParagraph.of(f"现将{report.period.label}{report.scope_label}窗口服务情况通报如下。", BODY,
                                        indent=2)]
    sections = [*own_sections(report), *appraisal_bulletin(report), *extra]
    for i, section in enumerate(sections):
        flow.append(_heading(i, section.heading))
        flow += [GridParagraph.of(text, BODY, indent=2) for text in section.paragraphs]
        if section.table is not None:
            flow += [Spacer(1, LINE * 0.3), _table(section.table), Spacer(1, LINE * 0.3)]
    flow.append(_heading(len(sections), "有关要求"))
    last = GridParagraph.of(REQUIREMENTS, BODY, indent=2)
    *lead, tail = last.tail(BLOCK_W, 2)  # the hall and the date never stand alone on a page
    flow += lead
    flow.append(KeepTogether([tail, Spacer(1, LINE), _Closing(report.hall_name, cn_date(report.made_at.date()))]))
    return flow


def _texts(report: Dashboard, extra: Sequence[BulletinSection]) -> Iterator[str]:
    yield report.hall_name
    for section in [*own_sections(report), *appraisal_bulletin(report), *extra]:
        yield from (section.heading, *section.paragraphs)
        if section.table is not None:
            yield from section.table.headers
            yield from (str(v) for row in section.table.rows for v in row)


def bulletin_pdf(report: Dashboard, extra: Sequence[BulletinSection] = ()) -> bytes:
    missing = missing_glyphs(_texts(report, extra))
    if missing:
        raise MissingGlyphs(missing)
    register_fonts()
    buffer = io.BytesIO()
    title = f"关于{report.period.label}窗口服务情况的通报"
    doc = BaseDocTemplate(buffer, pagesize=(PAGE_W, PAGE_H), leftMargin=LEFT, rightMargin=PAGE_W - LEFT - BLOCK_W,
                          topMargin=PAGE_H - BOTTOM - BLOCK_H, bottomMargin=BOTTOM, title=title,
                          author=report.hall_name, creator="窗口工作台 Counter Desk")
    frame = Frame(LEFT, BOTTOM, BLOCK_W, BLOCK_H, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="paper", frames=[frame])])
    doc.build(story(report, extra), canvasmaker=PaperCanvas)
    return buffer.getvalue()

