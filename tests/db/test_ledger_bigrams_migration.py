"""Migration 0008 (ledger grams): a store with cases in it comes out with every case indexed, the
triggers index what is written afterwards exactly as the upgrade indexed what was there, and the
downgrade gives back the 0007 schema."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command

from app.clock import FixedClock
from app.context import Actor
from app.dto import Applicant, IntakeRequest, LedgerQuery
from app.services import Services
from db.engine import alembic_config, create_sqlite_engine, current_revision, migrate
from tests.app.kit import IntakeKit

RELEASE = Path(__file__).parent / "fixtures" / "release-0.1.0.sqlite3"
AFTER = dt.datetime(2026, 3, 16, 9, 30)
_ASCII = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _rows(path: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _expected_grams(path: Path) -> set[tuple[str, int]]:
    """Every 1- and 2-character substring of each case's applicant and agent name, computed here."""
    out: set[tuple[str, int]] = set()
    for rowid, *names in _rows(path, "SELECT rowid, applicant_name, agent_name FROM cases"):
        for name in names:
            folded = name.translate(_ASCII)
            out.update((folded[i:i + k], rowid) for k in (1, 2) for i in range(len(folded) - k + 1))
    return out


def _grams(path: Path) -> set[tuple[str, int]]:
    """The index's (gram, case) pairs, once each receipt time is checked against its case."""
    wrong_time = _rows(path, "SELECT count(*) FROM case_fts_gram AS g JOIN cases AS c ON c.rowid = g.case_rowid"
                             " WHERE g.at != CAST(strftime('%s', c.received_at) AS INTEGER)")
    assert wrong_time == [(0,)]
    return set(_rows(path, "SELECT gram, case_rowid FROM case_fts_gram"))


@pytest.fixture
def release_copy(tmp_path: Path) -> Path:
    target = tmp_path / "counter-desk.sqlite3"
    shutil.copyfile(RELEASE, target)
    return target


@pytest.fixture
def upgraded(release_copy: Path) -> Iterator[Services]:
    services = Services.open_demo(release_copy, FixedClock(AFTER))
    yield services
    services.close()


def test_the_upgrade_indexes_the_cases_already_there(upgraded: Services, release_copy: Path) -> None:
    cases = _rows(release_copy, "SELECT count(*) FROM cases")[0][0]
    assert cases > 10
    assert _grams(release_copy) == _expected_grams(release_copy)
    names = set(_rows(release_copy, "SELECT matter_id, matter_name FROM case_fts_matter"))
    assert names == set(_rows(release_copy, "SELECT DISTINCT matter_id, matter_name FROM cases"))


def test_old_cases_are_found_by_short_words(upgraded: Services, release_copy: Path) -> None:
    def ids(text: str) -> set[str]:
        return {r.id for r in upgraded.ledger.search(LedgerQuery(text=text))}

    def having(sql_condition: str) -> set[str]:
        return {r[0] for r in _rows(release_copy, f"SELECT id FROM cases WHERE {sql_condition}")}

    assert ids("𬌗") == having("applicant_name LIKE '%𬌗%'") != set()
    assert ids("买提") == having("applicant_name LIKE '%买提%'") != set()
    assert ids("冯婷"[1]) >= having("applicant_name LIKE '%婷%'") != set()
    some_matter = _rows(release_copy, "SELECT matter_name FROM cases ORDER BY rowid LIMIT 1")[0][0]
    word = some_matter[2:4]
    assert ids(word) >= having(f"matter_name LIKE '%{word}%'") != set()


def test_the_triggers_index_new_and_changed_cases_as_the_upgrade_did(upgraded: Services, release_copy: Path) -> None:
    kit = IntakeKit(upgraded)
    clerk = upgraded.auth.login("zhangmin", "demo1234")
    m = kit.matter()
    request = IntakeRequest(m.id, Applicant("org", "Acme 青禾", "91350100M000100Y43", "", "赵刚",
                                            agent_name="欧阳𬌗", agent_id_number="110105194912310038"),
                            tuple(kit.materials(m.id)), decision=None)
    upgraded.intake.open_case(Actor(clerk.id, clerk.name), request, window_id=None)
    con = sqlite3.connect(release_copy)
    try:
        con.execute("UPDATE cases SET applicant_name = '林小路', agent_name = 'Bo' WHERE rowid = 1")
        con.execute("UPDATE cases SET received_at = '2025-12-31 08:00:00.000000' WHERE rowid = 2")
        con.commit()
    finally:
        con.close()
    assert _grams(release_copy) == _expected_grams(release_copy)
    assert ("𬌗", _rows(release_copy, "SELECT max(rowid) FROM cases")[0][0]) in _grams(release_copy)


def test_downgrade_to_0007_drops_the_index_and_upgrade_rebuilds_it(release_copy: Path) -> None:
    engine = create_sqlite_engine(release_copy)
    try:
        migrate(engine, "0007")
        schema_0007 = _rows(release_copy, "SELECT type, name, sql FROM sqlite_master ORDER BY name")
        migrate(engine)
        assert _grams(release_copy) == _expected_grams(release_copy)
        cfg = alembic_config(engine)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0007")
        assert current_revision(engine) == "0007"
        assert _rows(release_copy, "SELECT type, name, sql FROM sqlite_master ORDER BY name") == schema_0007
    finally:
        engine.dispose()
