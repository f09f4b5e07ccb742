"""The rating screen's own code path (评价器): the ONLY code that records an applicant's rating.

Only ui.rating_screen imports this module (an import-linter contract keeps the clerk's screens out),
so nothing the clerk can reach sets, changes or re-triggers a rating. The rating is written as the
applicant's: the op carries no staff actor (protocol.ANONYMOUS_KINDS) and no summary or audit text
ever states the level. A 差评 opens its follow-up (差评整改) in the same transaction; the server
builds that follow-up again itself and checks it is the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.cases.rules import CaseStatus
from app.context import Actor, AppContext
from app.errors import DomainError, InvalidInput, NotFound
from app.ratings import policy
from app.ratings.common import window_label
from app.sync.protocol import RATING_RECORD, Entity
from app.sync.rows import columns_row
from db.models import Rating
from db.rating_repository import RatingRepository
from db.repositories import ReferenceRepository

APPLICANT = Actor(None, "办事群众")
# the case step whose actor is "the person rated" by default, per trigger
_STEP_ACTIONS = {"complete": ("case.complete",), "deliver": ("case.deliver",), "receipt": ("case.open",)}
_FITS = {
    "complete": ({CaseStatus.COMPLETED, CaseStatus.DELIVERED}, "该办件尚未办结，不能请办事人评价办结服务。"),
    "deliver": ({CaseStatus.DELIVERED}, "该办件尚未出件，不能请办事人评价出件服务。"),
    "receipt": (set(CaseStatus) - {CaseStatus.VOIDED}, "该办件已作废，不能请办事人评价。"),
}


class AlreadyRated(DomainError):
    """The case has a rating already (一次一评, whatever the channel)."""

    def __init__(self, message: str = "该办件已评价，感谢您的参与。") -> None:
        super().__init__(message)


@dataclass(frozen=True)
class RatingPrompt:
    case_id: str
    trigger: str
    hall_name: str
    matter_name: str
    matter_id: str
    window_id: str | None
    window_label: str  # "01 市场监管综合窗口"
    staff_id: str | None  # the person rated
    staff_name: str
    staff_no: str  # their 工号
    timeout_seconds: int
    timeout_policy: str  # unrated / none


@dataclass(frozen=True)
class RatingReceipt:
    rating_id: str
    bad: bool  # a 差评: a follow-up was opened


@dataclass(frozen=True)
class _Rated:
    """What is rated, read from the store: the case (or enquiry), its matter, window and default staff."""

    case_id: str | None  # None for an enquiry
    matter_id: str
    matter_name: str
    window_id: str | None
    staff_id: str | None


class RatingBooth:
    """Runs on the rating screen's worker thread; each call opens its own session."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def hall_name(self) -> str:
        """The hall's name, for the idle screen."""
        with self.ctx.db.read() as s:
            return self._hall_name(s)

    def prompt(self, case_id: str, trigger: str, staff_id: str | None = None) -> RatingPrompt | None:
        """What the rating screen asks about; None when the case (or enquiry) has a rating already.

        NotFound for an unknown case/enquiry, InvalidInput when the trigger does not fit its state
        (complete: completed or delivered; deliver: delivered; receipt: any but voided). ``staff_id``
        is who did the step; by default the actor of that step on this PC, else who took the case in.
        """
        with self.ctx.db.read() as s:
            rated = _rated(s, case_id, trigger)
            if _rated_row(s, case_id) is not None:
                return None
            who = staff_id or rated.staff_id
            staff = RatingRepository(s).staff()
            if staff_id is not None and staff_id not in staff:
                raise InvalidInput("找不到被评价的工作人员。", field="staff_id")
            person = staff.get(who or "")
            hall_name = self._hall_name(s)
            window = ReferenceRepository(s).window(rated.window_id)
        params = self.ctx.parameters()
        return RatingPrompt(
            case_id=case_id, trigger=trigger, hall_name=hall_name, matter_name=rated.matter_name,
            matter_id=rated.matter_id, window_id=rated.window_id, window_label=window_label(window),
            staff_id=person.id if person else None, staff_name=person.name if person else "",
            staff_no=person.staff_no if person else "", timeout_seconds=int(params["rating.timeout_seconds"]),
            timeout_policy=params["rating.timeout_policy"],
        )

    def record(self, prompt: RatingPrompt, level: int, reasons: Sequence[str] = (), comment: str = "",
               phone: str = "") -> RatingReceipt:
        """The applicant's choice, in one transaction with its op (and, for a 差评, its follow-up).
        AlreadyRated when the case has a rated row (from the phone, say); InvalidInput naming the field."""
        picked, text, number = policy.check_rating(level, reasons, comment, phone)
        rectify_days = self.ctx.int_parameter("rating.rectify_days")
        with self.ctx.action() as s:
            rated = _rated(s, prompt.case_id, prompt.trigger)
            if _rated_row(s, prompt.case_id) is not None:
                raise AlreadyRated()
            rating = self._rating(s, prompt, rated, level)
            rating.reasons, rating.comment, rating.callback_phone = picked, text, number
            repo = RatingRepository(s)
            repo.add(rating)
            followup = policy.new_followup(rating, self.ctx.calendar(), rectify_days) if policy.is_bad(level) else None
            if followup is not None:
                repo.add(followup)
            self.ctx.record(
                s, APPLICANT, op_kind=RATING_RECORD, entity=Entity.RATING, entity_id=rating.id,
                case_id=rated.case_id, summary="办事群众已评价（评价器）",
                payload={"rating": columns_row(rating), "followup": columns_row(followup) if followup else None},
            )
            return RatingReceipt(rating_id=rating.id, bad=followup is not None)

    def record_unrated(self, prompt: RatingPrompt) -> None:
        """The screen timed out. Policy "unrated": a 未评价 row (level None, no follow-up), once per
        case; policy "none": nothing. A later rating (by phone) may still follow either way."""
        if self.ctx.parameters()["rating.timeout_policy"] != "unrated":
            return
        with self.ctx.action() as s:
            rated = _rated(s, prompt.case_id, prompt.trigger)
            if RatingRepository(s).of_case(prompt.case_id):
                return  # rated meanwhile, or 未评价 already: nothing more to say
            rating = self._rating(s, prompt, rated, None)
            RatingRepository(s).add(rating)
            self.ctx.record(
                s, APPLICANT, op_kind=RATING_RECORD, entity=Entity.RATING, entity_id=rating.id,
                case_id=rated.case_id, summary="办事群众未评价（评价器超时）",
                payload={"rating": columns_row(rating), "followup": None},
            )

    def _rating(self, s: Session, prompt: RatingPrompt, rated: _Rated, level: int | None) -> Rating:
        device = ReferenceRepository(s).device()
        if device is None:
            raise NotFound("本机尚未完成大厅设置。")
        staff_id = prompt.staff_id if prompt.staff_id in RatingRepository(s).staff() else rated.staff_id
        return Rating(
            id=policy.rating_id(prompt.case_id, level is not None), hall_id=device.hall_id, case_id=prompt.case_id,
            window_id=rated.window_id, staff_id=staff_id, matter_id=rated.matter_id, level=level, reasons=[],
            comment="", callback_phone="", channel="counter", trigger=prompt.trigger, device_id=self.ctx.device_id,
            rated_at=self.ctx.clock.now(),
        )

    @staticmethod
    def _hall_name(s: Session) -> str:
        ref = ReferenceRepository(s)
        device = ref.device()
        hall = ref.hall(device.hall_id) if device else None
        return hall.name if hall else ""


