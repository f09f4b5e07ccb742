"""The month window's actions: whether each button may be used now (and if not, why: the permission
table's reason, or the state of the month or the item), and the dialog each one opens, on the month
shown, with the people and windows of its draft. After a save the window computes the month again."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QDialog, QPushButton

from ui.appraisal.common import month_text, points_text, rate_text
from ui.appraisal.item_dialog import ADJUST, PROPOSE, PointsDialog
from ui.appraisal.note_dialog import NoteDialog

HINTS = {
    "propose": "对本月某人或某窗口提出加减分事项，经中心业务科批准后计入考核",
    "decide": "批准或不批准所选的待审批事项（不批准须写明理由）",
    "comment": "首席代表对本部门本月考核提出意见",
    "adjust": "调整所选人员或窗口的本月得分（即时计入草稿，须写明理由，留有记录）",
    "quota": "批准本月优秀人员比例按评分规则提高（中心领导）",
    "publish": "月份结束后发布本月考核结果；已发布的结果是正式记录，再次发布为更正，生成新版本",
}


def tr(text: str) -> str:
    return QCoreApplication.translate("MonthActions", text)


class MonthActions:
    def __init__(self, window: Any) -> None:  # AppraisalMonthWindow
        self.w = window
        self.dialog: QDialog | None = None  # the dialog open now (tests read it)

    # -- what may be used now -------------------------------------------------------------------------
    def button_states(self) -> dict[QPushButton, tuple[str | None, str]]:
        w = self.w
        decide = self._decide_refusal()
        return {
            w.propose_button: (w.refusal("appraisal.item_propose"), tr(HINTS["propose"])),
            w.approve_button: (decide, tr(HINTS["decide"])),
            w.refuse_button: (decide, tr(HINTS["decide"])),
            w.comment_button: (w.refusal("appraisal.comment"), tr(HINTS["comment"])),
            w.adjust_button: (w.refusal("appraisal.adjust"), tr(HINTS["adjust"])),
            w.quota_button: (self._quota_refusal(), tr(HINTS["quota"])),
            w.publish_button: (self._publish_refusal(), tr(HINTS["publish"])),
        }

    def _decide_refusal(self) -> str | None:
        w = self.w
        reason = w.refusal("appraisal.adjust")
        if reason is not None:
            return reason
        item = w.selected_item()
        if item is None:
            return tr("请先在上面选择一条待审批的事项。")
        if item.status != "proposed":
            return tr("这条事项已审批过（{s}）。").format(s=item.status_label)
        if item.entered_by == w.actor.id:
            return tr("不能审批本人提出的事项，需由中心业务科的其他人审批。")
        if item.staff_id is not None and item.staff_id == w.actor.id:
            return tr("不能审批与本人考核得分有关的事项。")
        return None

    def _quota_refusal(self) -> str | None:
        reason = self.w.refusal("appraisal.quota_raise")
        view = self.w.view
        if reason is None and view.quota_raised:
            return tr("{m}的优秀比例已批准提高到{r}。").format(m=month_text(view.year, view.month),
                                                     r=rate_text(view.draft.excellent_quota_rate))
        return reason

    def _publish_refusal(self) -> str | None:
        reason = self.w.refusal("appraisal.publish")
        view = self.w.view
        if reason is None and not view.month_over:
            return tr("{m}尚未结束，月份结束后才能发布考核结果。").format(m=month_text(view.year, view.month))
        return reason

    # -- the dialogs ------------------------------------------------------------------------------------
    def _open(self, dialog: QDialog, version_on_save: bool = False) -> QDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(lambda value: self.w.after_write(value if version_on_save else None))
        self.dialog = dialog
        dialog.destroyed.connect(lambda _o=None: setattr(self, "dialog", None))
        dialog.open()
        return dialog

    def _points(self, mode: str) -> QDialog:
        w, view = self.w, self.w.view
        dialog = PointsDialog(w.services, w.runner, w.staff, mode, view.year, view.month, view.draft, w.rules, w)
        page = w.tabs.currentWidget()
        if page is w.windows and w.windows.selected() is not None:
            dialog.choose(window_id=w.windows.selected().window.window_id)
        elif w.people.selected() is not None:
            dialog.choose(staff_id=w.people.selected().person.staff_id)
        return self._open(dialog)

    def propose(self) -> QDialog:
        return self._points(PROPOSE)

    def adjust(self) -> QDialog:
        return self._points(ADJUST)

    def decide(self, approve: bool) -> QDialog | None:
        w, item = self.w, self.w.selected_item()
        if item is None:
            return None
        ap, actor, item_id = w.services.appraisal, w.actor, item.id
        points = points_text(item.points) + tr(" 分") if item.points is not None else tr("按评分规则计分")
        intro = tr("{kind}：{target}，{points}。\n事由：{reason}\n提出人：{who}").format(
            kind=item.kind_label, target=item.target, points=points, reason=item.reason, who=item.entered_by_name)
        if approve:
            intro += tr("\n批准后即计入考核。")
            dialog = NoteDialog(w.runner, "批准加减分事项", "appraisalApproveDialog", intro, "审批意见(&N)", "note",
                                lambda text, _s: ap.decide_item(actor, item_id, True, text), w,
                                ok_text="批准(&O)", placeholder=tr("可不填"), extra_fields=("status",))
        else:
            dialog = NoteDialog(w.runner, "不批准加减分事项", "appraisalRefuseDialog", intro, "不批准的理由(&N)",
                                "note", lambda text, _s: ap.decide_item(actor, item_id, False, text), w,
                                ok_text="不批准(&O)", placeholder=tr("须写明理由，提出人可以看到"),
                                extra_fields=("status",))
        return self._open(dialog)

    def comment(self) -> QDialog:
        w, view = self.w, self.w.view
        ap, actor, year, month = w.services.appraisal, w.actor, view.year, view.month
        intro = tr("{m}考核：意见随本月考核留存，中心业务科据此复核、调整。").format(m=month_text(year, month))
        dialog = NoteDialog(w.runner, "对本部门考核提出意见", "appraisalCommentDialog", intro, "意见(&N)",
                            "text",
                            lambda text, staff_id: ap.comment(actor, year, month, text, staff_id=staff_id), w,
                            ok_text="提出(&O)", multiline=True, people=view.draft.people,
                            none_label="（本部门整体）", extra_fields=("month",))
        selected = w.people.selected()
        if selected is not None and dialog.target is not None:
            dialog.target.choose("staff", selected.person.staff_id)
        return self._open(dialog)

    def raise_quota(self) -> QDialog:
        w, view = self.w, self.w.view
        ap, actor, year, month = w.services.appraisal, w.actor, view.year, view.month
        rules = w.rules or {}
        raised = rate_text(float(rules.get("staff_excellent_quota_raised", 0.25)))
        now = rate_text(float(rules.get("staff_excellent_quota", view.draft.excellent_quota_rate)))
        intro = tr("批准{m}的优秀人员比例由{now}提高到{raised}（按评分规则）。批准后不能撤回，留有记录。").format(
            m=month_text(year, month), now=now, raised=raised)
        dialog = NoteDialog(w.runner, "批准提高优秀比例", "appraisalQuotaDialog", intro, "批准说明(&N)", "note",
                            lambda text, _s: ap.raise_quota(actor, year, month, text), w, ok_text="批准(&O)",
                            placeholder=tr("如：本月窗口工作量大、表现突出"), extra_fields=("month",))
        return self._open(dialog)

    def publish(self) -> QDialog:
        w, view = self.w, self.w.view
        ap, actor, year, month = w.services.appraisal, w.actor, view.year, view.month
        latest = view.latest
        if latest is None:
            intro = tr("发布{m}量化考核结果（全大厅）。中心服务器按其数据重新计算并下发到各窗口。\n"
                       "发布后的结果是正式记录，不再改变；以后如需修改，只能更正发布为新的版本，原版本保留。").format(
                m=month_text(year, month))
            label, placeholder, title, ok = "备注(&N)", tr("可不填"), "发布月度考核结果", "发布(&O)"
        else:
            intro = tr("{m}已发布第{v}版。已发布的结果是正式记录，不会被修改；更正发布将生成第{n}版，"
                       "各版本（谁、何时、为何）都保留在版本列表中。").format(
                m=month_text(year, month), v=latest.version, n=latest.version + 1)
            label, placeholder, title, ok = "更正原因(&N)", tr("须写明更正原因"), "更正发布月度考核结果", "更正发布(&O)"
        dialog = NoteDialog(w.runner, title, "appraisalPublishDialog", intro, label, "reason",
                            lambda text, _s: ap.publish(actor, year, month, text), w, ok_text=ok,
                            placeholder=placeholder, extra_fields=("month",))
        return self._open(dialog, version_on_save=True)
