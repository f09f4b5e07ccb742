"""Names both sides of the sync protocol agree on (docs/sync-protocol.md).

Op kinds map to the case state machine's actions in app.cases.rules, so the server checks an
uploaded case command with the same ``next_status`` the counter used offline.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from app.cases.rules import Action
from app.numbering import CASE_TYPE_LETTERS, NOTICE_CODES
from db.models import OutboxOp

PROTOCOL_VERSION = 1
PROTOCOL_HEADER = "X-Counter-Desk-Protocol"

# a case op kind -> the action it performs; case.open/case.decide carry theirs in payload["decision"]
CASE_ACTIONS: dict[str, Action | None] = {
    "case.open": None,
    "case.decide": None,
    "case.suspend": Action.SUSPEND,
    "case.resume": Action.RESUME,
    "case.complete": Action.COMPLETE,
    "case.deliver": Action.DELIVER,
    "case.void": Action.VOID,
    "case.supply_deferred": Action.SUPPLY_DEFERRED,
    "case.deem_accepted": Action.DEEM_ACCEPTED,
}
ENQUIRY_ADD = "enquiry.add"
STAFF_SET_ROLES = "staff.set_roles"
# the void-number register (作废号登记): a printed paper voided (entity: its case, whose record it is
# part of) and a number voided without a paper (entity: the register row)
NOTICE_VOID = "notice.void"
NUMBER_VOID = "number.void"
VOID_KINDS = frozenset({NOTICE_VOID, NUMBER_VOID})
# attendance (考勤): the entity of each is the row it creates or decides
PUNCH_ADD = "punch.add"  # one punch at a counter (append-only)
ATTENDANCE_IMPORT = "attendance.import"  # an attendance machine's file: the import row and its new punches
LEAVE_REQUEST = "leave.request"
LEAVE_DECIDE = "leave.decide"
LEAVE_CANCEL = "leave.cancel"
MAKEUP_REQUEST = "makeup.request"  # 补签
MAKEUP_DECIDE = "makeup.decide"
SCHEDULE_SET = "schedule.set"  # a new version of the hall's schedule
INSPECTION_RECORD = "inspection.record"  # 查岗
INSPECTION_RESPOND = "inspection.respond"  # the staff member confirms or disputes it
ATTENDANCE_PUBLISH = "attendance.publish"  # a month's sheet closed and published (or corrected)
ATTENDANCE_KINDS = frozenset({
    PUNCH_ADD, ATTENDANCE_IMPORT, LEAVE_REQUEST, LEAVE_DECIDE, LEAVE_CANCEL, MAKEUP_REQUEST, MAKEUP_DECIDE,
    SCHEDULE_SET, INSPECTION_RECORD, INSPECTION_RESPOND, ATTENDANCE_PUBLISH,
})
# ratings and peer evaluation (好差评、差评整改、互评)
RATING_RECORD = "rating.record"  # the applicant's rating at the rating screen (评价器); no staff actor
RATING_APPEAL = "rating.appeal"  # 申诉: the rated staff member
RATING_APPEAL_DECIDE = "rating.appeal_decide"  # 复核: leadership
FOLLOWUP_VERIFY = "followup.verify"  # 差评整改: 核实
FOLLOWUP_RECTIFY = "followup.rectify"  # 整改措施
FOLLOWUP_CALLBACK = "followup.callback"  # 回访
FOLLOWUP_CLOSE = "followup.close"  # 结案
PEER_OPEN = "peer.open"  # a round of 互评 opened by the business section
PEER_CLOSE = "peer.close"  # closed: the server computes the results from the sealed ballots
PEER_TURNOUT = "peer.turnout"  # the rater has voted (their identity, none of their scores)
PEER_BALLOT = "peer.ballot"  # one sealed ballot: no actor, payload encrypted to the server
RATING_KINDS = frozenset({
    RATING_RECORD, RATING_APPEAL, RATING_APPEAL_DECIDE, FOLLOWUP_VERIFY, FOLLOWUP_RECTIFY, FOLLOWUP_CALLBACK,
    FOLLOWUP_CLOSE,
})
PEER_KINDS = frozenset({PEER_OPEN, PEER_CLOSE, PEER_TURNOUT, PEER_BALLOT})
# the monthly appraisal (量化考核): the entity of each is the row it creates or decides
APPRAISAL_RULES_SET = "appraisal.rules_set"  # a new version of the hall's scoring rules
COMMENDATION_RECORD = "commendation.record"  # 表扬信 / 锦旗
APPRAISAL_ITEM_PROPOSE = "appraisal.item_propose"  # 不规范收件, 违规收费, 其他加减分: proposed with a reason
APPRAISAL_ITEM_DECIDE = "appraisal.item_decide"  # approved or refused by the business section
APPRAISAL_ADJUST = "appraisal.adjust"  # the business section's adjustment of a draft, with its reason
APPRAISAL_COMMENT = "appraisal.comment"  # a 首席代表's comment on their department's draft
APPRAISAL_QUOTA_RAISE = "appraisal.quota_raise"  # leadership: 优秀 quota raised for a month
APPRAISAL_PUBLISH = "appraisal.publish"  # a month published (or corrected): the server computes it
APPRAISAL_KINDS = frozenset({
    APPRAISAL_RULES_SET, COMMENDATION_RECORD, APPRAISAL_ITEM_PROPOSE, APPRAISAL_ITEM_DECIDE, APPRAISAL_ADJUST,
    APPRAISAL_COMMENT, APPRAISAL_QUOTA_RAISE, APPRAISAL_PUBLISH,
})
# kinds the counter performs as Actor.system() (actor_id None)
SYSTEM_KINDS = frozenset({"case.deem_accepted"})
# kinds that must carry no staff actor at all: the applicant's rating (never by or for the staff) and
# a sealed ballot (nothing may link it to its rater); the server refuses them with an actor
ANONYMOUS_KINDS = frozenset({RATING_RECORD, PEER_BALLOT})
# an op kind -> the action of the permission table (app.permissions) its actor must hold; the
# server checks it again for every op. A kind the system performs needs none.
OP_PERMISSIONS: dict[str, str] = {
    "case.open": "case.intake",
    "case.decide": "case.intake",
    "case.suspend": "case.step",
    "case.resume": "case.step",
    "case.complete": "case.step",
    "case.deliver": "case.step",
    "case.supply_deferred": "case.step",
    "case.void": "case.void",
    ENQUIRY_ADD: "enquiry.record",
    STAFF_SET_ROLES: "staff.roles",
    NOTICE_VOID: "notice.void",
    NUMBER_VOID: "notice.void",
    PUNCH_ADD: "attendance.self",
    LEAVE_REQUEST: "attendance.self",
    LEAVE_CANCEL: "attendance.self",
    MAKEUP_REQUEST: "attendance.self",
    INSPECTION_RESPOND: "attendance.self",
    # the tier by the leave's length (app.permissions.leave_approval_action, the hall's parameters);
    # the server judges a decision by the tier of the request it holds (server.permits)
    LEAVE_DECIDE: "leave.approve_day",
    MAKEUP_DECIDE: "punch.makeup_approve",
    ATTENDANCE_IMPORT: "attendance.import",
    SCHEDULE_SET: "schedule.change",
    INSPECTION_RECORD: "inspection.record",
    ATTENDANCE_PUBLISH: "attendance.publish",
    RATING_APPEAL: "rating.appeal",
    RATING_APPEAL_DECIDE: "rating.appeal_decide",
    FOLLOWUP_VERIFY: "rating.rectify_verify",
    FOLLOWUP_RECTIFY: "rating.rectify",
    FOLLOWUP_CALLBACK: "rating.rectify_verify",
    FOLLOWUP_CLOSE: "rating.rectify_verify",
    PEER_OPEN: "peer_evaluation.manage",
    PEER_CLOSE: "peer_evaluation.manage",
    PEER_TURNOUT: "peer_evaluation.vote",
    APPRAISAL_RULES_SET: "appraisal.rules",
    COMMENDATION_RECORD: "commendation.record",
    APPRAISAL_ITEM_PROPOSE: "appraisal.item_propose",
    APPRAISAL_ITEM_DECIDE: "appraisal.adjust",
    APPRAISAL_ADJUST: "appraisal.adjust",
    APPRAISAL_COMMENT: "appraisal.comment",
    APPRAISAL_QUOTA_RAISE: "appraisal.quota_raise",
    APPRAISAL_PUBLISH: "appraisal.publish",
}

# number kinds a device may lease blocks of: the first argument of app.numbering.take_number
NUMBER_KINDS = frozenset(
    [f"case-{t}" for t in CASE_TYPE_LETTERS] + [f"notice-{k}" for k in NOTICE_CODES]
)
MAX_NUMBER = 999_999  # numbers are printed with six digits


class OpStatus(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    REJECTED = "rejected"


class Code(StrEnum):
    """Machine-readable reason of a non-applied answer (``code`` in the answer)."""

    OP_REPLAYED = "op_replayed"  # duplicate: this op_id was answered under another client_seq
    SAME_CONTENT = "same_content"  # duplicate: the server already holds exactly this row
    SUPERSEDED = "superseded"  # duplicate: a 视为受理 that found the case deemed already or decided in time
    STATE_MISMATCH = "state_mismatch"  # conflict: `from`/version differ from the server's case
    CASE_UNKNOWN = "case_unknown"  # conflict: the server has no such case
    ALREADY_EXISTS = "already_exists"  # conflict: a creation found a different row with that id
    NUMBER_TAKEN = "number_taken"  # conflict: a case or notice number belongs to another record
    NUMBER_VOIDED = "number_voided"  # conflict: a notice number was voided (作废号登记) and is never used again
    ILLEGAL_TRANSITION = "illegal_transition"  # rejected: from -> to is not a legal step
    RULE_VIOLATION = "rule_violation"  # rejected: an intake rule (Art. 32, 容缺...) refuses it
    NOT_AUTHORISED = "not_authorised"  # rejected: the actor is not active staff of this hall
    NOT_PERMITTED = "not_permitted"  # rejected: the actor did not hold the permission when the op was made
    WRONG_HALL = "wrong_hall"  # rejected: the record belongs to another hall
    UNKNOWN_REFERENCE = "unknown_reference"  # rejected: matter/window/staff unknown to the server
    UNKNOWN_KIND = "unknown_kind"  # rejected: the server does not know this op kind
    INVALID_PAYLOAD = "invalid_payload"  # rejected: the payload is malformed
    CLIENT_SEQ_REUSED = "client_seq_reused"  # rejected: this client_seq carried another op_id


class Entity(StrEnum):
    CASE = "case"
    NOTICE = "notice"
    ENQUIRY = "enquiry"
    SUSPENSION = "suspension"
    VOID_NUMBER = "void_number"
    SCHEDULE = "attendance_schedule"
    PUNCH = "punch"
    ATTENDANCE_IMPORT = "attendance_import"
    LEAVE = "leave_request"
    MAKEUP = "punch_makeup"
    EMPTY_POST = "empty_post"
    INSPECTION = "inspection"
    ATTENDANCE_MONTH = "attendance_month"
    RATING = "rating"
    RATING_FOLLOWUP = "rating_followup"
    RATING_APPEAL = "rating_appeal"
    PEER_ROUND = "peer_round"
    PEER_TURNOUT = "peer_turnout"
    PEER_RESULT = "peer_result"
    APPRAISAL_RULES = "appraisal_rules"
    COMMENDATION = "commendation"
    APPRAISAL_ITEM = "appraisal_item"
    APPRAISAL_COMMENT = "appraisal_comment"
    APPRAISAL_QUOTA = "appraisal_quota"
    APPRAISAL_MONTH = "appraisal_month"
    HALL = "hall"
    WINDOW = "window"
    STAFF = "staff"
    PARAMETER = "parameter"
    DEPARTMENT = "department"
    MATTER = "matter"
    CALENDAR_DAY = "calendar_day"
    DISHONEST_PARTY = "dishonest_party"


REF_CATALOGUE = "ref:catalogue"
REF_CALENDAR = "ref:calendar"
REF_DISHONEST = "ref:dishonest"
REFERENCE_SCOPES = (REF_CATALOGUE, REF_CALENDAR, REF_DISHONEST)


def hall_scope(hall_id: str) -> str:
    """The hall's work: cases, notices, enquiries, suspensions, voided numbers, and attendance
    (schedules, punches, imports, leave, 补签, 空岗, 查岗, monthly sheets), ratings with their 差评整改
    and appeals, and peer-evaluation rounds, turnout and results (never ballots)."""
    return f"hall:{hall_id}"


def hall_ref_scope(hall_id: str, part: str) -> str:
    """A hall's reference data: ``windows`` (hall + windows), ``staff``, ``parameters``."""
    return f"hall:{hall_id}:{part}"


