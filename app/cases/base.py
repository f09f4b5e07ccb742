"""What the case use cases share: loading a case for a command, recording, viewing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from app.authz import case_subject, require
from app.cases.rules import Action, CaseStatus, next_status
from app.cases.views import case_snapshot, to_view, yellow_before
from app.context import Actor, AppContext
from app.dto import CaseView
from app.errors import IllegalTransition, NotFound
from app.ids import uuid7
from app.numbering import device_station, notice_number, take_number
from db.models import Case, Notice
from db.repositories import CaseRepository, ReferenceRepository
from db.void_repository import VoidRepository

_ISSUED = "counterdesk.issued_notices"  # Session.info key: notices issued in this transaction
_ISSUED_ROWS = "counterdesk.issued_notice_rows"  # Session.info key: {case id: the Notice rows issued}


def notice_snapshot(notice: Notice) -> dict[str, Any]:
    """The notice row as the outbox ships it (JSON-safe)."""
    return {"id": notice.id, "case_id": notice.case_id, "kind": notice.kind, "number": notice.number,
            "issued_at": notice.issued_at.isoformat(), "issued_by": notice.issued_by,
            "payload": notice.payload, "void": bool(notice.void)}


def issue_notice(s: Session, now: dt.datetime, case: Case, kind: str, issued_by: str,
                 payload: dict[str, Any], *, hall_code: str | None = None) -> Notice:
    """Number and add a paper of ``kind`` on ``case`` in the caller's transaction. A number voided
    in the hall (作废号登记, also one pulled from another counter) is passed over, never handed out.
    ``hall_code``: the case's hall's code when the caller knows it (else read here)."""
    device = ReferenceRepository(s).device()
    if hall_code is None:
        hall = ReferenceRepository(s).hall(case.hall_id)
        hall_code = hall.code if hall is not None else None
    assert device is not None and hall_code is not None
    voided = VoidRepository(s)
    station = device_station(s, device)  # standalone: the window number marks the paper's number
    while True:
        seq = take_number(s, f"notice-{kind}", now.year, standalone=device.standalone, now=now, station=station)
        number = notice_number(hall_code, kind, now.year, seq, station)
        if not voided.is_voided(number):
            break
    notice = Notice(id=uuid7(), case_id=case.id, kind=kind, number=number, issued_at=now,
                    issued_by=issued_by, payload=payload, void=False)
    CaseRepository(s).add_notice(notice)
    s.info.setdefault(_ISSUED_ROWS, {}).setdefault(case.id, []).append(notice)
    return notice


def issued_rows(s: Session, case_id: str) -> list[Notice]:
    """The papers issued on ``case_id`` in this transaction, in the ledger's order."""
    return sorted(s.info.get(_ISSUED_ROWS, {}).get(case_id, []), key=lambda n: (n.issued_at, n.id))


class CaseUseCases:
    """Base of the case services. Every public method is one transaction on the write
    connection; call it from a worker thread. Rule violations raise typed errors from
    app.errors and leave the database untouched."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def _load(self, s: Session, case_id: str, expected_version: int | None) -> Case:
        case = CaseRepository(s).get(case_id)
        if case is None:
            raise NotFound("找不到该办件。")
        if expected_version is not None and case.version != expected_version:
            raise IllegalTransition("该办件已被其他操作更新，请刷新后再试。")
        return case

    def _load_for(self, s: Session, actor: Actor, action: str, case_id: str, expected_version: int) -> Case:
        """The case for a command, after checking that ``actor`` may take ``action`` on it."""
        case = self._load(s, case_id, expected_version)
        require(s, actor, action, case_subject(s, case))
        return case

    def _transition(self, case: Case, action: Action) -> CaseStatus:
        target = next_status(case.status, action)
        case.status = target.value
        case.version += 1
        case.updated_at = self.ctx.clock.now()
        return target

    def _record(
        self, s: Session, actor: Actor, case: Case, op_kind: str, summary: str, previous: str | None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        s.flush()
        payload: dict[str, Any] = {
            "from": previous, "to": case.status, "case": case_snapshot(case), **(extra or {}),
        }
        # the papers this action issued travel with it: the server keeps them, and their
        # numbers must stay unique hall-wide (docs/sync-protocol.md)
        issued = s.info.get(_ISSUED, {}).pop(case.id, [])
        if issued:
            payload["notices"] = issued
        self.ctx.record(
            s, actor, op_kind=op_kind, entity="case", entity_id=case.id, summary=summary,
            payload=payload, case_id=case.id,
        )

    def _view(self, s: Session, case: Case, notices: Sequence[Notice] | None = None) -> CaseView:
        """The case as shown; ``notices``: all of its papers when the caller has them (a case made in
        this transaction has only those it issued: no query for them)."""
        today = self.ctx.today()
        limit = yellow_before(self.ctx.calendar(), today, self.ctx.int_parameter("yellow_days_before"))
        if notices is None:
            notices = CaseRepository(s).notices(case.id)
        # the register rows only explain voided papers: no query while none is
        voids = VoidRepository(s).of_case(case.id) if any(n.void for n in notices) else ()
        return to_view(case, notices, today, limit, voids)

    def _issue(self, s: Session, case: Case, kind: str, actor: Actor, payload: dict[str, Any]) -> str:
        hall = self.ctx.hall(s, case.hall_id)
        notice = issue_notice(s, self.ctx.clock.now(), case, kind, actor.id or "", payload,
                              hall_code=hall.code if hall else None)
        s.info.setdefault(_ISSUED, {}).setdefault(case.id, []).append(notice_snapshot(notice))
        return notice.number

    def get(self, case_id: str) -> CaseView:
        """The case as it stands; a received case whose notify limit has passed is first turned into
        a deemed acceptance (nobody ever sees a lapsed case as merely received)."""
        with self.ctx.db.read() as s:
            view = self._view(s, self._load(s, case_id, None))
        if view.status == CaseStatus.RECEIVED and self.deem_lapsed([case_id]):
            with self.ctx.db.read() as s:
                view = self._view(s, self._load(s, case_id, None))
        return view

    def deem_lapsed(self, case_ids: Iterable[str] | None = None) -> list[str]:
        """Received cases (all, or those of ``case_ids``) whose notify limit passed become accepted
        from the day of receipt (Art. 32), recorded as the system's ``case.deem_accepted``.

        One transaction per case so one bad row cannot hold back the others. Returns the ids.
        """
        today = self.ctx.today()
        with self.ctx.db.read() as s:
            ids = list(CaseRepository(s).lapsed_received(today, case_ids))
        done = []
        for case_id in ids:
            with self.ctx.action() as s:
                case = self._load(s, case_id, None)
                if case.status != CaseStatus.RECEIVED or not today > case.notify_due:
                    continue
                matter = self.ctx.matter(s, case.matter_id)
                assert matter is not None
                self._transition(case, Action.DEEM_ACCEPTED)
                case.accepted_on = case.received_on
                case.deemed_accepted = True
                case.due_date = self._due_from(case.received_on, matter.promised_days)
                self._record(
                    s, Actor.system(), case, "case.deem_accepted",
                    f"逾期未告知（告知期限 {case.notify_due.isoformat()}），依法自收到材料之日起即为受理",
                    CaseStatus.RECEIVED.value,
                )
                done.append(case_id)
        return done

    def _due_from(self, start: dt.date, days: int) -> dt.date:
        return self.ctx.calendar().add_working_days(start, days)
