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
from app.sync.rows import ENTITIES, case_mapping_row, column_values, mapping_row
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
    obj = s.get(model, ident)
    if obj is None:
        obj = model(**values)
        s.add(obj)
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


Shaped = dict[tuple[str, str], dict[str, Any]]  # (entity, id) -> the row as it now reads locally


def write_rows(s: Session, changes: list[Change], *, shaped: bool = False) -> Shaped:
    """``write_row`` for many rows, set-based: per table, one query for the rows already here,
    one executemany INSERT of the new ones and UPDATEs of the changed columns of the others (the
    last version of a row in ``changes`` is the one written); the cases' materials likewise.
    Plain INSERT and UPDATE, never an upsert: the ledger's index triggers rely on INSERT OR IGNORE,
    which an outer ON CONFLICT clause would override. Parameters and matters (a few reference
    rows) go through ``write_row``. ``shaped``: return the rows written through executemany as
    they now read here (app.sync.rows shapes), for the running checksum of a pull."""
    final: dict[tuple[str, str], Change] = {}
    for c in changes:
        final.pop((c.entity, c.id), None)
        final[(c.entity, c.id)] = c
    by_entity: dict[str, list[Change]] = defaultdict(list)
    for c in final.values():
        if c.entity in (Entity.PARAMETER, Entity.MATTER):
            write_row(s, c.entity, c.row)
        else:
            by_entity[c.entity].append(c)
    s.flush()  # what went through the ORM before these statements
    repo = SyncRepository(s)
    out: Shaped = {}
    for entity, rows in by_entity.items():
        model, key = ENTITIES[entity]
        table = model.__table__
        assert isinstance(table, Table)
        values = [column_values(table, c.row) for c in rows]
        _write_table(repo, table, key, values)
        if entity == Entity.CASE:
            _write_materials(repo, rows)
        if shaped:
            out.update(_shapes(entity, table, rows, values))
    for c in changes:
        if c.entity in NUMBERED:
            skip_used(s, str(c.row["number"]))
    return out


def _shapes(entity: str, table: Table, rows: list[Change], values: list[dict[str, Any]]) -> Shaped:
    """The rows as reading them back would shape them (app.sync.verify hashes these)."""
    if entity != Entity.CASE:
        return {(entity, c.id): mapping_row(table, v) for c, v in zip(rows, values, strict=True)}
    material = CaseMaterial.__table__
    return {(entity, c.id): case_mapping_row(v, sorted((column_values(material, m) for m in c.row["materials"]),
                                                       key=lambda m: m["seq"]))
            for c, v in zip(rows, values, strict=True)}


def _write_table(repo: SyncRepository, table: Table, key: str, rows: list[dict[str, Any]]) -> None:
    here = {r[key]: r for r in repo.table_rows(table, {}, key, [r[key] for r in rows])}
    added: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for values in rows:
        old = here.get(values[key])
        if old is None:
            added.append(values)
            continue
        diff = {k: v for k, v in values.items() if k != key and old[k] != v}
        if diff:
            changed.append({**diff, "b_key": values[key]})
    for group in _same_keys(added):
        repo.insert(table, group)
    for group in _same_keys(changed):
        repo.update_by_key(table, key, group)


def _write_materials(repo: SyncRepository, cases: list[Change]) -> None:
    """The materials of these case rows as they embed them: matched to the local ones by seq
    (their ids stay), new ones added, the ones no longer listed removed."""
    table = CaseMaterial.__table__
    assert isinstance(table, Table)
    held = repo.case_materials([c.id for c in cases])
    added: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    gone: list[str] = []
    for c in cases:
        local = held.get(c.id, [])
        by_seq = {m["seq"]: m for m in local}
        for m in c.row["materials"]:
            values = {k: v for k, v in column_values(table, m).items() if k not in ("id", "case_id")}
            mine = by_seq.get(m["seq"])
            if mine is None:
                added.append({**values, "id": uuid7(), "case_id": c.id})
            else:
                diff = {k: v for k, v in values.items() if mine[k] != v}
                if diff:
                    changed.append({**diff, "b_key": mine["id"]})
        keep = {m["seq"] for m in c.row["materials"]}
        gone += [m["id"] for m in local if m["seq"] not in keep]
    repo.delete_ids(table, gone)
    for group in _same_keys(changed):
        repo.update_by_key(table, "id", group)
    for group in _same_keys(added):
        repo.insert(table, group)


