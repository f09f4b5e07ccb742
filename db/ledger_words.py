"""Ledger search for words of one or two characters, which the trigram index cannot find.

Names (applicant, agent): ``case_fts_gram`` holds every 1- and 2-character substring of both names,
one row per case and gram with the time the case was received (migration 0008, kept by triggers on
``cases``), so a word's newest cases, within a date window or not, are the end of one key range.

Matter names: the few distinct names cases were opened under (``case_fts_matter``) are matched
here; the cases of the matching matters are then read through the ``matter_id`` indexes. A
2-character word also matches a matter name whose characters it takes in order, as Chinese short
forms do (低保 = 最低生活保障, 社保 = 社会保险): at most ``ABBREVIATION_GAP`` characters apart,
within one part of the name (not across brackets or enumeration commas).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, column, literal_column, text
from sqlalchemy.orm import Session

SHORT_WORD = 2
ABBREVIATION_GAP = 2
_SEPARATORS = frozenset("（）()、，,；;：:“”\"‘’'《》〈〉【】[]「」『』 /·-—")
_ASCII_UPPER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(value: str) -> str:
    """ASCII letters lower-cased, as SQLite's lower() does in the triggers; nothing else changed."""
    return value.translate(_ASCII_UPPER)


def matches_matter(word: str, name: str) -> bool:
    """``word`` (1 or 2 characters, folded) is in matter ``name``, or abbreviates it (see module doc)."""
    name = fold(name)
    if word in name:
        return True
    if len(word) != 2:
        return False
    first, second = word[0], word[1]
    for i, ch in enumerate(name):
        if ch != first:
            continue
        for j in range(i + 1, min(len(name), i + ABBREVIATION_GAP + 2)):
            if name[j] in _SEPARATORS:
                break
            if name[j] == second:
                return True
    return False


@dataclass(frozen=True)
class Scope:
    """How many candidates each lookup hands on (newest received first), and the received-at
    window [since, before) the search is limited to, if any."""

    cap: int
    since: dt.datetime | None = None
    before: dt.datetime | None = None


def short_word_conditions(session: Session, word: str, scope: Scope) -> list[Any]:
    """Conditions on ``cases`` for a 1- or 2-character ``word``: a name contains it, or the case's
    matter name does; each is the newest ``scope.cap`` such cases within the window."""
    rowid: ColumnElement[Any] = literal_column("cases.rowid")
    params: dict[str, Any] = {"gram": fold(word), "cap": scope.cap}
    window = ""
    if scope.since is not None:
        window += " AND at >= :since"
        params["since"] = _seconds(scope.since)
    if scope.before is not None:
        window += " AND at < :before"
        params["before"] = _seconds(scope.before)
    names = text(
        f"SELECT case_rowid FROM case_fts_gram WHERE gram = :gram{window} ORDER BY at DESC, case_rowid DESC LIMIT :cap"
    ).bindparams(**params)
    conds = [rowid.in_(names.columns(column("case_rowid")))]
    matters = _matter_candidates(session, fold(word), scope)
    if matters is not None:
        conds.append(rowid.in_(matters))
    return conds


def _seconds(at: dt.datetime) -> int:
    """Unix seconds of a naive datetime read as UTC, as SQLite's strftime('%s') reads the column."""
    return calendar.timegm(at.timetuple())


def _stored(at: dt.datetime) -> str:
    """As SQLAlchemy's DateTime stores it in SQLite (and binds it in the outer query)."""
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def _matter_candidates(session: Session, word: str, scope: Scope) -> Any | None:
    pairs: Sequence[Any] = session.execute(text("SELECT matter_id, matter_name FROM case_fts_matter")).all()
    known: dict[str, list[str]] = {}
    for matter_id, name in pairs:
        known.setdefault(str(matter_id), []).append(str(name))
    hits = {m: [n for n in names if matches_matter(word, n)] for m, names in known.items()}
    hits = {m: names for m, names in hits.items() if names}
    if not hits:
        return None
    params: dict[str, Any] = {"cap": scope.cap}
    window = ""
    if scope.since is not None:
        window += " AND received_at >= :since"
        params["since"] = _stored(scope.since)
    if scope.before is not None:
        window += " AND received_at < :before"
        params["before"] = _stored(scope.before)
    clauses = [_matter_clause(i, m, names, known[m], params) for i, (m, names) in enumerate(hits.items())]
    if len(hits) ** 2 > 3 * len(known):
        # Many matters match: walking the whole ledger newest first meets `cap` of them soon.
        sql = (f"SELECT rowid AS r FROM cases INDEXED BY ix_case_received_at WHERE ({' OR '.join(clauses)})"
               f"{window} ORDER BY received_at DESC LIMIT :cap")
    else:
        # Few: the newest `cap` of each through (matter_id, received_at), merged.
        parts = [
            f"SELECT * FROM (SELECT rowid AS r, received_at AS at FROM cases WHERE {clause}{window}"
            " ORDER BY received_at DESC LIMIT :cap)"
            for clause in clauses
        ]
        sql = f"SELECT r FROM ({' UNION ALL '.join(parts)}) ORDER BY at DESC LIMIT :cap"
    return text(sql).bindparams(**params).columns(column("r"))


def _matter_clause(i: int, matter_id: str, hit: list[str], every: list[str], params: dict[str, Any]) -> str:
    params[f"m{i}"] = matter_id
    if len(hit) == len(every):
        return f"matter_id = :m{i}"
    names = []
    for j, name in enumerate(hit):
        params[f"m{i}n{j}"] = name
        names.append(f":m{i}n{j}")
    return f"(matter_id = :m{i} AND matter_name IN ({', '.join(names)}))"
