"""Who may do what: the one permission table of the hall, used on the counter and on the server.

Every service on the counter asks :func:`check` before it writes, and the server asks it again for
every pushed operation (server.permits), with the roles the actor held when the operation was made.
The UI asks the same table only to grey what the logged-in person may not do; the rule lives here.

Roles are data: a staff row holds the codes of the roles its person holds (``Staff.roles``), set
from the hall file or by the audited ``staff.set_roles`` operation. A role grants an action with a
scope: the whole hall, the person's department (the windows of their 派驻单位), or the windows the
person works at (their own window, and the window of the PC they are signed in at when covering
it, AB岗). Some actions may never be taken on one's own request (approving one's own leave).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    CLERK = "clerk"  # 窗口人员
    CHIEF = "chief"  # 首席代表
    BUSINESS = "business"  # 中心业务科
    LEADER = "leader"  # 中心领导
    SUPERVISOR = "supervisor"  # 督查/投诉监督
    ADMIN = "admin"  # 中心管理员（信息科）


ROLE_LABELS: dict[str, str] = {
    Role.CLERK: "窗口人员",
    Role.CHIEF: "首席代表",
    Role.BUSINESS: "中心业务科",
    Role.LEADER: "中心领导",
    Role.SUPERVISOR: "督查/投诉监督",
    Role.ADMIN: "中心管理员",
}


class Scope(StrEnum):
    HALL = "hall"  # anywhere in the hall
    DEPARTMENT = "department"  # the windows of the person's department
    WINDOW = "window"  # the person's own window, or the window they cover at this PC


SCOPE_LABELS: dict[str, str] = {Scope.HALL: "", Scope.DEPARTMENT: "（本部门）", Scope.WINDOW: "（本窗口）"}


@dataclass(frozen=True)
class Permission:
    label: str  # what the action is, as a clerk reads it: "作废办件"
    grants: Mapping[Role, Scope]
    not_own_request: bool = False  # the person asking may not be the one approving


def _p(label: str, grants: Mapping[Role, Scope], *, not_own: bool = False) -> Permission:
    return Permission(label, dict(grants), not_own)


C, H, B, L, S, A = Role.CLERK, Role.CHIEF, Role.BUSINESS, Role.LEADER, Role.SUPERVISOR, Role.ADMIN
W, D, ALL = Scope.WINDOW, Scope.DEPARTMENT, Scope.HALL
_CASE_WORK = {C: W, H: D}

# action -> who may. Actions of the attendance, rating and appraisal work are here already so that
# their approvals come from this table as well.
PERMISSIONS: dict[str, Permission] = {
    # counter intake and the case's steps
    "case.intake": _p("收件和作出受理决定", _CASE_WORK),
    "case.step": _p("办理办件环节（暂停、恢复计时，办结，出件，补齐容缺材料）", _CASE_WORK),
    "case.void": _p("作废办件", {H: D, B: ALL}),
    "enquiry.record": _p("登记咨询", {C: ALL, H: ALL, B: ALL, S: ALL}),
    "notice.print": _p("打印文书", _CASE_WORK),
    "notice.reprint": _p("补打文书", {C: W, H: D, B: ALL}),
    "notice.void": _p("作废文书编号（作废号登记）", {H: D, B: ALL}),
    "void_register.view": _p("查看和打印作废号登记簿", {H: D, B: ALL, L: ALL, S: ALL}),
    # the sync's quarantine list
    "quarantine.resolve": _p("处理未被中心接受的操作", {H: D, A: ALL}),
    # reference data and the installation
    "catalogue.import": _p("导入或更改事项目录", {B: ALL, A: ALL}),
    "parameter.change": _p("更改大厅参数", {B: ALL}),
    "machine.settings": _p("更改本机设置", {A: ALL}),
    "device.enrol": _p("登记本机到中心服务器", {A: ALL}),
    "staff.roles": _p("设置人员角色", {A: ALL, L: ALL}, not_own=True),
    # attendance (考勤、请假、补签、AB岗、查岗)
    "attendance.self": _p("本人考勤（打卡、请假和补签申请、确认查岗结果）", dict.fromkeys(Role, ALL)),
    "attendance.view": _p("查看他人的考勤和审批", {H: D, B: ALL, L: ALL, S: ALL}),
    "attendance.publish": _p("关闭并发布考勤月报", {B: ALL}),
    "leave.approve_day": _p("审批一天以内的请假", {H: D, B: ALL, L: ALL}, not_own=True),
    "leave.approve_two_days": _p("审批两天以内的请假", {B: ALL, L: ALL}, not_own=True),
    "leave.approve_longer": _p("审批两天以上的请假", {L: ALL}, not_own=True),
    "punch.makeup_approve": _p("审批补签", {H: D, B: ALL}, not_own=True),
    "attendance.import": _p("导入考勤机记录", {B: ALL, A: ALL}),
    "schedule.change": _p("更改作息时间和考勤规则", {B: ALL}),
    "post.cover_assign": _p("安排AB岗顶岗", {H: D, B: ALL}),
    "inspection.record": _p("登记查岗结果", {S: ALL, B: ALL}),
    # ratings and complaints (好差评、差评整改、互评)
    "rating.view": _p("查看评价结果和差评整改情况", {H: D, B: ALL, L: ALL, S: ALL}),
    "rating.rectify_verify": _p("差评核实、回访和结案", {S: ALL}),
    "rating.rectify": _p("登记差评整改措施", {H: D, S: ALL}),
    "rating.phone_view": _p("查看评价人留下的回访电话", {S: ALL}),
    "rating.appeal": _p("对本人收到的评价提出申诉", dict.fromkeys(Role, ALL)),
    "rating.appeal_decide": _p("裁定评价申诉（申诉复核）", {L: ALL}, not_own=True),
    "peer_evaluation.vote": _p("参加互评", dict.fromkeys(Role, ALL)),
    "peer_evaluation.manage": _p("组织互评（开启、结束评议轮次）", {B: ALL}),
    # appraisal (量化考核)
    "appraisal.view": _p("查看他人的月度考核和依据", {H: D, B: ALL, L: ALL, S: ALL}),
    "appraisal.rules": _p("更改考核评分规则", {B: ALL}),
    "appraisal.item_propose": _p("提出考核加减分事项", {H: D, B: ALL, S: ALL}),
    "appraisal.comment": _p("对本窗口考核提出意见", {H: D}),
    "appraisal.adjust": _p("调整考核得分", {B: ALL}, not_own=True),
    "appraisal.publish": _p("发布月度考核结果", {B: ALL}),
    "appraisal.quota_raise": _p("批准提高优秀比例", {L: ALL}),
    "commendation.record": _p("登记表扬信、锦旗", {S: ALL, B: ALL}),
    # the hall's reports (统计报表)
    "report.view": _p("查看统计报表", {H: D, B: ALL, L: ALL, S: ALL}),
}


def leave_approval_action(days: float, chief_max: float = 1, business_max: float = 2) -> str:
    """The approval a leave of ``days`` working days needs (DOMAIN.md: ≤1 chief, ≤2 business, more
    leadership; the limits are the hall's parameters ``leave.chief_max_days`` / ``leave.business_max_days``)."""
    if days <= chief_max:
        return "leave.approve_day"
    if days <= business_max:
        return "leave.approve_two_days"
    return "leave.approve_longer"


@dataclass(frozen=True)
class Holder:
    """The person acting, as the permission table sees them."""

    staff_id: str
    roles: frozenset[str]
    department_id: str | None = None
    window_ids: frozenset[str] = field(default_factory=frozenset)  # own window + covered at this PC


@dataclass(frozen=True)
class Subject:
    """What the action is on: the window it belongs to, that window's department, who asked."""

    window_id: str | None = None
    department_id: str | None = None
    requester_id: str | None = None


HALL_WIDE = Subject()


def parse_roles(text: str | Iterable[str]) -> frozenset[str]:
    """Role codes from a staff row (space or comma separated) or a list; unknown codes are dropped."""
    items = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    known = {r.value for r in Role}
    return frozenset(r for r in items if r in known)


def format_roles(roles: Iterable[str]) -> str:
    """The staff row's ``roles`` text: known codes in the table's order, space separated."""
    chosen = set(roles)
    return " ".join(r.value for r in Role if r.value in chosen)


def known_roles(codes: Iterable[str]) -> str | None:
    """The ``roles`` text of ``codes`` (``format_roles``) when every code is a role; None when one is
    not. No codes give ''."""
    chosen = set(codes)
    text = format_roles(chosen)
    return text if len(text.split()) == len(chosen) else None


def roles_label(roles: Iterable[str]) -> str:
    chosen = set(roles)
    return "、".join(ROLE_LABELS[r] for r in Role if r.value in chosen) or "无角色"


def who_may(action: str) -> str:
    """The roles that may take ``action``, as a clerk reads it: "首席代表（本部门）或中心业务科"."""
    grants = PERMISSIONS[action].grants
    names = [ROLE_LABELS[r] + SCOPE_LABELS[grants[r]] for r in Role if r in grants]
    return "、".join(names[:-1]) + "或" + names[-1] if len(names) > 1 else names[0]


def _in_scope(scope: Scope, holder: Holder, subject: Subject) -> bool:
    if scope == Scope.HALL:
        return True
    if scope == Scope.DEPARTMENT:
        return holder.department_id is not None and subject.department_id == holder.department_id
    return subject.window_id is not None and subject.window_id in holder.window_ids


def refusal(holder: Holder, action: str, subject: Subject) -> str | None:
    """Why ``holder`` may not take ``action`` on ``subject``; None when they may."""
    permission = PERMISSIONS[action]
    if permission.not_own_request and subject.requester_id == holder.staff_id:
        return f"不能由本人审批本人提出的事项：{permission.label}需由{who_may(action)}中的其他人办理。"
    granted = [r for r in permission.grants if r in holder.roles]
    if any(_in_scope(permission.grants[r], holder, subject) for r in granted):
        return None
    if granted:
        where = {Scope.DEPARTMENT: "本部门窗口", Scope.WINDOW: "本窗口"}
        scopes = "或".join(sorted({where[permission.grants[r]] for r in granted if permission.grants[r] in where}))
        return f"您只能对{scopes}的事项{permission.label}；这一项不在其内，需由{who_may(action)}办理。"
    return f"{permission.label}需由{who_may(action)}办理（当前登录人的角色：{roles_label(holder.roles)}）。"


def allowed(holder: Holder, action: str, subject: Subject = HALL_WIDE) -> bool:
    return refusal(holder, action, subject) is None
