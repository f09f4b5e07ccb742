"""THE anonymity test of 互评 (docs/peer-evaluation.md): seven people vote at three counters through
the real server app (SQLite and PostgreSQL), one changes their vote, a push is replayed, the server
is restored from a backup and healed by the counters' re-push, the round is closed. Then every row
of every table on every counter and on the server (outbox payloads and replies, audit events, the
inbox answers, the change log, the audit chain, the ballot box) is read, and the test fails if any
row links a ballot's key or scores to its rater, if a ballot-side value can be had from a rater's id
without the password, or if a queued ballot holds anything readable."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from app.peer import keys, policy, seal
from app.services import Services
from app.sync.protocol import PEER_BALLOT
from db.models import OutboxOp, Staff
from server import backup as server_backup
from server.meta import naive_utc
from server.peer_ops import ensure_ballot_key
from server.schema import BallotBoxKey, PeerBallot
from tests.sync.kit import Hall, actor, reopen_all

PASSWORD = "demo1234"
VOTERS = {"a": ("zhangmin", "liqiang"), "b": ("wangfang", "zhaoli"), "c": ("sunhao", "chenjing", "wangxin")}
_VECTORS: Iterator[tuple[int, ...]] = iter(product(range(1, 6), repeat=4))  # a unique score vector per ballot


@dataclass(frozen=True)
class Person:
    id: str
    login: str
    name: str


@dataclass(frozen=True)
class Ballot:
    rater: Person
    ratee: str
    key: str
    scores: dict[str, int]


def _people(services: Services) -> dict[str, Person]:
    with services.ctx.db.read() as s:
        return {p.login: Person(p.id, p.login, p.name) for p in s.scalars(select(Staff))}


def _vote(services: Services, login: str, round_id: str, cast: dict[tuple[str, str], Ballot],
          people: dict[str, Person]) -> None:
    me = actor(services, login)
    sheet = services.peer.sheet(me, round_id)
    codes = [d[0] for d in sheet.round.dimensions]
    scores = {c.staff_id: dict(zip(codes, next(_VECTORS), strict=True)) for c in sheet.colleagues}
    services.peer.vote(me, round_id, PASSWORD, scores)
    voter = keys.voter_key(PASSWORD, round_id, me.id)
    for ratee, s in scores.items():
        cast[(me.id, ratee)] = Ballot(people[login], ratee, keys.ballot_key(voter, round_id, ratee), s)


# -- reading every row ------------------------------------------------------------------------------

def _counter_rows(services: Services) -> Iterator[tuple[str, tuple[Any, ...]]]:
    with services.ctx.db.read() as s:
        tables = [r[0] for r in s.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))]
        for table in tables:
            for row in s.execute(text(f'SELECT * FROM "{table}"')):
                yield table, tuple(row)


def _server_rows(hall: Hall) -> Iterator[tuple[str, tuple[Any, ...]]]:
    db = hall.server.db
    pg = not db.is_sqlite
    with db.snapshot() as s:
        for table in inspect(s.get_bind()).get_table_names():
            sql = f'SELECT xmin::text AS xmin, * FROM "{table}"' if pg else f'SELECT * FROM "{table}"'
            for row in s.execute(text(sql)):
                yield table, tuple(row)


def _walk(value: Any, texts: list[str], dicts: list[dict[str, Any]]) -> None:
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


def _holds(row: tuple[Any, ...]) -> tuple[str, list[dict[str, Any]]]:
    texts: list[str] = []
    dicts: list[dict[str, Any]] = []
    _walk(row, texts, dicts)
    return "\u241f".join(texts), dicts


def _names(person: Person, blob: str) -> bool:
    return person.id in blob or person.login in blob or person.name in blob


def _same_scores(d: dict[str, Any], scores: dict[str, int]) -> bool:
    return all(type(v) is int for v in d.values()) and d == scores


def _inspect(rows: list[tuple[str, tuple[Any, ...]]], cast: dict[tuple[str, str], Ballot], *,
             ballots_allowed_in: frozenset[str]) -> None:
    """No row holds a ballot's key or scores together with its rater; a key or the scores appear only
    in the tables named (the server's ballot box while the round is open)."""
    for table, row in rows:
        blob, dicts = _holds(row)
        for b in cast.values():
            has_key = b.key in blob
            has_scores = any(_same_scores(d, b.scores) for d in dicts)
            if not (has_key or has_scores):
                continue
            assert table in ballots_allowed_in, f"{table} holds a ballot: {row}"
            assert not _names(b.rater, blob), f"{table} links a ballot to its rater {b.rater.login}: {row}"


def _check_queued_ballots(counters: list[Services], cast: dict[tuple[str, str], Ballot], private: str,
                          round_id: str) -> None:
    """Every queued ballot is sealed (opens only with the server's key), has no actor and no audit
    event, and has random ids that no rater's id gives."""
    ratees = {b.ratee for b in cast.values()}
    for services in counters:
        with services.ctx.db.read() as s:
            ballots = list(s.scalars(select(OutboxOp).where(OutboxOp.kind == PEER_BALLOT)))
            audit = s.execute(text("SELECT count(*) FROM audit_event WHERE action = :k"), {"k": PEER_BALLOT}).scalar()
        assert ballots and audit == 0
        for op in ballots:
            assert op.actor_id is None and set(op.payload) == {"round_id", "sealed"}
            assert {uuid.UUID(op.entity_id).version, uuid.UUID(op.op_id).version} == {4}
            raw = base64.urlsafe_b64decode(op.payload["sealed"] + "==")
            assert not any(r.encode() in raw or r in op.payload["sealed"] for r in ratees)
            assert b'"scores"' not in raw and b"ballot_key" not in raw
            ratee, key, _ = policy.parse_ballot(seal.open_sealed(private, op.payload["sealed"]))
            assert ratee in ratees and policy.HEX64.fullmatch(key)
            assert op.server_reply is None or op.server_reply.get("row") is None


def _not_derivable(cast: dict[tuple[str, str], Ballot], round_id: str) -> None:
    """Nothing about a ballot's key follows from the rater's id without the password."""
    for b in cast.values():
        r, e = b.rater.id, b.ratee
        guesses = {hashlib.sha256(f"{x}".encode()).hexdigest() for x in (r, f"{round_id}:{r}:{e}", f"{r}{e}",
                                                                          f"{round_id}{r}{e}")}
        guesses |= {hmac.new(r.encode(), f"{round_id}:{e}".encode(), hashlib.sha256).hexdigest(),
                    hmac.new(r.encode(), f"ballot:{round_id}:{e}".encode(), hashlib.sha256).hexdigest(),
                    str(uuid.uuid5(uuid.NAMESPACE_OID, f"{round_id}:{r}:{e}")).replace("-", "")}
        for wrong in ("", r, b.rater.login, "demo12345"):
            guesses.add(keys.ballot_key(keys.voter_key(wrong, round_id, r), round_id, e))
        assert b.key not in guesses


def _server_ballots(hall: Hall, round_id: str) -> dict[tuple[str, str], dict[str, int]]:
    with hall.server.db.snapshot() as s:
        return {(b.ratee_id, b.ballot_key): b.scores
                for b in s.scalars(select(PeerBallot).where(PeerBallot.round_id == round_id))}


def _one_transaction_per_ratee(hall: Hall) -> None:
    """PostgreSQL: xmin of a ballot must not single out the ballots that came with one vote."""
    if hall.server.db.is_sqlite:
        return
    with hall.server.db.snapshot() as s:
        rows = s.execute(text("SELECT ratee_id, count(DISTINCT xmin::text) FROM peer_ballot GROUP BY ratee_id")).all()
    assert rows and all(n == 1 for _, n in rows), rows


def _check_results(a: Services, b: Services, round_id: str, people: dict[str, Person]) -> None:
    """Below the round's minimum (7 here): the count only; at or above it: the averages."""
    results = {r.name: r for r in b.peer.results(actor(b, "zhaoli"), round_id)}
    assert set(results) == {"赵丽"} and not results["赵丽"].shown  # a voter: 6 ballots < 7
    everyone = {r.staff_id: r for r in a.peer.results(actor(a, "liuyang"), round_id)}
    assert len(everyone) == 12
    voters = {people[login].id for logins in VOTERS.values() for login in logins}
    for staff_id, r in everyone.items():
        assert r.ballots == (6 if staff_id in voters else 7)
        assert r.shown == (staff_id not in voters) and (r.averages is None) == (staff_id in voters)


def test_nothing_on_either_side_links_a_ballot_to_its_rater(hall: Hall, tmp_path: Path) -> None:
    if not hall.server.db.is_sqlite and not shutil.which("pg_restore"):
        pytest.skip("pg_dump/pg_restore are not installed")
    now = naive_utc(hall.server.clock)
    ensure_ballot_key(hall.server.db, now)  # what the server does at start
    with hall.server.db.snapshot() as s:
        key = s.get(BallotBoxKey, "current")
        assert key is not None
        private = key.private_key
    counters = {name: hall.counter(name, window) for name, window in (("a", "01"), ("b", "03"), ("c", "05"))}
    a, b, c = counters["a"], counters["b"], counters["c"]
    for counter in counters.values():
        counter.sync.sync_once()
    people = _people(a)
    round_id = a.peer.open_round(actor(a, "liuyang"), "2026年3月窗口互评", "2026-03", "hall", min_ballots=7).id
    a.sync.sync_once()
    cast: dict[tuple[str, str], Ballot] = {}
    for name, logins in VOTERS.items():
        counters[name].sync.sync_once()
        for login in logins[:-1] if name == "c" else logins:  # wangxin votes later
            _vote(counters[name], login, round_id, cast, people)
        counters[name].sync.sync_once()
    # a push replayed: the server answers from its inbox and changes nothing
    assert reopen_all(b) > 0
    assert b.sync.sync_once().rejected == 0
    saved = server_backup.backup(hall.server.db, tmp_path / "backups", now)
    _vote(b, "zhaoli", round_id, cast, people)  # changes her vote after the backup
    _vote(c, "wangxin", round_id, cast, people)  # votes after the backup
    for counter in counters.values():
        counter.sync.sync_once()
    expected = {(x.ratee, x.key): x.scores for x in cast.values()}
    assert _server_ballots(hall, round_id) == expected
    server_backup.restore(hall.server.db, saved, now)  # loses zhaoli's change and wangxin's vote
    assert _server_ballots(hall, round_id) != expected
    for counter in counters.values():
        report = counter.sync.sync_once()
        assert report.epoch_changed and report.rejected == report.conflicts == 0
    assert _server_ballots(hall, round_id) == expected  # healed by the re-push, replacing, not adding
    assert len(expected) == 7 * 11

    stores = list(counters.values())
    _check_queued_ballots(stores, cast, private, round_id)
    _not_derivable(cast, round_id)
    _one_transaction_per_ratee(hall)
    for counter in stores:
        _inspect(list(_counter_rows(counter)), cast, ballots_allowed_in=frozenset())
    _inspect(list(_server_rows(hall)), cast, ballots_allowed_in=frozenset({"peer_ballot"}))

    a.sync.sync_once()  # the turnout c pushed again after a's re-push
    round_item = next(r for r in a.peer.rounds(actor(a, "liuyang")) if r.id == round_id)
    assert round_item.voted == 7
    a.peer.close_round(actor(a, "liuyang"), round_id, round_item.version)
    for counter in (a, b, c):
        counter.sync.sync_once()
    for counter in stores:
        _inspect(list(_counter_rows(counter)), cast, ballots_allowed_in=frozenset())
    _inspect(list(_server_rows(hall)), cast, ballots_allowed_in=frozenset())  # the box is emptied at the close
    _check_results(a, b, round_id, people)
