"""The reports window's charts (QtCharts): the monthly trend (cases; rates), cases per window or other group,
and the ratings by level. Every text in the application's font (ui.fonts: the shipped CJK faces), so no
label shows boxes on a PC without Chinese fonts."""

from __future__ import annotations

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QApplication

BLUE, GREEN, ORANGE, RED, GREY = "#2f6fb3", "#3a9a5b", "#e08a1e", "#c0392b", "#888888"
LEVEL_COLOURS = (GREEN, "#7cc48f", "#d9c24a", ORANGE, RED, GREY)
MAX_BARS = 20


def _font(points: float, bold: bool = False) -> QFont:
    font = QFont(QApplication.font())
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    chart.setTitleFont(_font(10, bold=True))
    chart.legend().setFont(_font(8.5))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    return chart


def _axis_fonts(*axes) -> None:
    for axis in axes:
        axis.setLabelsFont(_font(8))


def view(chart: QChart, name: str) -> QChartView:
    widget = QChartView(chart)
    widget.setObjectName(name)
    widget.setRenderHint(QPainter.RenderHint.Antialiasing)
    widget.setMinimumHeight(220)
    return widget


def _categories(chart: QChart, labels: list[str], series) -> QBarCategoryAxis:
    axis = QBarCategoryAxis()
    axis.append(labels)
    chart.addAxis(axis, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(axis)
    return axis


def _values(chart: QChart, series_list, top: float, fmt: str = "%d", align=Qt.AlignmentFlag.AlignLeft) -> QValueAxis:
    axis = QValueAxis()
    axis.setRange(0, max(top, 1))
    axis.setLabelFormat(fmt)
    axis.applyNiceNumbers()
    if fmt == "%d":  # counts: no tick between two whole numbers (0 0 0 0 1 on an empty month)
        axis.setTickCount(int(min(6, axis.max() - axis.min() + 1)))
    chart.addAxis(axis, align)
    for series in series_list:
        series.attachAxis(axis)
    return axis


def trend_chart(points) -> QChart:  # TrendPoint
    """收件 and 办结 per month (left axis), 按期办结率 and 好评率 in percent (right axis)."""
    chart = _chart("月度趋势")
    labels = [str(p.month) for p in points]
    counts = {"收件": (BLUE, [p.received for p in points]), "办结": (GREEN, [p.completed for p in points])}
    rates = {"按期办结率（%）": (ORANGE, [p.on_time_rate for p in points]),
             "好评率（%）": (RED, [p.good_rate for p in points])}
    axis_x = QBarCategoryAxis()
    axis_x.append(labels)
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    lines = []
    for name, (colour, values) in counts.items():
        series = QLineSeries()
        series.setName(name)
        series.setColor(QColor(colour))
        for i, v in enumerate(values):
            series.append(i, v)
        chart.addSeries(series)
        series.attachAxis(axis_x)
        lines.append(series)
    left = _values(chart, lines, max([0, *counts["收件"][1], *counts["办结"][1]]) * 1.1)
    right_series = []
    for name, (colour, values) in rates.items():
        series = QLineSeries()
        series.setName(name)
        series.setColor(QColor(colour))
        for i, v in enumerate(values):
            if v is not None:
                series.append(i, v * 100)
        chart.addSeries(series)
        series.attachAxis(axis_x)
        right_series.append(series)
    right = QValueAxis()
    right.setRange(0, 100)
    right.setLabelFormat("%d%%")
    chart.addAxis(right, Qt.AlignmentFlag.AlignRight)
    for series in right_series:
        series.attachAxis(right)
    axis_x.setTitleText("月份")
    axis_x.setTitleFont(_font(8))
    _axis_fonts(axis_x, left, right)
    return chart


def short_label(label: str, by_label: str) -> str:
    """What fits under a bar: a window by its number ("01 市场监管综合窗口" -> "01"), else 6 characters."""
    if by_label == "窗口" and " " in label:
        return label.split(" ", 1)[0]
    return label if len(label) <= 7 else label[:6] + "…"


def group_chart(rows, by_label: str) -> QChart:  # CaseRow, the 合计 left out
    """收件 and 办结 of the groups with most cases (at most MAX_BARS)."""
    shown = sorted(rows, key=lambda r: -r.received)[:MAX_BARS]
    title = f"各{by_label}收件与办结" + ("（按窗口号）" if by_label == "窗口" else "")
    chart = _chart(title + (f"，收件最多的{len(shown)}个" if len(rows) > len(shown) else ""))
    received, completed = QBarSet("收件"), QBarSet("办结")
    received.setColor(QColor(BLUE))
    completed.setColor(QColor(GREEN))
    for r in shown:
        received.append(r.received)
        completed.append(r.completed)
    series = QBarSeries()
    series.append(received)
    series.append(completed)
    chart.addSeries(series)
    labels = [short_label(r.label, by_label) for r in shown] or ["（无）"]
    axis_x = _categories(chart, labels, series)
    axis_y = _values(chart, [series], max([0, *(r.received for r in shown), *(r.completed for r in shown)]) * 1.1)
    _axis_fonts(axis_x, axis_y)
    return chart


def levels_chart(levels) -> QChart:  # LevelCount
    """The period's ratings by level, 非常满意 at the top."""
    chart = _chart("评价等级分布（件）")
    chart.legend().setVisible(False)
    series = QHorizontalBarSeries()
    counts = QBarSet("件数")
    for level in reversed(levels):
        counts.append(level.count)
    counts.setColor(QColor(GREEN))
    series.append(counts)
    series.setLabelsVisible(True)
    series.setLabelsPosition(QAbstractBarSeries.LabelsPosition.LabelsOutsideEnd)
    counts.setLabelColor(QColor("#333333"))
    counts.setLabelFont(_font(8))
    chart.addSeries(series)
    axis_y = QBarCategoryAxis()
    axis_y.append([x.label for x in reversed(levels)])
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis_y)
    axis_x = _values(chart, [series], max([0, *(x.count for x in levels)]) * 1.15, align=Qt.AlignmentFlag.AlignBottom)
    _axis_fonts(axis_x, axis_y)
    return chart
