"""Writing the server's rows into the local tables, and holding them back where local work must win.

A record is a case (with its notices and suspensions) or an enquiry, named by the id its
operations carry (the *owner*). While an operation on it is pending or quarantined here, the
server's rows of that record are not written over the local ones but kept in ``sync_shadow``
(ARCHITECTURE.md: never overwrite a row that has a pending operation); ``release`` takes them over
once nothing holds the record back. Reference rows (catalogue, calendar, staff...) have no owner
and are always written. Every function runs inside the caller's write transaction; a row that
breaks a local unique key raises IntegrityError at flush, which the caller handles.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from app.ids import uuid7
from app.numbering import skip_used
from app.sync.protocol import Entity
from app.sync.rows import ENTITIES, column_values
from app.sync.shapes import Change
from db.models import Base, Case, CaseMaterial, Matter, MatterMaterial, Parameter
from db.sync_repository import SyncRepository

# attendance records whose own ops hold them back (a leave decided here while the server's
# version is older); schedules, 空岗 events and published months are only ever added
OWN_RECORDS = {Entity.PUNCH, Entity.ATTENDANCE_IMPORT, Entity.LEAVE, Entity.MAKEUP, Entity.INSPECTION,
               Entity.RATING, Entity.RATING_FOLLOWUP, Entity.RATING_APPEAL, Entity.PEER_ROUND, Entity.PEER_TURNOUT,
               Entity.APPRAISAL_RULES, Entity.COMMENDATION, Entity.APPRAISAL_ITEM, Entity.APPRAISAL_COMMENT,
               Entity.APPRAISAL_QUOTA}
WORK = {Entity.CASE, Entity.NOTICE, Entity.SUSPENSION, Entity.ENQUIRY, Entity.VOID_NUMBER, *OWN_RECORDS}
NUMBERED = {Entity.CASE, Entity.NOTICE}


def owner_of(entity: str, entity_id: str, row: dict[str, Any]) -> str | None:
    """The case or enquiry id whose operations hold this row back; None for reference data."""
    if entity in (Entity.CASE, Entity.ENQUIRY) or entity in OWN_RECORDS:
        return entity_id
    if entity in (Entity.NOTICE, Entity.SUSPENSION):
        return str(row.get("case_id"))
    if entity == Entity.VOID_NUMBER:  # a voided paper is part of its case; a skipped number stands alone
        return str(row.get("case_id") or entity_id)
    return None


_KNOWN = "counterdesk.sync.known_rows"  # Session.info: (model, key) -> row, or None for "not here"


def preload(s: Session, changes: Iterable[Change]) -> list[Base]:
    """One query per entity brings a page's existing rows into the session; hold the returned
    list while writing so ``write_row`` finds them without a query each. Until ``end_preload``,
    the keys that were looked up and not found are known to be new rows: writing them needs no
    query either (an initial pull is almost only new rows). Not for savepoints that may roll back."""
    ids: dict[str, list[Any]] = defaultdict(list)
    for c in changes:
        if c.entity != Entity.PARAMETER:
            ids[c.entity].append(c.row[ENTITIES[c.entity][1]])
    repo = SyncRepository(s)
    loaded: list[Base] = []
    known: dict[tuple[type[Base], Any], Base | None] = {}
    for entity, keys in ids.items():
        model, key = ENTITIES[entity]
        wanted = [column_values(model.__table__, {key: k})[key] for k in keys]
        rows = repo.load(model, key, wanted)
        loaded += rows
        known.update({(model, k): None for k in wanted})
        known.update({(model, getattr(r, key)): r for r in rows})
    s.info[_KNOWN] = known
    return loaded


def end_preload(s: Session) -> None:
    s.info.pop(_KNOWN, None)


def write_row(s: Session, entity: str, row: dict[str, Any]) -> None:
    """Insert or update the local row of ``entity`` to the server's ``row`` (shape already checked);
    a case or notice number it holds is never handed out by this counter's blocks afterwards."""
    if entity == Entity.PARAMETER:
        s.merge(Parameter(key=row["key"], value=row["value"]))
    elif entity == Entity.CASE:
        _write_case(s, row)
    elif entity == Entity.MATTER:
        _write_matter(s, row)
    else:
        _upsert(s, ENTITIES[entity][0], row)
    if entity in NUMBERED:
        skip_used(s, str(row["number"]))


def _upsert(s: Session, model: type[Base], row: dict[str, Any]) -> Base:
    table = model.__table__
    assert isinstance(table, Table)
    values = column_values(table, row)
    pk = [values[c.key] for c in table.primary_key.columns]
    ident = pk[0] if len(pk) == 1 else tuple(pk)
    known = s.info.get(_KNOWN)
    obj = known[(model, ident)] if known is not None and (model, ident) in known else s.get(model, ident)
    if obj is None:
        obj = model(**values)
        s.add(obj)
        if known is not None:
            known[(model, ident)] = obj
    else:
        for key, value in values.items():
            if getattr(obj, key) != value:
                setattr(obj, key, value)
    return obj


def _write_case(s: Session, row: dict[str, Any]) -> None:
    case = _upsert(s, Case, row)
    assert isinstance(case, Case)
    by_seq = {m.seq: m for m in case.materials}
    wanted = row["materials"]
    for m in wanted:
        material = by_seq.get(m["seq"])
        if material is None:
            material = CaseMaterial(id=uuid7(), case_id=case.id)
            case.materials.append(material)
        for key, value in column_values(CaseMaterial.__table__, m).items():
            if key not in ("id", "case_id") and getattr(material, key) != value:
                setattr(material, key, value)
    keep = {m["seq"] for m in wanted}
    if len(keep) != len(case.materials):
        case.materials[:] = [m for m in case.materials if m.seq in keep]


