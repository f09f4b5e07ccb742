"""The end-of-scenario checks: read every counter's SQLite file and the server's database (never
through the sync engine) and say, in plain sentences, what does not agree.

What is checked (docs/fault-harness.md):
1. every counter's copy of the hall's work (cases, notices, enquiries, suspensions) equals the
   server's, row by row and field by field (rows as they travel: app.sync.rows);
2. every action a counter process reported as committed (``COMMIT`` lines) is on the server, at
   least at the version it reported -- nothing lost;
3. no case number, notice number or query code is held by two records anywhere, and no paper is
   issued twice for a case -- no duplicates; no voided number (作废号登记) is ever carried by a paper
   that is not void, on the server or on any counter, and every voided paper is in the register;
4. nothing is left pending or quarantined on any counter, and every operation a counter holds as
   acknowledged is in the server's inbox under its client_seq, exactly once per op id;
   (a ``staff.set_roles`` answered conflict/state_mismatch -- another counter changed the roles
   first -- is the one legitimate quarantine, when the server's row it names really differs);
5. the checksum of the hall scope the server keeps equals the checksum recomputed from its rows
   and from every counter's rows, and the one each counter's engine verifies the scope by (rows
   kept aside counted as the server's: app.sync.verify.local_checksum);
6. every counter's staff rows (roles included) equal the server's, and the server's checksum of
   the hall's staff scope equals that of its rows, of every counter's, and of each engine's view;
7. the server's role changes (staff_role_change) are exactly the staff.set_roles ops the counters
   hold as applied, one each, with the roles the op named, and they chain: each starts from the
   roles the one before left, and the last left the roles the staff row holds;
8. ratings (好差评): at most one rated row (level set) per case, on the server and on every counter
   (their rating / follow-up / appeal / 互评 rows are compared with the rest of the hall scope in 1
   and 5); 互评 anonymity: no row of any table, on the server or a counter, holds a ballot's key or
   scores outside the server's ballot box, no box row names its rater and the box's columns are
   exactly round_id, ratee_id, ballot_key, scores; every queued ``peer.ballot`` has no actor, no
   audit event, and a payload of round_id and a token only the server's key opens;
9. encrypted at rest (runs with encrypted stores, the default): every file of a counter's store --
   the data file, its -wal / -journal / -shm, and any backup or other copy of it in the data folder
   -- does not open with plain sqlite3 (a data file or backup) and holds, as raw bytes, neither the
   UTF-8 name of anyone on the hall's staff (张敏 ...) nor any ID number typed in the scenario
   (applicants', recipients': every 18-character resident ID in the server's or a counter's rows),
   nor a plain SQLite page 1 (the header "SQLite format 3"). The files are read as the counters
   left them, before the other checks open the stores.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from app.peer import keys, policy, seal
from app.permissions import format_roles
from app.sync.checksum import scope_checksum
from app.sync.protocol import (
    APPRAISAL_ITEM_DECIDE,
    FOLLOWUP_CALLBACK,
    FOLLOWUP_CLOSE,
    FOLLOWUP_RECTIFY,
    FOLLOWUP_VERIFY,
    PEER_BALLOT,
    PEER_CLOSE,
    PEER_TURNOUT,
    RATING_APPEAL_DECIDE,
    STAFF_SET_ROLES,
    Code,
    OpStatus,
    hall_ref_scope,
    hall_scope,
)
from app.sync.rows import ENTITIES, entity_row
from app.sync.verify import APPRAISAL_ENTITIES, ATTENDANCE_ENTITIES, RATING_ENTITIES, local_checksum
from db.engine import create_sqlite_engine
from db.models import AuditEvent, Case, Enquiry, Notice, OutboxOp, Staff, Suspension, VoidNumber

Key = tuple[str, str]  # (entity, id)
Rows = dict[Key, dict[str, Any]]


def hall_rows(s: Session, hall_id: str) -> Rows:
    """The hall scope's rows (cases, notices, enquiries, suspensions) as the protocol ships them."""
    rows: Rows = {}
    for case in s.scalars(select(Case).where(Case.hall_id == hall_id)):
        rows[("case", case.id)] = entity_row("case", case)
    for notice in s.scalars(select(Notice).join(Case, Notice.case_id == Case.id).where(Case.hall_id == hall_id)):
        rows[("notice", notice.id)] = entity_row("notice", notice)
    for susp in s.scalars(select(Suspension).join(Case, Suspension.case_id == Case.id).where(Case.hall_id == hall_id)):
        rows[("suspension", susp.id)] = entity_row("suspension", susp)
    for enquiry in s.scalars(select(Enquiry).where(Enquiry.hall_id == hall_id)):
        rows[("enquiry", enquiry.id)] = entity_row("enquiry", enquiry)
    for void in s.scalars(select(VoidNumber).where(VoidNumber.hall_id == hall_id)):
        rows[("void_number", void.id)] = entity_row("void_number", void)
    # schedules, punches, imports, leave, 补签, 空岗, 查岗, months; ratings, 差评整改, appeals, 互评
    # rounds / turnout / results (app.sync.verify counts the same in the hall scope's checksum)
    for entity in (*ATTENDANCE_ENTITIES, *RATING_ENTITIES, *APPRAISAL_ENTITIES):
        model: Any = ENTITIES[entity][0]
        for row in s.scalars(select(model).where(model.hall_id == hall_id)):
            rows[(entity.value, row.id)] = entity_row(entity, row)
    return rows


def staff_rows(s: Session, hall_id: str) -> Rows:
    """The hall's staff scope (reference data: every staff row, roles included) as pulled."""
    return {("staff", p.id): entity_row("staff", p) for p in s.scalars(select(Staff).where(Staff.hall_id == hall_id))}


