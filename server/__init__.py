"""The central server (FastAPI on SQLAlchemy): device enrolment, push of outbox operations, pull
of commit-ordered changes per scope, number-block leasing. Contract: docs/sync-protocol.md.
Nothing outside server/ and its tests imports this package."""
