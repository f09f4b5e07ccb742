"""Pure rules of a case: states, legal transitions and the Art. 32 decision checks.

No I/O here: the counter runs these offline and the server runs them again on upload.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from app.errors import IllegalTransition, InvalidInput


class CaseStatus(StrEnum):
    RECEIVED = "received"  # 已收件，待决定
    CORRECTION = "correction"  # 补正中（已一次性告知）
    ACCEPTED = "accepted"  # 已受理（办理中）
    SUSPENDED = "suspended"  # 暂停计时
    COMPLETED = "completed"  # 已办结
    DELIVERED = "delivered"  # 已出件
    REJECTED = "rejected"  # 不予受理
    VOIDED = "voided"  # 已作废


STATUS_LABELS: dict[str, str] = {
    CaseStatus.RECEIVED: "已收件待决定",
    CaseStatus.CORRECTION: "补正中",
    CaseStatus.ACCEPTED: "已受理办理中",
    CaseStatus.SUSPENDED: "暂停计时",
    CaseStatus.COMPLETED: "已办结待取件",
    CaseStatus.DELIVERED: "已出件",
    CaseStatus.REJECTED: "不予受理",
    CaseStatus.VOIDED: "已作废",
}


class Action(StrEnum):
    RECEIVE = "receive"
    ACCEPT = "accept"
    ACCEPT_DEFERRED = "accept_deferred"
    REQUEST_CORRECTION = "request_correction"
    REJECT = "reject"
    DEEM_ACCEPTED = "deem_accepted"
    SUPPLY_DEFERRED = "supply_deferred"
    SUSPEND = "suspend"
    RESUME = "resume"
    COMPLETE = "complete"
    DELIVER = "deliver"
    VOID = "void"


ACTION_LABELS: dict[str, str] = {
    Action.RECEIVE: "收件",
    Action.ACCEPT: "受理",
    Action.ACCEPT_DEFERRED: "容缺受理",
    Action.REQUEST_CORRECTION: "一次性告知补正",
    Action.REJECT: "不予受理",
    Action.DEEM_ACCEPTED: "逾期未告知视为受理",
    Action.SUPPLY_DEFERRED: "补齐容缺材料",
    Action.SUSPEND: "暂停计时",
    Action.RESUME: "恢复计时",
    Action.COMPLETE: "办结",
    Action.DELIVER: "出件",
    Action.VOID: "作废",
}

_DECISIONS = (Action.ACCEPT, Action.ACCEPT_DEFERRED, Action.REQUEST_CORRECTION, Action.REJECT)
_OPEN = (CaseStatus.RECEIVED, CaseStatus.CORRECTION)

# from-state -> action -> to-state; an action absent here is illegal in that state.
TRANSITIONS: dict[CaseStatus, dict[Action, CaseStatus]] = {
    CaseStatus.RECEIVED: {
        Action.ACCEPT: CaseStatus.ACCEPTED,
        Action.ACCEPT_DEFERRED: CaseStatus.ACCEPTED,
        Action.REQUEST_CORRECTION: CaseStatus.CORRECTION,
        Action.REJECT: CaseStatus.REJECTED,
        Action.DEEM_ACCEPTED: CaseStatus.ACCEPTED,
        Action.VOID: CaseStatus.VOIDED,
    },
    CaseStatus.CORRECTION: {
        Action.ACCEPT: CaseStatus.ACCEPTED,
        Action.ACCEPT_DEFERRED: CaseStatus.ACCEPTED,
        Action.REQUEST_CORRECTION: CaseStatus.CORRECTION,
        Action.REJECT: CaseStatus.REJECTED,
        Action.VOID: CaseStatus.VOIDED,
    },
    CaseStatus.ACCEPTED: {
        Action.SUPPLY_DEFERRED: CaseStatus.ACCEPTED,
        Action.SUSPEND: CaseStatus.SUSPENDED,
        Action.COMPLETE: CaseStatus.COMPLETED,
        Action.VOID: CaseStatus.VOIDED,
    },
    CaseStatus.SUSPENDED: {
        Action.RESUME: CaseStatus.ACCEPTED,
        Action.VOID: CaseStatus.VOIDED,
    },
    CaseStatus.COMPLETED: {Action.DELIVER: CaseStatus.DELIVERED},
    CaseStatus.DELIVERED: {},
    CaseStatus.REJECTED: {},
    CaseStatus.VOIDED: {},
}


def next_status(current: str, action: Action) -> CaseStatus:
    """The state ``action`` leads to from ``current``, or IllegalTransition with the reason."""
    state = CaseStatus(current)
    target = TRANSITIONS[state].get(action)
    if target is None:
        raise IllegalTransition(
            f"办件当前状态为“{STATUS_LABELS[state]}”，不能执行“{ACTION_LABELS[action]}”。"
        )
    return target


def allowed_actions(current: str) -> list[Action]:
    return list(TRANSITIONS[CaseStatus(current)])


class MaterialStatus(StrEnum):
    RECEIVED = "received"  # 已收，合格
    MISSING = "missing"  # 缺
    DEFERRED = "deferred"  # 容缺后补
    DEFECTIVE = "defective"  # 不符合法定形式，需补正


MATERIAL_LABELS: dict[str, str] = {
    MaterialStatus.RECEIVED: "已收",
    MaterialStatus.MISSING: "缺少",
    MaterialStatus.DEFERRED: "容缺后补",
    MaterialStatus.DEFECTIVE: "需补正",
}


@dataclass(frozen=True)
class MaterialCheck:
    """One line of the checklist as the clerk marked it."""

    name: str
    is_main: bool
    deferrable: bool
    status: str
    originals: int = 0
    copies: int = 0
    note: str = ""
    material_id: str | None = None


class RejectCategory(StrEnum):
    NOT_LICENSABLE = "not_licensable"  # 依法不需要取得行政许可
    OUTSIDE_JURISDICTION = "outside_jurisdiction"  # 不属于本机关职权范围
    OTHER = "other"  # 其他法定不予受理情形


REJECT_LABELS: dict[str, str] = {
    RejectCategory.NOT_LICENSABLE: "申请事项依法不需要取得行政许可",
    RejectCategory.OUTSIDE_JURISDICTION: "申请事项不属于本机关职权范围",
    RejectCategory.OTHER: "其他依法不予受理的情形",
}


def check_decision_open(action: Action) -> None:
    if action not in _DECISIONS:
        raise IllegalTransition(f"“{ACTION_LABELS[action]}”不是受理决定。")


def check_accept(materials: Sequence[MaterialCheck]) -> None:
    """受理 requires every material received and in legal form."""
    pending = [m.name for m in materials if m.status != MaterialStatus.RECEIVED]
    if pending:
        raise InvalidInput(
            "材料未齐全或不符合法定形式，不能直接受理：" + "、".join(pending)
            + "。请选择一次性告知补正，或（事项允许时）容缺受理。",
            field="materials",
        )


def check_accept_deferred(
    materials: Sequence[MaterialCheck],
    *,
    matter_allows: bool,
    dishonest: bool,
    commitment_signed: bool,
    supply_deadline: dt.date | None,
    latest_deadline: dt.date,
) -> None:
    """容缺受理: main materials complete, only deferrable secondary ones missing, deadline bounded."""
    if not matter_allows:
        raise InvalidInput("该事项不在容缺受理清单内，不能容缺受理。", field="decision")
    if dishonest:
        raise InvalidInput("申请人有失信记录，依规不适用容缺受理。", field="decision")
    bad_main = [m.name for m in materials if m.is_main and m.status != MaterialStatus.RECEIVED]
    if bad_main:
        raise InvalidInput("主审要件不齐全，不能容缺受理：" + "、".join(bad_main), field="materials")
    not_deferrable = [
        m.name for m in materials if m.status != MaterialStatus.RECEIVED and not m.deferrable
    ]
    if not_deferrable:
        raise InvalidInput("以下材料不允许容缺：" + "、".join(not_deferrable), field="materials")
    if not any(m.status == MaterialStatus.DEFERRED for m in materials):
        raise InvalidInput("没有标记为“容缺后补”的材料；材料齐全时请直接受理。", field="materials")
    if not commitment_signed:
        raise InvalidInput("申请人尚未签署容缺受理承诺书。", field="commitment")
    if supply_deadline is None:
        raise InvalidInput("请填写容缺材料的补交期限。", field="supply_deadline")
    if supply_deadline > latest_deadline:
        raise InvalidInput(
            f"补交期限不能晚于承诺办结日期 {latest_deadline.isoformat()}。", field="supply_deadline"
        )


def correction_items(materials: Iterable[MaterialCheck]) -> list[MaterialCheck]:
    """Everything missing or defective: the one-time notice must list all of it."""
    return [
        m
        for m in materials
        if m.status in (MaterialStatus.MISSING, MaterialStatus.DEFECTIVE, MaterialStatus.DEFERRED)
    ]


CORRECTION_DUE_MAX_DAYS = 90


def check_correction_due(due: dt.date | None, decided_on: dt.date) -> dt.date:
    """The 补正 deadline a one-time notice states: after the day of the notice, within 90 days."""
    if due is None:
        raise InvalidInput("请填写补正期限（申请人在此日期前补正材料）。", field="correction_due")
    if due <= decided_on:
        raise InvalidInput(f"补正期限应晚于告知之日 {decided_on.isoformat()}。", field="correction_due")
    if (due - decided_on).days > CORRECTION_DUE_MAX_DAYS:
        raise InvalidInput(f"补正期限不能超过告知之日起{CORRECTION_DUE_MAX_DAYS}日，请检查日期。",
                           field="correction_due")
    return due


def check_correction(
    materials: Sequence[MaterialCheck],
    *,
    previous_items: set[str] | None,
    previously_received: set[str] | None,
) -> list[MaterialCheck]:
    """一次性告知: at least one item; a later notice may not add what was checkable before.

    ``previous_items`` are the names listed in earlier notices on this case;
    ``previously_received`` the names that were received (hence checkable) when the last
    notice was issued. An item in neither set of "still outstanding" is an item the window
    should have named the first time.
    """
    items = correction_items(materials)
    if not items:
        raise InvalidInput("没有缺少或需补正的材料，不需要一次性告知。", field="materials")
    if previous_items is not None and previously_received is not None:
        late = [
            m.name
            for m in items
            if m.name not in previous_items and m.name in previously_received
        ]
        if late:
            raise InvalidInput(
                "一次性告知不得反复补正：以下材料在上次告知时已可审查，不能再新增："
                + "、".join(late),
                field="materials",
            )
    return items


def check_reject(category: str, reason: str, legal_basis: str, redirect_to: str) -> None:
    """不予受理 must state reasons and legal basis; outside jurisdiction must say where to apply."""
    if category not in set(RejectCategory):
        raise InvalidInput("请选择不予受理的情形。", field="reject_category")
    if not reason.strip():
        raise InvalidInput("请填写不予受理的理由。", field="reject_reason")
    if not legal_basis.strip():
        raise InvalidInput("请填写不予受理的法律依据。", field="reject_legal_basis")
    if category == RejectCategory.OUTSIDE_JURISDICTION and not redirect_to.strip():
        raise InvalidInput("不属于本机关职权范围的，应告知申请人向有关行政机关申请。", field="redirect_to")


def warning_level(status: str, due: dt.date | None, today: dt.date, yellow_before: dt.date) -> str:
    """'red' when overdue, 'yellow' when ``today <= due < yellow_before``, '' otherwise.

    The caller computes ``yellow_before`` with the working calendar as the (k+1)-th working
    day after today, k being the yellow window: then "yellow" means at most k working days left.
    Only cases the window is still responsible for carry a colour.
    """
    if status not in (CaseStatus.ACCEPTED, CaseStatus.RECEIVED, CaseStatus.CORRECTION) or due is None:
        return ""
    if today > due:
        return "red"
    if due < yellow_before:
        return "yellow"
    return ""