@dataclass(frozen=True)
class Op:
    client_seq: int
    op_id: str
    kind: str
    entity_id: str
    status: str
    result: str | None
    acked_epoch: str | None
    code: str | None = None  # the server's code of a non-applied answer
    payload: Mapping[str, Any] = field(default_factory=dict)
    server_row: Mapping[str, Any] | None = None  # the row the server's answer named
    actor_id: str | None = None


@dataclass(frozen=True)
class RoleChange:
    op_id: str | None
    staff_id: str
    before: str
    after: str
    at: str  # effective_at, ISO
    id: str


@dataclass
class StoreView:
    name: str
    rows: Rows
    ops: list[Op]
    staff: Rows = field(default_factory=dict)
    # the checksum the counter's engine verifies a scope by (app.sync.verify: rows kept aside for
    # held-back records count as the server's version): "hall", "staff"
    engine: dict[str, str] = field(default_factory=dict)
    # every row of every table (read only when the store took part in 互评: the anonymity check, 8)
    tables: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    ballot_audits: int = 0  # audit events of peer.ballot ops (there must be none)


@dataclass
class ServerView:
    rows: Rows
    inbox: list[tuple[str, int, str, str]]  # client_id, client_seq, op_id, status
    checksum: str
    row_count: int
    epoch: str
    staff: Rows = field(default_factory=dict)
    staff_checksum: str = "0" * 16  # the checksum of no rows
    staff_count: int = 0
    role_changes: list[RoleChange] = field(default_factory=list)
    # 互评: the ballot box (peer_ballot rows as dicts, its column names), the key ballots are sealed
    # to, and every row of every table (read only when there is a round with turnout or ballots)
    ballots: list[dict[str, Any]] = field(default_factory=list)
    ballot_columns: tuple[str, ...] = ()
    ballot_private_key: str | None = None
    tables: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)


def _every_row(s: Session, tables: Iterable[str]) -> list[tuple[str, tuple[Any, ...]]]:
    return [(table, tuple(row)) for table in tables for row in s.execute(text(f'SELECT * FROM "{table}"'))]


def read_store(name: str, path: Path, hall_id: str, key: bytes | None = None) -> StoreView:
    """A counter's store as it is (``key``: an encrypted store's, read through SQLCipher)."""
    engine = create_sqlite_engine(path, key)
    try:
        with Session(engine) as s:
            ops = [Op(o.client_seq, o.op_id, o.kind, o.entity_id, o.status, o.result, o.acked_epoch,
                      _reply(o.server_reply, "code"), dict(o.payload or {}), _reply(o.server_reply, "row"), o.actor_id)
                   for o in s.scalars(select(OutboxOp).order_by(OutboxOp.client_seq))]
            seen = {"hall": local_checksum(s, hall_scope(hall_id), hall_id),
                    "staff": local_checksum(s, hall_ref_scope(hall_id, "staff"), hall_id)}
            view = StoreView(name, hall_rows(s, hall_id), ops, staff_rows(s, hall_id), seen)
            if any(e == "peer_turnout" for e, _ in view.rows) or any(o.kind == PEER_BALLOT for o in ops):
                names = s.scalars(text("SELECT name FROM sqlite_master WHERE type = 'table'")).all()
                view.tables = _every_row(s, names)
                view.ballot_audits = len(s.scalars(select(AuditEvent.id).where(AuditEvent.action == PEER_BALLOT)).all())
            return view
    finally:
        engine.dispose()


def read_server(url: str, hall_id: str) -> ServerView:
    from server.engine import ServerDatabase
    from server.meta import current_epoch
    from server.schema import BallotBoxKey, InboxOp, PeerBallot, ScopeCounter, StaffRoleChange

    db = ServerDatabase(url)
    try:
        with db.snapshot() as s:
            inbox = [(i.client_id, i.client_seq, i.op_id, i.status) for i in s.scalars(select(InboxOp))]
            counter = s.get(ScopeCounter, hall_scope(hall_id))
            staff = s.get(ScopeCounter, hall_ref_scope(hall_id, "staff"))
            changes = [RoleChange(c.op_id, c.staff_id, c.roles_before, c.roles_after, c.effective_at.isoformat(), c.id)
                       for c in s.scalars(select(StaffRoleChange))]
            view = ServerView(hall_rows(s, hall_id), inbox, counter.checksum if counter else "0" * 16,
                              counter.row_count if counter else 0, current_epoch(s), staff_rows(s, hall_id),
                              staff.checksum if staff else "0" * 16, staff.row_count if staff else 0, changes)
            box = s.execute(select(PeerBallot.__table__))
            view.ballot_columns = tuple(box.keys())
            view.ballots = [dict(r._mapping) for r in box]
            key = s.get(BallotBoxKey, "current")
            view.ballot_private_key = key.private_key if key else None
            if view.ballots or any(e == "peer_turnout" for e, _ in view.rows):
                view.tables = _every_row(s, inspect(s.get_bind()).get_table_names())
            return view
    finally:
        db.dispose()


def _reply(reply: Any, key: str) -> Any:
    return reply.get(key) if isinstance(reply, dict) else None


def commits(lines: Iterable[str]) -> list[dict[str, Any]]:
    """The ``COMMIT`` records a counter process printed (a torn last line is ignored)."""
    out = []
    for line in lines:
        if line.startswith("COMMIT "):
            try:
                out.append(json.loads(line[7:]))
            except json.JSONDecodeError:
                continue
    return out


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        if len(self.problems) < 60:
            self.problems.append(text)

    @property
    def ok(self) -> bool:
        return not self.problems


