"""How a month's appraisal reads in the month window: the header lines (scope, rules version, 优秀名额,
the tie-break rule), the rows of the people, windows, items, comments and 表扬信/锦旗 tables, and the
page that lists scores above and, for the one selected, every fact behind its score below (Enter on
a fact opens its record). Plain data in (app.appraisal.model / score); nothing here touches storage."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QHeaderView, QLabel, QSplitter, QVBoxLayout, QWidget

from app.appraisal.rules import FACT_KINDS
from app.appraisal.score import GRADE_LABELS
from ui.appraisal.common import GRADE_COLOURS, GREEN, GREY, RED, STATUS_COLOURS, points_text, rate_text, score_text
from ui.ratings.common import at_text, fill_table, make_table, selected_row

PEOPLE_HEADERS = ("名次", "姓名", "工号", "部门", "窗口", "得分", "扣分", "加分", "等次", "说明")
WINDOW_HEADERS = ("名次", "窗口", "部门", "人数", "得分", "评定", "说明")
FACT_HEADERS = ("日期", "事项", "依据", "分值", "计入方式")
ITEM_HEADERS = ("状态", "类别", "对象", "分值", "事由", "提出人", "提出时间", "审批人", "审批意见")
COMMENT_HEADERS = ("时间", "部门", "对象", "意见", "提出人")
COMMENDATION_HEADERS = ("收到日期", "类别", "对象", "说明", "登记人")
STANDOUT = "优质服务标兵"
PEOPLE_GRADE_COLUMN, WINDOW_GRADE_COLUMN, FACT_POINTS_COLUMN = 8, 5, 3
PEOPLE_CAPPED, WINDOW_CAPPED = (3, 4), (1, 2)  # 部门, 窗口
CAPPED_WIDTH = 230


# -- header ------------------------------------------------------------------------------------------
def rules_text(version: int) -> str:
    return f"评分规则第{version}版" if version else "评分规则：默认（未修改过）"


def quota_text(m: Any) -> str:
    """优秀名额 2 名（20%）, or 优秀名额 3 名（已批准提高到25%）."""
    rate = rate_text(m.excellent_quota_rate)
    if m.quota_raised:
        return f"优秀名额 {m.excellent_quota} 名（已批准提高到{rate}）"
    return f"优秀名额 {m.excellent_quota} 名（{rate}）"


def header_text(view: Any, m: Any) -> str:
    """The line under the title: whose month, which rules, the quota, the 标兵."""
    parts = [f"范围：{view.scope_label}", rules_text(m.rules_version), quota_text(m)]
    names = {p.person.staff_id: p.person.name for p in m.people}
    shown = [names[s] for s in m.standouts if s in names]
    if shown:
        parts.append(f"{STANDOUT}：{'、'.join(shown)}")
    if m.unmatched:  # e.g. a case taken in by someone no longer in the hall's staff list
        parts.append(f"另有 {len(m.unmatched)} 项依据未能对应到本月考核的人员或窗口，未计分")
    return "　".join(parts)


# -- rows ----------------------------------------------------------------------------------------------
def grade_text(p: Any, standout: bool) -> str:
    label = GRADE_LABELS.get(p.grade, p.grade)
    return f"{label}（{STANDOUT}）" if standout else label


def person_reason(p: Any) -> str:
    """The grade's reason, with every reason the person may not be 优秀 (said once)."""
    text = p.grade_reason
    for reason in p.ineligible_reasons:
        if reason not in text:
            text += f"；{reason}"
    return text


def person_cells(p: Any, standout: bool) -> list[str]:
    person = p.person
    return [str(p.rank), person.name + ("（首席代表）" if person.is_chief else ""), person.staff_no,
            person.department_name, person.window_label, score_text(p.score), points_text(p.deductions),
            points_text(p.bonuses), grade_text(p, standout), person_reason(p)]


def person_summary(p: Any) -> str:
    base = round(p.raw - p.deductions - p.bonuses, 2)
    text = (f"{p.person.name}　得分 {score_text(p.score)} ＝ 基础分 {base:g}，扣分 {points_text(p.deductions)}，"
            f"加分 {points_text(p.bonuses)}")
    if abs(p.raw - p.score) > 1e-9:
        text += f"（合计 {score_text(p.raw)}，按{'封顶分' if p.raw > p.score else '最低分'} {score_text(p.score)} 计）"
    if not p.facts:
        return text + "；本月没有加减分依据。"
    return text + f"；共 {len(p.facts)} 项依据，按回车键打开所选依据的来源记录。"


def window_cells(w: Any) -> list[str]:
    return [str(w.rank), w.window.label, w.window.department_name, str(len(w.members)), score_text(w.score),
            "优秀窗口" if w.excellent else "", w.reason]


def window_summary(w: Any, names: dict[str, str]) -> str:
    people = "、".join(names.get(s, "") for s in w.members if names.get(s)) or "无"
    text = f"{w.window.label}　得分 {score_text(w.score)}（本窗口人员平均分加窗口本身的加减分）；人员：{people}；"
    if not w.facts:
        return text + "窗口本身本月没有加减分（人员的依据见“人员”页）。"
    return text + f"窗口本身的依据 {len(w.facts)} 项，按回车键打开所选依据的来源记录。"


