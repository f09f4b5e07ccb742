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
5. the checksum of the hall scope the server keeps equals the checksum recomputed from its rows
   and from every counter's rows.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.sync.checksum import scope_checksum
from app.sync.protocol import hall_scope
from app.sync.rows import entity_row
from db.engine import create_sqlite_engine
from db.models import Case, Enquiry, Notice, OutboxOp, Suspension, VoidNumber

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
    return rows


@dataclass(frozen=True)
class Op:
    client_seq: int
    op_id: str
    kind: str
    entity_id: str
    status: str
    result: str | None
    acked_epoch: str | None


@dataclass
class StoreView:
    name: str
    rows: Rows
    ops: list[Op]


@dataclass
class ServerView:
    rows: Rows
    inbox: list[tuple[str, int, str, str]]  # client_id, client_seq, op_id, status
    checksum: str
    row_count: int
    epoch: str


def read_store(name: str, path: Path, hall_id: str) -> StoreView:
    engine = create_sqlite_engine(path)
    try:
        with Session(engine) as s:
            ops = [Op(o.client_seq, o.op_id, o.kind, o.entity_id, o.status, o.result, o.acked_epoch)
                   for o in s.scalars(select(OutboxOp).order_by(OutboxOp.client_seq))]
            return StoreView(name, hall_rows(s, hall_id), ops)
    finally:
        engine.dispose()


def read_server(url: str, hall_id: str) -> ServerView:
    from server.engine import ServerDatabase
    from server.meta import current_epoch
    from server.schema import InboxOp, ScopeCounter

    db = ServerDatabase(url)
    try:
        with db.snapshot() as s:
            inbox = [(i.client_id, i.client_seq, i.op_id, i.status) for i in s.scalars(select(InboxOp))]
            counter = s.get(ScopeCounter, hall_scope(hall_id))
            return ServerView(hall_rows(s, hall_id), inbox, counter.checksum if counter else "0" * 16,
                              counter.row_count if counter else 0, current_epoch(s))
    finally:
        db.dispose()


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


def check_copies(server: ServerView, stores: list[StoreView], f: Findings) -> None:
    """1: each counter's copy of the hall equals the server's."""
    for st in stores:
        missing = sorted(set(server.rows) - set(st.rows))
        extra = sorted(set(st.rows) - set(server.rows))
        for entity, rid in extra:
            f.add(f"{st.name}: {entity} {rid} {_label(st.rows[(entity, rid)])} is not on the server (lost)")
        for entity, rid in missing:
            f.add(f"{st.name}: lacks the server's {entity} {rid} {_label(server.rows[(entity, rid)])}")
        for key in sorted(set(st.rows) & set(server.rows)):
            if st.rows[key] != server.rows[key]:
                f.add(f"{st.name}: {key[0]} {key[1]} differs from the server: {_diff(st.rows[key], server.rows[key])}")


def _label(row: Mapping[str, Any]) -> str:
    return str(row.get("number") or row.get("topic") or row.get("reason") or "")[:40]


def check_commits(server: ServerView, committed: Mapping[str, list[dict[str, Any]]], f: Findings) -> None:
    """2: every action reported committed is on the server."""
    numbers = {r["number"] for (e, _), r in server.rows.items() if e == "notice"}
    voided = {r["number"] for (e, _), r in server.rows.items() if e == "void_number"}
    for name, records in committed.items():
        for c in records:
            if "enquiry_id" in c:
                if ("enquiry", c["enquiry_id"]) not in server.rows:
                    f.add(f"{name}: committed enquiry {c['enquiry_id']} is not on the server (lost)")
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
        for (e, rid), r in rows.items():
            if e != "notice":
                continue
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
        device = devices[st.name]
        for op in st.ops:
            if op.status not in ("acked", "resolved"):
                f.add(f"{st.name}: op #{op.client_seq} {op.kind} {op.entity_id} is {op.status} "
                      f"({op.result or 'no answer'})")
                continue
            stored = inbox.get((device, op.client_seq))
            if stored is None:
                f.add(f"{st.name}: acknowledged op #{op.client_seq} {op.kind} is not in the server's inbox "
                      f"(acked under epoch {str(op.acked_epoch)[:8]}, server epoch {server.epoch[:8]})")
            elif stored[0] != op.op_id:
                f.add(f"{st.name}: server inbox #{op.client_seq} holds op {stored[0]}, the counter's is {op.op_id}")


def check_checksums(server: ServerView, stores: list[StoreView], f: Findings) -> None:
    """5: the server's running checksum is the checksum of its rows, and of every counter's."""
    def checksum(rows: Rows) -> str:
        return scope_checksum((e, i, r) for (e, i), r in rows.items())

    mine = checksum(server.rows)
    if mine != server.checksum or len(server.rows) != server.row_count:
        f.add(f"server hall scope checksum {server.checksum}/{server.row_count} rows, "
              f"but its rows give {mine}/{len(server.rows)}")
    for st in stores:
        if checksum(st.rows) != server.checksum:
            f.add(f"{st.name}: hall checksum {checksum(st.rows)} != server's {server.checksum}")


def check_all(server: ServerView, stores: list[StoreView], devices: Mapping[str, str],
              committed: Mapping[str, list[dict[str, Any]]]) -> Findings:
    f = Findings()
    check_copies(server, stores, f)
    check_commits(server, committed, f)
    check_unique(server, stores, f)
    check_papers(server, f)
    check_voids(server, stores, f)
    check_outboxes(server, stores, devices, f)
    check_checksums(server, stores, f)
    return f