HALL_REF_PARTS = ("windows", "staff", "parameters")


def device_scopes(hall_id: str) -> list[str]:
    """Every scope a device of ``hall_id`` pulls, reference data first (work rows refer to it)."""
    return [*REFERENCE_SCOPES, *(hall_ref_scope(hall_id, p) for p in HALL_REF_PARTS), hall_scope(hall_id)]


_SCOPE = re.compile(r"hall:[0-9A-Za-z_-]{1,64}(:(" + "|".join(HALL_REF_PARTS) + r"))?")


def scope_well_formed(scope: str) -> bool:
    """A scope of the grammar: a reference scope, ``hall:<id>`` or ``hall:<id>:<part>`` (HALL_REF_PARTS)."""
    return scope in REFERENCE_SCOPES or _SCOPE.fullmatch(scope) is not None


def scope_allowed(scope: str, hall_id: str) -> bool:
    return scope in REFERENCE_SCOPES or scope == hall_scope(hall_id) \
        or scope in (hall_ref_scope(hall_id, p) for p in HALL_REF_PARTS)


def push_op(op: OutboxOp) -> dict[str, Any]:
    """An outbox row as it is pushed (the ``ops[]`` element of POST /v1/push)."""
    return {
        "op_id": op.op_id, "client_seq": op.client_seq, "kind": op.kind, "entity_id": op.entity_id,
        "actor_id": op.actor_id, "created_at": op.created_at.isoformat(), "payload": op.payload,
    }