def _diff(a: Mapping[str, Any], b: Mapping[str, Any]) -> str:
    keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    return "; ".join(f"{k}: {a.get(k)!r} != {b.get(k)!r}" for k in keys[:4])


ENTITY_OF_STEP = {APPRAISAL_ITEM_DECIDE: "appraisal_item", RATING_APPEAL_DECIDE: "rating_appeal"}


def unconfirmed(st: StoreView, server: ServerView) -> set[Key]:
    """Rows a counter legitimately keeps as its own while their op waits in its quarantine list: a 差评
    follow-up step (or an approval) that lost a race with another PC's step (conflict/state_mismatch,
    the server's row kept aside), or one made here after a server restore, answered case_unknown because
    the record it follows had not been pushed again yet by the PC that made it (the server holds it
    now). The local rows stay, as for every quarantined op, until a person settles it
    (docs/sync-protocol.md, section 10, point 5)."""
    out: set[Key] = set()
    for op in st.ops:
        if (op.kind in FOLLOWUP_STEPS or op.kind in ENTITY_OF_STEP) and op.status == "quarantined" \
                and op.code in (Code.CASE_UNKNOWN, Code.STATE_MISMATCH) and _legitimate_conflict(op, server):
            out.add((ENTITY_OF_STEP.get(op.kind, "rating_followup"), op.entity_id))
    return out


def check_copies(server: ServerView, stores: list[StoreView], f: Findings) -> None:
    """1: each counter's copy of the hall equals the server's (but for its unconfirmed rows)."""
    for st in stores:
        missing = sorted(set(server.rows) - set(st.rows))
        extra = sorted(set(st.rows) - set(server.rows))
        for entity, rid in extra:
            f.add(f"{st.name}: {entity} {rid} {_label(st.rows[(entity, rid)])} is not on the server (lost)")
        for entity, rid in missing:
            f.add(f"{st.name}: lacks the server's {entity} {rid} {_label(server.rows[(entity, rid)])}")
        waiting = unconfirmed(st, server)
        for key in sorted(set(st.rows) & set(server.rows)):
            if st.rows[key] != server.rows[key] and key not in waiting:
                f.add(f"{st.name}: {key[0]} {key[1]} differs from the server: {_diff(st.rows[key], server.rows[key])}")


def _label(row: Mapping[str, Any]) -> str:
    return str(row.get("number") or row.get("topic") or row.get("reason") or "")[:40]


def check_commits(server: ServerView, committed: Mapping[str, list[dict[str, Any]]], f: Findings,
                  excused: frozenset[str] = frozenset()) -> None:
    """2: every action reported committed is on the server (``excused``: ids of records whose op
    ended a legitimate conflict, _legitimate_conflict)."""
    numbers = {r["number"] for (e, _), r in server.rows.items() if e == "notice"}
    voided = {r["number"] for (e, _), r in server.rows.items() if e == "void_number"}
    for name, records in committed.items():
        for c in records:
            if "case_id" not in c:
                _check_other_commit(server, name, c, f, excused)
                continue
            row = server.rows.get(("case", c["case_id"]))
            if row is None:
                f.add(f"{name}: committed {c['action']} of case {c['number']} ({c['case_id']}) is not on the server")
                continue
            if int(row["version"]) < int(c["version"]):
                f.add(f"{name}: committed {c['action']} of case {c['number']} (version {c['version']}) is lost: "
                      f"server has version {row['version']} ({row['status']})")
            for number in c.get("notices", []):
                if number not in numbers:
                    f.add(f"{name}: notice {number} of case {c['number']} is not on the server (lost)")
            if c.get("voided") and c["voided"] not in voided:
                f.add(f"{name}: voided number {c['voided']} of case {c['number']} is not in the server's register")


def _check_other_commit(server: ServerView, name: str, c: Mapping[str, Any], f: Findings,
                        excused: frozenset[str]) -> None:
    """2, for what is not a case's action: an enquiry, a skipped number voided (number.void); a role
    change (staff.set_roles) may end applied or as a legitimate conflict (check_outboxes, 7)."""
    if "enquiry_id" in c:
        if ("enquiry", c["enquiry_id"]) not in server.rows:
            f.add(f"{name}: committed enquiry {c['enquiry_id']} is not on the server (lost)")
    elif "void_id" in c:
        row = server.rows.get(("void_number", c["void_id"]))
        if row is None or row["number"] != c["voided"]:
            f.add(f"{name}: voided number {c['voided']} ({c['void_id']}) is not in the server's register (lost)")
    elif "rating_id" in c or "followup_id" in c or "round_id" in c or "appeal_id" in c:
        _check_rating_commit(server, name, c, f, excused)
    elif "appraisal_row" in c or "published_version" in c or c.get("action") == "appraisal_quota":
        _check_appraisal_commit(server, name, c, f, excused)
    else:
        _check_attendance_commit(server, name, c, f)


def _check_rating_commit(server: ServerView, name: str, c: Mapping[str, Any], f: Findings,
                         excused: frozenset[str]) -> None:
    """2, for 好差评 / 差评整改 / 互评: the rating (its level, its follow-up), a follow-up step at
    least at its version, a round opened, a vote's turnout at least at its version -- unless the
    op of that record ended a legitimate conflict here (``excused``: check_outboxes judges it)."""
    if "rating_id" in c:
        row = server.rows.get(("rating", c["rating_id"]))
        if row is None:
            f.add(f"{name}: committed rating {c['rating_id']} of case {c['rated_case']} is not on the server (lost)")
        elif row["level"] != c["level"]:
            f.add(f"{name}: rating {c['rating_id']} has level {row['level']!r} on the server, {c['level']!r} here")
        if c.get("followup_id") and ("rating_followup", c["followup_id"]) not in server.rows:
            f.add(f"{name}: the follow-up {c['followup_id']} of 差评 {c['rating_id']} is not on the server (lost)")
        return
    entity, rid = ("rating_followup", c["followup_id"]) if "followup_id" in c else (
        ("rating_appeal", c["appeal_id"]) if "appeal_id" in c else
        ("peer_turnout", c["turnout_id"]) if "turnout_id" in c else ("peer_round", c["round_id"]))
    row = server.rows.get((entity, rid))
    if rid in excused:
        return
    if row is None:
        f.add(f"{name}: committed {c['action']} ({entity} {rid}) is not on the server (lost)")
    elif "version" in c and int(row["version"]) < int(c["version"]):
        f.add(f"{name}: committed {c['action']} of {entity} {rid} (version {c['version']}) is lost: "
              f"server has version {row['version']}")


