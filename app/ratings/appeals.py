"""申诉复核: the rated staff member appeals a rating as malicious or mistaken (once per rating, only
their own, only a rating with a level they may already see); leadership decides, never on their own
appeal. An upheld appeal takes the rating out of appraisal (``counts`` False); both stay on record."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.authz import require
from app.context import Actor, AppContext
from app.errors import InvalidInput, NotFound, NotPermitted
from app.ids import uuid7
from app.permissions import HALL_WIDE
from app.ratings import policy
from app.ratings.common import Labels, Viewer, rating_item, viewer
from app.ratings.model import APPEAL_STATUS, AppealItem
from app.sync.protocol import RATING_APPEAL, RATING_APPEAL_DECIDE, Entity
from app.sync.rows import columns_row
from app.validation import check_text
from db.models import Rating, RatingAppeal
from db.rating_repository import RatingRepository

DECIDE = "rating.appeal_decide"
TEXT_MAX = 1000


def _item(s: Session, a: RatingAppeal, r: Rating, labels: Labels, seen: Viewer) -> AppealItem:
    number = RatingRepository(s).case_numbers([r.case_id]).get(r.case_id, "")
    return AppealItem(
        id=a.id, rating=rating_item(r, labels, seen, a, number), staff_id=a.staff_id,
        staff_name=labels.name(a.staff_id), ground=a.ground, ground_label=policy.APPEAL_GROUNDS.get(a.ground, a.ground),
        reason=a.reason, appealed_at=a.appealed_at, status=a.status, status_label=APPEAL_STATUS.get(a.status, a.status),
        decided_by_name=labels.name(a.decided_by), decided_at=a.decided_at, decision_note=a.decision_note,
        version=a.version,
        can_decide=a.status == "pending" and seen.may(DECIDE, labels.subject(r, requester_id=a.staff_id)),
    )


def appeal(ctx: AppContext, actor: Actor, rating_id: str, ground: str, reason: str) -> AppealItem:
    if ground not in policy.APPEAL_GROUNDS:
        raise InvalidInput("请选择申诉理由类别（恶意评价或误评）。", field="ground")
    text = check_text(reason, field="reason", label="申诉理由", required=True, max_len=TEXT_MAX)
    now = ctx.clock.now()
    with ctx.action() as s:
        require(s, actor, "rating.appeal")
        repo = RatingRepository(s)
        r = repo.rating(rating_id)
        # a rating not yet visible to the person rated is, to them, not there yet
        if r is None or (r.staff_id == actor.id and now - r.rated_at < policy.RATING_VISIBLE_AFTER):
            raise NotFound("找不到该评价记录。")
        if not actor.id or r.staff_id != actor.id:
            raise NotPermitted("只能对本人收到的评价提出申诉。", action="rating.appeal")
        if r.level is None:
            raise InvalidInput("未评价的记录无需申诉。", field="rating")
        if repo.appeals_of([r.id]):
            raise InvalidInput("这条评价已提出过申诉，每条评价只能申诉一次。", field="rating")
        row = RatingAppeal(id=uuid7(), hall_id=r.hall_id, rating_id=r.id, staff_id=actor.id, ground=ground,
                           reason=text, appealed_at=now, status="pending", decided_by="", decided_at=None,
                           decision_note="", version=1)
        repo.add(row)
        ctx.record(s, actor, op_kind=RATING_APPEAL, entity=Entity.RATING_APPEAL, entity_id=row.id,
                   summary=f"对收到的评价提出申诉（{policy.APPEAL_GROUNDS[ground]}）", payload=columns_row(row))
        return _item(s, row, r, Labels(s, [r.matter_id]), viewer(s, actor))


def listed(ctx: AppContext, actor: Actor, status: str | None = "pending") -> list[AppealItem]:
    """Leadership (rating.appeal_decide) sees every appeal; everyone else their own."""
    if status is not None and status not in APPEAL_STATUS:
        raise InvalidInput("未知的申诉状态。", field="status")
    with ctx.db.read() as s:
        seen = viewer(s, actor)
        repo = RatingRepository(s)
        mine = None if seen.may(DECIDE, HALL_WIDE) else seen.staff_id
        rows = repo.appeals(status=status or None, staff_id=mine)
        ratings = repo.ratings_by_id(a.rating_id for a in rows)
        labels = Labels(s, (r.matter_id for r in ratings.values()))
        return [_item(s, a, ratings[a.rating_id], labels, seen) for a in rows if a.rating_id in ratings]


def decide(ctx: AppContext, actor: Actor, appeal_id: str, from_version: int, upheld: bool, note: str) -> AppealItem:
    text = check_text(note, field="note", label="复核意见", required=True, max_len=TEXT_MAX)
    now = ctx.clock.now()
    with ctx.action() as s:
        repo = RatingRepository(s)
        a = repo.appeal(appeal_id)
        r = repo.rating(a.rating_id) if a is not None else None
        if a is None or r is None:
            raise NotFound("找不到该申诉。")
        labels = Labels(s, [r.matter_id])
        require(s, actor, DECIDE, labels.subject(r, requester_id=a.staff_id))
        if a.status != "pending":
            raise InvalidInput(f"该申诉已复核（{APPEAL_STATUS.get(a.status, a.status)}），不能再次裁定。",
                               field="status")
        if a.version != from_version:
            raise InvalidInput("该申诉已被他人更新，请刷新后重试。", field="version")
        a.status = "upheld" if upheld else "dismissed"
        a.decided_by, a.decided_at, a.decision_note, a.version = actor.id or "", now, text, from_version + 1
        s.flush()
        ctx.record(s, actor, op_kind=RATING_APPEAL_DECIDE, entity=Entity.RATING_APPEAL, entity_id=a.id,
                   summary=f"申诉复核：{labels.name(a.staff_id)}的申诉{APPEAL_STATUS[a.status]}：{text}"[:500],
                   payload={"id": a.id, "from_version": from_version, "upheld": upheld, "note": text,
                            "at": now.isoformat()})
        return _item(s, a, r, labels, viewer(s, actor))