def _same_keys(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Rows grouped by the keys they give (one executemany needs the same columns in each)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[tuple(sorted(r))].append(r)
    return list(groups.values())


# -- records held back ---------------------------------------------------------------------------


def _older(entity: str, row: dict[str, Any], than: dict[str, Any] | None) -> bool:
    """A case row with a lower version than one already held (an answer stored earlier and
    replayed): never taken over a newer one. Other rows are append-only or only move forward."""
    return entity == Entity.CASE and than is not None and int(row["version"]) < int(than["version"])


def hold(s: Session, scope: str, owner: str, server_rows: Iterable[Change], *, complete: bool) -> None:
    """Keep the server's versions of ``owner``'s rows aside. ``complete``: the rows are the whole
    record as the server holds it (a push answer), so a local row missing from them is marked as
    one the server does not have (row None); a pulled page is only part of it."""
    hold_all(s, scope, [(owner, list(server_rows))], complete=complete)


def hold_all(s: Session, scope: str, records: list[tuple[str, list[Change]]], *, complete: bool) -> None:
    """``hold`` for many records in order, set-based: the kept versions and the records' local
    rows read with a few IN lists, the new kept versions written with one executemany."""
    if not records:
        return
    repo = SyncRepository(s)
    s.flush()
    owners = [o for o, _ in records]
    kept: dict[str, dict[tuple[str, str], Any]] = defaultdict(dict)
    for owner_id, entity, entity_id, row in repo.shadows_of(owners):
        kept[owner_id][(entity, entity_id)] = row
    keys = repo.records_keys(owners) if complete else {}
    puts: dict[tuple[str, str], dict[str, Any]] = {}
    for owner, rows in records:
        mine = kept[owner]
        for c in rows:
            if not _older(c.entity, c.row, mine.get((c.entity, c.id))):
                puts[(c.entity, c.id)] = _shadow(c.entity, c.id, owner, scope, c.row)
                mine[(c.entity, c.id)] = c.row
        for key in keys.get(owner, []):
            if key not in mine:
                puts[key] = _shadow(*key, owner, scope, None)
                mine[key] = None
    repo.put_shadows(list(puts.values()))


def _shadow(entity: str, entity_id: str, owner: str, scope: str, row: dict[str, Any] | None) -> dict[str, Any]:
    return {"entity": entity, "entity_id": entity_id, "owner_id": owner, "scope": scope, "row": row}


def adopt(s: Session, scope: str, owner: str, rows: list[Change], *, held: bool, shadowed: bool) -> None:
    """The rows a push answer echoed for ``owner``'s record: kept aside while the record is
    held back; otherwise taken over where they are new here or (a case) not older than the local
    row — a replayed answer may be older than what a pull brought since; pulls bring the rest.
    A reference row among them (the staff row of a ``staff.set_roles`` answered conflict) has no
    owner and is written as the server has it, never kept aside under the work scope."""
    adopt_all(s, scope, [(owner, rows)], {owner} if held else set(), {owner} if shadowed else set())


def adopt_all(s: Session, scope: str, answers: list[tuple[str, list[Change]]], held: set[str],
              shadowed: set[str]) -> None:
    """``adopt`` for every answer of a push batch, in client_seq order, set-based: the records held
    back are kept aside together (``hold_all``), the others taken over with one presence query
    and one write per table (``write_rows``), and the kept versions of those that had some
    released together (``release_all``)."""
    repo = SyncRepository(s)
    taken: list[Change] = []
    kept: list[tuple[str, list[Change]]] = []
    released: list[str] = []
    for owner, rows in answers:
        for c in rows:
            if owner_of(c.entity, c.id, c.row) is None:
                write_row(s, c.entity, c.row)
        rows = [c for c in rows if owner_of(c.entity, c.id, c.row) is not None]
        if owner in held:
            kept.append((owner, rows))
            continue
        taken += rows
        if owner in shadowed:  # the server has these rows: no kept version or mark of them is needed
            released.append(owner)
            repo.drop_shadows({(c.entity, c.id) for c in rows})
    _take_over(s, taken)
    release_all(s, released)
    hold_all(s, scope, kept, complete=True)


def _take_over(s: Session, rows: list[Change]) -> None:
    """Write the echoed rows that are new here, and the case rows not older than the local ones
    (in order: a later echo of the same row is weighed against the earlier one taken)."""
    s.flush()
    repo = SyncRepository(s)
    ids: dict[str, list[str]] = defaultdict(list)
    for c in rows:
        ids[c.entity].append(c.id)
    here: dict[tuple[str, str], int] = {}
    for entity, wanted in ids.items():
        if entity == Entity.CASE:
            here.update({(entity, i): v for i, v in repo.case_versions(wanted).items()})
        else:
            here.update({(entity, i): 0 for i in repo.ids_in(ENTITIES[entity][0].id, wanted)})  # type: ignore[attr-defined]
    written: list[Change] = []
    for c in rows:
        key = (c.entity, c.id)
        if key not in here or (c.entity == Entity.CASE and int(c.row["version"]) >= here[key]):
            written.append(c)
            here[key] = int(c.row["version"]) if c.entity == Entity.CASE else 0
    write_rows(s, written)


def release(s: Session, owner: str) -> int:
    """Take over the kept server versions of ``owner``'s rows (nothing holds it back any more);
    rows the server has no version of stay as they are, still marked. Returns rows written."""
    return release_all(s, [owner])


def release_all(s: Session, owners: list[str]) -> int:
    """``release`` for many records at once (one read of their kept versions, ``write_rows``)."""
    if not owners:
        return 0
    s.flush()
    repo = SyncRepository(s)
    kept = [(e, i, row) for _, e, i, row in repo.shadows_of(owners) if row is not None]
    kept.sort(key=lambda k: k[0] != Entity.CASE)  # the case before its papers
    write_rows(s, [Change(e, i, row) for e, i, row in kept])
    repo.drop_shadows({(e, i) for e, i, _ in kept})
    return len(kept)


def take(s: Session, scope: str, changes: list[Change], held: set[str],
         kept: set[tuple[str, str]] | None = None) -> Shaped:
    """Apply server rows: written locally (``write_rows``), or kept aside for records in ``held``.
    ``kept``: the rows of ``changes`` that have a kept server version (looked up when not given).
    Returns what ``write_rows`` returns."""
    repo = SyncRepository(s)
    by_owner: dict[str, list[Change]] = defaultdict(list)
    if kept is None:
        kept = repo.shadowed((c.entity, c.id) for c in changes if c.entity in WORK)
    written: list[Change] = []
    for c in changes:
        owner = owner_of(c.entity, c.id, c.row)
        if owner is not None and owner in held:
            by_owner[owner].append(c)
        else:
            written.append(c)
    shaped = write_rows(s, written, shaped=True)
    repo.drop_shadows({(c.entity, c.id) for c in written if (c.entity, c.id) in kept})
    hold_all(s, scope, list(by_owner.items()), complete=False)
    return shaped


def echo_rows(entity: str | None, entity_id: str, row: dict[str, Any] | None,
              related: Iterable[Change]) -> list[Change]:
    """The rows of a push answer that belong to the op's record (a number clash can also echo a
    notice of another case: that one is not ours to keep)."""
    out = [Change(entity, entity_id, row)] if entity and row is not None else []
    out += [r for r in related if r.entity in WORK and owner_of(r.entity, r.id, r.row) == entity_id]
    return out