def fact_cells(scored: Any) -> list[str]:
    """A carried fact keeps its own kind (差评, 超期办件 …); 计入方式 says whose it was."""
    fact = scored.fact
    return [fact.day.isoformat(), FACT_KINDS.get(fact.kind, scored.kind_label), fact.label, points_text(scored.points),
            scored.via or ("计入本人" if fact.staff_id else "计入窗口")]


def item_cells(i: Any) -> list[str]:
    points = points_text(i.points) if i.points is not None else "按评分规则"
    return [i.status_label, i.kind_label, i.target, points, i.reason, i.entered_by_name, at_text(i.entered_at),
            i.decided_by_name if i.status != "proposed" else "", i.decision_note]


def comment_cells(c: Any) -> list[str]:
    return [at_text(c.written_at), c.department, c.about or "本部门整体", c.text, c.written_by]


def commendation_cells(c: Any) -> list[str]:
    return [c.day.isoformat(), c.kind_label, c.target, c.note, c.recorded_by]


# -- the page of scores and their facts -------------------------------------------------------------------
class ScoresPage(QWidget):
    """Scores above (people or windows), the facts of the selected one below. ``fact_activated`` carries
    the ScoredFact and whose it is (Enter or double-click on a fact)."""

    fact_activated = Signal(object, str)

    def __init__(self, name: str, headers: Sequence[str], stretch: int, *, key: Callable[[Any], str],
                 whose: Callable[[Any], str], capped: Sequence[int] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key, self.whose, self.capped = key, whose, tuple(capped)
        self.rows: list[Any] = []
        self.summary_of: Callable[[Any], str] = lambda _r: ""
        self.table = make_table(name + "Table", headers, stretch)
        # long reasons wrap onto a second line rather than being cut off
        self.table.setWordWrap(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setStyleSheet("QTableWidget::item { padding: 2px; }")
        for c in self.capped:  # long department and window names: cut to CAPPED_WIDTH, in full as tooltip
            self.table.horizontalHeader().setSectionResizeMode(c, QHeaderView.ResizeMode.Interactive)
        self.facts = make_table(name + "Facts", FACT_HEADERS, 2)
        self.facts.setToolTip(self.tr("按回车键或双击打开该项依据的来源记录"))
        self.summary = QLabel()
        self.summary.setObjectName(name + "FactsSummary")
        self.summary.setWordWrap(True)
        lower = QWidget()
        box = QVBoxLayout(lower)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.summary)
        box.addWidget(self.facts, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.table.itemSelectionChanged.connect(self._on_table_selected)
        self.facts.activated.connect(self._on_facts_activated)

    def set_rows(self, rows: Sequence[Any], cells: Sequence[Sequence[str]], *, grade_column: int,
                 grades: Sequence[str], bold: Sequence[bool], summary_of: Callable[[Any], str]) -> None:
        current = self.selected()
        keep = self.key(current) if current is not None else None
        self.rows, self.summary_of = list(rows), summary_of
        colours = {(r, grade_column): GRADE_COLOURS[g] for r, g in enumerate(grades) if g in GRADE_COLOURS}
        fill_table(self.table, cells, foregrounds=colours, right_from=None)
        for r, heavy in enumerate(bold):
            if heavy:
                for c in range(self.table.columnCount()):
                    item = self.table.item(r, c)
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
        for c in self.capped:
            self.table.resizeColumnToContents(c)
            self.table.setColumnWidth(c, min(self.table.columnWidth(c), CAPPED_WIDTH))
        for r, row in enumerate(self.rows):
            if keep is not None and self.key(row) == keep:
                self.table.selectRow(r)
        self._on_table_selected()

    def selected(self) -> Any:
        row = selected_row(self.table, len(self.rows))
        return None if row is None else self.rows[row]

    def select_key(self, key: str) -> bool:
        for r, row in enumerate(self.rows):
            if self.key(row) == key:
                self.table.selectRow(r)
                return True
        return False

    def _on_table_selected(self) -> None:
        row = self.selected()
        facts = list(row.facts) if row is not None else []
        fill_table(self.facts, [fact_cells(f) for f in facts],
                   foregrounds={(r, FACT_POINTS_COLUMN): RED if f.points < 0 else GREEN for r, f in enumerate(facts)})
        if row is None:
            self.summary.setText(self.tr("选择一行，下方列出其得分的每一项依据。") if self.rows else "")
        else:
            self.summary.setText(self.summary_of(row))
        self.summary.setStyleSheet(f"color: {GREY};" if row is None else "")

    def _on_facts_activated(self, index: Any) -> None:
        row = self.selected()
        if row is None or not 0 <= index.row() < len(row.facts):
            return
        self.fact_activated.emit(row.facts[index.row()], self.whose(row))

    def selected_fact(self) -> Any:
        row = self.selected()
        r = self.facts.currentRow()
        return row.facts[r] if row is not None and 0 <= r < len(row.facts) else None


def status_colours(items: Sequence[Any]) -> dict[tuple[int, int], str | QColor]:
    return {(r, 0): STATUS_COLOURS[i.status] for r, i in enumerate(items) if i.status in STATUS_COLOURS}
