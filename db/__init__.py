"""SQLAlchemy models, repositories and Alembic migrations of the local store."""