def _check_appraisal_commit(server: ServerView, name: str, c: Mapping[str, Any], f: Findings,
                            excused: frozenset[str]) -> None:
    """2, for 量化考核: the 表扬信/锦旗, item, comment it created (an item decided: at least at that
    version, unless another PC decided it first: excused), the month published at least to that
    version, the quota raised."""
    if "appraisal_row" in c:
        entity, rid = c["appraisal_row"]
        row = server.rows.get((entity, rid))
        if rid in excused:
            return
        if row is None:
            f.add(f"{name}: committed {c['action']} ({entity} {rid}) is not on the server (lost)")
        elif "version" in c and int(row["version"]) < int(c["version"]):
            f.add(f"{name}: committed {c['action']} of {entity} {rid} (version {c['version']}) is lost: "
                  f"server has version {row['version']}")
    elif "published_version" in c:
        versions = [int(r["version"]) for (e, _), r in server.rows.items()
                    if e == "appraisal_month" and r["month"] == c["month"]]
        if max(versions, default=0) < int(c["published_version"]):
            f.add(f"{name}: published {c['month']} version {c['published_version']} is lost: server has {versions}")
    elif not any(e == "appraisal_quota" for e, _ in server.rows):
        f.add(f"{name}: the quota raised is not on the server (lost)")


def _check_attendance_commit(server: ServerView, name: str, c: Mapping[str, Any], f: Findings) -> None:
    """2, for attendance: a punch, the attendance machine's import, a leave asked for or decided."""
    if "punch_id" in c:  # append-only
        if ("punch", c["punch_id"]) not in server.rows:
            f.add(f"{name}: committed punch {c['punch_id']} is not on the server (lost)")
    elif "import_id" in c:  # the attendance machine's day: the import and each punch it brought
        if ("attendance_import", c["import_id"]) not in server.rows:
            f.add(f"{name}: committed import {c['import_id']} is not on the server (lost)")
        for pid in c.get("punch_ids", []):
            if ("punch", pid) not in server.rows:
                f.add(f"{name}: punch {pid} of import {c['import_id']} is not on the server (lost)")
    elif "leave_id" in c:  # asked for (version 1) or decided (version 2; a legitimate refusal: check 4)
        row = server.rows.get(("leave_request", c["leave_id"]))
        if row is None:
            f.add(f"{name}: committed leave request {c['leave_id']} is not on the server (lost)")


def check_unique(server: ServerView, stores: list[StoreView], f: Findings) -> None:
    """3: numbers and query codes name one record each, across the server and every counter."""
    for entity, column in (("case", "number"), ("case", "query_code"), ("notice", "number"),
                           ("void_number", "number")):
        holders: dict[str, set[str]] = defaultdict(set)
        for rows in [server.rows, *(st.rows for st in stores)]:
            for (e, rid), row in rows.items():
                if e == entity:
                    holders[str(row[column])].add(rid)
        for value, ids in sorted(holders.items()):
            if len(ids) > 1:
                f.add(f"duplicate {entity} {column} {value}: held by {len(ids)} records {sorted(ids)}")
    for where, rows in [("server", server.rows), *((st.name, st.rows) for st in stores)]:
        _check_punch_keys(where, rows, f)
        _check_one_rating(where, rows, f)


def _check_one_rating(where: str, rows: Rows, f: Findings) -> None:
    """3: a case (or enquiry) is rated once, whatever the channel: at most one row with a level."""
    rated: dict[str, list[str]] = defaultdict(list)
    for (e, rid), row in rows.items():
        if e == "rating" and row["level"] is not None:
            rated[str(row["case_id"])].append(rid)
    for case_id, ids in sorted(rated.items()):
        if len(ids) > 1:
            f.add(f"{where}: case {case_id} has {len(ids)} rated rows (一次一评) {sorted(ids)}")


def _check_punch_keys(where: str, rows: Rows, f: Findings) -> None:
    """3: a punch is recorded once: one row per natural key (staff, device, time)."""
    punches: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for (e, rid), row in rows.items():
        if e == "punch":
            punches[(str(row["staff_id"]), str(row["device_id"]), str(row["at"]))].append(rid)
    for key, ids in sorted(punches.items()):
        if len(ids) > 1:
            f.add(f"{where}: punch {key} recorded {len(ids)} times {sorted(ids)}")