def _rated_row(s: Session, case_id: str) -> Rating | None:
    return next((r for r in RatingRepository(s).of_case(case_id) if r.level is not None), None)


def _rated(s: Session, case_id: str, trigger: str) -> _Rated:
    """The case (or, trigger "enquiry", the enquiry) rated, checked against the trigger."""
    if trigger not in policy.TRIGGERS:
        raise InvalidInput("未知的评价时机。", field="trigger")
    repo = RatingRepository(s)
    if trigger == "enquiry":
        enquiry = repo.enquiry(case_id)
        if enquiry is None:
            raise NotFound("找不到该咨询登记。")
        matter_id = enquiry.matter_id or ""
        name = repo.matters([matter_id]).get(matter_id, ("", ""))[0] if matter_id else ""
        return _Rated(None, matter_id, name or "咨询服务", enquiry.window_id, enquiry.staff_id)
    case = repo.case(case_id)
    if case is None:
        raise NotFound("找不到该办件。")
    statuses, refusal = _FITS[trigger]
    if case.status not in statuses:
        raise InvalidInput(refusal, field="trigger")
    staff_id = repo.last_actor(case.id, _STEP_ACTIONS[trigger]) or case.created_by
    return _Rated(case.id, case.matter_id, case.matter_name, case.window_id, staff_id)