def _write_matter(s: Session, row: dict[str, Any]) -> None:
    matter = _upsert(s, Matter, row)
    assert isinstance(matter, Matter)
    held = {m.id: m for m in matter.materials}
    for m in row["materials"]:
        values = column_values(MatterMaterial.__table__, m)
        material = held.get(values["id"])
        if material is None:
            matter.materials.append(MatterMaterial(**values))
            continue
        for key, value in values.items():
            if getattr(material, key) != value:
                setattr(material, key, value)
    keep = {m["id"] for m in row["materials"]}
    matter.materials[:] = sorted((m for m in matter.materials if m.id in keep), key=lambda m: m.seq)


# -- records held back ---------------------------------------------------------------------------


def _older(entity: str, row: dict[str, Any], than: dict[str, Any] | None) -> bool:
    """A case row with a lower version than one already held (an answer stored earlier and
    replayed): never taken over a newer one. Other rows are append-only or only move forward."""
    return entity == Entity.CASE and than is not None and int(row["version"]) < int(than["version"])


def hold(s: Session, scope: str, owner: str, server_rows: Iterable[Change], *, complete: bool) -> None:
    """Keep the server's versions of ``owner``'s rows aside. ``complete``: the rows are the whole
    record as the server holds it (a push answer), so a local row missing from them is marked as
    one the server does not have (row None); a pulled page is only part of it."""
    repo = SyncRepository(s)
    kept = {(sh.entity, sh.entity_id): sh.row for sh in repo.shadows(owner)}
    for c in server_rows:
        if not _older(c.entity, c.row, kept.get((c.entity, c.id))):
            repo.put_shadow(c.entity, c.id, owner, scope, c.row)
            kept[(c.entity, c.id)] = c.row
    if complete:
        for entity, entity_id in repo.record_keys(owner):
            if (entity, entity_id) not in kept:
                repo.put_shadow(entity, entity_id, owner, scope, None)


def adopt(s: Session, scope: str, owner: str, rows: list[Change], *, held: bool, shadowed: bool) -> None:
    """The rows a push answer echoed for ``owner``'s record: kept aside while the record is
    held back; otherwise taken over where they are new here or (a case) not older than the local
    row — a replayed answer may be older than what a pull brought since; pulls bring the rest.
    A reference row among them (the staff row of a ``staff.set_roles`` answered conflict) has no
    owner and is written as the server has it, never kept aside under the work scope."""
    reference = [c for c in rows if owner_of(c.entity, c.id, c.row) is None]
    if reference:
        for c in reference:
            write_row(s, c.entity, c.row)
        rows = [c for c in rows if owner_of(c.entity, c.id, c.row) is not None]
    if held:
        hold(s, scope, owner, rows, complete=True)
        return
    repo = SyncRepository(s)
    for c in rows:
        model = ENTITIES[c.entity][0]
        local = s.get(model, c.id)
        if local is None or (isinstance(local, Case) and int(c.row["version"]) >= local.version):
            write_row(s, c.entity, c.row)
        if shadowed:  # the server has this row: no kept version or mark of it is needed any more
            repo.drop_shadow(c.entity, c.id)
    if shadowed:
        release(s, owner)


def release(s: Session, owner: str) -> int:
    """Take over the kept server versions of ``owner``'s rows (nothing holds it back any more);
    rows the server has no version of stay as they are, still marked. Returns rows written."""
    repo = SyncRepository(s)
    written = 0
    for sh in sorted(repo.shadows(owner), key=lambda x: x.entity != Entity.CASE):  # the case before its papers
        if sh.row is not None:
            write_row(s, sh.entity, sh.row)
            repo.drop_shadow(sh.entity, sh.entity_id)
            written += 1
    return written


def take(s: Session, scope: str, changes: list[Change], held: set[str],
         kept: set[tuple[str, str]] | None = None) -> int:
    """Apply server rows: written locally, or kept aside for records in ``held``. ``kept``: the
    rows of ``changes`` that have a kept server version (looked up when not given). Returns
    rows written."""
    repo = SyncRepository(s)
    written = 0
    by_owner: dict[str, list[Change]] = defaultdict(list)
    if kept is None:
        kept = repo.shadowed((c.entity, c.id) for c in changes if c.entity in WORK)
    for c in changes:
        owner = owner_of(c.entity, c.id, c.row)
        if owner is not None and owner in held:
            by_owner[owner].append(c)
            continue
        write_row(s, c.entity, c.row)
        if (c.entity, c.id) in kept:
            repo.drop_shadow(c.entity, c.id)
        written += 1
    for owner, rows in by_owner.items():
        hold(s, scope, owner, rows, complete=False)
    return written


def echo_rows(entity: str | None, entity_id: str, row: dict[str, Any] | None,
              related: Iterable[Change]) -> list[Change]:
    """The rows of a push answer that belong to the op's record (a number clash can also echo a
    notice of another case: that one is not ours to keep)."""
    out = [Change(entity, entity_id, row)] if entity and row is not None else []
    out += [r for r in related if r.entity in WORK and owner_of(r.entity, r.id, r.row) == entity_id]
    return out