def check_voids(server: ServerView, stores: list[StoreView], f: Findings) -> None:
    """3c: a number voided anywhere (作废号登记) is never carried by a paper that is not void, on the
    server or on any counter; every paper marked void is in the register of the store holding it."""
    views = [("server", server.rows), *((st.name, st.rows) for st in stores)]
    voided: dict[str, str] = {}
    for where, rows in views:
        for (e, _), r in rows.items():
            if e == "void_number":
                voided.setdefault(str(r["number"]), where)
    for where, rows in views:
        registered = {str(r["notice_id"]) for (e, _), r in rows.items() if e == "void_number" and r["notice_id"]}
        skipped = {str(r["number"]) for (e, _), r in rows.items() if e == "void_number" and not r["notice_id"]}
        for (e, rid), r in rows.items():
            if e != "notice":
                continue
            if r["number"] in skipped:  # voided as a number no paper carries (number.void, 跳号)
                f.add(f"{where}: notice {r['number']} ({rid}) carries a number voided as skipped (no paper)")
            if not r["void"] and r["number"] in voided:
                f.add(f"{where}: notice {r['number']} ({rid}) is issued although the number was voided "
                      f"(register of {voided[r['number']]})")
            if r["void"] and rid not in registered:
                f.add(f"{where}: notice {r['number']} is void but not in the void-number register")


ONE_PER_CASE = ("receipt", "acceptance", "deferred", "rejection", "completion", "pickup")


def check_papers(server: ServerView, f: Findings) -> None:
    """3b: no paper issued twice: a case has one receipt, and at most one of each decision,
    completion and pickup paper (voided numbers, 作废号, do not count)."""
    count: dict[tuple[str, str], int] = defaultdict(int)
    voided: set[tuple[str, str]] = set()  # a paper voided and not issued again leaves none
    for (entity, _), row in server.rows.items():
        if entity == "notice" and not row.get("void"):
            count[(str(row["case_id"]), str(row["kind"]))] += 1
        elif entity == "notice":
            voided.add((str(row["case_id"]), str(row["kind"])))
    for (entity, cid), row in server.rows.items():
        if entity != "case":
            continue
        if count[(cid, "receipt")] != 1 and not (count[(cid, "receipt")] == 0 and (cid, "receipt") in voided):
            f.add(f"case {row['number']} has {count[(cid, 'receipt')]} receipts (收件回执)")
        for kind in ONE_PER_CASE[1:]:
            if count[(cid, kind)] > 1:
                f.add(f"case {row['number']} has {count[(cid, kind)]} {kind} notices")


def check_outboxes(server: ServerView, stores: list[StoreView], devices: Mapping[str, str], f: Findings) -> None:
    """4: nothing pending or quarantined; every acknowledged op is in the inbox, once per op id."""
    inbox = {(c, seq): (op, status) for c, seq, op, status in server.inbox}
    per_op: dict[tuple[str, str], int] = defaultdict(int)
    for c, _seq, op, _status in server.inbox:
        per_op[(c, op)] += 1
    for (client, op), n in per_op.items():
        if n > 1:
            f.add(f"server inbox holds op {op} of device {client[:8]} {n} times")
    for st in stores:
        for op in st.ops:
            _check_op(st.name, op, inbox.get((devices[st.name], op.client_seq)), server, f)


def _check_op(name: str, op: Op, stored: tuple[str, str] | None, server: ServerView, f: Findings) -> None:
    """4, for one op of a counter; ``stored``: (op id, status) the server's inbox holds under its client_seq."""
    epoch = server.epoch
    if _legitimate_conflict(op, server):  # answered under this epoch: in the inbox (a restore may have lost it)
        if (stored[0] if stored else None) != op.op_id and (stored is not None or op.acked_epoch == epoch):
            f.add(f"{name}: op #{op.client_seq} {op.kind} answered conflict is not in the server's inbox "
                  f"(#{op.client_seq} holds {stored[0] if stored else 'nothing'})")
    elif op.status not in ("acked", "resolved"):
        f.add(f"{name}: op #{op.client_seq} {op.kind} {op.entity_id} is {op.status} ({op.result or 'no answer'})")
    elif stored is None:
        f.add(f"{name}: acknowledged op #{op.client_seq} {op.kind} is not in the server's inbox "
              f"(acked under epoch {str(op.acked_epoch)[:8]}, server epoch {epoch[:8]})")
    elif stored[0] != op.op_id:
        f.add(f"{name}: server inbox #{op.client_seq} holds op {stored[0]}, the counter's is {op.op_id}")


FOLLOWUP_STEPS = frozenset({FOLLOWUP_VERIFY, FOLLOWUP_RECTIFY, FOLLOWUP_CALLBACK, FOLLOWUP_CLOSE})


def _legitimate_conflict(op: Op, server: ServerView | None = None) -> bool:
    """A role change another counter beat (conflict/state_mismatch): quarantined by design, when
    the server's row it was answered with really held other roles than the op started from. A leave
    approved here while the window's other post holder's leave was approved at another counter (AB岗:
    rejected rule_violation, the server still holding the request pending for the leadership).

    Ratings and 互评 (the supervisor works at every PC on every 差评 of the hall; a round is opened at
    one PC and voted in at the others): a 差评 follow-up step another PC took first, or (after a
    restore) re-pushed before the step it follows -- conflict/state_mismatch answered with the
    server's follow-up at another version than the op started from; and, only after a restore,
    which loses rows another counter then pushes again later than this one: a follow-up step
    answered conflict/case_unknown, or a vote (turnout, sealed ballot) rejected unknown_reference,
    while the server holds that follow-up / round now. Nothing else: a rating.record refused is
    always a finding here (a case is rated only at the PC that took it in, and no phone rates), and
    rounds are never closed by the harness, so no ballot may be refused as late."""
    if op.kind in FOLLOWUP_STEPS or op.kind in (RATING_APPEAL_DECIDE, APPRAISAL_ITEM_DECIDE):
        return _lost_step_race(op, server)  # 申诉复核 and a 考核 item's approval race like a follow-up step
    if op.kind == PEER_CLOSE:  # two PCs closed the same round: the second finds it closed
        return (op.status == "quarantined" and op.result == OpStatus.CONFLICT
                and isinstance(op.server_row, Mapping) and op.server_row.get("status") == "closed")
    if op.kind in (PEER_TURNOUT, PEER_BALLOT):
        round_id = op.payload.get("round_id")
        held = server.rows.get(("peer_round", str(round_id))) if server is not None else None
        if (op.status == "quarantined" and op.result == OpStatus.REJECTED and held is not None
                and held.get("status") == "closed"):
            return True  # a vote that reached the server after the business section closed the round: late
        return (op.status == "quarantined" and op.result == OpStatus.REJECTED and op.code == Code.UNKNOWN_REFERENCE
                and server is not None and ("peer_round", str(round_id)) in server.rows)
    if op.kind == "leave.decide":
        return (op.status == "quarantined" and op.result == OpStatus.REJECTED and op.code == Code.RULE_VIOLATION
                and isinstance(op.server_row, Mapping) and op.server_row.get("status") == "pending")
    if op.kind != STAFF_SET_ROLES or op.status != "quarantined" or op.result != OpStatus.CONFLICT \
            or op.code != Code.STATE_MISMATCH or not isinstance(op.server_row, Mapping):
        return False
    return format_roles(str(op.server_row.get("roles", "")).split()) != op.payload.get("roles_before")


