"""The server's migrations build exactly the schema server.schema declares, on both databases,
and go down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.engine import ServerDatabase, alembic_config, migrate
from server.schema import ServerBase


def test_migrations_match_the_declared_schema(server_db: ServerDatabase) -> None:
    with server_db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), ServerBase.metadata)
    assert diff == []


def test_down_to_nothing_and_up_again(server_db: ServerDatabase) -> None:
    cfg = alembic_config()
    with server_db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    migrate(server_db)
    with server_db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), ServerBase.metadata) == []
