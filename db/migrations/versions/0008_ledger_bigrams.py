"""ledger short words: 1- and 2-character grams of applicant and agent names, the matter names cases carry

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 22:40:00

The trigram index (``case_fts``) cannot find a word shorter than three characters, and most
Chinese words and given names are two. Two plain tables, kept in step by triggers on ``cases``
(so rows the sync client writes through the ORM are indexed the same way as the counter's own),
named under ``case_fts`` like the FTS5 shadow tables: part of the search index, not models:

- ``case_fts_gram(gram, at, case_rowid)``: every 1- and 2-character substring of the applicant's
  and the agent's name (ASCII letters lower-cased, as the trigram index folds them), one row per
  distinct gram of a case, with the time received (``at``, Unix seconds) so a word's newest cases
  are the end of one key range and a date filter narrows it. ``substr``/``length`` count code
  points, so a character above U+FFFF (王𬌗) is one.
- ``case_fts_matter(matter_id, matter_name)``: each matter name a case was opened under (a few
  hundred rows); the ledger matches a short word against these and then reads the cases of the
  matching matters through the existing ``matter_id`` index.

``case_fts_pos`` holds the positions 1..200 (the length of ``applicant_name``): SQLite does not
allow a recursive WITH inside a trigger. Existing cases are indexed here.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_POSITION = 200


def _at(record: str) -> str:
    return f"CAST(strftime('%s', {record}.received_at) AS INTEGER)"


def _grams(record: str) -> str:
    """SELECT of the distinct 1- and 2-character grams of ``record``'s two names (record: new/old)."""
    return (
        f"SELECT DISTINCT lower(substr(t.v, p.n, w.k)) AS gram, {_at(record)} AS at, {record}.rowid AS case_rowid"
        f" FROM (SELECT {record}.applicant_name AS v UNION ALL SELECT {record}.agent_name) AS t"
        " JOIN case_fts_pos AS p ON p.n <= length(t.v)"
        " JOIN (SELECT 1 AS k UNION ALL SELECT 2) AS w ON w.k = 1 OR p.n < length(t.v)"
    )


def _delete_grams(record: str) -> str:
    return f"DELETE FROM case_fts_gram WHERE (gram, at, case_rowid) IN ({_grams(record)});"


def upgrade() -> None:
    """Upgrade schema."""
    op.execute("CREATE TABLE case_fts_pos (n INTEGER PRIMARY KEY)")
    op.execute(
        "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < "
        f"{MAX_POSITION}) INSERT INTO case_fts_pos(n) SELECT n FROM seq"
    )
    op.execute(
        "CREATE TABLE case_fts_gram (gram TEXT NOT NULL, at INTEGER NOT NULL, case_rowid INTEGER NOT NULL,"
        " PRIMARY KEY (gram, at, case_rowid)) WITHOUT ROWID"
    )
    op.execute(
        "CREATE TABLE case_fts_matter (matter_id VARCHAR(36) NOT NULL, matter_name VARCHAR(200) NOT NULL,"
        " PRIMARY KEY (matter_id, matter_name)) WITHOUT ROWID"
    )
    # Existing cases, in key order so the tree is written front to back.
    op.execute(
        "INSERT OR IGNORE INTO case_fts_gram(gram, at, case_rowid)"
        " SELECT lower(substr(t.v, p.n, w.k)), t.at, t.r FROM"
        f" (SELECT rowid AS r, {_at('cases')} AS at, applicant_name AS v FROM cases UNION ALL"
        f" SELECT rowid, {_at('cases')}, agent_name FROM cases WHERE agent_name != '') AS t"
        " JOIN case_fts_pos AS p ON p.n <= length(t.v)"
        " JOIN (SELECT 1 AS k UNION ALL SELECT 2) AS w ON w.k = 1 OR p.n < length(t.v)"
        " ORDER BY 1, 2, 3"
    )
    op.execute(
        "INSERT OR IGNORE INTO case_fts_matter(matter_id, matter_name)"
        " SELECT DISTINCT matter_id, matter_name FROM cases"
    )
    op.execute(
        "CREATE TRIGGER cases_gram_ai AFTER INSERT ON cases BEGIN "
        f"INSERT OR IGNORE INTO case_fts_gram(gram, at, case_rowid) {_grams('new')}; "
        "INSERT OR IGNORE INTO case_fts_matter(matter_id, matter_name) VALUES (new.matter_id, new.matter_name); "
        "END"
    )
    op.execute(
        "CREATE TRIGGER cases_gram_au AFTER UPDATE OF applicant_name, agent_name, received_at ON cases BEGIN "
        f"{_delete_grams('old')} "
        f"INSERT OR IGNORE INTO case_fts_gram(gram, at, case_rowid) {_grams('new')}; "
        "END"
    )
    op.execute(
        "CREATE TRIGGER cases_matter_name_au AFTER UPDATE OF matter_id, matter_name ON cases BEGIN "
        "INSERT OR IGNORE INTO case_fts_matter(matter_id, matter_name) VALUES (new.matter_id, new.matter_name); "
        "END"
    )
    op.execute(f"CREATE TRIGGER cases_gram_ad AFTER DELETE ON cases BEGIN {_delete_grams('old')} END")


def downgrade() -> None:
    """Downgrade schema."""
    for trigger in ("cases_gram_ad", "cases_matter_name_au", "cases_gram_au", "cases_gram_ai"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in ("case_fts_matter", "case_fts_gram", "case_fts_pos"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