def _lost_step_race(op: Op, server: ServerView | None) -> bool:
    """A follow-up step that lost a race with another PC's step (see _legitimate_conflict)."""
    if op.status != "quarantined" or op.result != OpStatus.CONFLICT:
        return False
    if op.code == Code.STATE_MISMATCH:
        return isinstance(op.server_row, Mapping) and op.server_row.get("version") != op.payload.get("from_version")
    entity = {RATING_APPEAL_DECIDE: "rating_appeal", APPRAISAL_ITEM_DECIDE: "appraisal_item"}.get(op.kind,
                                                                                            "rating_followup")
    return op.code == Code.CASE_UNKNOWN and server is not None and (entity, op.entity_id) in server.rows


def check_checksums(server: ServerView, stores: list[StoreView], f: Findings) -> None:
    """5: the server's running checksum is the checksum of its rows, and of every counter's."""
    def checksum(rows: Rows) -> str:
        return scope_checksum((e, i, r) for (e, i), r in rows.items())

    mine = checksum(server.rows)
    if mine != server.checksum or len(server.rows) != server.row_count:
        f.add(f"server hall scope checksum {server.checksum}/{server.row_count} rows, "
              f"but its rows give {mine}/{len(server.rows)}")
    for st in stores:
        waiting = unconfirmed(st, server)
        rows = {k: (server.rows[k] if k in waiting and k in server.rows else v) for k, v in st.rows.items()}
        if checksum(rows) != server.checksum:
            f.add(f"{st.name}: hall checksum {checksum(rows)} != server's {server.checksum}")
        if not waiting:  # the engine counts an unconfirmed row as its own: it pulls the scope again
            _check_engine(st, "hall", server.checksum, f)


def _check_engine(st: StoreView, scope: str, want: str, f: Findings) -> None:
    """5, 6: the counter's engine sees the scope as the server does (it would pull it again from 0
    at every change otherwise, and never verify it)."""
    if scope in st.engine and st.engine[scope] != want:
        f.add(f"{st.name}: the engine's own {scope} checksum {st.engine[scope]} (rows kept aside counted as the "
              f"server's) != server's {want}")


def check_staff(server: ServerView, stores: list[StoreView], f: Findings) -> None:
    """6: every counter's staff rows equal the server's (roles above all), and the staff scope's
    running checksum on the server is the checksum of its rows, and of every counter's."""
    def checksum(rows: Rows) -> str:
        return scope_checksum((e, i, r) for (e, i), r in rows.items())

    mine = checksum(server.staff)
    if mine != server.staff_checksum or len(server.staff) != server.staff_count:
        f.add(f"server staff scope checksum {server.staff_checksum}/{server.staff_count} rows, "
              f"but its rows give {mine}/{len(server.staff)}")
    for st in stores:
        for key in sorted(set(server.staff) | set(st.staff)):
            here, there = st.staff.get(key), server.staff.get(key)
            if here is None or there is None:
                f.add(f"{st.name}: staff {key[1]} is {'missing' if here is None else 'not on the server'}")
            elif here != there:
                f.add(f"{st.name}: staff {there['login']} differs from the server: {_diff(here, there)}")
        if checksum(st.staff) != server.staff_checksum:
            f.add(f"{st.name}: staff checksum {checksum(st.staff)} != server's {server.staff_checksum}")
        _check_engine(st, "staff", server.staff_checksum, f)


def check_role_changes(server: ServerView, stores: list[StoreView], f: Findings) -> None:
    """7: the server's role changes are the staff.set_roles ops the counters hold as applied, one
    per op, as the op named them, and each starts where the one before ended."""
    applied = {op.op_id: (st.name, op) for st in stores for op in st.ops
               if op.kind == STAFF_SET_ROLES and op.status == "acked"}
    seen: dict[str, int] = defaultdict(int)
    for c in server.role_changes:
        seen[str(c.op_id)] += 1
        held = applied.get(str(c.op_id))
        if held is None:
            f.add(f"server role change {c.before!r} -> {c.after!r} of staff {c.staff_id} (op {c.op_id}) is no op "
                  "a counter holds as applied")
            continue
        name, op = held
        want = (op.payload.get("roles_before"), format_roles(op.payload.get("roles") or []), op.entity_id)
        if (c.before, c.after, c.staff_id) != want:
            f.add(f"{name}: role change of op #{op.client_seq} on the server is {c.before!r} -> {c.after!r}, "
                  f"the op named {want[0]!r} -> {want[1]!r}")
    for op_id, n in seen.items():
        if n > 1:
            f.add(f"server holds {n} role changes of op {op_id}")
    for op_id, (name, op) in applied.items():
        if op_id not in seen:
            f.add(f"{name}: staff.set_roles op #{op.client_seq} ({op.result}) left no role change on the server")
    _check_trail(server, f)


