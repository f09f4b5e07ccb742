"""The report's charts as ReportLab drawings (flowables of the PDF): cases per window (or department,
matter), the monthly trend (cases; rates) and the ratings by level. Every text is set in the papers'
embedded Song face: a drawing that fell back to ReportLab's Helvetica would carry a font the PDF does not
embed and print boxes for Chinese."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from app.documents.glyphs import BODY
from app.reports.model import Dashboard

BLUE, GREEN, ORANGE, RED, GREY = (colors.HexColor("#2f6fb3"), colors.HexColor("#3a9a5b"),
                                  colors.HexColor("#e08a1e"), colors.HexColor("#c0392b"), colors.HexColor("#888888"))
LEVEL_COLOURS = (GREEN, colors.HexColor("#7cc48f"), colors.HexColor("#d9c24a"), ORANGE, RED, GREY)
MAX_BARS = 24


def _drawing(width: float, height: float, title: str) -> Drawing:
    d = Drawing(width, height)
    d.initialFontName, d.initialFontSize = BODY, 8  # the renderer's starting face: ours, never Helvetica
    d.add(String(width / 2, height - 12, title, fontName=BODY, fontSize=10.5, textAnchor="middle"))
    return d


def _legend(d: Drawing, y: float, pairs: Sequence[tuple[colors.Color, str]]) -> None:
    """Swatches and names in one line, ending at the drawing's right edge, under the title."""
    size, gap = 7.0, 10.0
    widths = [size + 3 + stringWidth(name, BODY, 8) for _colour, name in pairs]
    x = d.width - 6 - sum(widths) - gap * (len(pairs) - 1)
    for (colour, name), width in zip(pairs, widths, strict=True):
        d.add(Rect(x, y, size, size, fillColor=colour, strokeColor=None))
        d.add(String(x + size + 3, y + 0.5, name, fontName=BODY, fontSize=8))
        x += width + gap


def _axes_fonts(chart: VerticalBarChart | HorizontalBarChart | HorizontalLineChart) -> None:
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName, axis.labels.fontSize = BODY, 7.5
    chart.valueAxis.gridStrokeColor = colors.Color(0.85, 0.85, 0.85)
    chart.valueAxis.visibleGrid = True


def short(text: str, width: int = 10) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def group_bars(report: Dashboard, width: float = 273 * mm, height: float = 75 * mm) -> Drawing:
    """收件 and 办结 of each group (the largest MAX_BARS by 收件), the 合计 left out."""
    rows = sorted(report.current.cases[:-1], key=lambda r: -r.received)[:MAX_BARS]
    more = len(report.current.cases) - 1 - len(rows)
    title = f"各{report.by_label}收件与办结（{report.period.label}）"
    title += f"，收件最多的{len(rows)}个" if more > 0 else ""
    d = _drawing(width, height, title)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 38, width - 60, height - 72
    chart.data = [[r.received for r in rows] or [0], [r.completed for r in rows] or [0]]
    chart.categoryAxis.categoryNames = [short(r.label) for r in rows] or ["（无）"]
    chart.categoryAxis.labels.angle = 30 if len(rows) > 8 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(rows) > 8 else "n"
    chart.bars[0].fillColor, chart.bars[1].fillColor = BLUE, GREEN
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = "%d"
    _axes_fonts(chart)
    d.add(chart)
    _legend(d, height - 26, [(BLUE, "收件"), (GREEN, "办结")])
    return d


def trend_counts(report: Dashboard, width: float, height: float) -> Drawing:
    d = _drawing(width, height, "月度收件与办结")
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 38, 30, width - 50, height - 66
    chart.data = [[p.received for p in report.trend], [p.completed for p in report.trend]]
    chart.categoryAxis.categoryNames = [f"{p.month}月" for p in report.trend]
    chart.lines[0].strokeColor, chart.lines[1].strokeColor = BLUE, GREEN
    for line in (chart.lines[0], chart.lines[1]):
        line.strokeWidth = 1.5
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = "%d"
    _axes_fonts(chart)
    d.add(chart)
    _legend(d, height - 26, [(BLUE, "收件"), (GREEN, "办结")])
    return d


def trend_rates(report: Dashboard, width: float, height: float) -> Drawing:
    """按期办结率 and 好评率 by month, in percent (a month without any is drawn at its neighbours' gap)."""
    d = _drawing(width, height, "月度按期办结率与好评率（%）")
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 38, 30, width - 50, height - 66
    chart.data = [[None if p.on_time_rate is None else p.on_time_rate * 100 for p in report.trend],
                  [None if p.good_rate is None else p.good_rate * 100 for p in report.trend]]
    chart.categoryAxis.categoryNames = [f"{p.month}月" for p in report.trend]
    chart.lines[0].strokeColor, chart.lines[1].strokeColor = ORANGE, BLUE
    for line in (chart.lines[0], chart.lines[1]):
        line.strokeWidth = 1.5
    values = [v for series in chart.data for v in series if v is not None]
    chart.valueAxis.valueMin = max(0, (int(min(values)) // 10) * 10 - 10) if values else 0
    chart.valueAxis.valueMax = 100
    chart.valueAxis.labelTextFormat = "%d"
    _axes_fonts(chart)
    d.add(chart)
    _legend(d, height - 26, [(ORANGE, "按期办结率"), (BLUE, "好评率")])
    return d


def rating_levels(report: Dashboard, width: float, height: float) -> Drawing:
    """The ratings of the period by level (upheld appeals left out), 非常满意 at the top."""
    d = _drawing(width, height, "评价等级分布（件）")
    levels = list(report.current.levels)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 62, 16, width - 86, height - 40
    chart.data = [[x.count for x in reversed(levels)]]
    chart.categoryAxis.categoryNames = [x.label for x in reversed(levels)]
    chart.bars.strokeColor = None
    for i, colour in enumerate(reversed(LEVEL_COLOURS)):
        chart.bars[(0, i)].fillColor = colour
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = "%d"
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName, chart.barLabels.fontSize = BODY, 7.5
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    _axes_fonts(chart)
    d.add(chart)
    return d
