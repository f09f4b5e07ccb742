"""视为受理 on the server: a received case whose notify limit has passed is accepted from the day of
receipt (Art. 32), for the cases the server holds, whenever it falls due (#15 point 6).

Counters do the same for the cases in their store (app.cases.base.deem_lapsed), but a case taken in
at a counter that has since gone offline, or whose counter is switched off, would stay "received"
on the server — and the hall's reports and appraisal read the server. The server's periodic check
(server.api, with the 空岗 check) therefore deems the lapsed cases of every hall, as the system,
written to the hall scope's change log so every counter pulls the accepted case.

Two things must not go wrong (server.case_ops):
- a decision a counter made *within* the limit while offline still wins when it arrives after the
  server deemed the case: the law counts the day the applicant was told, not the day the server
  heard of it (the op's time, corrected by the device's reported clock offset, on or before the
  notify limit, and nothing else happened to the case since the deeming);
- a counter's own ``case.deem_accepted`` for a case the server deemed already (or that was decided
  in time) is answered ``duplicate`` / ``superseded`` with the server's row, not a conflict for
  the quarantine list.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from app.cases.rules import Action, CaseStatus, next_status
from app.cases.views import case_snapshot
from app.sync.protocol import Entity, hall_scope
from db.models import Case, Hall, Matter
from server.attendance_fields import to_local
from server.attendance_sheet import hall_calendar
from server.changes import lock_scopes, record_change
from server.engine import ServerDatabase

log = logging.getLogger(__name__)


def deem_lapsed(db: ServerDatabase, hall_id: str, now: dt.datetime) -> list[str]:
    """Deem accepted the hall's received cases whose notify limit is before today (hall time) as of
    ``now`` (naive UTC); returns their ids. One transaction holding the hall's lock, like a push."""
    local_now = to_local(now).replace(microsecond=0)
    today = local_now.date()
    done: list[str] = []
    with db.write() as s:
        lapsed = select(Case.id).where(Case.hall_id == hall_id, Case.status == CaseStatus.RECEIVED.value,
                                       Case.notify_due < today)
        if s.scalars(lapsed.limit(1)).first() is None:
            return done
        scope = hall_scope(hall_id)
        counter = lock_scopes(s, [scope])[scope]
        calendar = hall_calendar(s)
        for case in s.scalars(select(Case).where(Case.id.in_(lapsed)).order_by(Case.received_at)):
            matter = s.get(Matter, case.matter_id)
            if matter is None:
                log.warning("case %s names a matter the server does not hold; not deemed", case.id)
                continue
            case.status = next_status(case.status, Action.DEEM_ACCEPTED).value
            case.accepted_on = case.received_on
            case.deemed_accepted = True
            case.due_date = calendar.add_working_days(case.received_on, matter.promised_days)
            case.updated_at = local_now
            case.version += 1
            s.flush()
            record_change(s, counter, Entity.CASE, case.id, case_snapshot(case), op_id=None, at=now)
            done.append(case.id)
    if done:
        log.info("hall %s: %d lapsed case(s) deemed accepted", hall_id, len(done))
    return done


def deem_all_halls(db: ServerDatabase, now: dt.datetime) -> int:
    """deem_lapsed for every hall; the number of cases deemed."""
    with db.snapshot() as s:
        halls = list(s.scalars(select(Hall.id)))
    return sum(len(deem_lapsed(db, hall_id, now)) for hall_id in halls)