def _check_trail(server: ServerView, f: Findings) -> None:
    """7b: per person, each role change starts from the roles the one before left; the last left
    the roles the staff row holds."""
    trail: dict[str, list[RoleChange]] = defaultdict(list)
    for c in server.role_changes:
        trail[c.staff_id].append(c)
    for staff_id, changes in trail.items():
        changes.sort(key=lambda c: (c.at, c.id))
        for a, b in itertools.pairwise(changes):
            if b.before != a.after:
                f.add(f"server role changes of staff {staff_id} do not chain: {a.before!r} -> {a.after!r} "
                      f"then {b.before!r} -> {b.after!r}")
        row = server.staff.get(("staff", staff_id))
        if row is not None and format_roles(str(row["roles"]).split()) != changes[-1].after:
            f.add(f"server staff {row['login']} holds roles {row['roles']!r}, its last change left "
                  f"{changes[-1].after!r}")


# -- 8: 互评 anonymity ------------------------------------------------------------------------------

PASSWORD = "demo1234"  # every demo account's (tests.harness.driver): the checker can derive ballot keys
BOX_COLUMNS = ("round_id", "ratee_id", "ballot_key", "scores")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _walk(value: Any, texts: list[str], dicts: list[dict[str, Any]]) -> None:
    """Every text and every dict in a row, JSON texts opened (ported from tests/sync/test_peer_anonymity.py)."""
    if isinstance(value, str):
        texts.append(value)
        if value[:1] in "{[":
            with contextlib.suppress(ValueError):
                _walk(json.loads(value), [], dicts)
    elif isinstance(value, dict):
        dicts.append(value)
        for k, v in value.items():
            texts.append(str(k))
            _walk(v, texts, dicts)
    elif isinstance(value, list | tuple):
        for v in value:
            _walk(v, texts, dicts)
    elif value is not None:
        texts.append(str(value))


@dataclass
class _Ballots:
    """What names a ballot: every key a rater who turned out can have (derived with the password),
    the score sheets' shape (the rounds' dimension codes), and who each rater is."""
    keys: dict[str, str]  # ballot key -> rater id
    codes: list[frozenset[str]]
    names: dict[str, tuple[str, ...]]  # rater id -> (id, login, name)

    def found(self, row: tuple[Any, ...]) -> tuple[set[str], bool, str]:
        """(raters whose ballot key the row holds, whether it holds a score sheet, its text)."""
        texts: list[str] = []
        dicts: list[dict[str, Any]] = []
        _walk(row, texts, dicts)
        blob = "\u241f".join(texts)
        raters = {self.keys[k] for k in _HEX64.findall(blob) if k in self.keys}
        sheet = any(frozenset(d) in self.codes and all(type(v) is int and 1 <= v <= 5 for v in d.values())
                    for d in dicts if d)
        return raters, sheet, blob

    def named(self, rater: str, blob: str) -> bool:
        return any(x and x in blob for x in self.names.get(rater, (rater,)))


def _ballots(server: ServerView, stores: list[StoreView]) -> _Ballots:
    turnouts = {(str(r["round_id"]), str(r["rater_id"])) for rows in [server.rows, *(st.rows for st in stores)]
                for (e, _), r in rows.items() if e == "peer_turnout"}
    staff = {str(r["id"]): (str(r["id"]), str(r.get("login") or ""), str(r.get("name") or ""))
             for r in server.staff.values()}
    found: dict[str, str] = {}
    for round_id, rater in sorted(turnouts):  # argon2: ~35 ms each
        voter = keys.voter_key(PASSWORD, round_id, rater)
        found.update((keys.ballot_key(voter, round_id, ratee), rater) for ratee in sorted(staff))
    codes = [frozenset(str(d["code"]) for d in r["dimensions"]) for rows in [server.rows, *(st.rows for st in stores)]
             for (e, _), r in rows.items() if e == "peer_round" and isinstance(r.get("dimensions"), list)]
    return _Ballots(found, codes, staff)


def check_anonymity(server: ServerView, stores: list[StoreView], f: Findings) -> None:
    """8: nothing links a ballot to its rater, on the server or any counter (docs/peer-evaluation.md)."""
    if not (server.tables or server.ballots or any(st.tables for st in stores)):
        return  # no vote anywhere
    known = _ballots(server, stores)
    for where, tables, box in [("server", server.tables, "peer_ballot"), *((st.name, st.tables, "") for st in stores)]:
        for table, row in tables:
            raters, sheet, blob = known.found(row)
            if table == box:
                for rater in sorted(r for r in raters if known.named(r, blob)):
                    f.add(f"{where}: a ballot box row names its rater {rater}: {row}")
            elif raters or sheet:
                linked = sorted(r for r in raters if known.named(r, blob))
                f.add(f"{where}: a row of {table} holds a ballot's {'key' if raters else 'scores'} outside the "
                      f"server's ballot box{f', with its rater {linked[0]}' if linked else ''}: {str(row)[:200]}")
    _check_box(server, known, f)
    for st in stores:
        _check_queued_ballots(st, server.ballot_private_key, f)


