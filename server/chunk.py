"""The rows an operation handler looks up, read one query at a time (``DirectRows``) or, for a
chunk of a push, preloaded with a handful of IN-list queries and kept current as the chunk's ops
write (``ChunkRows``; docs/sync-protocol.md, "How the server applies a push").

Handlers ask ``ctx.rows`` instead of querying: the case of an op, the notices, suspensions and
void numbers of a case (its echo), notices and cases by number (uniqueness), the scope row of a
changed record (the checksum), the roles a staff member held and the windows they covered. A
chunk of 500 intake ops then costs a few dozen statements instead of ~27 per op, and the objects
it adds are inserted by one flush at commit (the unit of work batches them per table).

``ChunkRows`` is only used for ops whose handler checks everything before it writes anything
(``FAST_KINDS``): such an op needs no savepoint, so nothing can be rolled back under the caches.
Any other op runs as before, inside its own savepoint with ``DirectRows``; the chunk's caches are
dropped after it (they reload on demand), since it may have written what they hold.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, insert, inspect, select, update
from sqlalchemy.orm import Session, selectinload

from app.attendance.cover import cover_windows, covered_window_ids
from app.sync.protocol import CASE_ACTIONS, ENQUIRY_ADD, NOTICE_VOID, NUMBER_VOID, Entity
from db.models import Case, DishonestParty, Enquiry, LeaveRequest, Matter, Notice, Staff, Suspension, VoidNumber, Window
from db.repositories import CaseRepository, ReferenceRepository
from db.void_repository import VoidRepository
from server.schema import ChangeLog, ScopeRow, StaffRoleChange

FAST_KINDS = frozenset({*CASE_ACTIONS, ENQUIRY_ADD, NOTICE_VOID, NUMBER_VOID})
_MISSING = object()


class DirectRows:
    """Every lookup is its own query (the savepoint path, and everything outside a push)."""

    def __init__(self, s: Session) -> None:
        self.s = s

    def case(self, case_id: str) -> Case | None:
        return CaseRepository(self.s).get(case_id)

    def is_dishonest(self, id_number: str) -> bool:
        return ReferenceRepository(self.s).is_dishonest(id_number)

    def case_id_by_number(self, number: str) -> str | None:
        found = self.s.scalar(select(Case).where(Case.number == number))
        return found.id if found is not None else None

    def notice(self, notice_id: str) -> Notice | None:
        return self.s.get(Notice, notice_id)

    def notice_by_number(self, number: str) -> Notice | None:
        return self.s.scalar(select(Notice).where(Notice.number == number))

    def void_by_number(self, number: str) -> VoidNumber | None:
        return self.s.scalar(select(VoidNumber).where(VoidNumber.number == number))

    def notices_of(self, case_id: str, kind: str | None = None) -> Sequence[Notice]:
        return CaseRepository(self.s).notices(case_id, kind)

    def suspensions_of(self, case_id: str) -> Sequence[Suspension]:
        return self.s.scalars(select(Suspension).where(Suspension.case_id == case_id).order_by(Suspension.id)).all()

    def open_suspension(self, case_id: str) -> Suspension | None:
        return CaseRepository(self.s).open_suspension(case_id)

    def suspension(self, suspension_id: str) -> Suspension | None:
        return self.s.get(Suspension, suspension_id)

    def void(self, void_id: str) -> VoidNumber | None:
        return self.s.get(VoidNumber, void_id)

    def voids_of(self, case_id: str) -> Sequence[VoidNumber]:
        return VoidRepository(self.s).of_case(case_id)

    def enquiry(self, enquiry_id: str) -> Enquiry | None:
        return self.s.get(Enquiry, enquiry_id)

    def scope_hash(self, scope: str, entity: str, entity_id: str) -> str | None:
        """The row hash the scope holds for the record (None: not in the scope). Read with a plain
        select, never through the identity map: a chunk writes scope rows with Core statements."""
        return self.s.scalar(select(_SCOPE.c.row_hash).where(
            _SCOPE.c.scope == scope, _SCOPE.c.entity == entity, _SCOPE.c.entity_id == entity_id))

    def roles_after(self, staff_id: str, when: dt.datetime) -> str | None:
        """``roles_before`` of the first role change of ``staff_id`` after ``when`` (None: none)."""
        return self.s.scalars(
            select(StaffRoleChange.roles_before)
            .where(StaffRoleChange.staff_id == staff_id, StaffRoleChange.effective_at > when)
            .order_by(StaffRoleChange.effective_at).limit(1)
        ).first()

    def covered(self, staff_id: str, at: dt.datetime) -> frozenset[str]:
        return covered_window_ids(self.s, staff_id, at)

    # what a handler tells the rows it wrote (nothing to keep when every lookup queries)
    def added_case(self, case: Case) -> None:
        pass

    def added_notices(self, notices: Iterable[Notice]) -> None:
        pass

    def added_suspension(self, row: Suspension) -> None:
        pass

    def added_enquiry(self, row: Enquiry) -> None:
        pass

    def added_void(self, row: VoidNumber) -> None:
        pass

    def flush(self) -> None:
        self.s.flush()

    def write_change(self, scope_row: dict[str, Any], new: bool, change: dict[str, Any]) -> None:
        """Store one changed record: its scope row (``new``: inserted, else its seq and hash
        updated) and its change-log row; then flush, so later queries see every row written."""
        if new:
            self.s.execute(insert(_SCOPE), scope_row)
        else:
            self.s.execute(_SCOPE_UPDATE, [_scope_update(scope_row)])
        self.s.execute(insert(_CHANGES), change)
        self.s.flush()


_SCOPE: Table = ScopeRow.__table__  # type: ignore[assignment]
_CHANGES: Table = ChangeLog.__table__  # type: ignore[assignment]
_SCOPE_UPDATE = (update(_SCOPE).where(_SCOPE.c.scope == bindparam("k_scope"), _SCOPE.c.entity == bindparam("k_entity"),
                                      _SCOPE.c.entity_id == bindparam("k_id"))
                 .values(seq=bindparam("seq"), row_hash=bindparam("row_hash")))


def _scope_update(row: dict[str, Any]) -> dict[str, Any]:
    return {"k_scope": row["scope"], "k_entity": row["entity"], "k_id": row["entity_id"],
            "seq": row["seq"], "row_hash": row["row_hash"]}


class ChunkWrites:
    """The rows a chunk writes and never reads back through the ORM: inbox answers, change log,
    audit chain entries, scope rows. Kept as plain dicts and sent at the chunk's end (and before
    any op that runs with its own queries) as one executemany per table: no ORM objects, no unit
    of work. A scope row new in the chunk and changed again later is one insert with its last
    values (the dict is shared); a held one changed twice is one update."""

    def __init__(self) -> None:
        self._inserts: dict[Any, list[dict[str, Any]]] = {}
        self._scope_updates: dict[tuple[str, str, str], dict[str, Any]] = {}

    def insert(self, table: Any, row: dict[str, Any]) -> None:
        self._inserts.setdefault(table, []).append(row)

    def update_scope_row(self, row: dict[str, Any]) -> None:
        self._scope_updates[(row["scope"], row["entity"], row["entity_id"])] = row

    def write(self, s: Session) -> None:
        """Send what is held (after the ORM's flush: the held rows refer to no new ORM row)."""
        for table, rows in self._inserts.items():
            if rows:
                s.execute(insert(table), rows)
        if self._scope_updates:
            s.execute(_SCOPE_UPDATE, [_scope_update(r) for r in self._scope_updates.values()])
        self._inserts.clear()
        self._scope_updates.clear()


def with_defaults(obj: Any) -> None:
    """Give a new row the scalar column defaults its INSERT would give it (a row built before the
    flush is hashed and echoed before that INSERT: it must already read as it will be stored)."""
    if inspect(obj).persistent:
        return
    defaults = _DEFAULTS.get(type(obj))
    if defaults is None:
        defaults = _DEFAULTS[type(obj)] = tuple(
            (c.key, c.default.arg) for c in obj.__table__.columns if c.default is not None and c.default.is_scalar)
    for key, value in defaults:
        if key not in obj.__dict__:
            setattr(obj, key, value)


_DEFAULTS: dict[type, tuple[tuple[str, Any], ...]] = {}  # per mapped class: its scalar column defaults


def _ids(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class ChunkRows(DirectRows):
    """The rows a chunk's ops touch, loaded by IN lists before the first op and kept current."""

    def __init__(self, s: Session, scope: str, hall_id: str, writes: ChunkWrites) -> None:
        super().__init__(s)
        self.scope, self.hall_id, self.writes = scope, hall_id, writes
        self._held: list[object] = []  # strong references: the session's identity map is weak
        self.reset()

    def reset(self) -> None:
        """Forget everything (after an op that ran the other way may have written rows)."""
        self._cases: dict[str, Case | None] = {}
        self._case_numbers: dict[str, str | None] = {}
        self._notices: dict[str, Notice | None] = {}
        self._notice_numbers: dict[str, Notice | None] = {}
        self._void_numbers: dict[str, VoidNumber | None] = {}
        self._voids: dict[str, VoidNumber | None] = {}
        self._case_notices: dict[str, list[Notice]] = {}
        self._case_stops: dict[str, list[Suspension]] = {}
        self._case_voids: dict[str, list[VoidNumber]] = {}
        self._stops: dict[str, Suspension | None] = {}
        self._enquiries: dict[str, Enquiry | None] = {}
        # the hall scope's rows: {"scope", "entity", "entity_id", "seq", "row_hash"} as written at commit
        self._scope_rows: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._fresh: set[tuple[str, str]] = set()  # of those, the ones inserted at commit
        self._role_changes: dict[str, list[StaffRoleChange]] | None = None
        self._leaves: dict[dt.date, list[LeaveRequest]] = {}
        self._windows: Sequence[Window] | None = None
        self._dishonest: dict[str, bool] = {}

    # --- preloading ------------------------------------------------------------------------------

    def preload(self, ops: Sequence[Any]) -> None:
        """Load, with one query per kind of row, what the fast ops of ``ops`` will look up."""
        fast = [op for op in ops if op.kind in FAST_KINDS and isinstance(op.payload, dict)]
        case_ids = {op.entity_id for op in fast if op.kind in CASE_ACTIONS or op.kind == NOTICE_VOID}
        enquiry_ids = {op.entity_id for op in fast if op.kind == ENQUIRY_ADD}
        void_ids = {op.entity_id for op in fast if op.kind == NUMBER_VOID}
        numbers: set[str] = set()
        notice_ids: set[str] = set()
        notice_numbers: set[str] = set()
        stop_ids: set[str] = set()
        for op in fast:
            p = op.payload
            snap = p.get("case")
            if isinstance(snap, dict) and isinstance(snap.get("number"), str):
                numbers.add(snap["number"])
            notices = p.get("notices")
            papers = [*(notices if isinstance(notices, list) else ()), p.get("notice")]
            for n in papers:
                if isinstance(n, dict):
                    notice_ids.update(x for x in [_ids(n.get("id"))] if x)
                    notice_numbers.update(x for x in [_ids(n.get("number"))] if x)
            register = p.get("void_number") if op.kind == NOTICE_VOID else p if op.kind == NUMBER_VOID else None
            if isinstance(register, dict):
                void_ids.update(x for x in [_ids(register.get("id"))] if x)
                notice_numbers.update(x for x in [_ids(register.get("number"))] if x)
            given = p.get("suspension")
            if isinstance(given, dict) and _ids(given.get("id")):
                stop_ids.add(given["id"])
        self._load_references(fast)
        self._load_cases(case_ids, numbers)
        self._load_notices(case_ids, notice_ids, notice_numbers)
        self._load_of_cases(case_ids, stop_ids, void_ids)
        self._enquiries.update({i: None for i in enquiry_ids})
        for row in self._in(Enquiry, Enquiry.id, enquiry_ids):
            self._enquiries[row.id] = row
        self._load_scope_rows({Entity.CASE: case_ids, Entity.NOTICE: notice_ids, Entity.ENQUIRY: enquiry_ids,
                               Entity.SUSPENSION: stop_ids, Entity.VOID_NUMBER: void_ids})

    def _load_references(self, fast: Sequence[Any]) -> None:
        """The matters, staff and windows the ops name (then found in the session, not queried)."""
        matters: set[str] = set()
        staff = {op.actor_id for op in fast if isinstance(op.actor_id, str)}
        windows: set[str] = set()
        id_numbers: set[str] = set()
        for op in fast:
            snap = op.payload.get("case")
            if isinstance(snap, dict):
                matters.update(x for x in [_ids(snap.get("matter_id"))] if x)
                staff.update(x for x in [_ids(snap.get("created_by"))] if x)
                windows.update(x for x in [_ids(snap.get("window_id"))] if x)
                id_numbers.update(x for x in [_ids(snap.get("applicant_id_number"))] if x)
            notices = op.payload.get("notices")
            for n in notices if isinstance(notices, list) else ():
                if isinstance(n, dict):
                    staff.update(x for x in [_ids(n.get("issued_by"))] if x)
        self._in(Matter, Matter.id, matters)
        self._in(Staff, Staff.id, staff)
        self._in(Window, Window.id, windows)
        self._dishonest.update({i: False for i in id_numbers})
        for row in self._in(DishonestParty, DishonestParty.id_number, id_numbers):
            self._dishonest[row.id_number] = True

    def _in(self, model: Any, column: Any, keys: Iterable[str], *options: Any) -> list[Any]:
        wanted = sorted(keys)
        out: list[Any] = []
        for i in range(0, len(wanted), 1000):
            q = select(model).where(column.in_(wanted[i:i + 1000]))
            out += self.s.scalars(q.options(*options) if options else q).all()
        self._held += out
        return out

    def _load_cases(self, case_ids: set[str], numbers: set[str]) -> None:
        self._cases.update({i: None for i in case_ids})
        self._case_numbers.update({n: None for n in numbers})
        for case in self._in(Case, Case.id, case_ids, selectinload(Case.materials)):
            self._cases[case.id] = case
            self._case_numbers[case.number] = case.id
        for case in self._in(Case, Case.number, numbers - set(self._case_numbers_found())):
            self._case_numbers[case.number] = case.id

    def _case_numbers_found(self) -> list[str]:
        return [n for n, i in self._case_numbers.items() if i is not None]

    def _load_notices(self, case_ids: set[str], notice_ids: set[str], numbers: set[str]) -> None:
        self._notices.update({i: None for i in notice_ids})
        self._notice_numbers.update({n: None for n in numbers})
        by_case: dict[str, list[Notice]] = {i: [] for i in case_ids}
        seen = self._in(Notice, Notice.case_id, case_ids)
        seen += self._in(Notice, Notice.id, notice_ids - {n.id for n in seen})
        seen += self._in(Notice, Notice.number, numbers - {n.number for n in seen})
        for n in {n.id: n for n in seen}.values():
            self._notices[n.id] = n
            self._notice_numbers[n.number] = n
            if n.case_id in by_case:
                by_case[n.case_id].append(n)
        self._case_notices.update(by_case)
        self._void_numbers.update({n: None for n in numbers})
        for v in self._in(VoidNumber, VoidNumber.number, numbers):
            self._void_numbers[v.number] = v

    def _load_of_cases(self, case_ids: set[str], stop_ids: set[str], void_ids: set[str]) -> None:
        stops: dict[str, list[Suspension]] = {i: [] for i in case_ids}
        self._stops.update({i: None for i in stop_ids})
        for x in self._in(Suspension, Suspension.case_id, case_ids):
            stops[x.case_id].append(x)
            self._stops[x.id] = x
        for x in self._in(Suspension, Suspension.id, stop_ids - set(self._stops_found())):
            self._stops[x.id] = x
            if x.case_id in stops:
                stops[x.case_id].append(x)
        self._case_stops.update(stops)
        voids: dict[str, list[VoidNumber]] = {i: [] for i in case_ids}
        self._voids.update({i: None for i in void_ids})
        found = self._in(VoidNumber, VoidNumber.case_id, case_ids)
        found += self._in(VoidNumber, VoidNumber.id, void_ids - {v.id for v in found})
        for v in {v.id: v for v in found}.values():
            self._voids[v.id] = v
            self._void_numbers[v.number] = v
            if v.case_id in voids:
                voids[str(v.case_id)].append(v)
        self._case_voids.update(voids)

    def _stops_found(self) -> list[str]:
        return [i for i, x in self._stops.items() if x is not None]

    def _load_scope_rows(self, keys: dict[str, set[str]]) -> None:
        for entity, ids in keys.items():
            self._scope_rows.update({(entity, i): None for i in ids})
            wanted = sorted(ids)
            for i in range(0, len(wanted), 1000):
                rows = self.s.execute(select(_SCOPE).where(
                    _SCOPE.c.scope == self.scope, _SCOPE.c.entity == entity,
                    _SCOPE.c.entity_id.in_(wanted[i:i + 1000]))).mappings().all()
                self._scope_rows.update({(r["entity"], r["entity_id"]): dict(r) for r in rows})

    # --- lookups ---------------------------------------------------------------------------------

    def _cached(self, cache: dict[Any, Any], key: Any, load: Any) -> Any:
        found = cache.get(key, _MISSING)
        if found is _MISSING:
            found = load(key)
            cache[key] = found
            if found is not None:
                self._held.append(found)
        return found

    def case(self, case_id: str) -> Case | None:
        return self._cached(self._cases, case_id, super().case)  # type: ignore[no-any-return]

    def is_dishonest(self, id_number: str) -> bool:
        if id_number not in self._dishonest:
            self._dishonest[id_number] = super().is_dishonest(id_number)
        return self._dishonest[id_number]

    def case_id_by_number(self, number: str) -> str | None:
        return self._cached(self._case_numbers, number, super().case_id_by_number)  # type: ignore[no-any-return]

    def notice(self, notice_id: str) -> Notice | None:
        return self._cached(self._notices, notice_id, super().notice)  # type: ignore[no-any-return]

    def notice_by_number(self, number: str) -> Notice | None:
        return self._cached(self._notice_numbers, number, super().notice_by_number)  # type: ignore[no-any-return]

    def void_by_number(self, number: str) -> VoidNumber | None:
        return self._cached(self._void_numbers, number, super().void_by_number)  # type: ignore[no-any-return]

    def _of_case(self, cache: dict[str, list[Any]], case_id: str, load: Any) -> list[Any]:
        """The rows of a case kept in ``cache`` (loaded with ``load`` the first time it is asked)."""
        held = cache.get(case_id)
        if held is None:
            held = cache[case_id] = list(load(case_id))
            self._held += held
        return held

    def notices_of(self, case_id: str, kind: str | None = None) -> Sequence[Notice]:
        held = self._of_case(self._case_notices, case_id, super().notices_of)
        ordered = sorted(held, key=lambda n: (n.issued_at, n.id))
        return [n for n in ordered if n.kind == kind] if kind else ordered

    def suspensions_of(self, case_id: str) -> Sequence[Suspension]:
        return sorted(self._of_case(self._case_stops, case_id, super().suspensions_of), key=lambda x: x.id)

    def open_suspension(self, case_id: str) -> Suspension | None:
        open_ones = [x for x in self.suspensions_of(case_id) if x.ended_on is None]
        return open_ones[0] if open_ones else None

    def suspension(self, suspension_id: str) -> Suspension | None:
        return self._cached(self._stops, suspension_id, super().suspension)  # type: ignore[no-any-return]

    def void(self, void_id: str) -> VoidNumber | None:
        return self._cached(self._voids, void_id, super().void)  # type: ignore[no-any-return]

    def voids_of(self, case_id: str) -> Sequence[VoidNumber]:
        return sorted(self._of_case(self._case_voids, case_id, super().voids_of), key=lambda v: v.voided_at)

    def enquiry(self, enquiry_id: str) -> Enquiry | None:
        return self._cached(self._enquiries, enquiry_id, super().enquiry)  # type: ignore[no-any-return]

    def _scope_row(self, entity: str, entity_id: str) -> dict[str, Any] | None:
        key = (entity, entity_id)
        if key not in self._scope_rows:
            found = self.s.execute(select(_SCOPE).where(
                _SCOPE.c.scope == self.scope, _SCOPE.c.entity == entity,
                _SCOPE.c.entity_id == entity_id)).mappings().first()
            self._scope_rows[key] = dict(found) if found is not None else None
        return self._scope_rows[key]

    def scope_hash(self, scope: str, entity: str, entity_id: str) -> str | None:
        if scope != self.scope:
            return super().scope_hash(scope, entity, entity_id)
        row = self._scope_row(entity, entity_id)
        return row["row_hash"] if row is not None else None

    def roles_after(self, staff_id: str, when: dt.datetime) -> str | None:
        if self._role_changes is None:
            changes: dict[str, list[StaffRoleChange]] = defaultdict(list)
            hall_staff = select(Staff.id).where(Staff.hall_id == self.hall_id)
            for c in self.s.scalars(select(StaffRoleChange).where(StaffRoleChange.staff_id.in_(hall_staff))
                                    .order_by(StaffRoleChange.effective_at)):
                changes[c.staff_id].append(c)
            self._role_changes = changes
            self._held += [c for cs in changes.values() for c in cs]
        later = [c for c in self._role_changes.get(staff_id, ()) if c.effective_at > when]
        return later[0].roles_before if later else None

    def covered(self, staff_id: str, at: dt.datetime) -> frozenset[str]:
        day = at.date()
        if day not in self._leaves:  # the approved leaves running at some moment of that day
            start = dt.datetime.combine(day, dt.time())
            self._leaves[day] = list(self.s.scalars(select(LeaveRequest).where(
                LeaveRequest.status == "approved", LeaveRequest.starts_at < start + dt.timedelta(days=1),
                LeaveRequest.ends_at > start)))
            self._held += self._leaves[day]
        leaves = [x for x in self._leaves[day] if x.starts_at <= at < x.ends_at]
        if not leaves:
            return frozenset()
        if self._windows is None:
            self._windows = self.s.scalars(select(Window).order_by(Window.number)).all()
            self._held += list(self._windows)
        return cover_windows(leaves, self._windows, staff_id)

    # --- writes ----------------------------------------------------------------------------------

    def added_case(self, case: Case) -> None:
        for row in (case, *case.materials):
            with_defaults(row)
        self._cases[case.id] = case
        self._case_numbers[case.number] = case.id
        self._held.append(case)

    def added_notices(self, notices: Iterable[Notice]) -> None:
        for n in notices:
            with_defaults(n)
            self._notices[n.id] = n
            self._notice_numbers[n.number] = n
            if n.case_id in self._case_notices:
                self._case_notices[n.case_id].append(n)
            self._held.append(n)

    def added_suspension(self, row: Suspension) -> None:
        with_defaults(row)
        if self._stops.get(row.id) is None:
            self._stops[row.id] = row
            if row.case_id in self._case_stops and row not in self._case_stops[row.case_id]:
                self._case_stops[row.case_id].append(row)
        self._held.append(row)

    def added_enquiry(self, row: Enquiry) -> None:
        with_defaults(row)
        self._enquiries[row.id] = row
        self._held.append(row)

    def added_void(self, row: VoidNumber) -> None:
        with_defaults(row)
        self._voids[row.id] = row
        self._void_numbers[row.number] = row
        if row.case_id is not None and row.case_id in self._case_voids:
            self._case_voids[row.case_id].append(row)
        self._held.append(row)

    def flush(self) -> None:
        """Nothing: the chunk's new rows are inserted together when it commits."""

    def write_change(self, scope_row: dict[str, Any], new: bool, change: dict[str, Any]) -> None:
        """Held until the chunk's end (the hall scope's; another scope's is written at once)."""
        if scope_row["scope"] != self.scope:
            super().write_change(scope_row, new, change)
            return
        key = (scope_row["entity"], scope_row["entity_id"])
        held = self._scope_rows.get(key)
        if held is None:  # new to the scope: one insert, with the values it ends the chunk with
            held = self._scope_rows[key] = dict(scope_row)
            self._fresh.add(key)
            self.writes.insert(_SCOPE, held)
        else:
            held["seq"], held["row_hash"] = scope_row["seq"], scope_row["row_hash"]
            if key not in self._fresh:
                self.writes.update_scope_row(held)
        self.writes.insert(_CHANGES, change)
