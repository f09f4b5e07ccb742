"""What the screens ask the permission table: may the person signed in take this action here, and
if not, who may. Only for greying and explaining: every service checks again before it writes."""

from __future__ import annotations

from collections.abc import Iterable

from app.authz import case_subject, may, window_subject
from app.context import Actor, AppContext
from app.errors import NotFound
from app.permissions import HALL_WIDE, PERMISSIONS, Subject, who_may
from db.repositories import CaseRepository, ReferenceRepository


class PermissionService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def refusal(self, actor: Actor, action: str, *, case_id: str | None = None,
                requester_id: str | None = None, here: bool = False) -> str | None:
        """None when ``actor`` may take ``action`` (on the case, or at this PC's window when ``here``,
        or hall-wide); else the reason, which says who may."""
        return self.refusals(actor, [action], case_id=case_id, requester_id=requester_id, here=here)[action]

    def refusals(self, actor: Actor, actions: Iterable[str], *, case_id: str | None = None,
                 requester_id: str | None = None, here: bool = False) -> dict[str, str | None]:
        """``refusal`` of each of ``actions`` on one subject, read once."""
        with self.ctx.db.read() as s:
            subject: Subject = HALL_WIDE
            if case_id is not None:
                case = CaseRepository(s).get(case_id)
                if case is None:
                    raise NotFound("找不到该办件。")
                subject = case_subject(s, case, requester_id)
            elif here:
                device = ReferenceRepository(s).device()
                subject = window_subject(s, device.window_id if device else None, requester_id=requester_id)
            elif requester_id is not None:
                subject = Subject(requester_id=requester_id)
            return {action: may(s, actor, action, subject) for action in actions}

    @staticmethod
    def who_may(action: str) -> str:
        return who_may(action)

    @staticmethod
    def label(action: str) -> str:
        return PERMISSIONS[action].label