def _check_box(server: ServerView, known: _Ballots, f: Findings) -> None:
    """8: the box holds round, ratee, key and scores only, and each key is a voter's who turned out."""
    if server.ballot_columns and set(server.ballot_columns) != set(BOX_COLUMNS):
        f.add(f"server ballot box columns are {sorted(server.ballot_columns)}, not exactly {list(BOX_COLUMNS)}")
    for b in server.ballots:
        rater = known.keys.get(str(b.get("ballot_key")))
        if rater is None:
            f.add(f"server ballot box holds a ballot for {b.get('ratee_id')} whose key no voter who turned out has")
        elif rater == b.get("ratee_id"):
            f.add(f"server ballot box holds a ballot of {rater} for themselves")


def _check_queued_ballots(st: StoreView, private_key: str | None, f: Findings) -> None:
    """8: a queued ballot has no actor and no audit event, and its payload is the round and a token
    only the server's key opens (a plaintext or damaged ballot is a finding)."""
    if st.ballot_audits:
        f.add(f"{st.name}: {st.ballot_audits} audit events of peer.ballot ops (a ballot has none)")
    for op in st.ops:
        if op.kind != PEER_BALLOT:
            continue
        if op.actor_id is not None or set(op.payload) != {"round_id", "sealed"}:
            f.add(f"{st.name}: queued ballot #{op.client_seq} carries {sorted(op.payload)} with actor "
                  f"{op.actor_id!r}: only round_id and sealed, no actor")
            continue
        try:
            if private_key is None or not isinstance(op.payload["sealed"], str):
                raise ValueError("nothing to open it with")
            policy.parse_ballot(seal.open_sealed(private_key, op.payload["sealed"]))
        except ValueError:
            f.add(f"{st.name}: queued ballot #{op.client_seq} is not a ballot sealed to the server's key")


# -- 9: encrypted at rest -------------------------------------------------------------------------

_PLAIN_HEADER = b"SQLite format 3\x00"
_RESIDENT_ID = re.compile(r"[0-9]{17}[0-9X]")
_SIDE = ("-wal", "-shm", "-journal")


@dataclass(frozen=True)
class StoreFiles:
    """The files of one counter's store, read as the scenario left them: (path, bytes) each."""
    name: str
    store: Path
    files: tuple[tuple[Path, bytes], ...]


def store_files(name: str, store: Path) -> StoreFiles:
    """Every file in the counter's data folder (and below: backups/) that holds its store or a copy:
    the data file, its -wal / -shm / -journal, a restore's ``….replaced-*``, a migration's
    ``….encrypting*``, and every backup (``counter-desk-*.sqlite3`` and partials). Not the keyring,
    machine.ini or the attendance machine's CSV a driver wrote as its input."""
    from app.backup import PREFIX

    folder = store.parent
    found = sorted(p for p in folder.rglob("*") if p.is_file() and
                   (p.name.startswith(store.name) or p.name.startswith(PREFIX)))
    return StoreFiles(name, store, tuple((p, p.read_bytes()) for p in found))


def _secrets(server: ServerView, stores: Iterable[StoreView]) -> dict[bytes, str]:
    """What must never be in a store file in the clear: staff names and typed ID numbers (bytes -> label)."""
    out: dict[bytes, str] = {}
    for rows in (server.staff, *(st.staff for st in stores)):
        for r in rows.values():
            name = str(r.get("name") or "")
            if len(name) >= 2:
                out[name.encode()] = f"the name of staff {name}"
    for rows in (server.rows, *(st.rows for st in stores)):
        for (entity, _), r in rows.items():
            for column, value in r.items():
                if isinstance(value, str) and len(value) == 18 and _RESIDENT_ID.fullmatch(value):
                    out[value.encode()] = f"the ID number {value} ({entity}.{column})"
    return out


def check_at_rest(files: Iterable[StoreFiles], server: ServerView, stores: list[StoreView], f: Findings) -> None:
    """9: nothing of a counter's store is readable without its key (see the module's text)."""
    from app.store_encryption import is_unlockable_plainly

    wanted = _secrets(server, stores)
    pattern = re.compile(b"|".join(re.escape(n) for n in sorted(wanted, key=len, reverse=True))) if wanted else None
    for st in files:
        if not any(p == st.store for p, _ in st.files):
            f.add(f"{st.name}: no store file {st.store} to check")
        for path, data in st.files:
            where = f"{st.name}: {path.relative_to(st.store.parent)}"
            main = data and not path.name.endswith(_SIDE)
            if main and is_unlockable_plainly(path):
                f.add(f"{where} opens with plain sqlite3: not encrypted")
            elif _PLAIN_HEADER in data:
                f.add(f"{where} holds a plain SQLite page 1 (the header \"SQLite format 3\")")
            found = sorted({wanted[m.group()] for m in pattern.finditer(data)} if pattern else set(),
                           key=lambda label: (not label.startswith("the name"), label))
            if found:
                more = f" and {len(found) - 4} more" if len(found) > 4 else ""
                f.add(f"{where} holds in the clear {', '.join(found[:4])}{more}")


def check_all(server: ServerView, stores: list[StoreView], devices: Mapping[str, str],
              committed: Mapping[str, list[dict[str, Any]]], at_rest: Iterable[StoreFiles] | None = None) -> Findings:
    """1-8; and 9 on ``at_rest`` (the store files of encrypted counters, read before ``stores``)."""
    f = Findings()
    if at_rest is not None:
        check_at_rest(at_rest, server, stores, f)
    check_copies(server, stores, f)
    excused = frozenset(op.entity_id for st in stores for op in st.ops if _legitimate_conflict(op, server))
    check_commits(server, committed, f, excused)
    check_unique(server, stores, f)
    check_papers(server, f)
    check_voids(server, stores, f)
    check_outboxes(server, stores, devices, f)
    check_checksums(server, stores, f)
    check_staff(server, stores, f)
    check_role_changes(server, stores, f)
    check_anonymity(server, stores, f)
    return f
